-- The gender breakdown sums to the total: per indicator, cut-off, pilot, action and fund, the
-- cells summed over genders equal the members valid at the cut-off, counted straight from the
-- members (so no member falls outside the spine: an unknown gender, fund, action or pilot).
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
),

members as (
    select
        members.indicator_code,
        cutoffs.cutoff_date,
        members.pilot_id,
        members.action_code,
        members.fund,
        count(*) as members
    from {{ ref('esf_indicator_members') }} as members
    inner join cutoffs
        on
            members.valid_from <= cutoffs.cutoff_date
            and (members.valid_to is null or members.valid_to > cutoffs.cutoff_date)
    group by members.indicator_code, cutoffs.cutoff_date, members.pilot_id, members.action_code, members.fund
),

cells as (
    select
        indicator_code,
        cutoff_date,
        pilot_id,
        action_code,
        fund,
        sum(indicator_value) as summed_over_genders
    from {{ ref('esf_indicators') }}
    group by indicator_code, cutoff_date, pilot_id, action_code, fund
)

select
    coalesce(cells.indicator_code, members.indicator_code) as indicator_code,
    coalesce(cells.cutoff_date, members.cutoff_date) as cutoff_date,
    coalesce(cells.pilot_id, members.pilot_id) as pilot_id,
    coalesce(cells.action_code, members.action_code) as action_code,
    coalesce(cells.fund, members.fund) as fund,
    cells.summed_over_genders,
    members.members
from cells
full outer join members
    on
        cells.indicator_code = members.indicator_code
        and cells.cutoff_date = members.cutoff_date
        and cells.pilot_id = members.pilot_id
        and cells.action_code = members.action_code
        and cells.fund = members.fund
where coalesce(cells.summed_over_genders, -1) != coalesce(members.members, 0)
