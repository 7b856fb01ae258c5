-- Women's and men's figures side by side, and the gap between them, for every mapping row marked
-- is_gender_gap, per territory and period of marts.sdg_indicators (whose cells it pivots: the
-- same counts, never recounted). Count measures (the entry mix): women's and men's counts and
-- shares of the total. Rate measures: women's and men's numerators, denominators and rates. The
-- gap is women minus men in percentage points (positive: women ahead); non-binary participants
-- count in the totals but in neither side of the gap.
with

indicators as (
    select * from {{ ref('sdg_indicators') }}
    where is_gender_gap
),

pivoted as (
    select
        mapping_id,
        sdg_goal,
        sdg_target,
        un_indicator_code,
        eu_sdg_code,
        mapping_basis,
        group_code,
        outcome_code,
        denominator_outcome_code,
        measure,
        territory_level,
        territory_code,
        territory_name,
        period_type,
        period_start_date,
        period_end_date,
        is_art42_cutoff,
        coalesce(sum(numerator) filter (where gender = 'F'), 0) as women_numerator,
        coalesce(sum(numerator) filter (where gender = 'M'), 0) as men_numerator,
        coalesce(sum(numerator) filter (where gender = 'total'), 0) as total_numerator,
        coalesce(sum(denominator) filter (where gender = 'F'), 0) as women_denominator,
        coalesce(sum(denominator) filter (where gender = 'M'), 0) as men_denominator,
        coalesce(sum(denominator) filter (where gender = 'total'), 0)
            as total_denominator
    from indicators
    group by
        mapping_id, sdg_goal, sdg_target, un_indicator_code, eu_sdg_code, mapping_basis, group_code,
        outcome_code, denominator_outcome_code, measure, territory_level, territory_code, territory_name,
        period_type, period_start_date, period_end_date, is_art42_cutoff
),

shares as (
    select
        *,
        case
            when measure = 'count' then women_numerator / cast(nullif(total_numerator, 0) as numeric)
            else women_numerator / cast(nullif(women_denominator, 0) as numeric)
        end as women_value,
        case
            when measure = 'count' then men_numerator / cast(nullif(total_numerator, 0) as numeric)
            else men_numerator / cast(nullif(men_denominator, 0) as numeric)
        end as men_value
    from pivoted
)

select
    cast(mapping_id as text) as mapping_id,
    cast(sdg_goal as integer) as sdg_goal,
    cast(sdg_target as text) as sdg_target,
    cast(un_indicator_code as text) as un_indicator_code,
    cast(eu_sdg_code as text) as eu_sdg_code,
    cast(mapping_basis as text) as mapping_basis,
    cast(group_code as text) as group_code,
    cast(outcome_code as text) as outcome_code,
    cast(denominator_outcome_code as text) as denominator_outcome_code,
    cast(measure as text) as measure,
    cast(territory_level as text) as territory_level,
    cast(territory_code as text) as territory_code,
    cast(territory_name as text) as territory_name,
    cast(period_type as text) as period_type,
    cast(period_start_date as date) as period_start_date,
    cast(period_end_date as date) as period_end_date,
    cast(is_art42_cutoff as boolean) as is_art42_cutoff,
    cast(women_numerator as bigint) as women_count,
    cast(men_numerator as bigint) as men_count,
    cast(total_numerator as bigint) as total_count,
    cast(case when measure = 'rate' then women_denominator end as bigint) as women_denominator,
    cast(case when measure = 'rate' then men_denominator end as bigint) as men_denominator,
    cast(case when measure = 'rate' then total_denominator end as bigint) as total_denominator,
    cast(round(case when measure = 'count' then women_value end, 4) as numeric) as women_share,
    cast(round(case when measure = 'count' then men_value end, 4) as numeric) as men_share,
    cast(round(case when measure = 'rate' then women_value end, 4) as numeric) as women_rate,
    cast(round(case when measure = 'rate' then men_value end, 4) as numeric) as men_rate,
    cast(round(100 * (women_value - men_value), 2) as numeric) as gap_percentage_points
from shares
