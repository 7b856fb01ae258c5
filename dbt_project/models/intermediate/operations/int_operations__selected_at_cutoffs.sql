-- The ESF+ operations selected at every Art. 42 cut-off, as the CPR means it: selected for support
-- on or before the cut-off (selection_date; the start date for records landed before the contract
-- had one) and not withdrawn by then (no withdrawal_date, or one after the cut-off). An operation
-- selected in March that starts in September is selected at the June cut-off; a withdrawn one
-- leaves the tables from the cut-off on or after its withdrawal. Tables 1 and 2 and the list of
-- operations all read this one selection. With the expenditure declared for each operation on or
-- before the cut-off.
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
    where is_art42_cutoff
),

operations as (
    select * from {{ ref('int_operations__current') }}
    where fund = 'ESF+'
),

expenditures as (
    select * from {{ ref('stg_landing__expenditures') }}
),

actions as (
    select * from {{ ref('esf_actions') }}
),

pilots as (
    select * from {{ ref('pilots') }}
),

selected as (
    select
        cutoffs.cutoff_date,
        cutoffs.submission_period,
        operations.pilot_id,
        operations.operation_id
    from operations
    inner join cutoffs
        on
            operations.selection_date <= cutoffs.cutoff_date
            and (operations.withdrawal_date is null or operations.withdrawal_date > cutoffs.cutoff_date)
),

declared as (
    select
        selected.cutoff_date,
        selected.pilot_id,
        selected.operation_id,
        sum(expenditures.declared_amount) as declared_amount
    from selected
    inner join expenditures
        on
            selected.pilot_id = expenditures.pilot_id
            and selected.operation_id = expenditures.operation_id
            and selected.cutoff_date >= expenditures.declared_date
    group by selected.cutoff_date, selected.pilot_id, selected.operation_id
)

select
    selected.cutoff_date,
    selected.submission_period,
    actions.programme_code,
    actions.programme_name,
    actions.priority_code,
    actions.priority_name,
    actions.specific_objective_code,
    actions.specific_objective_name,
    operations.fund as fund_code,
    pilots.category_of_region,
    pilots.nuts3_code,
    operations.pilot_id,
    operations.operation_id,
    operations.cup,
    operations.operation_title,
    operations.operation_title_en,
    operations.operation_summary,
    operations.beneficiary_name,
    operations.beneficiary_id,
    operations.is_beneficiary_natural_person,
    operations.action_code,
    operations.operation_status,
    operations.intervention_field_code,
    operations.form_of_support_code,
    operations.territorial_delivery_code,
    operations.economic_activity_code,
    operations.esf_secondary_theme_code,
    operations.gender_equality_code,
    operations.selection_date,
    operations.is_selection_date_from_start,
    operations.withdrawal_date,
    operations.start_date,
    operations.expected_end_date,
    operations.end_date,
    operations.total_eligible_cost,
    operations.public_contribution,
    operations.cofinancing_rate,
    operations.postcode,
    operations.latitude,
    operations.longitude,
    operations.source_updated_at,
    operations.ingested_at,
    cast(coalesce(declared.declared_amount, 0) as numeric(16, 2)) as declared_amount
from selected
inner join operations
    on selected.pilot_id = operations.pilot_id and selected.operation_id = operations.operation_id
left join declared
    on
        selected.cutoff_date = declared.cutoff_date
        and selected.pilot_id = declared.pilot_id
        and selected.operation_id = declared.operation_id
left join actions on operations.action_code = actions.action_code
left join pilots on operations.pilot_id = pilots.pilot_id
