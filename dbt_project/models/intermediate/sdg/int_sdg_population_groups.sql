-- The population groups the SDG marts report on: one row per participation and group it was in
-- at (first) entry. Only participations the ESF+ indicators count (members of EECO01: complete
-- Annex I point 1.1 data, known operation). Groups that are ESF+ output indicators take their
-- members from int_indicator_members, so each keeps the ESF+ definition (target-group reporting
-- included); the others come from the participation fact and are never inferred.
with

members as (
    select * from {{ ref('int_indicator_members') }}
    where member_type = 'participation'
),

participations as (
    select * from {{ ref('int_participations') }}
    where participation_id in (
        select members.member_id from members
        where members.indicator_code = 'EECO01'
    )
),

from_indicators as (
    select
        member_id as participation_id,
        case indicator_code
            when 'EECO01' then 'all_participants'
            when 'EECO03' then 'long_term_unemployed'
            when 'EECO12' then 'disability'
            when 'EECO13' then 'third_country_national'
            when 'EECO14' then 'foreign_background'
            when 'EECO15' then 'minority'
            when 'EECO16' then 'homeless_or_housing_exclusion'
        end as group_code,
        indicator_code as defined_by
    from members
    where indicator_code in ('EECO01', 'EECO03', 'EECO12', 'EECO13', 'EECO14', 'EECO15', 'EECO16')
),

from_characteristics as (
    select
        participation_id,
        'at_risk_of_poverty' as group_code,
        'at_risk_of_poverty = yes' as defined_by
    from participations
    where at_risk_of_poverty = 'yes'
    union all
    select
        participation_id,
        'neet_15_29' as group_code,
        'is_neet_at_entry' as defined_by
    from participations
    where is_neet_at_entry
    union all
    select
        participation_id,
        'aged_over_50' as group_code,
        'age_at_entry > 50' as defined_by
    from participations
    where age_at_entry > 50
)

select * from from_indicators
union all
select * from from_characteristics
