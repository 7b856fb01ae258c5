-- Progress towards the 2029 targets at every Art. 42 cut-off: what the ESF+ operations achieved
-- (every gender, pilot and action of marts.esf_indicators) beside the target of
-- reference.indicator_targets, flagged while the target is only illustrative.
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
    where is_art42_cutoff
),

targets as (
    select * from {{ ref('indicator_targets') }}
),

catalogue as (
    select * from {{ ref('esf_common_indicators') }}
),

achieved as (
    select
        cutoff_date,
        indicator_code,
        sum(indicator_value) as achieved_value
    from {{ ref('esf_indicators') }}
    where fund = 'ESF+'
    group by cutoff_date, indicator_code
)

select
    cast(cutoffs.cutoff_date as date) as cutoff_date,
    cast(targets.indicator_code as text) as indicator_code,
    cast(catalogue.indicator_name as text) as indicator_name,
    cast(targets.target_year as integer) as target_year,
    cast(targets.target_value as bigint) as target_value,
    cast(coalesce(achieved.achieved_value, 0) as bigint) as achieved_value,
    cast(targets.is_illustrative as boolean) as is_illustrative
from targets
cross join cutoffs
left join catalogue on targets.indicator_code = catalogue.indicator_code
left join achieved
    on
        cutoffs.cutoff_date = achieved.cutoff_date
        and targets.indicator_code = achieved.indicator_code
