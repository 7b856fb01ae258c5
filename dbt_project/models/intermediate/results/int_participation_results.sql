-- Result indicators as validity intervals: a row says "this participation counts in this result
-- indicator at every cut-off on or after valid_from and before valid_to (null: no end)". The
-- mart evaluates them at each cut-off; no row is multiplied by the number of cut-offs.
-- Each spell's exit (int_participation_spells) is judged on its own; a spell's rows end where the
-- next spell (a re-entry) starts, because from then on the participant is in again.
-- Rules (shared/domain.md section 2, "Project rules"):
--   upon leaving = events dated exit .. exit + 28 days; events before the exit never count;
--   EECR01/EECR04: the latest job-searching or employment event in the window decides (employment
--     wins a tie of dates), so the status can change as the window's events become known;
--   EECR02: any education/training event in the window; EECR03: any qualification event;
--   EECR05: from exit + 6 calendar months, when the latest job-searching or employment event
--     dated exit .. exit + 6 months is employment.
with

spells as (
    select * from {{ ref('int_participation_spells') }}
    where exit_date is not null
),

events as (
    select * from {{ ref('int_result_events__participations') }}
    where participation_id is not null
),

spell_events as (
    select
        spells.participation_id,
        spells.spell_start,
        spells.spell_end,
        spells.exit_date,
        (spells.exit_date + interval '6 months')::date as six_months_after_exit,
        events.event_id,
        events.event_type,
        events.is_employment,
        events.event_date,
        events.event_date <= spells.exit_date + 28 as is_upon_leaving
    from spells
    inner join events
        on
            spells.participation_id = events.participation_id
            and spells.exit_date <= events.event_date
            and events.event_date <= (spells.exit_date + interval '6 months')::date
),

-- Labour-market status upon leaving, one row per date of the window with such an event.
leaving_status_by_date as (
    select
        participation_id,
        spell_start,
        spell_end,
        event_date,
        case when bool_or(is_employment) then 'EECR04' else 'EECR01' end as indicator_code,
        coalesce(
            min(event_id) filter (where is_employment),
            min(event_id)
        ) as decided_by_event_id
    from spell_events
    where is_upon_leaving and (is_employment or event_type = 'job_searching')
    group by participation_id, spell_start, spell_end, event_date
),

leaving_status as (
    select
        participation_id,
        indicator_code,
        event_date as valid_from,
        least(
            lead(event_date) over (partition by participation_id, spell_start order by event_date),
            spell_end
        ) as valid_to,
        decided_by_event_id
    from leaving_status_by_date
),

-- Education/training (EECR02) and qualification (EECR03): from the first such event of the window.
leaving_any as (
    select distinct on (participation_id, spell_start, event_type)
        participation_id,
        case event_type when 'education_training' then 'EECR02' else 'EECR03' end as indicator_code,
        event_date as valid_from,
        spell_end as valid_to,
        event_id as decided_by_event_id
    from spell_events
    where is_upon_leaving and event_type in ('education_training', 'qualification')
    order by participation_id, spell_start, event_type, event_date, event_id
),

-- Six months after leaving (EECR05): the latest job-searching or employment event up to exit + 6
-- months decides; employment wins a tie of dates.
six_month_status as (
    select distinct on (participation_id, spell_start)
        participation_id,
        is_employment,
        six_months_after_exit,
        spell_end,
        event_id
    from spell_events
    where is_employment or event_type = 'job_searching'
    order by participation_id asc, spell_start asc, event_date desc, is_employment desc, event_id asc
),

six_months as (
    select
        participation_id,
        'EECR05' as indicator_code,
        six_months_after_exit as valid_from,
        spell_end as valid_to,
        event_id as decided_by_event_id
    from six_month_status
    where is_employment
),

intervals as (
    select * from leaving_status
    union all
    select * from leaving_any
    union all
    select * from six_months
)

select
    participation_id,
    indicator_code,
    valid_from,
    valid_to,
    decided_by_event_id
from intervals
-- an interval that starts when a re-entry has already begun never applies
where valid_to is null or valid_from < valid_to
