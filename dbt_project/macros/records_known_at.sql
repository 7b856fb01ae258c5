{#- What the warehouse knew at a time: var('known_at') (a timestamp; a date means its midnight,
    a time without offset the session's time zone), or now when unset.

    A raw row counts as known at T when it was landed at or before T and not superseded (its batch
    rerun) at or before T. Without known_at that is simply "not superseded". -#}
{% macro known_at_literal(known_at=none) -%}
    {%- set at = known_at if known_at is not none else var('known_at', none) -%}
    {%- if at is none or at == '' -%}none{%- else -%}'{{ at | string | replace("'", "''") }}'::timestamptz{%- endif -%}
{%- endmacro %}

{% macro known_at_condition(landed_at_column, known_at=none) -%}
    {%- set at = known_at_literal(known_at) | trim -%}
    {%- if at == 'none' -%}
        superseded_at is null
    {%- else -%}
        {{ landed_at_column }} <= {{ at }} and (superseded_at is null or superseded_at > {{ at }})
    {%- endif -%}
{%- endmacro %}

{#- The version of each record (pilot, source_record_id) known at var('known_at'): among the rows
    known then, the one the pilot changed last (source_updated_at: a rerun of an old interval
    reads the pilot's system as it is now, so it may land a newer version than a later interval
    did), then the one from the batch with the latest data interval, then the latest landing (a
    late rerun of an old interval does not override a later interval's equally recent version). -#}
{% macro records_known_at(source_relation, known_at=none) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by pilot_id, source_record_id
                order by
                    (record ->> 'source_updated_at')::timestamptz desc nulls last,
                    data_interval_start desc,
                    ingested_at desc,
                    landing_id desc
            ) as version_rank
        from {{ source_relation }}
        where {{ known_at_condition('ingested_at', known_at) }}
    ) as known_versions
    where version_rank = 1
{%- endmacro %}
