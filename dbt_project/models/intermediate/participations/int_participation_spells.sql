-- One row per participation and spell: a stretch of time during which the participant was in the
-- operation without a break. Stays (enrolments) of one participation may overlap (a second
-- enrolment starting before the first has ended): the participation is in while any of its stays
-- is open, so overlapping stays are merged into one spell (gaps and islands over [entry, exit),
-- exit null = open): a stay starting on or before the latest exit of the stays before it joins
-- their spell. A spell's exit is null when any of its stays is open, else the latest exit of its
-- stays (not the exit of the latest-starting stay).
-- As at a cut-off only stays that started on or before it exist, so the participation's exit as
-- at the cut-off is the exit of the spell that covers it (spell_start <= cut-off < spell_end):
-- a participant who left and re-entered after the cut-off had left at the cut-off. A stay of the
-- covering spell that starts after the cut-off never changes the answer: it joined the spell
-- because a stay started by the cut-off was still open after it.
with

enrolments as (
    select * from {{ ref('int_enrolments__current') }}
),

stays as (
    select
        {{ participation_key() }} as participation_id,
        pilot_id,
        operation_id,
        person_key,
        enrolment_id,
        entry_date,
        exit_date,
        count(*) over (partition by pilot_id, operation_id, person_key, entry_date) as same_day_count
    from enrolments
),

-- The latest exit among the stays that started before this one (an open stay never ends).
with_previous_exit as (
    select
        *,
        max(coalesce(exit_date, 'infinity'::date)) over (
            partition by participation_id
            order by entry_date, enrolment_id
            rows between unbounded preceding and 1 preceding
        ) as previous_latest_exit
    from stays
),

islands as (
    select
        *,
        sum(case when previous_latest_exit is null or entry_date > previous_latest_exit then 1 else 0 end)
            over (
                partition by participation_id
                order by entry_date, enrolment_id
                rows unbounded preceding
            ) as spell_number
    from with_previous_exit
),

spells as (
    select
        participation_id,
        pilot_id,
        operation_id,
        person_key,
        spell_number,
        min(entry_date) as spell_start,
        case when bool_or(exit_date is null) then null else max(exit_date) end as exit_date,
        count(*) as enrolment_count,
        max(same_day_count) as max_same_day_count
    from islands
    group by participation_id, pilot_id, operation_id, person_key, spell_number
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
    spell_number,
    row_number() over (partition by participation_id order by spell_start desc) = 1 as is_last_spell,
    max(max_same_day_count) over (partition by participation_id) > 1 as has_same_day_duplicate
from spells
