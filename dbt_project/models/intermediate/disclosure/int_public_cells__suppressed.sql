{#- Disclosure control of the public cells (docs/disclosure.md).
    Primary: 0 < value < var disclosure_threshold (default 5; never below 3, the SISTAN floor).
    Zeros are not primary: see docs/disclosure.md.
    Secondary, in rounds (var disclosure_rounds, default 20), from the hidden cells of the round
    before:
    1. every additive relation with exactly one hidden cell hides one more: in a gender relation
       (total = F + M + non-binary) the total first, so that women's and men's figures, hence the
       gender gaps the views publish, stay visible (on the demo data: 59 of 124 gaps hidden
       instead of 98, 296 secondary cells instead of 368); in a territory relation, or when the
       total is the hidden cell, the smallest non-zero visible child (every non-zero visible cell is >= the
       threshold), else the parent, else a zero child. A hidden total then opens the territory
       relation of the totals, which hides a sibling's total in the next round;
    2. when no relation has a single hidden cell: in each two-way table (the children of one
       parent node by gender, with the parent as margin row and total as margin column), a hidden
       cell on no rectangle of hidden cells can still follow from the table's sums (two lines
       with two hidden cells each can chain into one equation); it gets the rectangle that needs
       the fewest new hidden cells (its row and column neighbours non-zero if possible), as the
       hypercube method of tau-ARGUS does in two dimensions.
    A relation left with one hidden cell after the last round fails the data test of
    int_public_cell_relations__checked; the attack (tests/e2e/test_public_views.py) is the judge
    of the rest. -#}
{%- set threshold = disclosure_threshold() -%}
{%- set rounds = [var('disclosure_rounds', 20) | int, 1] | max -%}
with

cells as (
    -- the key recomputed here, so that the relations follow from the cells' own columns
    select
        cutoff_date,
        group_code,
        outcome_code,
        territory_level,
        territory_code,
        parent_territory_level,
        parent_territory_code,
        gender,
        cell_value,
        concat_ws('|', group_code, outcome_code, territory_level, territory_code, gender) as cell_key
    from {{ ref('int_public_cells') }}
),

relations as (
    {{ public_cell_relations('cells') }}
),

child_tables as (
    select distinct
        group_code,
        outcome_code,
        parent_territory_level,
        parent_territory_code,
        territory_level,
        concat_ws(
            '|', group_code, outcome_code, parent_territory_level, parent_territory_code, territory_level
        ) as table_id
    from cells
    where parent_territory_code is not null
),

table_cells as (
    -- each two-way table: a row per child node and '^' for the parent (margin), a column per gender
    select
        child_tables.table_id,
        cells.cell_key,
        'r:' || cells.territory_code as row_vertex,
        'c:' || cells.gender as column_vertex
    from cells
    inner join child_tables
        on
            cells.group_code = child_tables.group_code
            and cells.outcome_code = child_tables.outcome_code
            and cells.parent_territory_level = child_tables.parent_territory_level
            and cells.parent_territory_code = child_tables.parent_territory_code
            and cells.territory_level = child_tables.territory_level
    union all
    select
        child_tables.table_id,
        cells.cell_key,
        'r:^' as row_vertex,
        'c:' || cells.gender as column_vertex
    from cells
    inner join child_tables
        on
            cells.group_code = child_tables.group_code
            and cells.outcome_code = child_tables.outcome_code
            and cells.territory_level = child_tables.parent_territory_level
            and cells.territory_code = child_tables.parent_territory_code
),

round_0 as (
    select
        cell_key,
        cell_value,
        cell_value > 0 and cell_value < {{ threshold }} as is_suppressed,
        case when cell_value > 0 and cell_value < {{ threshold }} then 0 end as suppression_round
    from cells
),

