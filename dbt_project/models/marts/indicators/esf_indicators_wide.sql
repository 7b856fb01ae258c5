{{ config(materialized='view') }}
-- marts.esf_indicators for reading: one row per indicator, cut-off, pilot, action and fund, one
-- column per gender and the total (entity indicators count under not_applicable). The long mart
-- holds only possible cells, so a gender column is null where the cell cannot exist (not_applicable
-- for person indicators; women, men and non_binary for entity indicators).
select
    indicator_code,
    indicator_name,
    cutoff_date,
    is_art42_cutoff,
    pilot_id,
    action_code,
    fund,
    sum(indicator_value) filter (where gender = 'F')::bigint as women,
    sum(indicator_value) filter (where gender = 'M')::bigint as men,
    sum(indicator_value) filter (where gender = 'non-binary')::bigint as non_binary,
    sum(indicator_value) filter (where gender = 'not_applicable')::bigint as not_applicable,
    sum(indicator_value)::bigint as total
from {{ ref('esf_indicators') }}
group by indicator_code, indicator_name, cutoff_date, is_art42_cutoff, pilot_id, action_code, fund
