-- What keeps records out of the ESF+ indicators, or makes them less certain, in one long table:
-- one row per check, pilot, action, fund, gender, indicator and detail with how many items.
--   art_17_5_incomplete            participations left out of every indicator (Art. 17(5)): the
--                                  first enrolment lacks a core datum (detail: which)
--   under_15_at_entry              participants younger than 15 at entry (counted; flagged)
--   same_day_duplicate             participations with two enrolments on one entry date that
--                                  agreed on every point 1.1 datum (counted once)
--   point_1_2_not_answered         point 1.2 answers of counted participants that count as not
--                                  answered in seeds/point_1_2_answers.csv (refused, unknown), per
--                                  indicator (detail: the answer); never guessed
--   rural_status_unknown           counted participants whose rural status (EECO17) is not known:
--                                  no residence comune, or a real comune without a known degree of
--                                  urbanisation (detail: which, with the comune code); counted as
--                                  not rural
--   unemployed_without_months      counted unemployed participants without months of
--                                  unemployment: counted as not long-term unemployed (EECO03)
--   sdg_characteristic_not_answered  refused or unknown answers of counted participants to the
--                                  project's SDG fields (detail: '<field>: refused|unknown', fields
--                                  in_education_training and at_risk_of_poverty); never guessed
--   neet_status_unknown            counted participants aged 15-29, unemployed or inactive, whose
--                                  in_education_training answer is refused or unknown: they could
--                                  be NEET (SDG 8.6) but are not counted as such (detail: the answer)
--   result_event_unknown_enrolment result events whose enrolment is not known (counted nowhere)
--   operation_unknown              participations or supports of an operation never landed
--                                  (detail: the operation code): no action or fund to count under
--   operation_without_action_or_fund  operations landed without one (the contract requires
--                                  both, so this stays empty unless the contract changes)
--   unknown_target_group           operations declaring a target group outside the reference seed
--   selection_date_from_start      operations landed without a selection date (before the contract
--                                  had one): the start date stands in for it (detail: the operation)
--   pilot_not_in_reference         pilots landed without a row in the pilots seed (no NUTS3)
-- Current state (the latest version of every record), not per cut-off.
with

participations as (
    select * from {{ ref('int_participations') }}
),

counted as (
    select * from participations
    where has_complete_core_data and is_operation_known
),

answers as (
    select
        counted.pilot_id,
        counted.action_code,
        counted.fund,
        counted.gender,
        questions.indicator_code,
        questions.answer
    from counted
    cross join lateral (
        values
        ('EECO12', counted.disability),
        ('EECO13', counted.third_country_national),
        ('EECO14', counted.foreign_background),
        ('EECO15', counted.minority),
        ('EECO16', counted.homeless),
        ('EECO17', counted.rural)
    ) as questions (indicator_code, answer)
),

events as (
    select * from {{ ref('int_result_events__participations') }}
),

operations as (
    select * from {{ ref('int_operations__current') }}
),

supports as (
    select * from {{ ref('int_supported_entities__per_operation') }}
),

