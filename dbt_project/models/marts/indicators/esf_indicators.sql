-- ESF+ common indicators (Regulation (EU) 2021/1057 Annex I) in long format: one row for every
-- indicator x cut-off x fund x pilot x action x gender that can exist (persons by F, M and
-- non-binary, entities by not_applicable: the seed's applies_to), cumulative since the start of the
-- programme (Art. 42 CPR data are cumulative), 0 where nothing applies. The spine comes from the
-- seeds; the values from esf_indicator_members (who counts in what, from when), so this model is
-- one join and each indicator's definition lives in one place.
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
),

members as (
    select * from {{ ref('esf_indicator_members') }}
),

values_at_cutoffs as (
    {{ members_at_cutoffs(
        'members', 'cutoffs', ['indicator_code', 'pilot_id', 'action_code', 'fund', 'gender']
    ) }}
),

-- Pilots of the reference seed, and any pilot landed since without an entry there (its NUTS3 and
-- category of region stay empty and marts.indicator_data_quality reports it).
pilots as (
    select
        pilot_id,
        nuts3_code,
        category_of_region
    from {{ ref('pilots') }}
    union
    select distinct
        operations.pilot_id,
        null as nuts3_code,
        null as category_of_region
    from {{ ref('int_operations__current') }} as operations
    where operations.pilot_id not in (select pilots_seed.pilot_id from {{ ref('pilots') }} as pilots_seed)
),

spine as (
    select
        indicators.indicator_code,
        indicators.indicator_name,
        indicators.indicator_type,
        indicators.unit,
        actions.programme_code,
        actions.priority_code,
        actions.specific_objective_code,
        funds.fund,
        actions.action_code,
        pilots.pilot_id,
        pilots.category_of_region,
        pilots.nuts3_code,
        genders.gender,
        cutoffs.cutoff_date,
        cutoffs.is_art42_cutoff
    from {{ ref('esf_common_indicators') }} as indicators
    cross join cutoffs
    cross join {{ ref('funds') }} as funds
    cross join pilots
    cross join {{ ref('esf_actions') }} as actions
    -- only possible cells: a person indicator has no not_applicable row, an entity one no gender
    inner join {{ ref('genders') }} as genders on indicators.unit = genders.applies_to
)

select
    cast(spine.indicator_code as text) as indicator_code,
    cast(spine.indicator_name as text) as indicator_name,
    cast(spine.indicator_type as text) as indicator_type,
    cast(spine.unit as text) as unit,
    cast(spine.programme_code as text) as programme_code,
    cast(spine.priority_code as text) as priority_code,
    cast(spine.specific_objective_code as text) as specific_objective_code,
    cast(spine.fund as text) as fund,
    cast(spine.action_code as text) as action_code,
    cast(spine.pilot_id as text) as pilot_id,
    cast(spine.category_of_region as text) as category_of_region,
    cast(spine.nuts3_code as text) as nuts3_code,
    cast(spine.gender as text) as gender,
    cast(spine.cutoff_date as date) as cutoff_date,
    cast(spine.is_art42_cutoff as boolean) as is_art42_cutoff,
    cast(coalesce(values_at_cutoffs.member_count, 0) as bigint) as indicator_value
from spine
left join values_at_cutoffs
    on
        spine.indicator_code = values_at_cutoffs.indicator_code
        and spine.pilot_id = values_at_cutoffs.pilot_id
        and spine.action_code = values_at_cutoffs.action_code
        and spine.fund = values_at_cutoffs.fund
        and spine.gender = values_at_cutoffs.gender
        and spine.cutoff_date = values_at_cutoffs.cutoff_date
