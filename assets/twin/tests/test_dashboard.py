"""The dashboard shows true numbers: a little traffic through the real proxy (successes at several latencies, a
stream, a throttle, a context-window error, a fallback), then the synthesized dashboard's Logs Insights queries, its
metric widgets and the alarms are evaluated over the lines the proxy's callback printed (assets/dashboard/).

The twin runs the proxy without a database, so there are no virtual keys: every request uses the admin key, whose
alias the callback writes as 'unknown'. Per-agent rows come from the second test: LiteLLM's own completion call
invoking the callback with the metadata the proxy adds for a virtual key. Both tests write their lines to .twin/
(dashboard-lines.jsonl, dashboard-agent-lines.jsonl); copied to assets/dashboard/traffic/, they are what
`npx projen dashboard:render` draws."""
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


AGENTS = {'extraction-agent': [0.3, 0.6, 0.9], 'review-agent': [0.05, 0.1]}  # fake Bedrock delays per call


def test_the_cost_table_per_agent_from_litellm_calls_with_key_metadata(reference, bedrock, model_ids, monkeypatch):
    """Per-agent rows, from the callback invoked by LiteLLM itself: LiteLLM 1.108.7's completion call (the code that
    builds the StandardLoggingPayload the proxy's callbacks receive) with the metadata the proxy's key check and
    router add for a virtual key (``user_api_key_alias``, ``user_api_key_team_alias``, ``model_group``), against the
    fake Bedrock. Not the proxy: it has no database here, so no virtual keys. The lines go to
    .twin/dashboard-agent-lines.jsonl for the picture."""
    monkeypatch.setenv('LITELLM_LOCAL_MODEL_COST_MAP', 'True')
    import asyncio
    import io

    import litellm

    sys.path.insert(0, str(ROOT / 'assets' / 'service' / 'litellm'))
    from callbacks.metrics_logger import MetricsLogger

    out = io.StringIO()
    logger = MetricsLogger(stream=out)
    monkeypatch.setattr(litellm, 'callbacks', [logger])
    fast = alias_without_fallback(reference)
    primary, _ = fallback_pair(reference)
    groups = {'extraction-agent': primary, 'review-agent': fast}

    async def call(agent, delay, outcome=None):
        group = groups[agent]
        bedrock.behave(model_ids[group], outcome or 'ok', delay=delay)
        try:
            await litellm.acompletion(
                model=f'bedrock/{model_ids[group]}', messages=[{'role': 'user', 'content': f'Work for {agent}.'}],
                aws_region_name=reference.region, aws_access_key_id='AKIDTWINFAKE', aws_secret_access_key='twin-fake',
                aws_bedrock_runtime_endpoint=bedrock.endpoint, num_retries=0,
                metadata={'user_api_key_alias': agent, 'user_api_key_team_alias': 'document-processing',
                          'model_group': group})
        except litellm.RateLimitError:
            assert outcome == THROTTLE

    async def traffic():
        for agent, delays in AGENTS.items():
            for delay in delays:
                await call(agent, delay)
        await call('review-agent', 0, THROTTLE)
        for _ in range(50):  # LiteLLM runs the async success hooks as tasks of their own
            if len(out.getvalue().splitlines()) >= 6:
                break
            await asyncio.sleep(0.1)

    asyncio.run(traffic())
    assert logger.flush()
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == 6, lines
    (ROOT / '.twin').mkdir(exist_ok=True)
    (ROOT / '.twin' / 'dashboard-agent-lines.jsonl').write_text(''.join(json.dumps(x) + '\n' for x in lines))

    result = evaluate(load_stack(reference.outdir), lines)
    rows = next(w.rows for w in result.widgets if w.title == 'Cost by agent and model (USD)')
    assert {(r['key_alias'], r['model_group']): (r['cost_usd'], r['requests']) for r in rows} == {
        (agent, groups[agent]): (sum(x['response_cost'] for x in lines if x['key_alias'] == agent),
                                 len(AGENTS[agent]) + (agent == 'review-agent')) for agent in AGENTS}
    assert all(r['cost_usd'] > 0 for r in rows) and rows[0]['key_alias'] == 'extraction-agent'  # Sonnet costs more
    ok = [x for x in lines if x['status_code'] == 200]
    assert all(x['team'] == 'document-processing' for x in lines)
    for agent, delays in AGENTS.items():  # LiteLLM's measured time includes what the fake waited
        times = sorted(x['response_time_ms'] for x in ok if x['key_alias'] == agent)
        assert all(t >= d * 1000 - 5 for t, d in zip(times, sorted(delays))), (agent, times)
    assert [x['status_code'] for x in lines if x['status_code'] != 200] == [429]
