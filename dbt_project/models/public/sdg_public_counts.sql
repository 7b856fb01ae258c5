-- The SDG cells for the public, after disclosure control (docs/disclosure.md): one row per cell
-- family, territory node and gender at the one published cut-off; a hidden cell has no value
-- and is flagged. Every public view reads the same suppressed cells (linked tables).
with

cells as (
    select * from {{ ref('int_public_cells__suppressed') }}
),

comuni as (
    select * from {{ ref('istat_comuni') }}
),

pilots as (
    select * from {{ ref('pilots') }}
)

select
    cast(cells.cutoff_date as date) as cutoff_date,
    cast(cells.group_code as text) as group_code,
    cast(cells.outcome_code as text) as outcome_code,
    cast(cells.territory_level as text) as territory_level,
    cast(cells.territory_code as text) as territory_code,
    cast(case
        when cells.territory_level = 'it' then 'Italia'
        when cells.territory_level = 'comune' then comuni.comune_name
        when cells.territory_level = 'pilot' then pilots.pilot_name
    end as text) as territory_name,
    cast(cells.parent_territory_level as text) as parent_territory_level,
    cast(cells.parent_territory_code as text) as parent_territory_code,
    cast(cells.gender as text) as gender,
    cast(case when not cells.is_suppressed then cells.cell_value end as bigint) as cell_value,
    cast(cells.is_suppressed as boolean) as is_suppressed
from cells
left join comuni
    on cells.territory_level = 'comune' and cells.territory_code = comuni.pro_com_t
left join pilots
    on cells.territory_level = 'pilot' and cells.territory_code = pilots.pilot_id
