-- CPR Annex VII Table 2 at every Art. 42 cut-off, cumulative: one row per priority, specific
-- objective, fund, category of region and combination of CPR Annex I codes (01 intervention
-- field, 02 form of support, 03 territorial delivery mechanism, 04 economic activity, 05
-- location, 06 ESF+ secondary theme, 07 gender equality), with Table 1's measures for the
-- operations selected by the cut-off that carry exactly that combination
-- (int_selected_operations_aggregated_to_annex_i_codes, which Table 1 sums). Codes are as Annex I
-- writes them (zero-padded in staging). An operation missing a code keeps a null in that column:
-- the package check refuses to publish it, naming the operation and the dimension
-- (compliance_data_quality_annex, annex_i_code_missing), so that a code SFC2021 rejects is never
-- written.
with

combinations as (
    select * from {{ ref('int_selected_operations_aggregated_to_annex_i_codes') }}
)

select
    cast(cutoff_date as date) as cutoff_date,
    cast(submission_period as text) as submission_period,
    cast(programme_code as text) as programme_code,
    cast(priority_code as text) as priority_code,
    cast(specific_objective_code as text) as specific_objective_code,
    cast(fund_code as text) as fund_code,
    cast(category_of_region as text) as category_of_region,
    cast(intervention_field_code as text) as intervention_field_code,
    cast(form_of_support_code as text) as form_of_support_code,
    cast(territorial_delivery_code as text) as territorial_delivery_code,
    cast(economic_activity_code as text) as economic_activity_code,
    cast(location_code as text) as location_code,
    cast(esf_secondary_theme_code as text) as esf_secondary_theme_code,
    cast(gender_equality_code as text) as gender_equality_code,
    cast(total_eligible_cost as numeric(16, 2)) as total_eligible_cost,
    cast(public_contribution as numeric(16, 2)) as public_contribution,
    cast(eligible_expenditure_declared as numeric(16, 2)) as eligible_expenditure_declared,
    cast(selected_operations as bigint) as selected_operations
from combinations
