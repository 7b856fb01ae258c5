-- ESF+ common indicators in long format: one row per indicator, cut-off, pilot, action and gender,
-- cumulative since the start of the programme (Art. 42 CPR data are cumulative). Every cell of
-- the spine is present, with 0 where nothing applies.
-- This stage computes EECO01 (total participants); the other indicators join the same spine.
with

cutoffs as (
    select cutoff_date
    from {{ ref('reporting_cutoffs') }}
    where cutoff_date <= {{ reporting_date() }}
),

genders as (
    select gender from (values ('F'), ('M'), ('non-binary')) as g (gender)
),

pilot_actions as (
    select distinct
        pilot_id,
        action_code
    from {{ ref('int_operations__current') }}
),

participations as (
    select * from {{ ref('int_participations') }}
    where has_complete_core_data
),

spine as (
    select
        cutoffs.cutoff_date,
        pilot_actions.pilot_id,
        pilot_actions.action_code,
        genders.gender
    from cutoffs
    cross join pilot_actions
    cross join genders
),

eeco01 as (
    select
        spine.cutoff_date,
        spine.pilot_id,
        spine.action_code,
        spine.gender,
        count(participations.participation_id) as indicator_value
    from spine
    left join participations
        on
            spine.pilot_id = participations.pilot_id
            and spine.action_code = participations.action_code
            and spine.gender = participations.gender
            and spine.cutoff_date >= participations.entry_date
    group by spine.cutoff_date, spine.pilot_id, spine.action_code, spine.gender
),

indicators as (
    select * from {{ ref('esf_common_indicators') }}
)

select
    cast(indicators.indicator_code as text) as indicator_code,
    cast(indicators.indicator_name as text) as indicator_name,
    cast('ESO4.8' as text) as specific_objective_code,
    cast(eeco01.action_code as text) as action_code,
    cast(eeco01.pilot_id as text) as pilot_id,
    cast(eeco01.gender as text) as gender,
    cast(eeco01.cutoff_date as date) as cutoff_date,
    cast(eeco01.indicator_value as bigint) as indicator_value
from eeco01
inner join indicators on indicators.indicator_code = 'EECO01'
