-- The person-based ESF+ indicators broken down by the participant's comune of residence (at first
-- entry), beside marts.esf_indicators: same members, same cut-offs, one more key. Only cells with
-- at least one participant (the comuni are many; a zero row per comune would say nothing).
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
),

members as (
    select
        indicator_code,
        pilot_id,
        action_code,
        fund,
        gender,
        coalesce(residence_comune_code, 'unknown') as residence_comune_code,
        valid_from,
        valid_to
    from {{ ref('esf_indicator_members') }}
    where member_type = 'participation'
),

values_at_cutoffs as (
    {{ members_at_cutoffs('members', 'cutoffs',
        ['indicator_code', 'pilot_id', 'action_code', 'fund', 'gender', 'residence_comune_code']) }}
),

-- names from ISTAT's full list: a participant may live anywhere in Italy
comuni as (
    select * from {{ ref('istat_comuni') }}
)

select
    cast(values_at_cutoffs.indicator_code as text) as indicator_code,
    cast(values_at_cutoffs.cutoff_date as date) as cutoff_date,
    cast(values_at_cutoffs.pilot_id as text) as pilot_id,
    cast(values_at_cutoffs.action_code as text) as action_code,
    cast(values_at_cutoffs.fund as text) as fund,
    cast(values_at_cutoffs.gender as text) as gender,
    cast(values_at_cutoffs.residence_comune_code as text) as residence_comune_code,
    cast(comuni.comune_name as text) as residence_comune_name,
    cast(values_at_cutoffs.member_count as bigint) as indicator_value
from values_at_cutoffs
left join comuni on values_at_cutoffs.residence_comune_code = comuni.pro_com_t
where values_at_cutoffs.member_count > 0
