{#- marts.indicator_cell_sources(indicator, cut-off, pilot, action, gender [, fund]): the drill-down
    of one cell of marts.esf_indicators. One row per source record behind each member the cell
    counts: the participation's enrolments (or the entity's support records) and, for a result
    indicator, the event that decided it. count(distinct member_id) equals the cell's value
    (with fund null: the cell summed over funds). Created by the post-hook of
    esf_member_source_records, after both tables it reads exist. -#}
{% macro indicator_cell_sources_function() -%}
    {%- set members = ref('esf_indicator_members') -%}
    create or replace function {{ this.schema }}.indicator_cell_sources(
        p_indicator_code text,
        p_cutoff_date date,
        p_pilot_id text,
        p_action_code text,
        p_gender text,
        p_fund text default null
    )
    returns table (
        member_id text,
        member_type text,
        indicator_code text,
        record_type text,
        pilot_id text,
        batch_id text,
        source_location text,
        source_record_id text,
        record_hash text
    )
    language sql stable
    as $fn$
        select
            m.member_id, m.member_type, m.indicator_code, s.record_type, s.pilot_id, s.batch_id,
            s.source_location, s.source_record_id, s.record_hash
        from {{ members }} as m
        inner join {{ this }} as s
            on s.member_id = m.member_id
            and (s.record_type <> 'result_events' or s.source_record_id = m.decided_by_event_id)
        where m.indicator_code = p_indicator_code
            and m.pilot_id = p_pilot_id
            and m.action_code = p_action_code
            and m.gender = p_gender
            and (p_fund is null or m.fund = p_fund)
            and m.valid_from <= p_cutoff_date
            and (m.valid_to is null or m.valid_to > p_cutoff_date)
        order by m.member_id, s.record_type, s.source_record_id
    $fn$;
    grant execute on function {{ this.schema }}.indicator_cell_sources(text, date, text, text, text, text)
        to ma_analyst
{%- endmacro %}
