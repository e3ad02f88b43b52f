"""The Logs Insights evaluator, and the synthesized dashboard's two queries over lines the callback builds."""
import pytest

from dashboard import insights
from dashboard.evaluate import evaluate
from dashboard.insights import QueryError, percentile, run, split_stages
from dashboard_lines import HAIKU, T0, line

EVENTS = [
    {'litellm_metric': True, 'status_code': 200, 'k': 'a', 'v': 1, '@timestamp': T0},
    {'litellm_metric': True, 'status_code': 429, 'k': 'a', 'v': 2, '@timestamp': T0 + 10},
    {'litellm_metric': True, 'status_code': 200, 'k': 'b', 'v': 4, '@timestamp': T0 + 310},
    {'message': 'LiteLLM says hello', 'level': 'INFO', '@timestamp': T0 + 20},
]


def test_an_empty_stage_is_refused_as_logs_insights_refuses_it():
    # What CDK made of queryLines that began with '| ': an empty stage between two pipes.
    with pytest.raises(QueryError, match='empty'):
        split_stages("SOURCE 'g' | filter ispresent(x)\n| | stats count(*)")
    assert split_stages("SOURCE 'g' | filter a = 'x|y'\n| stats count(*)") == ("SOURCE 'g'", ["filter a = 'x|y'", 'stats count(*)'])


def test_filter_ispresent_and_comparisons():
    assert len(run('filter ispresent(litellm_metric)', EVENTS)) == 3
    assert [e['v'] for e in run('filter ispresent(litellm_metric) and status_code = 200', EVENTS)] == [1, 4]
    assert [e['v'] for e in run('filter status_code >= 400 or v > 3', EVENTS)] == [2, 4]
    assert [e['v'] for e in run("filter k = 'b'", EVENTS)] == [4]
    assert [e['v'] for e in run("filter ispresent(v) and not (k = 'a')", EVENTS)] == [4]
    assert run("filter status_code = '200'", EVENTS) == []  # a number is not the text '200'


def test_stats_by_fields_and_bins_sort_and_limit():
    rows = run('stats count(*) as n, sum(v) as total, avg(v), max(v) by k | sort total desc', EVENTS)
    assert rows == [{'k': 'b', 'n': 1, 'total': 4, 'avg(v)': 4, 'max(v)': 4},
                    {'k': 'a', 'n': 2, 'total': 3, 'avg(v)': 1.5, 'max(v)': 2},
                    {'k': None, 'n': 1, 'total': 0, 'avg(v)': None, 'max(v)': None}]
    rows = run('filter ispresent(v) | stats sum(v) as s by bin(5m)', EVENTS)
    assert rows == [{'bin(5m)': T0, 's': 3}, {'bin(5m)': T0 + 300, 's': 4}]
    assert run('stats count(v) as n | limit 1', EVENTS) == [{'n': 3}]
    assert len(run('filter ispresent(v) | limit 2', EVENTS)) == 2


def test_pct_is_the_nearest_rank():
    values = list(range(1, 101))
    assert [percentile(values, p) for p in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert percentile([10, 20, 30], 50) == 20 and percentile([10, 20, 30], 99) == 30 and percentile([], 50) is None
    assert run('stats pct(v, 50) as p50, pct(v, 99)', EVENTS) == [{'p50': 2, 'pct(v, 99)': 4}]


@pytest.mark.parametrize('query', ['fields @message', 'stats median(v)', 'filter strlen(k) > 1', 'stats sum(*)',
                                   'parse @message "*" as x', 'sort v sideways', 'stats count(*) by bin(5x)'])
def test_what_the_evaluator_does_not_know_raises(query):
    with pytest.raises(QueryError):
        run(query, EVENTS)


def _tables(stack, lines):
    return {w.title: w.rows for w in evaluate(stack, lines).widgets if w.kind == 'table'}


def test_the_cost_table_lists_each_agent_with_the_spend_the_callback_recorded(stack):
    lines = [line(0, ms=6000, prompt=9000, completion=400), line(30, ms=8000, prompt=12000, completion=500),
             line(60, status=429, ms=300),
             line(90, alias='review-agent', group='claude-fast', model=HAIKU, prompt=2000, completion=150),
             line(120, alias='unknown', group='claude-fast', model=HAIKU, prompt=100, completion=10)]
    rows = _tables(stack, lines + [{'message': 'an application line', 'level': 'ERROR', 'timestamp': lines[0]['timestamp']}])[
        'Cost by agent and model (USD)']
    assert [(r['key_alias'], r['model_group'], r['requests']) for r in rows] == [
        ('extraction-agent', 'claude-primary', 3), ('review-agent', 'claude-fast', 1), ('unknown', 'claude-fast', 1)]
    spend = (9000 * 3 + 400 * 15 + 12000 * 3 + 500 * 15) / 1e6  # Sonnet 4.5 list prices per million tokens
    assert rows[0]['cost_usd'] == pytest.approx(spend, rel=1e-12)
    assert rows[0]['cost_usd'] == sum(x['response_cost'] for x in lines if x['key_alias'] == 'extraction-agent')
    assert rows[0]['tokens'] == 9400 + 12500 and rows[1]['tokens'] == 2150
    assert [r['cost_usd'] for r in rows] == sorted((r['cost_usd'] for r in rows), reverse=True)


def test_the_latency_table_is_per_five_minutes_over_successes(stack):
    lines = [line(i * 10, ms=ms) for i, ms in enumerate([100, 200, 300, 400, 5000])]
    lines += [line(60, status=429, ms=90000), line(400, ms=700)]  # a slow failure is left out; a second bin
    rows = _tables(stack, lines)['Latency percentiles (ms)']
    assert sorted((r['bin(5m)'] - T0, r['p50'], r['p95'], r['p99']) for r in rows) == [(0, 300, 5000, 5000),
                                                                                        (300, 700, 700, 700)]


def test_every_query_of_the_dashboard_is_in_the_subset(stack):
    queries = [w['properties']['query'] for w in stack.dashboard['widgets'] if w['type'] == 'log']
    assert len(queries) == 2
    for q in queries:
        source, stages = insights.split_stages(q)
        assert source.startswith("SOURCE '") and len(stages) >= 2
        run(q, [line(0)])
