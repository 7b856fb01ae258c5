{{ config(indexes=[{'columns': ['sdg_target', 'territory_level', 'period_type']}]) }}
-- SDG-aligned figures in long format: one row per mapping row of reference.sdg_target_mapping
-- (population_group_outcome rows) x territory x period x gender, counted from
-- int_sdg_members and nothing else. Territories: the pilot, and the NUTS3 and comune of residence
-- (a residence not sent counts under 'unknown'); only territories that occur in the data.
-- Periods: each cut-off of int_reporting_cutoffs (cumulative stock, members_at_cutoffs, as
-- esf_indicators) and each calendar quarter that ended by the latest cut-off (a flow: members
-- whose valid_from falls in the quarter). Genders F, M, non-binary and total (all three).
-- The macro runs once at the finest grain (pilot x comune x gender); every coarser cell is a sum
-- of those (comune determines NUTS3; total is the sum over genders), so there is one count.
with

mapping as (
    select * from {{ ref('sdg_target_mapping') }}
    where mapped_from_kind = 'population_group_outcome'
),

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
),

horizon as (
    select max(cutoff_date) as last_cutoff_date from cutoffs
),

-- The (group, outcome) pairs the mapping uses, as numerator or denominator.
families as (
    select
        group_code,
        outcome_code
    from mapping
    union
    select
        group_code,
        denominator_outcome_code as outcome_code
    from mapping
    where denominator_outcome_code is not null
),

members as (
    select
        sdg.group_code,
        sdg.outcome_code,
        sdg.pilot_id,
        sdg.gender,
        sdg.valid_from,
        sdg.valid_to,
        coalesce(sdg.residence_nuts3_code, 'unknown') as nuts3_code,
        coalesce(sdg.residence_comune_code, 'unknown') as comune_code
    from {{ ref('int_sdg_members') }} as sdg
    inner join families
        on sdg.group_code = families.group_code and sdg.outcome_code = families.outcome_code
),

stock_at_cutoffs as (
    {{ members_at_cutoffs(
        'members', 'cutoffs', ['group_code', 'outcome_code', 'pilot_id', 'nuts3_code', 'comune_code', 'gender']
    ) }}
),

finest as (
    select
        'cutoff' as period_type,
        cast(null as date) as period_start_date,
        cutoff_date as period_end_date,
        group_code,
        outcome_code,
        pilot_id,
        nuts3_code,
        comune_code,
        gender,
        member_count
    from stock_at_cutoffs
    union all
    select
        'quarter' as period_type,
        quarters.period_start_date,
        quarters.period_end_date,
        quarters.group_code,
        quarters.outcome_code,
        quarters.pilot_id,
        quarters.nuts3_code,
        quarters.comune_code,
        quarters.gender,
        quarters.member_count
    from (
        select
            members.group_code,
            members.outcome_code,
            members.pilot_id,
            members.nuts3_code,
            members.comune_code,
            members.gender,
            cast(date_trunc('quarter', members.valid_from) as date) as period_start_date,
            cast(date_trunc('quarter', members.valid_from) + interval '3 months - 1 day' as date)
                as period_end_date,
            count(*) as member_count
        from members
        group by
            members.group_code, members.outcome_code, members.pilot_id, members.nuts3_code,
            members.comune_code, members.gender, period_start_date, period_end_date
    ) as quarters
    cross join horizon
    -- whole quarters only, and nothing after the latest cut-off
    where quarters.period_end_date <= horizon.last_cutoff_date
),

rolled_up as (
    select
        period_type,
        period_start_date,
        period_end_date,
        group_code,
        outcome_code,
        case
            when grouping(pilot_id) = 0 then 'pilot'
            when grouping(nuts3_code) = 0 then 'nuts3'
            else 'comune'
        end as territory_level,
        coalesce(pilot_id, nuts3_code, comune_code) as territory_code,
        coalesce(gender, 'total') as gender,
        sum(member_count) as member_count
    from finest
    group by
        period_type, period_start_date, period_end_date, group_code, outcome_code,
        grouping sets (
            (pilot_id, gender), (pilot_id),
            (nuts3_code, gender), (nuts3_code),
            (comune_code, gender), (comune_code)
        )
),

numerators as (
    select
        mapping.mapping_id,
        rolled_up.period_type,
        rolled_up.period_start_date,
        rolled_up.period_end_date,
        rolled_up.territory_level,
        rolled_up.territory_code,
        rolled_up.gender,
        rolled_up.member_count
    from mapping
    inner join rolled_up
        on mapping.group_code = rolled_up.group_code and mapping.outcome_code = rolled_up.outcome_code
),

