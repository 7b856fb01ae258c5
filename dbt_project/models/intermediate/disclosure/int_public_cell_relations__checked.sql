{{ config(materialized='view') }}
-- Each additive relation after disclosure control: how many of its cells are hidden (never
-- exactly one: that one would be derivable) and whether its parent equals the sum of its
-- children (so that the relations an attacker writes are the ones protected).
with

relations as (
    select * from {{ ref('int_public_cell_relations') }}
),

cells as (
    select * from {{ ref('int_public_cells__suppressed') }}
)

select
    relations.relation_kind,
    relations.relation_id,
    count(*) as relation_cells,
    count(*) filter (where cells.is_suppressed) as suppressed_cells,
    sum(case when relations.cell_role = 'parent' then cells.cell_value else -cells.cell_value end) = 0
    and count(*) filter (where relations.cell_role = 'parent') = 1 as adds_up
from relations
inner join cells on relations.cell_key = cells.cell_key
group by relations.relation_kind, relations.relation_id
