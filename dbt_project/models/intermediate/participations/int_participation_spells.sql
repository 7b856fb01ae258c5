-- One row per participation and distinct entry date: the stretches a participation went through.
-- As at a cut-off only enrolments that started on or before it exist, so the participation's exit
-- as at the cut-off is the exit of the spell that covers it (spell_start <= cut-off < spell_end):
-- a participant who left and re-entered after the cut-off had left at the cut-off.
-- Enrolments with the same entry date (agreeing same-day duplicates) are one spell: still in if
-- any of them is open, else their latest exit.
with

enrolments as (
    select * from {{ ref('int_enrolments__current') }}
),

spells as (
    select
        md5(pilot_id || '|' || operation_id || '|' || person_key) as participation_id,
        pilot_id,
        operation_id,
        person_key,
        entry_date as spell_start,
        case when bool_or(exit_date is null) then null else max(exit_date) end as exit_date,
        count(*) as enrolment_count
    from enrolments
    group by pilot_id, operation_id, person_key, entry_date
)

select
    participation_id,
    pilot_id,
    operation_id,
    person_key,
    spell_start,
    lead(spell_start) over (partition by participation_id order by spell_start) as spell_end,
    exit_date,
    enrolment_count,
    row_number() over (partition by participation_id order by spell_start) as spell_number,
    row_number() over (partition by participation_id order by spell_start desc) = 1 as is_last_spell,
    max(enrolment_count) over (partition by participation_id) > 1 as has_same_day_duplicate
from spells
