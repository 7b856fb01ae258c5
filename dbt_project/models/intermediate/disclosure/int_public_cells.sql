-- The cells the public views publish, before disclosure control: at ONE date (the latest Art. 42
-- cut-off up to the reporting date, or var public_cutoff_date), per cell family (a group and an
-- outcome the SDG mapping publishes, as numerator or denominator), territory node and gender.
-- Territory nodes: IT; each NUTS3 of residence and its comuni (unknown residence under an
-- 'unknown' NUTS3 and comune); each pilot (a second partition of IT). Every node a family has
-- members in gets all four gender cells (total, F, M, non-binary), zeros included, so that every
-- additive relation of int_public_cell_relations has all its cells.
with

mapping as (
    select * from {{ ref('sdg_target_mapping') }}
    where mapped_from_kind = 'population_group_outcome'
),

families as (
    select
        group_code,
        outcome_code
    from mapping
    where coalesce(outcome_code, '') <> ''
    union
    select
        group_code,
        denominator_outcome_code as outcome_code
    from mapping
    where coalesce(denominator_outcome_code, '') <> ''
),

publication as (
    {%- if var('public_cutoff_date', none) %}
        select cast('{{ var("public_cutoff_date") }}' as date) as cutoff_date
    {%- else %}
        select max(cutoff_date) as cutoff_date
        from {{ ref('int_reporting_cutoffs') }}
        where is_art42_cutoff
    {%- endif %}
),

members as (
    select
        sdg.group_code,
        sdg.outcome_code,
        sdg.gender,
        sdg.pilot_id,
        publication.cutoff_date,
        coalesce(sdg.residence_comune_code, 'unknown') as comune_code,
        coalesce(sdg.residence_nuts3_code, 'unknown') as nuts3_code
    from {{ ref('int_sdg_members') }} as sdg
    inner join families
        on sdg.group_code = families.group_code and sdg.outcome_code = families.outcome_code
    cross join publication
    where
        sdg.valid_from <= publication.cutoff_date
        and (sdg.valid_to is null or sdg.valid_to > publication.cutoff_date)
),

member_nodes as (
    select
        cutoff_date,
        group_code,
        outcome_code,
        gender,
        'it' as territory_level,
        'IT' as territory_code,
        null as parent_territory_level,
        null as parent_territory_code
    from members
    union all
    select
        cutoff_date,
        group_code,
        outcome_code,
        gender,
        'nuts3' as territory_level,
        nuts3_code as territory_code,
        'it' as parent_territory_level,
        'IT' as parent_territory_code
    from members
    union all
    select
        cutoff_date,
        group_code,
        outcome_code,
        gender,
        'comune' as territory_level,
        comune_code as territory_code,
        'nuts3' as parent_territory_level,
        nuts3_code as parent_territory_code
    from members
    union all
    select
        cutoff_date,
        group_code,
        outcome_code,
        gender,
        'pilot' as territory_level,
        pilot_id as territory_code,
        'it' as parent_territory_level,
        'IT' as parent_territory_code
    from members
),

by_gender as (
    select
        cutoff_date,
        group_code,
        outcome_code,
        territory_level,
        territory_code,
        parent_territory_level,
        parent_territory_code,
        gender,
        count(*) as cell_value
    from member_nodes
    group by
        cutoff_date,
        group_code,
        outcome_code,
        territory_level,
        territory_code,
        parent_territory_level,
        parent_territory_code,
        gender
),

genders as (
    select gender
    from (values ('total'), ('F'), ('M'), ('non-binary')) as g (gender)
),

spine as (
    select
        nodes.*,
        genders.gender
    from (
        select distinct
            cutoff_date,
            group_code,
            outcome_code,
            territory_level,
            territory_code,
            parent_territory_level,
            parent_territory_code
        from by_gender
    ) as nodes
    cross join genders
)

select
    cast(spine.cutoff_date as date) as cutoff_date,
    cast(spine.group_code as text) as group_code,
    cast(spine.outcome_code as text) as outcome_code,
    cast(spine.territory_level as text) as territory_level,
    cast(spine.territory_code as text) as territory_code,
    cast(spine.parent_territory_level as text) as parent_territory_level,
    cast(spine.parent_territory_code as text) as parent_territory_code,
    cast(spine.gender as text) as gender,
    cast(concat_ws(
        '|', spine.group_code, spine.outcome_code, spine.territory_level, spine.territory_code, spine.gender
    ) as text) as cell_key,
    cast(coalesce(sum(by_gender.cell_value), 0) as bigint) as cell_value
from spine
left join by_gender
    on
        spine.group_code = by_gender.group_code
        and spine.outcome_code = by_gender.outcome_code
        and spine.territory_level = by_gender.territory_level
        and spine.territory_code = by_gender.territory_code
        and (spine.gender = 'total' or spine.gender = by_gender.gender)
group by
    spine.cutoff_date,
    spine.group_code,
    spine.outcome_code,
    spine.territory_level,
    spine.territory_code,
    spine.parent_territory_level,
    spine.parent_territory_code,
    spine.gender
