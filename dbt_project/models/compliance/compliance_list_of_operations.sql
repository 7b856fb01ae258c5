-- CPR Art. 49(3) list of operations at every Art. 42 cut-off: the ESF+ operations selected by it
-- (int_operations__selected_at_cutoffs: selection date, withdrawals out), one row each, under
-- the 33 headers of the Kohesio Table Schema (quoted: the headers keep their case), every value
-- text already formatted as the CSV carries it: dates dd/mm/yyyy,
-- amounts with '.' and 2 decimals, the co-financing rate as a percentage, "lon, lat", '' for an
-- unknown optional field. A natural-person beneficiary is not named (nor identified).
with

-- Selected as the CPR means it: selection date on or before the cut-off, not withdrawn by then.
selected as (
    select * from {{ ref('int_operations__selected_at_cutoffs') }}
),

funds as (
    select * from {{ ref('funds') }}
),

listed as (
    select
        selected.*,
        funds.fund_name,
        -- A codice fiscale of 16 characters names a person even when the flag was not sent.
        coalesce(selected.is_beneficiary_natural_person, false)
        or length(selected.beneficiary_id) = 16 as is_natural_person
    from selected
    left join funds on selected.fund_code = funds.fund
)

select
    cast(cutoff_date as date) as cutoff_date,
    cast(
        coalesce(nullif(cup, ''), pilot_id || ':' || operation_id) as text
    ) as "Operation_Unique_Identifier",
    cast('IT' as text) as "CountryID",
    cast(coalesce(operation_title, '') as text) as "Operation_Name_Programme_Language",
    cast(coalesce(operation_title_en, '') as text) as "Operation_Name_English",
    cast('Italia' as text) as "Country",
    cast(coalesce(postcode, '') as text) as "Location_Indicator_Postcode",
    cast(coalesce(to_char(start_date, 'DD/MM/YYYY'), '') as text) as "Operation_Start_Date",
    cast(
        coalesce(to_char(expected_end_date, 'DD/MM/YYYY'), '') as text
    ) as "Operation_Expected_End_Date",
    -- the actual end, else the planned one while the operation runs
    cast(
        coalesce(to_char(coalesce(end_date, expected_end_date), 'DD/MM/YYYY'), '') as text
    ) as "Operation_End_Date",
    coalesce(cast(cast(cofinancing_rate as numeric(5, 2)) as text), '') as "CoFinancing_Rate",
    coalesce(
        cast(cast(total_eligible_cost as numeric(16, 2)) as text), ''
    ) as "Total_Eligible_Expenditure_amount",
    cast('EUR' as text) as "Total_Eligible_Expenditure_Currency",
    cast('' as text) as "Total_Eligible_Expenditure_Exchange_Rate",
    cast(coalesce(nuts3_code, '') as text) as "Location_Indicator_NUTS_code",
    cast(
        case
            when is_natural_person then 'Persona fisica (nome omesso)'
            else coalesce(beneficiary_name, '')
        end as text
    ) as "Beneficiary_Name",
    cast(
        case
            when longitude is not null and latitude is not null
                then cast(longitude as text) || ', ' || cast(latitude as text)
            else ''
        end as text
    ) as "Location_Indicator_latitude_longitude",
    cast(
        coalesce(intervention_field_code, '') as text
    ) as "Category_Of_Intervention",
    cast('ESF+' as text) as "Fund_Code",
    cast(coalesce(programme_code, '') as text) as "Programme_Code",
    cast(coalesce(operation_title_en, '') as text) as "Operation_Summary_English",
    -- required by Kohesio: the title stands in for a missing summary
    cast(
        coalesce(nullif(operation_summary, ''), operation_title, '') as text
    ) as "Operation_Summary_Programme_Language",
    cast('2021-2027' as text) as "Programming_Period",
    cast(coalesce(programme_name, '') as text) as "Programme_Name",
    cast(coalesce(priority_code, '') as text) as "Program_Priority_Axis_Code",
    cast(coalesce(priority_name, '') as text) as "Program_Priority_Axis_Name",
    cast(coalesce(specific_objective_code, '') as text) as "Program_Specific_Objective_Code",
    cast(coalesce(specific_objective_name, '') as text) as "Program_Specific_Objective_Name",
    -- 2014-2020 thematic objectives do not exist in 2021-2027
    cast('' as text) as "Program_Thematic_Objective_Code",
    cast('' as text) as "Program_Thematic_Objective_Name",
    cast(coalesce(fund_name, '') as text) as "Fund_Name",
    cast(
        coalesce(
            to_char(coalesce(source_updated_at, ingested_at) at time zone 'Europe/Rome', 'DD/MM/YYYY'), ''
        ) as text
    ) as "Date_Of_Last_Update",
    cast(
        case when is_natural_person then '' else coalesce(beneficiary_id, '') end as text
    ) as "Beneficiary_Unique_Identifier",
    cast('' as text) as "Social_Media_Links"
from listed
