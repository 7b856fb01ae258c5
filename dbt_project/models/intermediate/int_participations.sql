-- One participation = one participant in one operation (ESF+ counting grain). A re-entry into the
-- same operation is merged: entry date and entry characteristics come from the first entry, the
-- exit date from the last one (null while the participant is still in).
with

enrolments as (
    select * from {{ ref('int_enrolments__current') }}
),

-- One pass of window functions, no self-join: joining first and last entries made the planner
-- pick a nested loop, quadratic in enrolments (a 100,000-enrolment build did not end).
ranked as (
    select
        *,
        row_number() over (
            partition by pilot_id, operation_id, person_key order by entry_date, enrolment_id
        ) as entry_rank,
        first_value(exit_date) over (
            partition by pilot_id, operation_id, person_key order by entry_date desc, enrolment_id desc
        ) as last_exit_date,
        count(*) over (partition by pilot_id, operation_id, person_key) as enrolment_count
    from enrolments
),

first_entry as (
    select * from ranked
    where entry_rank = 1
),

operations as (
    select * from {{ ref('int_operations__current') }}
)

select
    -- ids
    md5(first_entry.pilot_id || '|' || first_entry.operation_id || '|' || first_entry.person_key)
        as participation_id,
    first_entry.pilot_id,
    first_entry.operation_id,
    first_entry.person_key,
    operations.action_code,

    -- characteristics at (first) entry
    first_entry.gender,
    first_entry.birth_date,
    first_entry.isced_level,
    first_entry.labour_status,
    first_entry.unemployment_months,
    first_entry.third_country_national,
    first_entry.disability,

    -- dates
    first_entry.entry_date,
    first_entry.last_exit_date as exit_date,
    first_entry.enrolment_count,

    -- Art. 17(5): only participants with every Annex I point 1.1 datum are transmitted.
    (
        first_entry.gender is not null
        and first_entry.birth_date is not null
        and first_entry.isced_level is not null
        and first_entry.labour_status is not null
    ) as has_complete_core_data

from first_entry
left join operations
    on
        first_entry.pilot_id = operations.pilot_id
        and first_entry.operation_id = operations.operation_id
