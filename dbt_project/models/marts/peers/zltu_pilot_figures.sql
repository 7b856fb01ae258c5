-- The figures the zero-long-term-unemployment pilots are compared on (TZCLD, MAGMA), per pilot and
-- cut-off, cumulative like esf_indicators. Every count is a number of int_sdg_members rows valid
-- at the cut-off (members_at_cutoffs); the months of prior unemployment are averaged over those
-- same rows. Hired and retention are about the long-term unemployed (the people the peers hire);
-- cost per job divides all the pilot's declared expenditure by all its participants employed upon
-- leaving, since expenditure cannot be split by who it served.
{%- set zltu_pilot_ids = var('zltu_pilot_ids', ['tdz_corviale', 'tdz_tor_bella_monaca']) %}
{%- set zltu_pilot_list = "'" ~ (zltu_pilot_ids | join("', '")) ~ "'" %}
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
),

members as (
    select * from {{ ref('int_sdg_members') }}
    where
        group_code = 'long_term_unemployed'
        or (group_code = 'all_participants' and outcome_code in ('reached', 'employed_upon_leaving'))
        or (group_code in ('aged_over_50', 'disability') and outcome_code = 'reached')
),

participations as (
    select * from {{ ref('int_participations') }}
),

operations as (
    select * from {{ ref('int_operations__current') }}
),

-- Every fund: the jobs counted below come from operations of every fund (the Rome pilots' are
-- mostly PNRR), so int_operations__selected_at_cutoffs (ESF+ operations selected for Tables 1-2)
-- would not match them. Only expenditure of an operation the warehouse knows counts.
expenditures as (
    select expenditures.*
    from {{ ref('stg_landing__expenditures') }} as expenditures
    where exists (
        select 1 from operations
        where
            expenditures.pilot_id = operations.pilot_id
            and expenditures.operation_id = operations.operation_id
    )
),

pilots as (
    select pilot_id from {{ ref('pilots') }}
    union
    select pilot_id from operations
),

counts as (
    {{ members_at_cutoffs('members', 'cutoffs', ['pilot_id', 'group_code', 'outcome_code']) }}
),

counted as (
    select
        pilot_id,
        cutoff_date,
        sum(member_count) filter (
            where group_code = 'long_term_unemployed' and outcome_code = 'reached'
        ) as long_term_unemployed_reached,
        sum(member_count) filter (
            where group_code = 'long_term_unemployed' and outcome_code = 'employed_upon_leaving'
        ) as ltu_hired,
        sum(member_count) filter (
            where group_code = 'long_term_unemployed' and outcome_code = 'left'
        ) as ltu_left,
        sum(member_count) filter (
            where group_code = 'long_term_unemployed' and outcome_code = 'employed_six_months_after'
        ) as ltu_employed_six_months,
        sum(member_count) filter (
            where group_code = 'long_term_unemployed' and outcome_code = 'left_six_months_ago'
        ) as ltu_left_six_months_ago,
        sum(member_count) filter (
            where group_code = 'long_term_unemployed' and outcome_code = 'employed_twelve_months_after'
        ) as ltu_employed_twelve_months,
        sum(member_count) filter (
            where group_code = 'long_term_unemployed' and outcome_code = 'left_twelve_months_ago'
        ) as ltu_left_twelve_months_ago,
        sum(member_count) filter (
            where group_code = 'all_participants' and outcome_code = 'reached'
        ) as participants_reached,
        sum(member_count) filter (
            where group_code = 'aged_over_50' and outcome_code = 'reached'
        ) as aged_over_50_reached,
        sum(member_count) filter (
            where group_code = 'disability' and outcome_code = 'reached'
        ) as disability_reached,
        sum(member_count) filter (
            where group_code = 'all_participants' and outcome_code = 'employed_upon_leaving'
        ) as jobs_created
    from counts
    group by pilot_id, cutoff_date
),

-- The long-term unemployed reached at each cut-off: the rows counted above, with their months.
long_term_unemployed_at_cutoffs as (
    select
        members.pilot_id,
        cutoffs.cutoff_date,
        participations.unemployment_months
    from members
    inner join cutoffs
        on
            members.valid_from <= cutoffs.cutoff_date
            and (members.valid_to is null or members.valid_to > cutoffs.cutoff_date)
    inner join participations on members.participation_id = participations.participation_id
    where members.group_code = 'long_term_unemployed' and members.outcome_code = 'reached'
),

prior_unemployment as (
    select
        pilot_id,
        cutoff_date,
        count(unemployment_months) as months_known,
        avg(unemployment_months) as months_mean,
        percentile_cont(0.5) within group (order by unemployment_months) as months_median
    from long_term_unemployed_at_cutoffs
    group by pilot_id, cutoff_date
),

