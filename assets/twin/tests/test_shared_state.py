"""Test 5: a deployment's rpm holds across two proxy processes (each as the task runs it) sharing Redis, standalone and
clustered.

Both proxies get the config and the REDIS_* environment of the synthesized task definition. The only changes are the
ones a loopback twin needs, each said where it is made: the cache endpoint (a deploy-time value) becomes 127.0.0.1, the
cache password a generated one, the test CA is trusted (REDIS_SSL_CA_CERTS), and two aliases get rpm 2 so that a limit
is reached in a few requests (one of them also a cap on calls in flight above the burst, see `_with_rpm`). The Redis
servers look like the gateway's cache: TLS, the task's port, the default user off and the task's user with a password;
the cluster has 3 masters, as ElastiCache Serverless is cluster-mode only.

Against the standalone server REDIS_CLUSTER_NODES is dropped (a cache without cluster mode, `clusterMode: false`).
"""
from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone

import httpx
import pytest

from twin.proxy import LiteLlmProxy, free_port
from twin.fake_bedrock import SERVER_ERROR
from twin.redis_servers import LOOPBACK, RedisServers

RPM = 2
BURST = 8
SEQUENTIAL_ALIAS = 'claude-fast'      # no fallbacks: a refused call is a 429
FALLBACK_ALIAS = 'claude-primary'     # falls back to claude-fallback (whose own rpm stays as rendered)
# What a Redis client logs when it talks to a cluster as if it were one server, or fails to reach Redis at all.
REDIS_TROUBLE = re.compile(
    r"CROSSSLOT|don't hash to the same slot|MOVED \d+|\bASK \d+|Redis \S*.*(failed|[Ee]rror)|"
    r"redis_cache\.py.*(ERROR|WARNING)|ConnectionError|circuit breaker")


BATCH_READ_INTERVAL = 10  # litellm.default_redis_batch_cache_expiry


def _resolve(value, reference):
    """A CloudFormation value of the task environment with the cache's endpoint address replaced by loopback."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and list(value) == ['Fn::GetAtt']:
        logical_id, attribute = value['Fn::GetAtt']
        resource_type = reference.template['Resources'][logical_id]['Type']
        cache_addresses = {('AWS::ElastiCache::ServerlessCache', 'Endpoint.Address'),
                           ('AWS::ElastiCache::ReplicationGroup', 'ConfigurationEndPoint.Address')}
        assert (resource_type, attribute) in cache_addresses, value
        return LOOPBACK
    if isinstance(value, dict) and list(value) == ['Fn::Join']:
        separator, parts = value['Fn::Join']
        return separator.join(_resolve(p, reference) for p in parts)
    raise AssertionError(f'the twin cannot resolve {json.dumps(value)} of the task environment')


def _task_redis_environment(reference, servers: RedisServers, cluster: bool) -> dict[str, str | None]:
    """The task's REDIS_* variables with deploy-time values resolved to the loopback servers."""
    env: dict[str, str | None] = {k: _resolve(v, reference) for k, v in reference.environment.items()
                                  if k.startswith('REDIS_')}
    assert 'REDIS_PASSWORD' in reference.secret_names, 'the task gets no REDIS_PASSWORD secret'
    env['REDIS_PASSWORD'] = servers.password
    env['REDIS_SSL_CA_CERTS'] = servers.ca_cert  # the twin's own CA; ElastiCache's certificate is publicly trusted
    if not cluster:
        env['REDIS_CLUSTER_NODES'] = None  # the standalone server stands for a cache without cluster mode
    return env


def _with_rpm(config: dict) -> dict:
    for entry in config['model_list']:
        if entry['model_name'] in (SEQUENTIAL_ALIAS, FALLBACK_ALIAS):
            entry['litellm_params']['rpm'] = RPM
        if entry['model_name'] == FALLBACK_ALIAS:
            # LiteLLM also caps the calls in flight per worker at the deployment's rpm unless max_parallel_requests is
            # set (utils.py calculate_max_parallel_requests); a call over that cap is retried after retry_after, not
            # refused. The burst test is about the per-minute count, so the cap is lifted above the burst.
            entry['litellm_params']['max_parallel_requests'] = BURST
    return config


