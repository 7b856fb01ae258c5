{{ config(indexes=[{'columns': ['group_code', 'outcome_code']}]) }}
-- The unit every SDG figure is counted from: one row per participation, population group at
-- entry and outcome, with the interval over which it holds and the dimensions the SDG marts and
-- the public views break figures down by (pilot, gender, comune and NUTS3 of residence). Counting
-- distinct rows of this model at a date is the only way an SDG figure is made.
with

groups as (
    select * from {{ ref('int_sdg_population_groups') }}
),

outcomes as (
    select * from {{ ref('int_sdg_outcomes') }}
),

participations as (
    select * from {{ ref('int_participations') }}
),

comuni as (
    select * from {{ ref('istat_comuni') }}
)

select
    groups.participation_id,
    groups.group_code,
    outcomes.outcome_code,
    participations.pilot_id,
    participations.action_code,
    participations.fund,
    participations.gender,
    participations.residence_comune_code,
    comuni.nuts3_code as residence_nuts3_code,
    outcomes.valid_from,
    outcomes.valid_to
from groups
inner join outcomes on groups.participation_id = outcomes.participation_id
inner join participations on groups.participation_id = participations.participation_id
left join comuni on participations.residence_comune_code = comuni.pro_com_t
