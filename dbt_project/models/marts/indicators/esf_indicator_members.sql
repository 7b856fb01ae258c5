-- The audit trail of marts.esf_indicators: who counts in which indicator and from when. A cell
-- (indicator, cut-off, pilot, action, fund, gender) counts the rows valid at its cut-off:
-- valid_from <= cutoff_date and (valid_to is null or valid_to > cutoff_date).
-- marts.indicator_cell_sources(...) (created by this model's post-hook) lists them with their
-- source records. Pseudonymised keys only.
{{ config(
    indexes=[{'columns': ['indicator_code', 'pilot_id', 'action_code', 'gender']}, {'columns': ['member_id']}]
) }}
select
    cast(member_id as text) as member_id,
    cast(member_type as text) as member_type,
    cast(indicator_code as text) as indicator_code,
    cast(pilot_id as text) as pilot_id,
    cast(operation_id as text) as operation_id,
    cast(action_code as text) as action_code,
    cast(fund as text) as fund,
    cast(gender as text) as gender,
    cast(residence_comune_code as text) as residence_comune_code,
    cast(valid_from as date) as valid_from,
    cast(valid_to as date) as valid_to,
    cast(decided_by_event_id as text) as decided_by_event_id
from {{ ref('int_indicator_members') }}