@pytest.fixture(scope='module', params=['standalone', 'cluster'])
def redis(request, reference):
    """Redis shaped like the task's cache: standalone, or 3 nodes (ElastiCache Serverless is cluster-mode only)."""
    cluster = request.param == 'cluster'
    env = reference.environment
    assert 'REDIS_PORT' in env, 'the task environment has no REDIS_PORT'
    if cluster:
        nodes = json.loads(_resolve(env.get('REDIS_CLUSTER_NODES', '[]'), reference))
        assert nodes and all(set(n) == {'host', 'port'} for n in nodes), \
            f'the task of a cluster-mode cache needs REDIS_CLUSTER_NODES for LiteLLM\'s cluster client, got {nodes}'
        assert {int(n['port']) for n in nodes} == {int(env['REDIS_PORT'])}
    tls = str(env.get('REDIS_SSL', '')).lower() == 'true'
    with RedisServers(cluster=cluster, tls=tls, port=int(env['REDIS_PORT'])) as servers:
        yield servers


@contextmanager
def _proxy_pair(reference, bedrock_server, servers: RedisServers, tmp_path_factory, name: str, config_overrides=None):
    """Two proxies (the task's command and workers) with the task's config and REDIS_* pointed at `servers`."""
    redis_env = _task_redis_environment(reference, servers, servers.cluster)
    proxies: list[LiteLlmProxy] = []
    try:
        for i in range(2):
            overrides = dict(redis_env)
            if proxies:  # one admin key for the gateway, as every task reads the same secret
                overrides[reference.master_key_variable] = proxies[0].admin_key
            # The first proxy takes the task's port when it is free, the second any free port.
            proxies.append(LiteLlmProxy(reference, bedrock_server.endpoint, port=None if i == 0 else free_port(),
                                        shared_state=True, env_overrides=overrides, config_overrides=config_overrides,
                                        workdir=tmp_path_factory.mktemp(f'{name}{i}'), name=f'{name}{i}'))
        assert proxies[0].port != proxies[1].port
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda p: p.start(), proxies))
        time.sleep(3)  # liveliness answers with the first worker up; give the second its start
        yield proxies
    finally:
        for p in proxies:
            p.stop()


@pytest.fixture(scope='module')
def shared(redis, reference, bedrock_server, tmp_path_factory):
    """Two proxies sharing `redis`, two of the aliases at rpm 2."""
    name = f'{"cluster" if redis.cluster else "standalone"}-proxy'
    with _proxy_pair(reference, bedrock_server, redis, tmp_path_factory, name, config_overrides=_with_rpm) as proxies:
        assert proxies[0].config['router_settings'] == reference.config['router_settings']
        yield redis, proxies


def _redis_trouble(proxies: list[LiteLlmProxy]) -> list[str]:
    return [f'{p.name}: {line[:300]}' for p in proxies
            for line in p.log_text().splitlines() if REDIS_TROUBLE.search(line)]


def _within_one_minute(seconds_needed: float = 10) -> None:
    """LiteLLM counts per UTC minute (keys end in %H-%M): start where the requests all fit in one minute."""
    now = datetime.now(timezone.utc)
    if now.second + now.microsecond / 1e6 > 60 - seconds_needed:
        time.sleep(60.5 - now.second - now.microsecond / 1e6)


def _chat(proxy: LiteLlmProxy, admin_key: str, alias: str, timeout: float = 30) -> httpx.Response:
    # A new connection per request, so that gunicorn may hand it to either worker.
    headers = {'Authorization': f'Bearer {admin_key}', 'Connection': 'close'}
    return httpx.post(f'{proxy.url}/v1/chat/completions', headers=headers, timeout=timeout,
                      json={'model': alias, 'messages': [{'role': 'user', 'content': 'Count me.'}]})


def test_the_rendered_router_enforces_model_rate_limits(reference):
    settings = reference.config['router_settings']
    assert 'enforce_model_rate_limits' in settings.get('optional_pre_call_checks', []), settings


