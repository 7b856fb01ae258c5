-- One participation = one participant in one operation (the ESF+ counting grain), with everything
-- the indicators need. Entry date and every characteristic come from the first enrolment (a
-- re-entry does not count again); the exit is the final one (int_participation_spells).
with

enrolments as (
    select * from {{ ref('int_enrolments__current') }}
),

-- One pass of window functions, no self-join: joining first and last entries made the planner
-- pick a nested loop, quadratic in enrolments (a 100,000-enrolment build did not end).
ranked as (
    select
        *,
        row_number() over (
            partition by pilot_id, operation_id, person_key order by entry_date, enrolment_id
        ) as entry_rank,
        count(*) over (partition by pilot_id, operation_id, person_key) as enrolment_count
    from enrolments
),

first_entry as (
    select * from ranked
    where entry_rank = 1
),

final_spell as (
    select * from {{ ref('int_participation_spells') }}
    where is_last_spell
),

operations as (
    select * from {{ ref('int_operations__current') }}
),

target_groups as (
    select * from {{ ref('target_group_indicators') }}
),

urbanisation as (
    select * from {{ ref('comuni_degree_of_urbanisation') }}
),

joined as (
    select
        final_spell.participation_id,
        first_entry.pilot_id,
        first_entry.operation_id,
        first_entry.person_key,
        first_entry.enrolment_id as first_enrolment_id,
        operations.action_code,
        operations.fund,
        operations.target_group,
        target_groups.indicator_code as target_group_indicator_code,
        operations.operation_id is not null as is_operation_known,
        first_entry.gender,
        first_entry.birth_date,
        first_entry.isced_level,
        first_entry.labour_status,
        first_entry.unemployment_months,
        first_entry.residence_comune_code,
        urbanisation.degree_of_urbanisation,
        coalesce(first_entry.disability, {{ answer_not_sent() }}) as disability,
        coalesce(first_entry.third_country_national, {{ answer_not_sent() }}) as third_country_national,
        coalesce(first_entry.foreign_background, {{ answer_not_sent() }}) as foreign_background,
        coalesce(first_entry.minority, {{ answer_not_sent() }}) as minority,
        coalesce(first_entry.homeless, {{ answer_not_sent() }}) as homeless,
        coalesce(first_entry.in_education_training, {{ answer_not_sent() }}) as in_education_training,
        coalesce(first_entry.at_risk_of_poverty, {{ answer_not_sent() }}) as at_risk_of_poverty,
        first_entry.entry_date,
        final_spell.exit_date,
        first_entry.enrolment_count,
        final_spell.has_same_day_duplicate,
        -- whole years on the (first) entry date
        extract(year from age(first_entry.entry_date, first_entry.birth_date))::integer as age_at_entry
    from first_entry
    inner join final_spell
        on
            first_entry.pilot_id = final_spell.pilot_id
            and first_entry.operation_id = final_spell.operation_id
            and first_entry.person_key = final_spell.person_key
    left join operations
        on
            first_entry.pilot_id = operations.pilot_id
            and first_entry.operation_id = operations.operation_id
    left join target_groups
        on operations.target_group = target_groups.target_group
    left join urbanisation
        on first_entry.residence_comune_code = urbanisation.comune_code
)

select
    -- ids
    participation_id,
    pilot_id,
    operation_id,
    person_key,
    first_enrolment_id,

    -- the operation
    action_code,
    fund,
    target_group,
    target_group_indicator_code,
    is_operation_known,

    -- Annex I point 1.1 at (first) entry
    gender,
    birth_date,
    age_at_entry,
    isced_level,
    case
        when isced_level between 0 and 2 then 'ISCED 0-2'
        when isced_level between 3 and 4 then 'ISCED 3-4'
        when isced_level between 5 and 8 then 'ISCED 5-8'
    end as isced_group,
    labour_status,
    unemployment_months,
    -- long-term: continuously unemployed more than 6 months under 25, more than 12 from 25
    coalesce(
        labour_status = 'unemployed'
        and unemployment_months > case when age_at_entry < 25 then 6 else 12 end,
        false
    ) as is_long_term_unemployed,

    -- Annex I point 1.2 answers (seeds/point_1_2_answers.csv; not sent = its not-sent answer)
    disability,
    third_country_national,
    foreign_background,
    minority,
    homeless,
    -- project fields of the same shape, for SDG 8.6 (NEET) and 1.2 (poverty): never inferred
    in_education_training,
    at_risk_of_poverty,
    -- SDG 8.6 NEET at entry: aged 15-29, neither employed nor self-employed, and the pilot said
    -- the person was not in education or training. Unknown or refused is never NEET (nor
    -- "inactive and young": the answer must have been sent); marts.indicator_data_quality counts them.
    coalesce(
        age_at_entry between 15 and 29
        and labour_status in ('unemployed', 'inactive')
        and in_education_training = 'no',
        false
    ) as is_neet_at_entry,
    residence_comune_code,
    degree_of_urbanisation,
    case
        when degree_of_urbanisation = 3 then 'yes'
        when degree_of_urbanisation in (1, 2) then 'no'
        else 'unknown'
    end as rural,

    -- dates
    entry_date,
    exit_date,
    enrolment_count,

    -- Art. 17(5): only participants with every Annex I point 1.1 datum are transmitted.
    (
        gender is not null
        and birth_date is not null
        and isced_level is not null
        and labour_status is not null
    ) as has_complete_core_data,
    nullif(concat_ws(
        ', ',
        case when gender is null then 'gender' end,
        case when birth_date is null then 'birth_date' end,
        case when isced_level is null then 'isced_level' end,
        case when labour_status is null then 'labour_status' end
    ), '') as missing_core_data,

    -- data-quality flags
    coalesce(age_at_entry < 15, false) as is_under_15_at_entry,
    has_same_day_duplicate

from joined
