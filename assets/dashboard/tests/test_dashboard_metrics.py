"""Metric filters, metric math and alarms, evaluated over lines the callback builds at chosen times."""
import pytest

from dashboard.evaluate import evaluate
from dashboard.metrics import MathError, MetricMath, publish
from dashboard_lines import HAIKU, SONNET, T0, line
from twin.metric_filters import matches


def math(expression, **series):
    length = len(next(iter(series.values()))) if series else 1
    return MetricMath(expression, lambda name: series[name], length).value()


def test_metric_math_as_the_construct_writes_it():
    a, b = [1.0, None, 3.0], [None, None, 1.0]
    assert math('FILL(a, 0) + FILL(b, 0)', a=a, b=b) == [1.0, 0, 4.0]
    assert math('100 * a / b', a=a, b=b) == [None, None, 300.0]
    assert math('IF(w > 0, 100 * p / w, 0)', w=[0.0, 4.0, None], p=[0.0, 1.0, 1.0]) == [0, 25.0, None]
    assert math('MAX([a, b])', a=a, b=b) == [1.0, None, 3.0]
    assert math('d - r', d=[2.0, 2.0], r=[2.0, 1.0]) == [0.0, 1.0]
    assert math('a / b', a=[1.0], b=[0.0]) == [None]  # no value, never infinity


@pytest.mark.parametrize('expression', ['FILL(missing, 0)', 'ANOMALY_DETECTION_BAND(a)', 'a +', 'METRICS()'])
def test_unknown_ids_and_functions_raise(expression):
    with pytest.raises((MathError, KeyError)):
        math(expression, a=[1.0])


def test_the_filters_publish_per_model_with_the_callbacks_values(stack):
    lines = [line(0, prompt=1000, completion=100, ms=1200), line(10, status=429, ms=300),
             line(20, model=HAIKU, group='claude-fast', prompt=10, completion=5, ms=200)]
    published = publish(stack.metric_filters, lines, matches)
    ns = stack.metric_filters[0].namespace
    sonnet = (('Model', SONNET),)
    assert [p.value for p in published[(ns, 'RequestCount', sonnet)]] == [1.0, 1.0]
    assert [p.value for p in published[(ns, 'InputTokens', sonnet)]] == [1000.0]
    assert [p.value for p in published[(ns, 'ResponseTimeMs', sonnet)]] == [1200.0, 300.0]
    assert [p.value for p in published[(ns, 'Throttles', sonnet)]] == [1.0]
    assert (ns, 'Throttles', (('Model', HAIKU),)) not in published


def _alarms(stack, lines):
    return {a.alarm.description.replace('LLM gateway: ', '').split(' ')[0]: a for a in evaluate(stack, lines).alarms}


def test_a_short_burst_of_errors_fires_nothing_a_sustained_one_fires_errors_and_throttles(stack):
    ok = [line(t) for t in range(0, 900, 60)]  # 15 minutes, one success a minute: 5 per period
    burst = ok + [line(30, status=429), line(40, status=429)]  # 2 of 7 in one period, then calm
    alarms = _alarms(stack, burst)
    assert not alarms['Failed'].fires and not alarms['Throttled'].fires
    assert max(alarms['Failed'].series) == pytest.approx(100 * 2 / 7)
    sustained = ok + [line(t + 5, status=429) for t in range(0, 600, 120)]  # 10 minutes: 2 or 3 in every 5 minutes
    alarms = _alarms(stack, sustained)
    assert alarms['Failed'].fires and alarms['Throttled'].fires
    assert not alarms['p95'].fires
    context = ok + [line(t + 5, status=400) for t in range(0, 600, 120)]  # errors that are not throttles
    alarms = _alarms(stack, context)
    assert alarms['Failed'].fires and not alarms['Throttled'].fires


def test_p95_latency_of_the_slowest_model_over_two_periods_fires(stack):
    fast = [line(t, model=HAIKU, group='claude-fast', ms=800) for t in range(0, 600, 30)]
    slow = [line(t, ms=ms) for t in range(0, 600, 60) for ms in (2000, 65000)]
    alarms = _alarms(stack, fast + slow)
    assert alarms['p95'].fires and max(v for v in alarms['p95'].series if v is not None) == 65000
    assert not _alarms(stack, fast)['p95'].fires


def test_aws_metrics_have_no_data_here(stack):
    alarms = evaluate(stack, [line(0)]).alarms
    aws = [a for a in alarms if not a.has_source]
    assert {a.alarm.description.split(': ')[1].split(' ')[0] for a in aws} == {'Load', 'Gateway', 'Fewer'}
    assert all(not a.fires and all(v is None for v in a.series) for a in aws)


def test_the_widgets_show_what_the_lines_say(stack):
    lines = [line(0, prompt=1000, completion=100), line(10, status=429),
             line(20, model=HAIKU, group='claude-fast', prompt=10, completion=5)]
    widgets = {w.title: w for w in evaluate(stack, lines).widgets}
    assert widgets['Total requests'].series == [('Requests', [3.0])]
    assert [s[0] for _, s in widgets['Tokens and estimated cost'].series][:2] == [1010.0, 105.0]
    rate = dict(widgets['Error and throttle rate (%)'].series)
    assert max(v for v in rate['Errors %'] if v is not None) == pytest.approx(100 / 3)
    per_request = dict(widgets['Average tokens per successful request by model'].series)
    # Tokens are published for successes only, and divided by successes: the throttle does not halve the average.
    assert max(v for v in per_request[f'Tokens/request {SONNET}'] if v is not None) == 1100.0
    cost = dict(widgets['Cost per successful request by model (USD)'].series)
    assert max(v for v in cost[f'USD/request {SONNET}'] if v is not None) == lines[0]['response_cost']
    # A model whose every completion failed has no value, not a division by zero.
    only_failures = evaluate(stack, [line(0, status=429)]).widgets
    per_request = dict(next(w for w in only_failures if w.title.startswith('Average tokens')).series)
    assert all(v is None for v in per_request[f'Tokens/request {SONNET}'])
    assert not widgets['CPU utilization (%)'].has_source
