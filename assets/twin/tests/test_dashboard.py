"""The dashboard shows true numbers: a little traffic through the real proxy (successes at several latencies, a
stream, a throttle, a context-window error, a fallback), then the synthesized dashboard's Logs Insights queries, its
metric widgets and the alarms are evaluated over the lines the proxy's callback printed (assets/dashboard/).

The twin runs the proxy without a database, so there are no virtual keys: every request uses the admin key, whose
alias the callback writes as 'unknown'. Per-agent aliases are shown in assets/dashboard/tests with lines the
callback builds from LiteLLM-shaped payloads. The proxy's lines are also written to .twin/dashboard-lines.jsonl,
from which `npx projen dashboard:render` can redraw the picture (--lines)."""
import json
import math
import os
import sys
import time
from pathlib import Path

import httpx

from twin.fake_bedrock import CONTEXT_WINDOW, THROTTLE

from helpers import alias_without_fallback, fallback_pair, wait_for_metric_lines

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / 'assets' / 'dashboard'))

from dashboard.evaluate import evaluate  # noqa: E402
from dashboard.insights import event_time  # noqa: E402
from dashboard.template import load_stack  # noqa: E402

DELAYS = [0.05, 0.1, 0.2, 0.4]  # seconds the fake Bedrock waits before answering, per round


def nearest_rank(values, p):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def test_the_dashboard_and_alarms_over_the_real_proxy_lines(reference, proxy, bedrock, model_ids):
    fast = alias_without_fallback(reference)
    primary, fallback = fallback_pair(reference, 'context_window_fallbacks')
    mark = proxy.mark()
    elapsed_ms, expected = [], 0
    for delay in DELAYS:
        for alias in (primary, fast):
            bedrock.behave(model_ids[alias], delay=delay)
            started = time.monotonic()
            assert proxy.chat(alias).status_code == 200
            elapsed_ms.append((time.monotonic() - started) * 1000)
            expected += 1
    bedrock.reset()
    with httpx.stream(
            'POST', f'{proxy.url}/v1/chat/completions', headers=proxy.headers(), timeout=60,
            json={'model': fast, 'stream': True, 'messages': [{'role': 'user', 'content': 'Stream, please.'}]}) as r:
        assert r.status_code == 200 and sum(1 for _ in r.iter_lines()) > 3
    expected += 1
    # One outcome at a time: the fallback alias and the one without fallbacks may share a Bedrock model id.
    bedrock.behave(model_ids[primary], CONTEXT_WINDOW)
    assert proxy.chat(primary).status_code == 200  # the failure line of primary, then the fallback's success
    expected += 2
    bedrock.reset()
    bedrock.behave(model_ids[fast], CONTEXT_WINDOW)
    assert proxy.chat(fast).status_code == 400
    expected += 1
    bedrock.reset()
    bedrock.behave(model_ids[fast], THROTTLE)
    assert proxy.chat(fast, timeout=120).status_code == 429
    expected += 1
    bedrock.reset()
    lines = wait_for_metric_lines(proxy, mark, expected)
    assert len(lines) == expected, lines
    out = ROOT / '.twin' / 'dashboard-lines.jsonl'
    out.parent.mkdir(exist_ok=True)
    out.write_text(''.join(json.dumps(line) + '\n' for line in lines))

    stack = load_stack(reference.outdir)
    result = evaluate(stack, lines)
    tables = {w.title: w.rows for w in result.widgets if w.kind == 'table'}

    # Cost by agent and model: one row per (key alias, model group), the spend and tokens the callback recorded.
    want = {}
    for line in lines:
        row = want.setdefault((line['key_alias'], line['model_group']), [0.0, 0, 0])
        row[0] += line['response_cost']
        row[1] += 1
        row[2] += line['total_tokens']
    rows = tables['Cost by agent and model (USD)']
    assert {(r['key_alias'], r['model_group']): [r['cost_usd'], r['requests'], r['tokens']] for r in rows} == want
    assert [r['cost_usd'] for r in rows] == sorted((r['cost_usd'] for r in rows), reverse=True)
    assert {r['key_alias'] for r in rows} == {'unknown'}  # the admin key has no alias; virtual keys need the database
    assert {r['model_group'] for r in rows} == {primary, fast, fallback}
    assert all(r['cost_usd'] > 0 and r['tokens'] > 0 for r in rows)  # each group had a success

    # Latency percentiles: per 5-minute bin, over the successful lines, as measured by the callback; and the
    # callback's times are real: within what the fake waited and what the client measured.
    rows = tables['Latency percentiles (ms)']
    ok = [line for line in lines if line['status_code'] == 200]
    by_bin = {}
    for line in ok:
        by_bin.setdefault(math.floor(event_time(line) / 300) * 300, []).append(line['response_time_ms'])
    assert {r['bin(5m)']: (r['p50'], r['p95'], r['p99']) for r in rows} == {
        b: (nearest_rank(v, 50), nearest_rank(v, 95), nearest_rank(v, 99)) for b, v in by_bin.items()}
    timed = [line['response_time_ms'] for line in ok if not line['stream']][:len(elapsed_ms)]
    assert max(timed) <= max(elapsed_ms) + 50 and max(timed) >= DELAYS[-1] * 1000
    assert min(timed) >= DELAYS[0] * 1000 - 5

    # The KPI: total requests is every line; the error and throttle rates are the lines' shares.
    kpi = next(w for w in result.widgets if w.title == 'Total requests')
    assert kpi.series[0][1] == [float(len(lines))]

    # Alarms: the ones on the callback's metrics read what the filters published; AWS's (ECS, ALB) have no data here.
    alarms = {a.alarm.description: a for a in result.alarms}
    for description, a in alarms.items():
        custom = any('LlmGateway' in json.dumps(q) for q in a.alarm.metrics)
        assert a.has_source == custom, description
        if not custom:
            assert not a.fires and all(v is None for v in a.series)
    errors = next(a for d, a in alarms.items() if 'Failed completions' in d)
    per_period = {}
    for line in lines:
        p = per_period.setdefault(math.floor(event_time(line) / 300) * 300, [0, 0])
        p[0] += line['status_code'] >= 400
        p[1] += 1
    rates = [100 * per_period[s][0] / per_period[s][1] if s in per_period else None for s in errors.starts]
    assert errors.series == [0 if r is None else r for r in rates]
    breach = [r is not None and r >= errors.alarm.threshold for r in rates]
    assert errors.fires == any(all(breach[i:i + errors.alarm.evaluation_periods])
                               for i in range(len(breach) - errors.alarm.evaluation_periods + 1))
    p95 = next(a for d, a in alarms.items() if 'p95' in d)
    assert not p95.fires and max(v for v in p95.series if v is not None) < p95.alarm.threshold
    print('alarms:', {d: a.fires for d, a in alarms.items()}, 'lines:', os.fspath(out))