issues as (
    select
        'art_17_5_incomplete' as check_name,
        pilot_id,
        action_code,
        fund,
        coalesce(gender, 'unknown') as gender,
        null as indicator_code,
        missing_core_data as detail
    from participations
    where not has_complete_core_data

    union all
    select
        'under_15_at_entry' as check_name,
        pilot_id,
        action_code,
        fund,
        coalesce(gender, 'unknown') as gender,
        null as indicator_code,
        'age ' || age_at_entry as detail
    from participations
    where is_under_15_at_entry

    union all
    select
        'same_day_duplicate' as check_name,
        pilot_id,
        action_code,
        fund,
        coalesce(gender, 'unknown') as gender,
        null as indicator_code,
        null as detail
    from participations
    where has_same_day_duplicate

    union all
    select
        'point_1_2_not_answered' as check_name,
        pilot_id,
        action_code,
        fund,
        gender,
        indicator_code,
        answer as detail
    from answers
    where {{ answer_counts_as('answer', 'not_answered') }}

    union all
    select
        'rural_status_unknown' as check_name,
        pilot_id,
        action_code,
        fund,
        gender,
        'EECO17' as indicator_code,
        case
            when residence_comune_code is null then 'no residence comune'
            else 'no degree of urbanisation for comune ' || residence_comune_code
        end as detail
    from counted
    where rural = 'unknown'

    union all
    select
        'unemployed_without_months' as check_name,
        pilot_id,
        action_code,
        fund,
        gender,
        'EECO03' as indicator_code,
        null as detail
    from counted
    where labour_status = 'unemployed' and unemployment_months is null

    union all
    select
        'sdg_characteristic_not_answered' as check_name,
        counted.pilot_id,
        counted.action_code,
        counted.fund,
        counted.gender,
        null as indicator_code,
        sdg_fields.field_name || ': ' || sdg_fields.answer as detail
    from counted
    cross join
        lateral (
            values
            ('in_education_training', counted.in_education_training),
            ('at_risk_of_poverty', counted.at_risk_of_poverty)
        ) as sdg_fields (field_name, answer)
    where {{ answer_counts_as('sdg_fields.answer', 'not_answered') }}

    union all
    select
        'neet_status_unknown' as check_name,
        pilot_id,
        action_code,
        fund,
        gender,
        null as indicator_code,
        in_education_training as detail
    from counted
    where
        age_at_entry between 15 and 29
        and labour_status in ('unemployed', 'inactive')
        and {{ answer_counts_as('in_education_training', 'not_answered') }}

    union all
    select
        'result_event_unknown_enrolment' as check_name,
        pilot_id,
        null as action_code,
        null as fund,
        'unknown' as gender,
        null as indicator_code,
        event_type as detail
    from events
    where participation_id is null

    union all
    select
        'operation_unknown' as check_name,
        pilot_id,
        null as action_code,
        null as fund,
        coalesce(gender, 'unknown') as gender,
        null as indicator_code,
        'participation in ' || operation_id as detail
    from participations
    where not is_operation_known

    union all
    select
        'operation_unknown' as check_name,
        supports.pilot_id,
        null as action_code,
        null as fund,
        'not_applicable' as gender,
        supports.indicator_code,
        'supported entity of ' || supports.operation_id as detail
    from supports
    left join operations
        on supports.pilot_id = operations.pilot_id and supports.operation_id = operations.operation_id
    where operations.operation_id is null

    union all
    select
        'unknown_target_group' as check_name,
        operations.pilot_id,
        operations.action_code,
        operations.fund,
        'not_applicable' as gender,
        null as indicator_code,
        operations.target_group as detail
    from operations
    left join {{ ref('target_group_indicators') }} as target_groups
        on operations.target_group = target_groups.target_group
    where operations.target_group is not null and target_groups.target_group is null

    union all
    select
        'selection_date_from_start' as check_name,
        pilot_id,
        action_code,
        fund,
        'not_applicable' as gender,
        null as indicator_code,
        operation_id as detail
    from operations
    where is_selection_date_from_start

    union all
    select
        'operation_without_action_or_fund' as check_name,
        pilot_id,
        action_code,
        fund,
        'not_applicable' as gender,
        null as indicator_code,
        operation_id as detail
    from operations
    where action_code is null or fund is null

    union all
    select distinct
        'pilot_not_in_reference' as check_name,
        operations.pilot_id,
        null as action_code,
        null as fund,
        'not_applicable' as gender,
        null as indicator_code,
        null as detail
    from operations
    left join {{ ref('pilots') }} as pilots on operations.pilot_id = pilots.pilot_id
    where pilots.pilot_id is null
)

select
    cast(check_name as text) as check_name,
    cast(pilot_id as text) as pilot_id,
    cast(action_code as text) as action_code,
    cast(fund as text) as fund,
    cast(gender as text) as gender,
    cast(indicator_code as text) as indicator_code,
    cast(detail as text) as detail,
    cast(count(*) as bigint) as item_count
from issues
group by check_name, pilot_id, action_code, fund, gender, indicator_code, detail
