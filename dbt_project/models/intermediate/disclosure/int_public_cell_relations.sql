-- The additive relations among the published cells (macro public_cell_relations): what an
-- attacker of the public views can write as equations, and what secondary suppression protects.
with

cells as (
    select * from {{ ref('int_public_cells') }}
),

relations as (
    {{ public_cell_relations('cells') }}
)

select
    cast(relation_kind as text) as relation_kind,
    cast(relation_id as text) as relation_id,
    cast(cell_key as text) as cell_key,
    cast(cell_role as text) as cell_role
from relations
