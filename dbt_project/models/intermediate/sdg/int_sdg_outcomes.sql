-- What happened to each participation, as validity intervals like int_indicator_members: a row
-- says "this participation has this outcome at every cut-off on or after valid_from and before
-- valid_to (null: no end)". Outcomes that are ESF+ indicators (reached = EECO01, EECR01-05) are
-- taken from int_indicator_members as they are; the denominators of their rates follow the same
-- rules (shared/domain.md section 2, "Project rules"): a leaver counts from exit + 28 days (the
-- upon-leaving window closed), from exit + 6 months for EECR05, until a re-entry starts the next
-- spell. Employment twelve months after leaving (the peers' retention figure, not an ESF+
-- indicator) applies the EECR05 rule at twelve months.
with

members as (
    select * from {{ ref('int_indicator_members') }}
    where member_type = 'participation'
),

counted as (
    select member_id as participation_id from members
    where indicator_code = 'EECO01'
),

spells as (
    select * from {{ ref('int_participation_spells') }}
    where
        exit_date is not null
        and participation_id in (select counted.participation_id from counted)
),

events as (
    select * from {{ ref('int_result_events__participations') }}
    where participation_id is not null and (is_employment or event_type = 'job_searching')
),

from_indicators as (
    select
        member_id as participation_id,
        case indicator_code
            when 'EECO01' then 'reached'
            when 'EECR01' then 'job_searching_upon_leaving'
            when 'EECR02' then 'education_training_upon_leaving'
            when 'EECR03' then 'qualification_upon_leaving'
            when 'EECR04' then 'employed_upon_leaving'
            when 'EECR05' then 'employed_six_months_after'
        end as outcome_code,
        valid_from,
        valid_to
    from members
    where indicator_code in ('EECO01', 'EECR01', 'EECR02', 'EECR03', 'EECR04', 'EECR05')
),

leavers as (
    select
        participation_id,
        'left' as outcome_code,
        exit_date + 28 as valid_from,
        spell_end as valid_to
    from spells
    union all
    select
        participation_id,
        'left_six_months_ago' as outcome_code,
        (exit_date + interval '6 months')::date as valid_from,
        spell_end as valid_to
    from spells
    union all
    select
        participation_id,
        'left_twelve_months_ago' as outcome_code,
        (exit_date + interval '12 months')::date as valid_from,
        spell_end as valid_to
    from spells
),

-- EECR05's rule at twelve months: the latest job-searching or employment event dated exit ..
-- exit + 12 months decides; employment wins a tie of dates.
twelve_month_status as (
    select distinct on (spells.participation_id, spells.spell_start)
        spells.participation_id,
        events.is_employment,
        (spells.exit_date + interval '12 months')::date as valid_from,
        spells.spell_end as valid_to
    from spells
    inner join events
        on
            spells.participation_id = events.participation_id
            and spells.exit_date <= events.event_date
            and events.event_date <= (spells.exit_date + interval '12 months')::date
    order by
        spells.participation_id asc,
        spells.spell_start asc,
        events.event_date desc,
        events.is_employment desc,
        events.event_id asc
),

twelve_months as (
    select
        participation_id,
        'employed_twelve_months_after' as outcome_code,
        valid_from,
        valid_to
    from twelve_month_status
    where is_employment
),

outcomes as (
    select * from from_indicators
    union all
    select * from leavers
    union all
    select * from twelve_months
)

select
    participation_id,
    outcome_code,
    valid_from,
    valid_to
from outcomes
-- an interval that starts when a re-entry has already begun never applies
where valid_to is null or valid_from < valid_to
