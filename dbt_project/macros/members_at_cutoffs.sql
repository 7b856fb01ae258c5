{#- How many members count at each cut-off, per `keys`, from rows valid over [valid_from, valid_to).
    Set-based and cheap at any size: each member adds +1 on valid_from and -1 on valid_to; the
    changes are summed per day, bucketed to the first cut-off on or after their day, and summed
    cumulatively over the cut-offs. Returns one row per key combination seen in `members` and
    cut-off, with member_count (0 before the first member). Members whose interval is empty or
    lies between two cut-offs contribute 0, as they should. Keys must not be null (plain equi-join). -#}
{% macro members_at_cutoffs(members, cutoffs, keys) -%}
    {%- set key_list = keys | join(', ') -%}
    select
        {% for key in keys %}key_spine.{{ key }}, {% endfor %}
        key_spine.cutoff_date,
        coalesce(sum(bucketed.net_change) over (
            partition by {% for key in keys %}key_spine.{{ key }}{{ ", " if not loop.last }}{% endfor %}
            order by key_spine.cutoff_date
        ), 0)::bigint as member_count
    from (
        select key_values.*, cutoffs.cutoff_date
        from (select distinct {{ key_list }} from {{ members }}) as key_values
        cross join {{ cutoffs }} as cutoffs
    ) as key_spine
    left join (
        select
            {% for key in keys %}daily.{{ key }}, {% endfor %}
            cutoffs.cutoff_date,
            sum(daily.net_change) as net_change
        from (
            select {{ key_list }}, change_date, sum(delta) as net_change
            from (
                select {{ key_list }}, valid_from as change_date, 1 as delta from {{ members }}
                union all
                select {{ key_list }}, valid_to as change_date, -1 as delta from {{ members }}
                where valid_to is not null
            ) as changes
            group by {{ key_list }}, change_date
        ) as daily
        inner join {{ cutoffs }} as cutoffs
            on
                daily.change_date <= cutoffs.cutoff_date
                and (cutoffs.previous_cutoff_date is null or daily.change_date > cutoffs.previous_cutoff_date)
        group by {% for key in keys %}daily.{{ key }}, {% endfor %}cutoffs.cutoff_date
    ) as bucketed
        on
            {% for key in keys %}key_spine.{{ key }} = bucketed.{{ key }} and {% endfor %}key_spine.cutoff_date = bucketed.cutoff_date
{%- endmacro %}
