-- The gender gaps for the public: per mapping row flagged is_gender_gap and territory node,
-- women's and men's rate (outcome / denominator outcome) or, for a count, share (F or M /
-- total of the node) and the gap in percentage points (women - men). Read from the same
-- suppressed cells as the other public views: when any of the cells a gap is computed from is
-- hidden, the whole row is null and flagged.
with

mapping as (
    select * from {{ ref('sdg_target_mapping') }}
    where mapped_from_kind = 'population_group_outcome' and is_gender_gap
),

cells as (
    select * from {{ ref('int_public_cells__suppressed') }}
),

nodes as (
    -- each node of the denominator family (the numerator's own family for a count: its total)
    select distinct
        mapping.mapping_id,
        cells.cutoff_date,
        cells.territory_level,
        cells.territory_code,
        cells.parent_territory_level,
        cells.parent_territory_code
    from mapping
    inner join cells
        on
            mapping.group_code = cells.group_code
            and cells.outcome_code
            = coalesce(nullif(mapping.denominator_outcome_code, ''), mapping.outcome_code)
),

inputs as (
    select
        nodes.*,
        mapping.sdg_goal,
        mapping.sdg_target,
        mapping.un_indicator_code,
        mapping.eu_sdg_code,
        mapping.mapping_basis,
        mapping.group_code,
        mapping.outcome_code,
        nullif(mapping.denominator_outcome_code, '') as denominator_outcome_code,
        sides.gender,
        coalesce(numerators.cell_value, 0) as numerator_value,
        denominators.cell_value as denominator_value,
        coalesce(numerators.is_suppressed, false) or coalesce(denominators.is_suppressed, false)
            as is_suppressed
    from nodes
    inner join mapping on nodes.mapping_id = mapping.mapping_id
    cross join (values ('F'), ('M')) as sides (gender)
    left join cells as numerators
        on
            mapping.group_code = numerators.group_code
            and mapping.outcome_code = numerators.outcome_code
            and nodes.territory_level = numerators.territory_level
            and nodes.territory_code = numerators.territory_code
            and sides.gender = numerators.gender
    left join cells as denominators
        on
            mapping.group_code = denominators.group_code
            and coalesce(nullif(mapping.denominator_outcome_code, ''), mapping.outcome_code)
            = denominators.outcome_code
            and nodes.territory_level = denominators.territory_level
            and nodes.territory_code = denominators.territory_code
            -- a rate: the same gender; a count's share: the node's total
            and denominators.gender = case
                when coalesce(mapping.denominator_outcome_code, '') = '' then 'total' else sides.gender
            end
),

gaps as (
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
        cutoff_date,
        territory_level,
        territory_code,
        parent_territory_level,
        parent_territory_code,
        bool_or(is_suppressed) as is_suppressed,
        max(cast(numerator_value as numeric) / nullif(denominator_value, 0)) filter (where gender = 'F')
            as women_rate,
        max(cast(numerator_value as numeric) / nullif(denominator_value, 0)) filter (where gender = 'M')
            as men_rate
    from inputs
    group by
        mapping_id,
        sdg_goal,
        sdg_target,
        un_indicator_code,
        eu_sdg_code,
        mapping_basis,
        group_code,
        outcome_code,
        denominator_outcome_code,
        cutoff_date,
        territory_level,
        territory_code,
        parent_territory_level,
        parent_territory_code
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
    cast(case when denominator_outcome_code is null then 'share' else 'rate' end as text) as gap_basis,
    cast(territory_level as text) as territory_level,
    cast(territory_code as text) as territory_code,
    cast(parent_territory_level as text) as parent_territory_level,
    cast(parent_territory_code as text) as parent_territory_code,
    cast(case when not is_suppressed then round(women_rate, 4) end as numeric(6, 4)) as women_rate,
    cast(case when not is_suppressed then round(men_rate, 4) end as numeric(6, 4)) as men_rate,
    cast(case
        when not is_suppressed then round(100 * (women_rate - men_rate), 1)
    end as numeric(5, 1)) as gap_percentage_points,
    cast(is_suppressed as boolean) as is_suppressed
from gaps
