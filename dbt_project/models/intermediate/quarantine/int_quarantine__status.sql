-- Every known quarantine entry with its status, derived (never updated in place): an entry is
-- resolved when the same record (pilot, record type, id) has a valid version from a batch later in
-- the current-version order (data interval, then landing time) than the entry's batch. So a late
-- rerun of an old batch that quarantines the record again does not reopen it.
with

entries as (
    select * from {{ ref('stg_landing__quarantine') }}
),

valid_versions as (
    {% set record_ids = {
        'participant_enrolments': 'enrolment_id',
        'operations': 'operation_id',
        'result_events': 'event_id',
        'supported_entities': 'support_id',
        'expenditures': 'expenditure_id',
    } %}
    {% for record_type, record_id in record_ids.items() %}
        select
            pilot_id,
            '{{ record_type }}' as record_type,
            {{ record_id }} as source_record_id,
            batch_id,
            data_interval_start,
            ingested_at
        from {{ ref('stg_landing__' ~ record_type) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    entries.*,
    valid_versions.batch_id is not null as is_resolved,
    case when valid_versions.batch_id is null then 'open' else 'resolved' end as status,
    valid_versions.batch_id as resolved_by_batch,
    valid_versions.ingested_at as resolved_at
from entries
left join valid_versions
    on
        entries.pilot_id = valid_versions.pilot_id
        and entries.record_type = valid_versions.record_type
        and entries.source_record_id = valid_versions.source_record_id
        and (valid_versions.data_interval_start, valid_versions.ingested_at)
        > (entries.data_interval_start, entries.quarantined_at)
