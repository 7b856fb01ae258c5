-- The participation fact, public: one row per participant per operation (the ESF+ counting grain)
-- with the characteristics at first entry every indicator is computed from. Analysts count from
-- it what the common indicators do not; marts.esf_indicator_members says who counts where.
select
    -- ids
    cast(participation_id as text) as participation_id,
    cast(pilot_id as text) as pilot_id,
    cast(operation_id as text) as operation_id,
    cast(person_key as text) as person_key,

    -- the operation
    cast(action_code as text) as action_code,
    cast(fund as text) as fund,
    cast(target_group as text) as target_group,

    -- Annex I point 1.1 at first entry
    cast(gender as text) as gender,
    cast(age_at_entry as integer) as age_at_entry,
    cast(isced_level as integer) as isced_level,
    cast(isced_group as text) as isced_group,
    cast(labour_status as text) as labour_status,
    cast(unemployment_months as integer) as unemployment_months,
    cast(is_long_term_unemployed as boolean) as is_long_term_unemployed,

    -- Annex I point 1.2 at first entry
    cast(disability as text) as disability,
    cast(third_country_national as text) as third_country_national,
    cast(foreign_background as text) as foreign_background,
    cast(minority as text) as minority,
    cast(homeless as text) as homeless,
    cast(in_education_training as text) as in_education_training,
    cast(at_risk_of_poverty as text) as at_risk_of_poverty,
    cast(is_neet_at_entry as boolean) as is_neet_at_entry,
    cast(residence_comune_code as text) as residence_comune_code,
    cast(degree_of_urbanisation as integer) as degree_of_urbanisation,
    cast(rural as text) as rural,

    -- dates
    cast(entry_date as date) as entry_date,
    cast(exit_date as date) as exit_date,
    cast(enrolment_count as integer) as enrolment_count,

    -- Art. 17(5) and data quality
    cast(has_complete_core_data as boolean) as has_complete_core_data,
    cast(missing_core_data as text) as missing_core_data,
    cast(is_under_15_at_entry as boolean) as is_under_15_at_entry,
    cast(has_same_day_duplicate as boolean) as has_same_day_duplicate
from {{ ref('int_participations') }}
