{#- The ESF+ output indicators counted in persons (Regulation (EU) 2021/1057 Annex I), one
    predicate each over a row of int_participations (characteristics at first entry). A
    participation is a member of every indicator whose predicate is true. Point 1.2 indicators
    count individual "yes" answers, and every participant of an operation that declares the
    indicator's target group (target-group reporting). What each answer counts as is in
    seeds/point_1_2_answers.csv: only yes counts here; the not-answered ones are reported in
    marts.indicator_data_quality. Unit tests: int_indicator_members.yml. -#}
{% macro participant_output_rules() -%}
    {{ return({
        'EECO01': "true",
        'EECO02': "labour_status = 'unemployed'",
        'EECO03': "is_long_term_unemployed",
        'EECO04': "labour_status = 'inactive'",
        'EECO05': "labour_status in ('employed', 'self_employed')",
        'EECO06': "age_at_entry < 18",
        'EECO07': "age_at_entry between 18 and 29",
        'EECO08': "age_at_entry >= 55",
        'EECO09': "isced_level between 0 and 2",
        'EECO10': "isced_level between 3 and 4",
        'EECO11': "isced_level between 5 and 8",
        'EECO12': "disability = 'yes' or target_group_indicator_code = 'EECO12'",
        'EECO13': "third_country_national = 'yes' or target_group_indicator_code = 'EECO13'",
        'EECO14': "foreign_background = 'yes' or target_group_indicator_code = 'EECO14'",
        'EECO15': "minority = 'yes' or target_group_indicator_code = 'EECO15'",
        'EECO16': "homeless = 'yes' or target_group_indicator_code = 'EECO16'",
        'EECO17': "rural = 'yes' or target_group_indicator_code = 'EECO17'",
    }) }}
{%- endmacro %}
