-- Result indicators as validity intervals: a row says "this participation counts in this result
-- indicator at every cut-off on or after valid_from and before valid_to (null: no end)". The
-- mart evaluates them at each cut-off; no row is multiplied by the number of cut-offs.
-- Each spell's exit (int_participation_spells: overlapping stays already merged, so a spell's exit
-- is the participation's exit) is judged on its own; a spell's rows end where the next spell (a
-- re-entry) starts, because from then on the participant is in again.
-- Rules (shared/domain.md section 2, "Project rules"):
--   upon leaving = events dated exit .. exit + 28 days; events before the exit never count;
--   EECR01-04 count from exit + 28 days (the window closed), never while the window is open;
--   EECR01/EECR04: the latest job-searching or employment event in the window decides (employment
--     wins a tie of dates);
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
        spells.exit_date + 28 as window_closed_on,
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

-- Upon leaving (EECR01-04) counts only once the window has closed (exit + 28 days <= cut-off),
-- as EECR05 waits for its six months: so a later event of the window never turns a transmitted
-- EECR01 into an EECR04 and a cumulative value never falls between two transmissions.
-- EECR01/EECR04: the latest job-searching or employment event of the window decides; employment
-- wins a tie of dates.
leaving_status as (
    select distinct on (participation_id, spell_start)
        participation_id,
        case when is_employment then 'EECR04' else 'EECR01' end as indicator_code,
        window_closed_on as valid_from,
        spell_end as valid_to,
        event_id as decided_by_event_id
    from spell_events
    where is_upon_leaving and (is_employment or event_type = 'job_searching')
    order by participation_id asc, spell_start asc, event_date desc, is_employment desc, event_id asc
),

-- Education/training (EECR02) and qualification (EECR03): any such event of the window (the first
-- one is named as the deciding event).
leaving_any as (
    select distinct on (participation_id, spell_start, event_type)
        participation_id,
        case event_type when 'education_training' then 'EECR02' else 'EECR03' end as indicator_code,
        window_closed_on as valid_from,
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
