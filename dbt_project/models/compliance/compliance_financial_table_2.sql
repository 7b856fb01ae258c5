-- CPR Annex VII Table 2 at every Art. 42 cut-off, cumulative: one row per priority, specific
-- objective, fund, category of region and combination of CPR Annex I codes (01 intervention
-- field, 02 form of support, 03 territorial delivery mechanism, 04 economic activity, 05
-- location, 06 ESF+ secondary theme, 07 gender equality), with Table 1's measures for the
-- operations selected by the cut-off that carry exactly that combination. So the rows add up to
-- Table 1. Codes are as Annex I writes them (zero-padded in staging). An operation missing a
-- code keeps a null in that column: the package check refuses to publish it, naming the
-- operation and the dimension (compliance_data_quality_annex, annex_i_code_missing), so that a
-- code SFC2021 rejects is never written.
with

selected as (
    select * from {{ ref('int_operations__selected_at_cutoffs') }}
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
    cast(nuts3_code as text) as location_code,
    cast(esf_secondary_theme_code as text) as esf_secondary_theme_code,
    cast(gender_equality_code as text) as gender_equality_code,
    cast(sum(total_eligible_cost) as numeric(16, 2)) as total_eligible_cost,
    cast(coalesce(sum(public_contribution), 0) as numeric(16, 2)) as public_contribution,
    cast(sum(declared_amount) as numeric(16, 2)) as eligible_expenditure_declared,
    cast(count(*) as bigint) as selected_operations
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
