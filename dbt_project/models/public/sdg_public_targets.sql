-- The catalogue of the public SDG figures: which group and outcome (and denominator) stands for
-- which SDG target, and why (reference.sdg_target_mapping, population_group_outcome rows). No
-- counts here: a reader joins it to the other public views by mapping_id or by group and outcome.
select
    cast(mapping_id as text) as mapping_id,
    cast(sdg_goal as integer) as sdg_goal,
    cast(sdg_target as text) as sdg_target,
    cast(un_indicator_code as text) as un_indicator_code,
    cast(eu_sdg_code as text) as eu_sdg_code,
    cast(mapping_basis as text) as mapping_basis,
    cast(group_code as text) as group_code,
    cast(outcome_code as text) as outcome_code,
    cast(nullif(denominator_outcome_code, '') as text) as denominator_outcome_code,
    cast(is_gender_gap as boolean) as is_gender_gap,
    cast(rationale as text) as rationale,
    cast(source as text) as source  -- noqa: RF04
from {{ ref('sdg_target_mapping') }}
where mapped_from_kind = 'population_group_outcome'
