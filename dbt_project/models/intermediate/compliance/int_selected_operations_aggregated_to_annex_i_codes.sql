-- The measures of the ESF+ operations selected at each Art. 42 cut-off
-- (int_operations__selected_at_cutoffs), summed once per programme, priority, specific objective,
-- fund, category of region and combination of CPR Annex I codes: the rows of Table 2 as they are,
-- and the rows Table 1 sums, so that Table 2 adds up to Table 1 by construction. A missing code
-- stays null and groups as one.
with

selected as (
    select * from {{ ref('int_operations__selected_at_cutoffs') }}
)

select
    cutoff_date,
    submission_period,
    programme_code,
    priority_code,
    specific_objective_code,
    fund_code,
    category_of_region,
    intervention_field_code,
    form_of_support_code,
    territorial_delivery_code,
    economic_activity_code,
    nuts3_code as location_code,
    esf_secondary_theme_code,
    gender_equality_code,
    cast(sum(total_eligible_cost) as numeric(16, 2)) as total_eligible_cost,
    cast(coalesce(sum(public_contribution), 0) as numeric(16, 2)) as public_contribution,
    cast(sum(declared_amount) as numeric(16, 2)) as eligible_expenditure_declared,
    count(*) as selected_operations
from selected
group by
    cutoff_date,
    submission_period,
    programme_code,
    priority_code,
    specific_objective_code,
    fund_code,
    category_of_region,
    intervention_field_code,
    form_of_support_code,
    territorial_delivery_code,
    economic_activity_code,
    nuts3_code,
    esf_secondary_theme_code,
    gender_equality_code