denominators as (
    select
        mapping.mapping_id,
        rolled_up.period_type,
        rolled_up.period_start_date,
        rolled_up.period_end_date,
        rolled_up.territory_level,
        rolled_up.territory_code,
        rolled_up.gender,
        rolled_up.member_count
    from mapping
    inner join rolled_up
        on
            mapping.group_code = rolled_up.group_code
            and mapping.denominator_outcome_code = rolled_up.outcome_code
),

-- A cell may have a denominator and no numerator member at all (or, for a quarter, the reverse).
cells as (
    select
        coalesce(numerators.mapping_id, denominators.mapping_id) as mapping_id,
        coalesce(numerators.period_type, denominators.period_type) as period_type,
        coalesce(numerators.period_start_date, denominators.period_start_date) as period_start_date,
        coalesce(numerators.period_end_date, denominators.period_end_date) as period_end_date,
        coalesce(numerators.territory_level, denominators.territory_level) as territory_level,
        coalesce(numerators.territory_code, denominators.territory_code) as territory_code,
        coalesce(numerators.gender, denominators.gender) as gender,
        coalesce(numerators.member_count, 0) as numerator,
        coalesce(denominators.member_count, 0) as denominator
    from numerators
    full outer join denominators
        on
            numerators.mapping_id = denominators.mapping_id
            and numerators.period_type = denominators.period_type
            and numerators.period_end_date = denominators.period_end_date
            and numerators.territory_level = denominators.territory_level
            and numerators.territory_code = denominators.territory_code
            and numerators.gender = denominators.gender
),

-- Names of the territories that occur only: the planner expects a handful of cells and joins
-- them in a nested loop, which over all 7,896 comuni took minutes for 60,000 cells.
territory_names as materialized (
    select
        'pilot' as territory_level,
        pilot_id as territory_code,
        pilot_name as territory_name
    from {{ ref('pilots') }}
    union all
    select
        'comune' as territory_level,
        pro_com_t as territory_code,
        comune_name as territory_name
    from {{ ref('istat_comuni') }}
    where pro_com_t in (select members.comune_code from members)
)

select
    cast(mapping.mapping_id as text) as mapping_id,
    cast(mapping.sdg_goal as integer) as sdg_goal,
    cast(mapping.sdg_target as text) as sdg_target,
    cast(mapping.un_indicator_code as text) as un_indicator_code,
    cast(mapping.eu_sdg_code as text) as eu_sdg_code,
    cast(mapping.mapping_basis as text) as mapping_basis,
    cast(mapping.group_code as text) as group_code,
    cast(mapping.outcome_code as text) as outcome_code,
    cast(mapping.denominator_outcome_code as text) as denominator_outcome_code,
    cast(case when mapping.denominator_outcome_code is null then 'count' else 'rate' end as text)
        as measure,
    cast(mapping.is_gender_gap as boolean) as is_gender_gap,
    cast(cells.territory_level as text) as territory_level,
    cast(cells.territory_code as text) as territory_code,
    cast(territory_names.territory_name as text) as territory_name,
    cast(cells.period_type as text) as period_type,
    cast(cells.period_start_date as date) as period_start_date,
    cast(cells.period_end_date as date) as period_end_date,
    cast(cutoffs.is_art42_cutoff as boolean) as is_art42_cutoff,
    cast(cells.gender as text) as gender,
    cast(cells.numerator as bigint) as numerator,
    cast(case when mapping.denominator_outcome_code is not null then cells.denominator end as bigint)
        as denominator,
    cast(
        case
            when mapping.denominator_outcome_code is not null
                then round(cells.numerator / cast(nullif(cells.denominator, 0) as numeric), 4)
        end
        as numeric
    ) as rate
from cells
inner join mapping on cells.mapping_id = mapping.mapping_id
left join cutoffs
    on cells.period_type = 'cutoff' and cells.period_end_date = cutoffs.cutoff_date
left join territory_names
    on
        cells.territory_level = territory_names.territory_level
        and cells.territory_code = territory_names.territory_code
-- nothing to say where nobody counts (a stock before the first member, or after the last left)
where
    cells.numerator > 0
    or (mapping.denominator_outcome_code is not null and cells.denominator > 0)
