"""Settings the construct renders are ones the real proxy acts on.

maxParallelRequests: the construct writes it into the config (today ``general_settings.max_parallel_requests``);
the twin lowers every ``max_parallel_requests`` key the rendered config holds to ``LIMIT``, wherever it is, and
sends more concurrent requests than that to one slow deployment. The fake counts how many it answers at once. The
limit is per worker process (LiteLLM keeps the semaphore in memory), so the bound is LIMIT x --num_workers.
"""
import concurrent.futures

import pytest

from twin.proxy import LiteLlmProxy

from helpers import alias_without_fallback

LIMIT = 2
REQUESTS = 8


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


@pytest.fixture(scope='module')
def limited_proxy(reference, bedrock_server, tmp_path_factory):
    assert _has_key(reference.config, 'max_parallel_requests'), 'the rendered config sets no max_parallel_requests'
    with LiteLlmProxy(reference, bedrock_server.endpoint, name='limited', workdir=tmp_path_factory.mktemp('limited'),
                      config_overrides=_lower_parallel_limits) as p:
        yield p


def test_max_parallel_requests_bounds_the_requests_in_flight_per_deployment(reference, limited_proxy, bedrock, model_ids):
    alias = alias_without_fallback(reference)
    bedrock.behave(model_ids[alias], delay=2)
    with concurrent.futures.ThreadPoolExecutor(REQUESTS) as pool:
        responses = list(pool.map(lambda _: limited_proxy.chat(alias, timeout=120), range(REQUESTS)))
    assert all(r.status_code in (200, 429) for r in responses), [r.status_code for r in responses]
    command = reference.command
    workers = int(command[command.index('--num_workers') + 1]) if '--num_workers' in command else 1
    peak = bedrock.peak_in_flight(model_ids[alias])
    where = [k for k in ('general_settings', 'router_settings', 'litellm_settings') if 'max_parallel_requests' in reference.config.get(k, {})]
    assert peak <= LIMIT * workers, (
        f'{peak} requests in flight at one deployment with max_parallel_requests {LIMIT} (rendered in {where or "model_list"}) '
        f'and {workers} workers: the proxy does not read the key where the construct writes it')