def test_rpm_2_serves_two_requests_and_refuses_the_next_whichever_process_gets_it(shared, bedrock, model_ids):
    servers, (first, second) = shared
    key = first.admin_key
    _within_one_minute()
    order = [first, second, first, second, second, first]
    statuses = [_chat(p, key, SEQUENTIAL_ALIAS).status_code for p in order]
    assert statuses == [200, 200, 429, 429, 429, 429], statuses
    assert bedrock.count(model_ids[SEQUENTIAL_ALIAS]) == RPM


def test_a_concurrent_burst_over_both_processes_reaches_the_deployment_rpm_times_and_falls_back(
        shared, bedrock, model_ids):
    servers, proxies = shared
    key = proxies[0].admin_key
    primary, fallback = model_ids[FALLBACK_ALIAS], model_ids['claude-fallback']
    assert primary != fallback
    _within_one_minute()
    with ThreadPoolExecutor(BURST) as pool:
        responses = list(pool.map(lambda i: _chat(proxies[i % 2], key, FALLBACK_ALIAS), range(BURST)))
    refused = [r.text[:200] for r in responses if r.status_code != 200]
    assert not refused, refused
    # Counted in Redis before each call: exactly rpm calls reach the primary's model, the rest go to its fallback.
    assert bedrock.count(primary) == RPM, bedrock.counts()
    assert bedrock.count(fallback) == BURST - RPM, bedrock.counts()


def test_no_redis_error_in_either_proxy_log(shared):
    servers, proxies = shared
    trouble = _redis_trouble(proxies)
    assert not trouble, '\n'.join(trouble[:20])


def test_a_deployment_cooled_down_by_failures_in_one_process_is_skipped_by_the_other(
        redis, reference, bedrock_server, bedrock, model_ids, tmp_path_factory):
    """The router counts a deployment's failures in the shared cache and keeps its cooldown there: once allowed_fails
    requests have failed on it, wherever they ran, neither process calls it until the cooldown ends."""
    if not redis.cluster:
        pytest.skip('shown once, on the cluster (the default cache); it takes two slow failing requests')
    router = reference.config['router_settings']
    allowed_fails = router['allowed_fails']
    primary = model_ids[FALLBACK_ALIAS]
    assert {FALLBACK_ALIAS: ['claude-fallback']} in router.get('fallbacks', [])
    with _proxy_pair(reference, bedrock_server, redis, tmp_path_factory, 'cluster-cooldown-proxy') as proxies:
        key = proxies[0].admin_key
        bedrock.behave(primary, SERVER_ERROR)
        # allowed_fails requests fail on the primary in both processes at once; each retries, then falls back.
        with ThreadPoolExecutor(allowed_fails) as pool:
            first = list(pool.map(lambda i: _chat(proxies[i % 2], key, FALLBACK_ALIAS, timeout=120),
                                  range(allowed_fails)))
        assert [r.status_code for r in first] == [200] * allowed_fails, [r.text[:200] for r in first]
        assert bedrock.count(primary) >= allowed_fails
        # The next failure, in the first process, crosses the fleet-wide count: the deployment cools down, and the
        # request goes to the fallback without retrying. (Counted per process, this one would retry, and so would the
        # next one in the second process.)
        # A worker reads a key it does not hold in memory from Redis at most every redis_batch_cache_expiry
        # (litellm/caching/dual_cache.py, 10 s by default): a cooldown reaches the other workers within that time.
        time.sleep(BATCH_READ_INTERVAL + 1)
        calls = []
        for proxy in proxies:
            before = bedrock.count(primary)
            response = _chat(proxy, key, FALLBACK_ALIAS, timeout=120)
            assert response.status_code == 200, response.text[:300]
            calls.append(bedrock.count(primary) - before)
        assert calls[0] <= 1 and calls[1] == 0, \
            f'calls to the failing primary per request after {allowed_fails} failed requests: {calls}'
        trouble = _redis_trouble(proxies)
        assert not trouble, '\n'.join(trouble[:20])
