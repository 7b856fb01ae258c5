-- The audit drill-down explains every cell: at the latest cut-off, for every non-zero cell of
-- marts.esf_indicators, marts.indicator_cell_sources(...) returns exactly as many distinct
-- members as the cell's value, each with at least one source record.
-- depends_on: {{ ref('esf_member_source_records') }}
with

cells as (
    select *
    from {{ ref('esf_indicators') }}
    where
        indicator_value > 0
        and cutoff_date = (select max(latest.cutoff_date) from {{ ref('esf_indicators') }} as latest)
)

select
    cells.indicator_code,
    cells.cutoff_date,
    cells.pilot_id,
    cells.action_code,
    cells.fund,
    cells.gender,
    cells.indicator_value,
    drill_down.members
from cells
cross join
    lateral (
        select count(distinct sources.member_id) as members
        from {{ ref('esf_member_source_records').schema }}.indicator_cell_sources(
            cells.indicator_code,
            cells.cutoff_date,
            cells.pilot_id,
            cells.action_code,
            cells.gender,
            cells.fund
        ) as sources
    ) as drill_down
where drill_down.members != cells.indicator_value
