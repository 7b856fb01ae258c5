-- The rows of ESF+ Tables 6 (outputs) and 10 (results), written once: the common indicators at
-- the Art. 42 cut-offs that transmit indicators (YYYY06, YYYY12), cumulative, ESF+ operations
-- only: marts.esf_indicators summed over pilots and actions, per priority, specific objective,
-- category of region and gender (each gender of the seed that applies to the indicator's unit),
-- plus the 'total' row, plus, for the outputs, the combined indicators SFC2021 reserves in
-- Table 6 (seed sfc_combined_indicators): sums of their parts. Typed as the two tables publish
-- them; each table keeps its indicator_type.
with

cutoffs as (
    select * from {{ ref('int_reporting_cutoffs') }}
    where is_art42_cutoff and transmits_indicators
),

indicators as (
    select * from {{ ref('esf_indicators') }}
    where fund = 'ESF+'
),

genders as (
    select * from {{ ref('genders') }}
),

combined_parts as (
    select * from {{ ref('sfc_combined_indicators') }}
),

by_gender as (
    select
        cutoffs.cutoff_date,
        cutoffs.submission_period,
        indicators.programme_code,
        indicators.priority_code,
        indicators.specific_objective_code,
        indicators.category_of_region,
        indicators.indicator_type,
        indicators.indicator_code,
        indicators.indicator_name,
        indicators.unit,
        indicators.gender,
        sum(indicators.indicator_value) as indicator_value
    from indicators
    inner join cutoffs on indicators.cutoff_date = cutoffs.cutoff_date
    group by
        cutoffs.cutoff_date,
        cutoffs.submission_period,
        indicators.programme_code,
        indicators.priority_code,
        indicators.specific_objective_code,
        indicators.category_of_region,
        indicators.indicator_type,
        indicators.indicator_code,
        indicators.indicator_name,
        indicators.unit,
        indicators.gender
),

single_rows as (
    select by_gender.*
    from by_gender
    inner join genders on by_gender.gender = genders.gender and by_gender.unit = genders.applies_to

    union all

    -- over every gender of the mart, so that nothing counted is left out of the total
    select
        cutoff_date,
        submission_period,
        programme_code,
        priority_code,
        specific_objective_code,
        category_of_region,
        indicator_type,
        indicator_code,
        indicator_name,
        unit,
        'total' as gender,
        sum(indicator_value) as indicator_value
    from by_gender
    group by
        cutoff_date,
        submission_period,
        programme_code,
        priority_code,
        specific_objective_code,
        category_of_region,
        indicator_type,
        indicator_code,
        indicator_name,
        unit
),

-- Summed from the output rows above (per gender and total), so each equals its parts by
-- construction; the package's SFC check verifies it again on the file.
combined_rows as (
    select
        single_rows.cutoff_date,
        single_rows.submission_period,
        single_rows.programme_code,
        single_rows.priority_code,
        single_rows.specific_objective_code,
        single_rows.category_of_region,
        single_rows.indicator_type,
        combined_parts.combined_code as indicator_code,
        combined_parts.combined_name as indicator_name,
        single_rows.unit,
        single_rows.gender,
        sum(single_rows.indicator_value) as indicator_value
    from single_rows
    inner join combined_parts on single_rows.indicator_code = combined_parts.part_code
    where single_rows.indicator_type = 'output'
    group by
        single_rows.cutoff_date,
        single_rows.submission_period,
        single_rows.programme_code,
        single_rows.priority_code,
        single_rows.specific_objective_code,
        single_rows.category_of_region,
        single_rows.indicator_type,
        combined_parts.combined_code,
        combined_parts.combined_name,
        single_rows.unit,
        single_rows.gender
),

table_rows as (
    select * from single_rows
    union all
    select * from combined_rows
)

select
    cast(cutoff_date as date) as cutoff_date,
    cast(submission_period as text) as submission_period,
    cast(programme_code as text) as programme_code,
    cast(priority_code as text) as priority_code,
    cast(specific_objective_code as text) as specific_objective_code,
    cast(category_of_region as text) as category_of_region,
    cast(indicator_type as text) as indicator_type,
    cast(indicator_code as text) as indicator_code,
    cast(indicator_name as text) as indicator_name,
    cast(unit as text) as unit,
    cast(gender as text) as gender,
    cast(indicator_value as bigint) as indicator_value
from table_rows
