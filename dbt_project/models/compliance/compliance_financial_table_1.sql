-- CPR Annex VII Table 1 at every Art. 42 cut-off, cumulative, with every column of the Annex:
-- priority, specific objective, fund and category of region; the basis for calculation, financial
-- allocation and co-financing rate of the programme's financial plan (reference
-- programme_financial_plan); the total eligible cost and public contribution of the operations
-- selected by the cut-off (int_operations__selected_at_cutoffs: selection date, not start date;
-- withdrawn operations out) and the share of the allocation they cover; the eligible expenditure
-- declared for them by the cut-off and the share it covers; the number of selected operations.
-- The measures are Table 2's rows summed (int_selected_operations_aggregated_to_annex_i_codes),
-- so the two tables always add up.
-- Every priority / specific objective of the programme and category of region of the pilots has
-- a row at every cut-off, 0 before its first operation.
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
    where is_art42_cutoff
),

combinations as (
    select * from {{ ref('int_selected_operations_aggregated_to_annex_i_codes') }}
),

actions as (
    select * from {{ ref('esf_actions') }}
),

pilots as (
    select * from {{ ref('pilots') }}
),

plan as (
    select * from {{ ref('programme_financial_plan') }}
),

totals as (
    select
        cutoff_date,
        submission_period,
        programme_code,
        priority_code,
        specific_objective_code,
        fund_code,
        category_of_region,
        sum(selected_operations) as selected_operations,
        sum(total_eligible_cost) as total_eligible_cost,
        sum(public_contribution) as public_contribution,
        sum(eligible_expenditure_declared) as eligible_expenditure_declared
    from combinations
    group by
        cutoff_date,
        submission_period,
        programme_code,
        priority_code,
        specific_objective_code,
        fund_code,
        category_of_region
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
),

measured as (
    select
        table_rows.*,
        plan.basis_for_calculation,
        plan.financial_allocation,
        plan.cofinancing_rate,
        coalesce(totals.selected_operations, 0) as selected_operations,
        coalesce(totals.total_eligible_cost, 0) as total_eligible_cost,
        coalesce(totals.public_contribution, 0) as public_contribution,
        coalesce(totals.eligible_expenditure_declared, 0) as eligible_expenditure_declared
    from table_rows
    left join totals
        on
            table_rows.cutoff_date = totals.cutoff_date
            and table_rows.programme_code is not distinct from totals.programme_code
            and table_rows.priority_code is not distinct from totals.priority_code
            and table_rows.specific_objective_code is not distinct from totals.specific_objective_code
            and table_rows.fund_code = totals.fund_code
            and table_rows.category_of_region is not distinct from totals.category_of_region
    left join plan
        on
            table_rows.programme_code = plan.programme_code
            and table_rows.priority_code = plan.priority_code
            and table_rows.specific_objective_code = plan.specific_objective_code
            and table_rows.fund_code = plan.fund_code
            and table_rows.category_of_region = plan.category_of_region
)

select
    cast(cutoff_date as date) as cutoff_date,
    cast(submission_period as text) as submission_period,
    cast(programme_code as text) as programme_code,
    cast(priority_code as text) as priority_code,
    cast(specific_objective_code as text) as specific_objective_code,
    cast(fund_code as text) as fund_code,
    cast(category_of_region as text) as category_of_region,
    cast(basis_for_calculation as text) as basis_for_calculation,
    cast(financial_allocation as numeric(16, 2)) as financial_allocation,
    cast(cofinancing_rate as numeric(5, 2)) as cofinancing_rate,
    cast(total_eligible_cost as numeric(16, 2)) as total_eligible_cost,
    -- the selected operations' cost on the basis for calculation: total, or public only
    cast(
        round(
            100
            * case basis_for_calculation when 'public' then public_contribution else total_eligible_cost end
            / nullif(financial_allocation, 0),
            2
        ) as numeric(9, 2)
    ) as selected_share_of_allocation,
    cast(public_contribution as numeric(16, 2)) as public_contribution,
    cast(eligible_expenditure_declared as numeric(16, 2)) as eligible_expenditure_declared,
    cast(
        round(100 * eligible_expenditure_declared / nullif(financial_allocation, 0), 2) as numeric(9, 2)
    ) as declared_share_of_allocation,
    cast(selected_operations as bigint) as selected_operations
from measured
