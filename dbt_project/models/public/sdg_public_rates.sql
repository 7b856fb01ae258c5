-- The SDG rates for the public: per mapping row with a denominator, territory node and gender,
-- numerator / denominator from the same suppressed cells as sdg_public_counts. When either is
-- hidden, numerator, denominator and rate are all null and the row is flagged, so that no view
-- gives away a cell another hides. A node the denominator has and the numerator has not is a
-- numerator of 0 (no member of the numerator there).
with

mapping as (
    select * from {{ ref('sdg_target_mapping') }}
    where mapped_from_kind = 'population_group_outcome' and coalesce(denominator_outcome_code, '') <> ''
),

cells as (
    select * from {{ ref('int_public_cells__suppressed') }}
),

rates as (
    select
        mapping.mapping_id,
        mapping.sdg_goal,
        mapping.sdg_target,
        mapping.un_indicator_code,
        mapping.eu_sdg_code,
        mapping.mapping_basis,
        mapping.group_code,
        mapping.outcome_code,
        mapping.denominator_outcome_code,
        denominators.cutoff_date,
        denominators.territory_level,
        denominators.territory_code,
        denominators.parent_territory_level,
        denominators.parent_territory_code,
        denominators.gender,
        coalesce(numerators.cell_value, 0) as numerator_value,
        denominators.cell_value as denominator_value,
        coalesce(numerators.is_suppressed, false) or denominators.is_suppressed as is_suppressed
    from mapping
    inner join cells as denominators
        on
            mapping.group_code = denominators.group_code
            and mapping.denominator_outcome_code = denominators.outcome_code
    left join cells as numerators
        on
            mapping.group_code = numerators.group_code
            and mapping.outcome_code = numerators.outcome_code
            and denominators.territory_level = numerators.territory_level
            and denominators.territory_code = numerators.territory_code
            and denominators.gender = numerators.gender
)

select
    cast(cutoff_date as date) as cutoff_date,
    cast(mapping_id as text) as mapping_id,
    cast(sdg_goal as integer) as sdg_goal,
    cast(sdg_target as text) as sdg_target,
    cast(un_indicator_code as text) as un_indicator_code,
    cast(eu_sdg_code as text) as eu_sdg_code,
    cast(mapping_basis as text) as mapping_basis,
    cast(group_code as text) as group_code,
    cast(outcome_code as text) as outcome_code,
    cast(denominator_outcome_code as text) as denominator_outcome_code,
    cast(territory_level as text) as territory_level,
    cast(territory_code as text) as territory_code,
    cast(parent_territory_level as text) as parent_territory_level,
    cast(parent_territory_code as text) as parent_territory_code,
    cast(gender as text) as gender,
    cast(case when not is_suppressed then numerator_value end as bigint) as numerator_value,
    cast(case when not is_suppressed then denominator_value end as bigint) as denominator_value,
    cast(case
        when not is_suppressed and denominator_value > 0
            then round(cast(numerator_value as numeric) / denominator_value, 4)
    end as numeric(6, 4)) as rate,
    cast(is_suppressed as boolean) as is_suppressed
from rates