declared as (
    select
        expenditures.pilot_id,
        cutoffs.cutoff_date,
        sum(expenditures.declared_amount) as declared_amount
    from expenditures
    inner join cutoffs on expenditures.declared_date <= cutoffs.cutoff_date
    group by expenditures.pilot_id, cutoffs.cutoff_date
),

figures as (
    select
        pilots.pilot_id,
        cutoffs.cutoff_date,
        cutoffs.is_art42_cutoff,
        coalesce(counted.long_term_unemployed_reached, 0) as long_term_unemployed_reached,
        coalesce(prior_unemployment.months_known, 0) as prior_unemployment_months_known,
        prior_unemployment.months_mean,
        prior_unemployment.months_median,
        coalesce(counted.ltu_hired, 0) as ltu_hired,
        coalesce(counted.ltu_left, 0) as ltu_left,
        coalesce(counted.ltu_employed_six_months, 0) as ltu_employed_six_months,
        coalesce(counted.ltu_left_six_months_ago, 0) as ltu_left_six_months_ago,
        coalesce(counted.ltu_employed_twelve_months, 0) as ltu_employed_twelve_months,
        coalesce(counted.ltu_left_twelve_months_ago, 0) as ltu_left_twelve_months_ago,
        coalesce(counted.participants_reached, 0) as participants_reached,
        coalesce(counted.aged_over_50_reached, 0) as aged_over_50_reached,
        coalesce(counted.disability_reached, 0) as disability_reached,
        coalesce(counted.jobs_created, 0) as jobs_created,
        coalesce(declared.declared_amount, 0) as declared_expenditure
    from pilots
    cross join cutoffs
    left join counted
        on pilots.pilot_id = counted.pilot_id and cutoffs.cutoff_date = counted.cutoff_date
    left join prior_unemployment
        on
            pilots.pilot_id = prior_unemployment.pilot_id
            and cutoffs.cutoff_date = prior_unemployment.cutoff_date
    left join declared
        on pilots.pilot_id = declared.pilot_id and cutoffs.cutoff_date = declared.cutoff_date
)

select
    cast(pilot_id as text) as pilot_id,
    cast(pilot_id in ({{ zltu_pilot_list }}) as boolean) as is_zltu_pilot,
    cast(cutoff_date as date) as cutoff_date,
    cast(is_art42_cutoff as boolean) as is_art42_cutoff,
    cast(long_term_unemployed_reached as bigint) as long_term_unemployed_reached,
    cast(prior_unemployment_months_known as bigint) as prior_unemployment_months_known,
    cast(round(months_mean, 1) as numeric(7, 1)) as prior_unemployment_months_mean,
    cast(
        round(cast(months_median as numeric), 1) as numeric(7, 1)
    ) as prior_unemployment_months_median,
    cast(ltu_hired as bigint) as ltu_hired,
    cast(ltu_left as bigint) as ltu_left,
    cast(round(100.0 * ltu_hired / nullif(ltu_left, 0), 2) as numeric(5, 2)) as ltu_hired_rate_pct,
    cast(ltu_employed_six_months as bigint) as ltu_employed_six_months,
    cast(ltu_left_six_months_ago as bigint) as ltu_left_six_months_ago,
    cast(
        round(100.0 * ltu_employed_six_months / nullif(ltu_left_six_months_ago, 0), 2) as numeric(5, 2)
    ) as ltu_retention_six_months_pct,
    cast(ltu_employed_twelve_months as bigint) as ltu_employed_twelve_months,
    cast(ltu_left_twelve_months_ago as bigint) as ltu_left_twelve_months_ago,
    cast(
        round(100.0 * ltu_employed_twelve_months / nullif(ltu_left_twelve_months_ago, 0), 2) as numeric(5, 2)
    ) as ltu_retention_twelve_months_pct,
    cast(participants_reached as bigint) as participants_reached,
    cast(aged_over_50_reached as bigint) as aged_over_50_reached,
    cast(
        round(100.0 * aged_over_50_reached / nullif(participants_reached, 0), 2) as numeric(5, 2)
    ) as aged_over_50_share_pct,
    cast(disability_reached as bigint) as disability_reached,
    cast(
        round(100.0 * disability_reached / nullif(participants_reached, 0), 2) as numeric(5, 2)
    ) as disability_share_pct,
    cast(jobs_created as bigint) as jobs_created,
    cast(declared_expenditure as numeric(16, 2)) as declared_expenditure_eur,
    -- null, not 0 or infinity, when no job was created or nothing was declared yet
    cast(
        round(nullif(declared_expenditure, 0) / nullif(jobs_created, 0), 2) as numeric(16, 2)
    ) as cost_per_job_eur
from figures
