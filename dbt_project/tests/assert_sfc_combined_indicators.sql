-- SFC2021 validation rules on every cell of marts.esf_indicators (a row returned is a failure):
-- reserved combined indicators are sums of their parts, so the parts must add up the way the
-- Commission's validator adds them: the labour-market statuses partition the participants
-- (EECO01 = EECO02 + EECO04 + EECO05, so EECO02+04, EECO02+05 and EECO02+04+05 never exceed
-- EECO01), so do the education levels (EECO09 + EECO10 + EECO11 = EECO01); EECO06+07 and EECO10+11
-- never exceed EECO01; the long-term unemployed are a part of EECO02; and a person-based result
-- never exceeds its output (EECO01).
with

cells as (
    select
        cutoff_date,
        pilot_id,
        action_code,
        fund,
        gender,
        {% for code in ['EECO01', 'EECO02', 'EECO03', 'EECO04', 'EECO05', 'EECO06', 'EECO07', 'EECO09',
                        'EECO10', 'EECO11', 'EECR01', 'EECR02', 'EECR03', 'EECR04', 'EECR05'] -%}
        sum(indicator_value) filter (where indicator_code = '{{ code }}')
            as {{ code | lower }}{{ "," if not loop.last }}
    {% endfor %}
    from {{ ref('esf_indicators') }}
    group by cutoff_date, pilot_id, action_code, fund, gender
),

checks as (
    select
        cells.*,
        sfc_rule.rule_name,
        sfc_rule.holds
    from cells
    cross join lateral (
        values
        ('EECO01 = EECO02 + EECO04 + EECO05', cells.eeco01 = cells.eeco02 + cells.eeco04 + cells.eeco05),
        ('EECO02 + EECO04 <= EECO01', cells.eeco02 + cells.eeco04 <= cells.eeco01),
        ('EECO02 + EECO05 <= EECO01', cells.eeco02 + cells.eeco05 <= cells.eeco01),
        ('EECO06 + EECO07 <= EECO01', cells.eeco06 + cells.eeco07 <= cells.eeco01),
        ('EECO10 + EECO11 <= EECO01', cells.eeco10 + cells.eeco11 <= cells.eeco01),
        ('EECO09 + EECO10 + EECO11 = EECO01', cells.eeco09 + cells.eeco10 + cells.eeco11 = cells.eeco01),
        ('EECO03 <= EECO02', cells.eeco03 <= cells.eeco02),
        ('EECR01 <= EECO01', cells.eecr01 <= cells.eeco01),
        ('EECR02 <= EECO01', cells.eecr02 <= cells.eeco01),
        ('EECR03 <= EECO01', cells.eecr03 <= cells.eeco01),
        ('EECR04 <= EECO01', cells.eecr04 <= cells.eeco01),
        ('EECR05 <= EECO01', cells.eecr05 <= cells.eeco01)
    ) as sfc_rule (rule_name, holds)
)

select * from checks
where not holds
