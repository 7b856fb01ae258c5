-- The Rome zero-long-term-unemployment pilots beside TZCLD and MAGMA: one row per metric and
-- source (one of our pilots at the latest Art. 42 cut-off, or one published peer figure), each
-- figure as its source defines it, never merged or added up. A peer figure lines up under the
-- metric of ours it is set beside (seed column comparable_with) and says whether the two can be
-- compared: not_comparable when we measure nothing of the kind or the units differ;
-- comparable only when the definition is the same, the figure confirmed, not a count (counts grow
-- with the size of a programme) and dated within two years of our cut-off; partly_comparable
-- otherwise, with every reason. Our rows carry the best comparability among the peers' figures
-- of the same metric.
{%- set max_date_gap = "2 years" %}
{#- (metric, our definition, unit, a count that grows with scale, value, numerator, denominator) #}
{%- set our_metrics = [
    ('long_term_unemployed_reached', 'Long-term unemployed at entry (EECO03) reached', 'persons', true,
     'long_term_unemployed_reached', none, none),
    ('prior_unemployment_months_mean', 'Mean months continuously unemployed at entry of the long-term unemployed reached',
     'months', false, 'prior_unemployment_months_mean', none, 'prior_unemployment_months_known'),
    ('prior_unemployment_months_median', 'Median months continuously unemployed at entry of the long-term unemployed reached',
     'months', false, 'prior_unemployment_months_median', none, 'prior_unemployment_months_known'),
    ('hired', 'Long-term unemployed in employment within 28 days after leaving (EECR04 rule)', 'persons', true,
     'ltu_hired', none, none),
    ('hired_rate_pct', 'Long-term unemployed in employment upon leaving, per 100 long-term unemployed who left',
     'percent', false, 'ltu_hired_rate_pct', 'ltu_hired', 'ltu_left'),
    ('employed_six_months_after', 'Long-term unemployed in employment six months after leaving (EECR05 rule)',
     'persons', true, 'ltu_employed_six_months', none, none),
    ('retention_six_months_pct', 'Long-term unemployed employed six months after leaving, per 100 who left six months ago',
     'percent', false, 'ltu_retention_six_months_pct', 'ltu_employed_six_months', 'ltu_left_six_months_ago'),
    ('employed_twelve_months_after', 'Long-term unemployed in employment twelve months after leaving (EECR05 rule at 12 months)',
     'persons', true, 'ltu_employed_twelve_months', none, none),
    ('retention_twelve_months_pct', 'Long-term unemployed employed twelve months after leaving, per 100 who left twelve months ago',
     'percent', false, 'ltu_retention_twelve_months_pct', 'ltu_employed_twelve_months', 'ltu_left_twelve_months_ago'),
    ('aged_over_50_share_pct', 'Participants reached aged over 50 at entry, per 100 participants reached', 'percent', false,
     'aged_over_50_share_pct', 'aged_over_50_reached', 'participants_reached'),
    ('disability_share_pct', 'Participants reached with a disability (EECO12), per 100 participants reached', 'percent', false,
     'disability_share_pct', 'disability_reached', 'participants_reached'),
    ('jobs_created', 'All participants in employment upon leaving (EECR04 rule)', 'persons', true, 'jobs_created', none, none),
    ('declared_expenditure_eur', 'Expenditure declared for the pilot operations of every fund, cumulative',
     'EUR cumulative', true, 'declared_expenditure_eur', none, none),
    ('cost_per_job_eur', 'Declared expenditure (every fund, cumulative) per participant in employment upon leaving',
     'EUR per job created', false, 'cost_per_job_eur', 'declared_expenditure_eur', 'jobs_created'),
] %}
with

figures as (
    select * from {{ ref('zltu_pilot_figures') }}
),

peers as (
    select * from {{ ref('peer_pilot_figures') }}
),

latest as (
    select max(cutoff_date) as cutoff_date from figures
    where is_art42_cutoff
),

metrics as (
    {%- for metric, definition, unit, is_scale_dependent, _v, _n, _d in our_metrics %}
        select
            '{{ metric }}' as metric,
            '{{ unit }}' as unit,
            {{ is_scale_dependent }} as is_scale_dependent
        {{- "\n        union all" if not loop.last }}
    {%- endfor %}
),

ours as (
    {%- for metric, definition, unit, _s, value, numerator, denominator in our_metrics %}
        select
            'ours:' || figures.pilot_id || ':{{ metric }}' as figure_id,
            '{{ metric }}' as metric,
            'our_pilot' as source_kind,
            figures.pilot_id as source_name,
            'IT' as country,
            '{{ metric }}' as source_metric,
            cast(figures.{{ value }} as numeric) as value,  -- noqa: RF04
            cast(null as numeric) as value_high,
            'exact' as value_qualifier,
            '{{ unit }}' as unit,
            cast({{ "figures." ~ numerator if numerator else "null" }} as numeric) as numerator,
            cast({{ "figures." ~ denominator if denominator else "null" }} as numeric) as denominator,
            figures.cutoff_date as reference_date,
            'Art. 42 cut-off ' || figures.cutoff_date as reference_period,
            '{{ definition }}' as definition_note,
            'marts.zltu_pilot_figures (osservatorio, ESF+ indicator rules)' as source,  -- noqa: RF04
            true as confirmed
        from figures
        inner join latest on figures.cutoff_date = latest.cutoff_date
        where figures.is_zltu_pilot
        {{- "\n        union all" if not loop.last }}
    {%- endfor %}
),

peer_rows as (
    select
        peers.figure_id,
        coalesce(peers.comparable_with, peers.metric) as metric,
        'peer_figure' as source_kind,
        peers.peer_pilot as source_name,
        peers.country,
        peers.metric as source_metric,
        peers.value,
        peers.value_high,
        peers.value_qualifier,
        peers.unit,
        cast(null as numeric) as numerator,
        cast(null as numeric) as denominator,
        peers.reference_date,
        peers.reference_period,
        peers.definition_note,
        peers.source,  -- noqa: RF04
        peers.confirmed,
        metrics.metric is null as has_no_counterpart,
        peers.unit <> metrics.unit as unit_differs,
        not peers.same_definition as definition_differs,
        coalesce(metrics.is_scale_dependent, false) as scale_differs,
        case
            when peers.reference_date is null then 'date: not stated'
            when
                peers.reference_date
                not between latest.cutoff_date - interval '{{ max_date_gap }}'
                and latest.cutoff_date + interval '{{ max_date_gap }}'
                then
                    'date: ' || peers.reference_date || ' against our cut-off ' || latest.cutoff_date
                    || ' (more than {{ max_date_gap }} apart)'
        end as date_reason,
        metrics.unit as our_unit
    from peers
    cross join latest
    left join metrics on peers.comparable_with = metrics.metric
),

peers_judged as (
    select
        *,
        case
            when has_no_counterpart or unit_differs then 'not_comparable'
            when
                not definition_differs and confirmed and not scale_differs and date_reason is null
                then 'comparable'
            else 'partly_comparable'
        end as comparability,
        case
            when has_no_counterpart then 'no figure of ours measures this'
            when unit_differs then 'unit: ' || unit || ' against our ' || our_unit
            else
                coalesce(nullif(concat_ws(
                    '; ',
                    case when definition_differs then 'definition differs (see definition_note)' end,
                    case
                        when scale_differs
                            then 'scale: a count of the peer''s whole programme against one Rome pilot'
                    end,
                    date_reason,
                    case when not confirmed then 'source not confirmed [check]' end
                ), ''), 'same definition, unit and period, confirmed source')
        end as comparability_reason
    from peer_rows
),

-- Best comparability of the peers' figures of each metric, for our rows.
best_peer as (
    select
        metric,
        min(
            case comparability when 'comparable' then 1 when 'partly_comparable' then 2 else 3 end
        ) as best_rank
    from peers_judged
    group by metric
),

ours_judged as (
    select
        ours.*,
        case best_peer.best_rank
            when 1 then 'comparable'
            when 2 then 'partly_comparable'
            else 'not_comparable'
        end as comparability,
        case
            when best_peer.metric is null then 'no peer figure of this metric'
            when best_peer.best_rank = 3 then 'no peer figure of this metric is comparable (see their rows)'
            else 'our figure; see the peer rows of this metric for what differs'
        end as comparability_reason
    from ours
    left join best_peer on ours.metric = best_peer.metric
),

comparison as (
    select
        figure_id,
        metric,
        source_kind,
        source_name,
        country,
        source_metric,
        value,
        value_high,
        value_qualifier,
        unit,
        numerator,
        denominator,
        reference_date,
        reference_period,
        comparability,
        comparability_reason,
        definition_note,
        source,  -- noqa: RF04 (the seed's column)
        confirmed
    from ours_judged
    union all
    select
        figure_id,
        metric,
        source_kind,
        source_name,
        country,
        source_metric,
        value,
        value_high,
        value_qualifier,
        unit,
        numerator,
        denominator,
        reference_date,
        reference_period,
        comparability,
        comparability_reason,
        definition_note,
        source,  -- noqa: RF04 (the seed's column)
        confirmed
    from peers_judged
)

select
    cast(figure_id as text) as figure_id,
    cast(metric as text) as metric,
    cast(source_kind as text) as source_kind,
    cast(source_name as text) as source_name,
    cast(country as text) as country,
    cast(source_metric as text) as source_metric,
    cast(value as numeric) as value,  -- noqa: RF04
    cast(value_high as numeric) as value_high,
    cast(value_qualifier as text) as value_qualifier,
    cast(unit as text) as unit,
    cast(numerator as numeric) as numerator,
    cast(denominator as numeric) as denominator,
    cast(reference_date as date) as reference_date,
    cast(reference_period as text) as reference_period,
    cast(comparability as text) as comparability,
    cast(comparability_reason as text) as comparability_reason,
    cast(definition_note as text) as definition_note,
    cast(source as text) as source,  -- noqa: RF04
    cast(confirmed as boolean) as confirmed
from comparison
