-- CPR Annex VII Table 1 at every Art. 42 cut-off, cumulative: ESF+ operations selected by the
-- cut-off (start date on or before it: the contract carries no selection date), their eligible
-- cost and public contribution, and the expenditure declared for them by the cut-off. Every
-- priority / specific objective of the programme and category of region of the pilots has a
-- row at every cut-off, 0 before its first operation.
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
        operations.pilot_id,
        operations.operation_id,
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

totals as (
    select
        selected.cutoff_date,
        selected.submission_period,
        selected.programme_code,
        selected.priority_code,
        selected.specific_objective_code,
        selected.fund_code,
        selected.category_of_region,
        count(*) as selected_operations,
        sum(selected.total_eligible_cost) as total_eligible_cost,
        sum(selected.public_contribution) as public_contribution,
        sum(declared.declared_amount) as eligible_expenditure_declared
    from selected
    left join declared
        on
            selected.cutoff_date = declared.cutoff_date
            and selected.pilot_id = declared.pilot_id
            and selected.operation_id = declared.operation_id
    group by
        selected.cutoff_date,
        selected.submission_period,
        selected.programme_code,
        selected.priority_code,
        selected.specific_objective_code,
        selected.fund_code,
        selected.category_of_region
),

structure as (
    select distinct
        programme_code,
        priority_code,
        specific_objective_code
    from actions
),

regions as (
    select distinct category_of_region from pilots
),

-- The programme's rows at every cut-off, plus any combination only the data has (an operation
-- of a pilot missing from the pilots seed has no category of region).
table_rows as (
    select
        cutoffs.cutoff_date,
        cutoffs.submission_period,
        structure.programme_code,
        structure.priority_code,
        structure.specific_objective_code,
        'ESF+' as fund_code,
        regions.category_of_region
    from cutoffs
    cross join structure
    cross join regions
    union
    select
        cutoff_date,
        submission_period,
        programme_code,
        priority_code,
        specific_objective_code,
        fund_code,
        category_of_region
    from totals
)

select
    cast(table_rows.cutoff_date as date) as cutoff_date,
    cast(table_rows.submission_period as text) as submission_period,
    cast(table_rows.programme_code as text) as programme_code,
    cast(table_rows.priority_code as text) as priority_code,
    cast(table_rows.specific_objective_code as text) as specific_objective_code,
    cast(table_rows.fund_code as text) as fund_code,
    cast(table_rows.category_of_region as text) as category_of_region,
    cast(coalesce(totals.selected_operations, 0) as bigint) as selected_operations,
    cast(coalesce(totals.total_eligible_cost, 0) as numeric(16, 2)) as total_eligible_cost,
    cast(coalesce(totals.public_contribution, 0) as numeric(16, 2)) as public_contribution,
    cast(coalesce(totals.eligible_expenditure_declared, 0) as numeric(16, 2)) as eligible_expenditure_declared
from table_rows
left join totals
    on
        table_rows.cutoff_date = totals.cutoff_date
        and table_rows.programme_code is not distinct from totals.programme_code
        and table_rows.priority_code is not distinct from totals.priority_code
        and table_rows.specific_objective_code is not distinct from totals.specific_objective_code
        and table_rows.fund_code = totals.fund_code
        and table_rows.category_of_region is not distinct from totals.category_of_region
