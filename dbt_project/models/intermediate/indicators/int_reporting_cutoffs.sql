{{ config(materialized='view') }}
-- The dates indicators are evaluated at: every Art. 42 cut-off up to the reporting date, plus any
-- date passed as var('extra_cutoff_dates') (a list of YYYY-MM-DD), e.g. for an evaluation.
with

art42 as (
    select
        cutoff_date,
        submission_period,
        transmits_indicators,
        true as is_art42_cutoff
    from {{ ref('reporting_cutoffs') }}
    where cutoff_date <= {{ reporting_date() }}
),

{%- set extra = var('extra_cutoff_dates', []) %}

extra as (
    {%- if extra %}
        select
            extra_date::date as cutoff_date,
            null::text as submission_period,
            false as transmits_indicators,
            false as is_art42_cutoff
        -- One comma-separated literal: each value is cast to a date, so a bad one fails loudly.
        from unnest(string_to_array('{{ extra | join(",") | replace("'", "''") }}', ',')) as e (extra_date)
        where extra_date::date not in (select art42.cutoff_date from art42)
    {%- else %}
        select
            null::date as cutoff_date,
            null::text as submission_period,
            null::boolean as transmits_indicators,
            null::boolean as is_art42_cutoff
        where false
    {%- endif %}
),

cutoffs as (
    select * from art42
    union all
    select * from extra
)

select
    cutoff_date,
    lag(cutoff_date) over (order by cutoff_date) as previous_cutoff_date,
    submission_period,
    transmits_indicators,
    is_art42_cutoff
from cutoffs
