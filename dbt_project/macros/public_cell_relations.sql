{#- The additive relations among public cells (models/intermediate/disclosure), one row per cell of
    each relation: its parent (the sum) and its children (the parts). `cells` has group_code,
    outcome_code, territory_level, territory_code, parent_territory_level, parent_territory_code,
    gender and cell_key. Two kinds:
      gender:    per family and territory node, total = F + M + non-binary;
      territory: per family, gender and parent node, the parent = the sum of its children of one
                 level (IT = sum of NUTS3 nodes, IT = sum of pilots, a NUTS3 node = sum of its comuni).
    A macro, so that the suppression model derives them from the very cells it is given (and its
    unit tests need only cells). -#}
{% macro public_cell_relations(cells) -%}
    select
        'gender' as relation_kind,
        concat_ws('|', 'gender', group_code, outcome_code, territory_level, territory_code) as relation_id,
        cell_key,
        case when gender = 'total' then 'parent' else 'child' end as cell_role
    from {{ cells }}
    union all
    select
        'territory' as relation_kind,
        concat_ws(
            '|', 'territory', group_code, outcome_code, gender, parent_territory_level, parent_territory_code,
            territory_level
        ) as relation_id,
        cell_key,
        'child' as cell_role
    from {{ cells }}
    where parent_territory_code is not null
    union all
    select distinct
        'territory' as relation_kind,
        concat_ws(
            '|', 'territory', children.group_code, children.outcome_code, children.gender,
            children.parent_territory_level, children.parent_territory_code, children.territory_level
        ) as relation_id,
        parents.cell_key,
        'parent' as cell_role
    from {{ cells }} as children
    inner join {{ cells }} as parents
        on
            children.group_code = parents.group_code
            and children.outcome_code = parents.outcome_code
            and children.gender = parents.gender
            and children.parent_territory_level = parents.territory_level
            and children.parent_territory_code = parents.territory_code
{%- endmacro %}
