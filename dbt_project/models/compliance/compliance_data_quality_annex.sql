-- The data-quality annex of a compliance package, at every Art. 42 cut-off, one long table:
--   art_17_5_excluded       ESF+ participants entered by the cut-off and left out of every
--                           indicator because their first enrolment lacks an Annex I point 1.1
--                           datum (detail: gender at first entry, then the missing data)
--   quarantine_open         records quarantined and still open, per pilot, record type and
--                           failed rules: as the warehouse knows them now, not per cut-off (an
--                           unusable record has no date or fund to place it)
--   target_group_reporting  ESF+ participants counted through their operation's declared target
--                           group (Annex I point 1.2; detail: the target group)
--   annex_i_code_missing    ESF+ operations selected by the cut-off without a CPR Annex I code for
--                           a dimension of Table 2 (detail: '<operation>: <dimension>'): the
--                           package refuses publication while any is listed
--   selection_date_from_start  ESF+ operations selected by the cut-off whose pilot sent no
--                           selection date (landed before the contract had one): the start date
--                           stands in for it (detail: the operation)
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
    where is_art42_cutoff
),

participations as (
    select * from {{ ref('int_participations') }}
    where fund = 'ESF+'
),

quarantine as (
    select * from {{ ref('quarantine_open') }}
),

selected as (
    select * from {{ ref('int_operations__selected_at_cutoffs') }}
),

-- Table 2's dimensions of every selected operation (05 location: the pilot's NUTS3).
selected_codes as (
    select
        selected.cutoff_date,
        selected.pilot_id,
        selected.action_code,
        selected.operation_id,
        dimension.dimension_label,
        dimension.code
    from selected
    cross join lateral (
        values
        ('01 intervention field', selected.intervention_field_code),
        ('02 form of support', selected.form_of_support_code),
        ('03 territorial delivery mechanism', selected.territorial_delivery_code),
        ('04 economic activity', selected.economic_activity_code),
        ('05 location', selected.nuts3_code),
        ('06 ESF+ secondary theme', selected.esf_secondary_theme_code),
        ('07 gender equality', selected.gender_equality_code)
    ) as dimension (dimension_label, code)
),

sections as (
    select
        cutoffs.cutoff_date,
        'art_17_5_excluded' as section_name,
        participations.pilot_id,
        participations.action_code,
        coalesce(participations.gender, 'unknown') || ': ' || participations.missing_core_data as detail,
        count(*) as item_count
    from participations
    inner join cutoffs on participations.entry_date <= cutoffs.cutoff_date
    where not participations.has_complete_core_data
    group by
        cutoffs.cutoff_date,
        participations.pilot_id,
        participations.action_code,
        participations.gender,
        participations.missing_core_data

    union all

    select
        cutoffs.cutoff_date,
        'quarantine_open' as section_name,
        quarantine.pilot_id,
        null as action_code,
        quarantine.record_type || ': ' || quarantine.failed_rules as detail,
        count(*) as item_count
    from quarantine
    cross join cutoffs
    group by cutoffs.cutoff_date, quarantine.pilot_id, quarantine.record_type, quarantine.failed_rules

    union all

    select
        cutoffs.cutoff_date,
        'target_group_reporting' as section_name,
        participations.pilot_id,
        participations.action_code,
        participations.target_group as detail,
        count(*) as item_count
    from participations
    inner join cutoffs on participations.entry_date <= cutoffs.cutoff_date
    where
        participations.has_complete_core_data
        and participations.target_group_indicator_code is not null
    group by
        cutoffs.cutoff_date,
        participations.pilot_id,
        participations.action_code,
        participations.target_group

    union all

    select
        cutoff_date,
        'annex_i_code_missing' as section_name,
        pilot_id,
        action_code,
        operation_id || ': ' || dimension_label as detail,
        count(*) as item_count
    from selected_codes
    where code is null
    group by cutoff_date, pilot_id, action_code, operation_id, dimension_label

    union all

    select
        cutoff_date,
        'selection_date_from_start' as section_name,
        pilot_id,
        action_code,
        operation_id as detail,
        count(*) as item_count
    from selected
    where is_selection_date_from_start
    group by cutoff_date, pilot_id, action_code, operation_id
)

select
    cast(cutoff_date as date) as cutoff_date,
    cast(section_name as text) as section,  -- noqa: RF04 (the annex's column name)
    cast(pilot_id as text) as pilot_id,
    cast(action_code as text) as action_code,
    cast(detail as text) as detail,
    cast(item_count as bigint) as value  -- noqa: RF04
from sections
