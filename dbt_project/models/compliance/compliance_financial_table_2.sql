-- CPR Annex VII Table 2 at every Art. 42 cut-off, cumulative: Table 1's measures broken down by
-- the CPR Annex I dimensions the operations contract carries. The selection is Table 1's (ESF+,
-- started on or before the cut-off; expenditure declared on or before it); each operation counts
-- once per dimension, under 'not_reported' when it has no value, so that every dimension's rows
-- add up to Table 1.
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
        actions.programme_code,
        actions.priority_code,
        actions.specific_objective_code,
        operations.fund as fund_code,
        pilots.category_of_region,
        pilots.nuts3_code,
        operations.pilot_id,
        operations.operation_id,
        operations.intervention_field_code,
        operations.form_of_support_code,
        operations.territorial_delivery_code,
        operations.economic_activity_code,
        operations.gender_equality_code,
        operations.total_eligible_cost,
        operations.public_contribution
    from operations
    inner join cutoffs on operations.start_date <= cutoffs.cutoff_date
    left join actions on operations.action_code = actions.action_code
    left join pilots on operations.pilot_id = pilots.pilot_id
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
),

-- One row per operation, cut-off and dimension (Annex I numbering: 06 ESF+ secondary theme and
-- 08 macro-regional strategy are not in the contract).
by_dimension as (
    select
        selected.*,
        declared.declared_amount,
        dimension.dimension_code,
        coalesce(nullif(dimension.dimension_value, ''), 'not_reported') as dimension_value
    from selected
    left join declared
        on
            selected.cutoff_date = declared.cutoff_date
            and selected.pilot_id = declared.pilot_id
            and selected.operation_id = declared.operation_id
    cross join lateral (
        values
        ('01', lpad(cast(selected.intervention_field_code as text), 3, '0')),
        ('02', cast(selected.form_of_support_code as text)),
        ('03', cast(selected.territorial_delivery_code as text)),
        ('04', cast(selected.economic_activity_code as text)),
        ('05', selected.nuts3_code),
        ('07', selected.gender_equality_code)
    ) as dimension (dimension_code, dimension_value)
)

select
    cast(cutoff_date as date) as cutoff_date,
    cast(submission_period as text) as submission_period,
    cast(programme_code as text) as programme_code,
    cast(priority_code as text) as priority_code,
    cast(specific_objective_code as text) as specific_objective_code,
    cast(fund_code as text) as fund_code,
    cast(category_of_region as text) as category_of_region,
    cast(dimension_code as text) as dimension_code,
    cast(dimension_value as text) as dimension_value,
    cast(count(*) as bigint) as selected_operations,
    cast(coalesce(sum(total_eligible_cost), 0) as numeric(16, 2)) as total_eligible_cost,
    cast(coalesce(sum(public_contribution), 0) as numeric(16, 2)) as public_contribution,
    cast(coalesce(sum(declared_amount), 0) as numeric(16, 2)) as eligible_expenditure_declared
from by_dimension
group by
    cutoff_date,
    submission_period,
    programme_code,
    priority_code,
    specific_objective_code,
    fund_code,
    category_of_region,
    dimension_code,
    dimension_value
