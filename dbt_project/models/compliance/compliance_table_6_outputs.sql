-- ESF+ Table 6: the common output indicators (EECO01-19) and the combined indicators SFC2021
-- reserves, at the Art. 42 cut-offs that transmit indicators, per priority, specific objective,
-- category of region and gender plus 'total'. The rows are built once, for Tables 6 and 10, in
-- int_esf_indicators_aggregated_to_sfc_rows; this table keeps the outputs.
select
    cutoff_date,
    submission_period,
    programme_code,
    priority_code,
    specific_objective_code,
    category_of_region,
    indicator_code,
    indicator_name,
    unit,
    gender,
    indicator_value
from {{ ref('int_esf_indicators_aggregated_to_sfc_rows') }}
where indicator_type = 'output'