{%- for r in range(1, rounds + 1) %}
    {#- round r, rule 1: the relations with exactly one hidden cell, and the partner each hides #}

    open_{{ r }} as (
        select relations.relation_id
        from relations
        inner join round_{{ r - 1 }} as c on relations.cell_key = c.cell_key
        group by relations.relation_id
        having count(*) filter (where c.is_suppressed) = 1
    ),

    single_partners_{{ r }} as (
        select ranked.cell_key
        from (
            select
                relations.cell_key,
                row_number() over (
                    partition by relations.relation_id
                    order by
                        case
                            -- beside a small gender, hide the total rather than the other
                            -- gender: women's and men's figures (the gender gaps) stay visible
                            when relations.relation_kind = 'gender' and relations.cell_role = 'parent' then 0
                            when relations.cell_role = 'child' and c.cell_value > 0 then 1
                            when relations.cell_role = 'parent' then 2
                            else 3
                        end,
                        c.cell_value,
                        relations.cell_key
                ) as preference
            from relations
            inner join open_{{ r }} as o on relations.relation_id = o.relation_id
            inner join round_{{ r - 1 }} as c on relations.cell_key = c.cell_key
            where not c.is_suppressed
        ) as ranked
        where ranked.preference = 1
    ),

    {#- rule 2 (when no relation has a single hidden cell): in each two-way table, a hidden cell
        on no rectangle of hidden cells (r, c), (r, c'), (r', c), (r', c') gets the rectangle
        that needs the fewest new hidden cells. A rectangle is a cycle: the four cells can move
        together (+t, -t, -t, +t) without changing any sum of the table. #}
    hidden_{{ r }} as materialized (
        select
            table_cells.table_id,
            table_cells.cell_key,
            table_cells.row_vertex,
            table_cells.column_vertex
        from table_cells
        inner join round_{{ r - 1 }} as c on table_cells.cell_key = c.cell_key
        where c.is_suppressed and not exists (select 1 from open_{{ r }})
    ),

    lonely_{{ r }} as materialized (
        select hidden.*
        from hidden_{{ r }} as hidden
        where not exists (
            select 1
            from hidden_{{ r }} as same_row
            inner join hidden_{{ r }} as same_column
                on
                    same_row.table_id = same_column.table_id
                    and same_row.row_vertex <> same_column.row_vertex
            inner join hidden_{{ r }} as opposite
                on
                    same_row.table_id = opposite.table_id
                    and same_column.row_vertex = opposite.row_vertex
                    and same_row.column_vertex = opposite.column_vertex
            where
                same_row.table_id = hidden.table_id
                and same_row.row_vertex = hidden.row_vertex
                and same_row.column_vertex <> hidden.column_vertex
                and same_column.column_vertex = hidden.column_vertex
        )
    ),

    rectangle_partners_{{ r }} as (
        select unnest(array[ranked.same_row_key, ranked.same_column_key, ranked.opposite_key]) as cell_key
        from (
            select
                same_row.cell_key as same_row_key,
                same_column.cell_key as same_column_key,
                opposite.cell_key as opposite_key,
                row_number() over (
                    partition by lonely.table_id, lonely.cell_key
                    order by
                        -- the neighbours in the lonely cell's row and column non-zero: the
                        -- rectangle then moves it by at least 1
                        cast(c_row.cell_value = 0 as int) + cast(c_column.cell_value = 0 as int),
                        cast(not c_row.is_suppressed as int) + cast(not c_column.is_suppressed as int)
                        + cast(not c_opposite.is_suppressed as int),
                        (case when c_row.is_suppressed then 0 else c_row.cell_value end)
                        + (case when c_column.is_suppressed then 0 else c_column.cell_value end)
                        + (case when c_opposite.is_suppressed then 0 else c_opposite.cell_value end),
                        same_row.cell_key,
                        same_column.cell_key
                ) as preference
            from lonely_{{ r }} as lonely
            inner join table_cells as same_row
                on
                    lonely.table_id = same_row.table_id
                    and lonely.row_vertex = same_row.row_vertex
                    and lonely.column_vertex <> same_row.column_vertex
            inner join table_cells as same_column
                on
                    lonely.table_id = same_column.table_id
                    and lonely.column_vertex = same_column.column_vertex
                    and lonely.row_vertex <> same_column.row_vertex
            inner join table_cells as opposite
                on
                    lonely.table_id = opposite.table_id
                    and same_column.row_vertex = opposite.row_vertex
                    and same_row.column_vertex = opposite.column_vertex
            inner join round_{{ r - 1 }} as c_row on same_row.cell_key = c_row.cell_key
            inner join round_{{ r - 1 }} as c_column on same_column.cell_key = c_column.cell_key
            inner join round_{{ r - 1 }} as c_opposite on opposite.cell_key = c_opposite.cell_key
        ) as ranked
        where ranked.preference = 1
    ),

    partners_{{ r }} as (
        select cell_key from single_partners_{{ r }}
        union
        select cell_key from rectangle_partners_{{ r }}
    ),

    round_{{ r }} as materialized (
        select
            c.cell_key,
            c.cell_value,
            c.is_suppressed or p.cell_key is not null as is_suppressed,
            coalesce(c.suppression_round, case when p.cell_key is not null then {{ r }} end)
                as suppression_round
        from round_{{ r - 1 }} as c
        left join partners_{{ r }} as p on c.cell_key = p.cell_key
    ){{ "," if not loop.last }}
{%- endfor %}

select
    cells.cutoff_date,
    cells.group_code,
    cells.outcome_code,
    cells.territory_level,
    cells.territory_code,
    cells.parent_territory_level,
    cells.parent_territory_code,
    cells.gender,
    cells.cell_key,
    cells.cell_value,
    cast(final.is_suppressed as boolean) as is_suppressed,
    cast(case
        when final.suppression_round = 0 then 'primary'
        when final.suppression_round > 0 then 'secondary'
    end as text) as suppression,
    cast(final.suppression_round as integer) as suppression_round,
    cast({{ threshold }} as integer) as disclosure_threshold
from cells
inner join round_{{ rounds }} as final on cells.cell_key = final.cell_key
