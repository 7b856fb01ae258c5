-- EECR01 and EECR04 are mutually exclusive, so together they never exceed the participants who
-- had left at the cut-off (their spell covering the cut-off has an exit on or before it).
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
),

leavers as (
    select
        cutoffs.cutoff_date,
        participations.pilot_id,
        participations.action_code,
        participations.fund,
        participations.gender,
        count(*) as leavers
    from {{ ref('int_participations') }} as participations
    inner join {{ ref('int_participation_spells') }} as spells
        on participations.participation_id = spells.participation_id
    inner join cutoffs
        on
            spells.spell_start <= cutoffs.cutoff_date
            and (spells.spell_end is null or spells.spell_end > cutoffs.cutoff_date)
            and spells.exit_date <= cutoffs.cutoff_date
    where participations.has_complete_core_data and participations.is_operation_known
    group by
        cutoffs.cutoff_date, participations.pilot_id, participations.action_code,
        participations.fund, participations.gender
),

results as (
    select
        cutoff_date,
        pilot_id,
        action_code,
        fund,
        gender,
        sum(indicator_value) filter (where indicator_code in ('EECR01', 'EECR04')) as eecr01_plus_eecr04
    from {{ ref('esf_indicators') }}
    group by cutoff_date, pilot_id, action_code, fund, gender
)

select
    results.*,
    coalesce(leavers.leavers, 0) as leavers
from results
left join leavers
    on
        results.cutoff_date = leavers.cutoff_date
        and results.pilot_id = leavers.pilot_id
        and results.action_code = leavers.action_code
        and results.fund = leavers.fund
        and results.gender = leavers.gender
where results.eecr01_plus_eecr04 > coalesce(leavers.leavers, 0)
