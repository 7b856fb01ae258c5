-- SDG 8.3: social-economy entities supported, per pilot and cut-off (cumulative, like
-- esf_indicators): the ESF+ entity indicators the mapping's entity_indicator rows name (EECO18,
-- EECO19), counted from their members in int_indicator_members, for the social-economy action
-- 4.4.8.2 (reference.esf_actions) only. Entities have no gender.
with

mapping as (
    select * from {{ ref('sdg_target_mapping') }}
    where mapped_from_kind = 'entity_indicator'
),

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
),

members as (
    select
        members.indicator_code,
        members.pilot_id,
        members.valid_from,
        members.valid_to
    from {{ ref('int_indicator_members') }} as members
    where
        members.member_type = 'supported_entity'
        -- the social-economy action: its entities are the ones target 8.3 is about
        and members.action_code = '4.4.8.2'
        and members.indicator_code in (select mapping.outcome_code from mapping)
),

counts as (
    {{ members_at_cutoffs('members', 'cutoffs', ['indicator_code', 'pilot_id']) }}
),

entity_counts as (
    select
        indicator_code,
        pilot_id,
        cutoff_date,
        member_count as entity_count
    from counts
),

-- Every pilot of the reference seed, and any pilot with a member but no row there.
pilots as (
    select
        pilot_id,
        pilot_name
    from {{ ref('pilots') }}
    union
    select distinct
        members.pilot_id,
        null as pilot_name
    from members
    where members.pilot_id not in (select pilots_seed.pilot_id from {{ ref('pilots') }} as pilots_seed)
)

select
    cast(mapping.mapping_id as text) as mapping_id,
    cast(mapping.sdg_goal as integer) as sdg_goal,
    cast(mapping.sdg_target as text) as sdg_target,
    cast(mapping.un_indicator_code as text) as un_indicator_code,
    cast(mapping.eu_sdg_code as text) as eu_sdg_code,
    cast(mapping.mapping_basis as text) as mapping_basis,
    cast(mapping.outcome_code as text) as indicator_code,
    cast('4.4.8.2' as text) as action_code,
    cast(pilots.pilot_id as text) as pilot_id,
    cast(pilots.pilot_name as text) as pilot_name,
    cast(cutoffs.cutoff_date as date) as cutoff_date,
    cast(cutoffs.is_art42_cutoff as boolean) as is_art42_cutoff,
    cast(coalesce(entity_counts.entity_count, 0) as bigint) as entity_count
from mapping
cross join pilots
cross join cutoffs
left join entity_counts
    on
        mapping.outcome_code = entity_counts.indicator_code
        and pilots.pilot_id = entity_counts.pilot_id
        and cutoffs.cutoff_date = entity_counts.cutoff_date
