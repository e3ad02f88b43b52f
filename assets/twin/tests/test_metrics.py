"""Test 4: the metrics callback, loaded by the real proxy from the staged image asset, writes exactly one JSON line
per completion (plain, streamed, failed, throttled; a fallback adds the line of the alias it fell back to), and each
line counts in exactly the synthesized metric filters it should."""
import json

import httpx
import pytest

from twin.fake_bedrock import CONTEXT_WINDOW, THROTTLE, usage
from twin.metric_filters import matches

from helpers import alias_without_fallback, fallback_pair, wait_for_metric_lines

SUCCESS = {'RequestCount', 'InputTokens', 'OutputTokens', 'TotalTokens', 'ResponseCostUSD', 'ResponseTimeMs'}
ERROR = {'RequestCount', 'RequestErrors', 'ResponseTimeMs'}


def hits(reference, line):
    return {f.metric_name for f in reference.metric_filters if matches(f.pattern, line)}


def check_fields(reference, line):
    """Every value and dimension a matching filter selects exists, numbers as numbers, dimensions as text."""
    for f in reference.metric_filters:
        if not matches(f.pattern, line):
            continue
        for ref in [f.metric_value, *f.dimensions.values()]:
            if ref.startswith('$.'):
                value = line.get(ref[2:])
                if ref in f.dimensions.values():
                    assert isinstance(value, str) and value, (f.metric_name, ref, line)
                else:
                    assert isinstance(value, (int, float)) and not isinstance(value, bool), (f.metric_name, ref, line)


def _json_or_none(line):
    try:
        return json.loads(line)
    except ValueError:
        return None


def usage_of(bedrock, model_id):
    """(prompt, completion) tokens the fake reported for its last answer to ``model_id``."""
    return usage(model_id, bedrock.calls(model_id)[-1].body)


def test_a_plain_completion_writes_one_line_with_tokens_cost_and_time(reference, proxy, bedrock, model_ids):
    alias = alias_without_fallback(reference)
    mark = proxy.mark()
    assert proxy.chat(alias).status_code == 200
    lines = wait_for_metric_lines(proxy, mark, 1)
    assert len(lines) == 1, lines
    line = lines[0]
    assert hits(reference, line) == SUCCESS
    check_fields(reference, line)
    assert line['model'] == model_ids[alias] and line['model_group'] == alias
    assert (line['prompt_tokens'], line['completion_tokens']) == usage_of(bedrock, model_ids[alias])
    assert line['total_tokens'] == line['prompt_tokens'] + line['completion_tokens']
    assert line['response_cost'] > 0 and line['stream'] is False
    assert not any(matches(f.pattern, line) for f in reference.metric_filters if f.metric_name == 'ApplicationErrors')


def test_a_streamed_completion_writes_one_line_not_one_per_chunk(reference, proxy, bedrock, model_ids):
    alias = alias_without_fallback(reference)
    body = {'model': alias, 'stream': True, 'messages': [{'role': 'user', 'content': 'Stream, please.'}]}
    mark = proxy.mark()
    with httpx.stream('POST', f'{proxy.url}/v1/chat/completions', json=body, headers=proxy.headers(), timeout=60) as r:
        chunks = [line for line in r.iter_lines() if line.startswith('data: ')]
    assert r.status_code == 200 and len(chunks) > 3
    lines = wait_for_metric_lines(proxy, mark, 1)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line['stream'] is True and hits(reference, line) == SUCCESS
    check_fields(reference, line)
    assert (line['prompt_tokens'], line['completion_tokens']) == usage_of(bedrock, model_ids[alias])


@pytest.mark.parametrize('outcome, status, extra', [(CONTEXT_WINDOW, 400, set()), (THROTTLE, 429, {'Throttles'})])
def test_a_failed_completion_writes_one_line_after_its_retries(reference, proxy, bedrock, model_ids, outcome, status,
                                                                extra):
    alias = alias_without_fallback(reference)
    bedrock.behave(model_ids[alias], outcome)
    mark = proxy.mark()
    response = proxy.chat(alias, timeout=120)
    assert response.status_code == status, response.text[:300]
    lines = wait_for_metric_lines(proxy, mark, 1)
    assert len(lines) == 1, f'{bedrock.count(model_ids[alias])} calls at Bedrock, lines: {lines}'
    line = lines[0]
    assert line['status_code'] == status and line['model'] == model_ids[alias]
    assert hits(reference, line) == ERROR | extra
    check_fields(reference, line)
    assert line['error'] and len(line['error']) <= 256
    # LiteLLM's own JSON log lines (json_logs) report the failure at level ERROR: ApplicationErrors counts them.
    app_errors = [f for f in reference.metric_filters if f.metric_name == 'ApplicationErrors']
    logged = [r for r in map(_json_or_none, proxy.lines_since(mark))
              if isinstance(r, dict) and 'litellm_metric' not in r]
    assert app_errors and any(matches(app_errors[0].pattern, record) for record in logged), logged[-5:]


def test_a_fallen_back_completion_writes_the_failure_and_one_success_under_one_trace(reference, proxy, bedrock,
                                                                                     model_ids):
    primary, fallback = fallback_pair(reference, 'context_window_fallbacks')
    bedrock.behave(model_ids[primary], CONTEXT_WINDOW)
    mark = proxy.mark()
    assert proxy.chat(primary).status_code == 200
    lines = wait_for_metric_lines(proxy, mark, 2)
    assert [(l['model_group'], l['model'], l['status_code']) for l in lines] == [
        (primary, model_ids[primary], 400), (fallback, model_ids[fallback], 200)], lines
    assert len({l['trace_id'] for l in lines}) == 1 and lines[0]['trace_id']
    assert [hits(reference, l) for l in lines] == [ERROR, SUCCESS]
    for line in lines:
        check_fields(reference, line)


def test_every_metric_line_is_one_json_object_on_its_own_line(proxy):
    # The filters read whole log events: a metric record split over lines, or sharing one, would not count.
    raw = [line for line in proxy.lines_since(0) if '"litellm_metric"' in line]
    assert raw, 'no metric lines in the proxy log'
    for line in raw:
        record = json.loads(line)
        assert record['litellm_metric'] is True
