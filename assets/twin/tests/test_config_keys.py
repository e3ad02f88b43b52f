"""Settings the construct renders are ones the real proxy acts on.

One proxy with the rendered config changed only in the values under test, so that a few requests show them:
  - every ``max_parallel_requests`` key the rendered config holds (wherever the construct writes it) lowered to
    ``LIMIT``; more concurrent requests than that go to one slow deployment and the fake counts how many it answers
    at once. LiteLLM keeps that semaphore in each worker's memory, so the bound is LIMIT x --num_workers;
  - an alias's own ``litellm_params.timeout`` (the construct's ``ModelAlias.timeout``) set to ``CALL_TIMEOUT`` seconds
    under a longer ``request_timeout``, with retries off so that one slow reply shows which one bounds the call.
    (``router_settings.timeout`` is not rendered: LiteLLM ranks ``request_timeout`` above it, so it did nothing.)
"""
import concurrent.futures
import time

import pytest

from twin.proxy import LiteLlmProxy

from helpers import alias_without_fallback

LIMIT = 2
REQUESTS = 8
CALL_TIMEOUT = 2


def _lower_parallel_limits(node):
    if isinstance(node, dict):
        return {k: (LIMIT if k == 'max_parallel_requests' else _lower_parallel_limits(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_lower_parallel_limits(v) for v in node]
    return node


def _has_key(node, key):
    if isinstance(node, dict):
        return key in node or any(_has_key(v, key) for v in node.values())
    return isinstance(node, list) and any(_has_key(v, key) for v in node)


def _overrides(config):
    config = _lower_parallel_limits(config)
    config['router_settings'].update(num_retries=0)
    config['litellm_settings'].update(num_retries=0, request_timeout=CALL_TIMEOUT * 5)
    for model in config['model_list']:
        model['litellm_params']['timeout'] = CALL_TIMEOUT
    return config


@pytest.fixture(scope='module')
def keys_proxy(reference, bedrock_server, tmp_path_factory):
    assert _has_key(reference.config, 'max_parallel_requests'), 'the rendered config sets no max_parallel_requests'
    with LiteLlmProxy(reference, bedrock_server.endpoint, name='keys', workdir=tmp_path_factory.mktemp('keys'),
                      config_overrides=_overrides) as p:
        yield p


def test_max_parallel_requests_bounds_the_requests_in_flight_per_deployment(reference, keys_proxy, bedrock, model_ids):
    alias = alias_without_fallback(reference)
    bedrock.behave(model_ids[alias], delay=1)
    with concurrent.futures.ThreadPoolExecutor(REQUESTS) as pool:
        responses = list(pool.map(lambda _: keys_proxy.chat(alias, timeout=120), range(REQUESTS)))
    assert all(r.status_code in (200, 429) for r in responses), [r.status_code for r in responses]
    command = reference.command
    workers = int(command[command.index('--num_workers') + 1]) if '--num_workers' in command else 1
    peak = bedrock.peak_in_flight(model_ids[alias])
    where = [k for k in ('general_settings', 'router_settings', 'litellm_settings')
             if 'max_parallel_requests' in reference.config.get(k, {})]
    assert peak <= LIMIT * workers, (
        f'{peak} requests in flight at one deployment with max_parallel_requests {LIMIT} '
        f'(rendered in {where or "model_list"}) '
        f'and {workers} workers: the proxy does not read the key where the construct writes it')


def test_no_router_timeout_is_rendered_that_the_proxy_would_ignore(reference):
    assert 'timeout' not in reference.config['router_settings'], (
        'router_settings.timeout is outranked by litellm_settings.request_timeout in LiteLLM: it would do nothing')


def test_an_alias_timeout_ends_a_call_to_bedrock_before_the_request_timeout(reference, keys_proxy, bedrock, model_ids):
    alias = alias_without_fallback(reference)
    bedrock.behave(model_ids[alias], delay=CALL_TIMEOUT + 1.5)
    started = time.monotonic()
    response = keys_proxy.chat(alias, timeout=60)
    elapsed = time.monotonic() - started
    assert response.status_code == 408, (
        f'a {CALL_TIMEOUT + 1.5} s reply with litellm_params.timeout {CALL_TIMEOUT} s answered {response.status_code} '
        f'after {elapsed:.1f} s: the proxy does not apply the alias timeout to the call')
    assert elapsed < CALL_TIMEOUT + 1.5, f'{elapsed:.1f} s: the call outlived its alias timeout'
