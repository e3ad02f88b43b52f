"""Test 3: fallbacks, retries and the request timeout, as the rendered config sets them, on the real router.

The request timeout is overridden to a few seconds (``REQUEST_TIMEOUT``) so that the timeout cases take seconds,
not ten minutes; retries, retry_after, fallbacks and everything else stay as rendered.
"""
import time

import pytest

from twin.fake_bedrock import CONTEXT_WINDOW, SERVER_ERROR, reply_text
from twin.proxy import LiteLlmProxy

from helpers import alias_without_fallback, fallback_pair, wait_for_metric_lines

REQUEST_TIMEOUT = 2


@pytest.fixture(scope='module')
def fast_proxy(reference, bedrock_server, tmp_path_factory):
    with LiteLlmProxy(reference, bedrock_server.endpoint, name='fallback', workdir=tmp_path_factory.mktemp('fallback'),
                      config_overrides={'litellm_settings': {'request_timeout': REQUEST_TIMEOUT}}) as p:
        yield p


@pytest.fixture(scope='module')
def router(reference):
    return reference.config['router_settings']


def test_primary_500s_are_retried_as_configured_then_land_on_the_fallback(reference, fast_proxy, bedrock, model_ids,
                                                                           router):
    primary, fallback = fallback_pair(reference)
    assert model_ids[primary] != model_ids[fallback], 'the fake tells deployments apart by model id'
    bedrock.behave(model_ids[primary], SERVER_ERROR)
    mark = fast_proxy.mark()
    response = fast_proxy.chat(primary, timeout=120)
    assert response.status_code == 200, response.text[:500]
    assert response.json()['choices'][0]['message']['content'] == reply_text(model_ids[fallback])
    tries = bedrock.calls(model_ids[primary])
    assert len(tries) == 1 + router['num_retries'], [c.at for c in tries]
    gaps = [b.at - a.at for a, b in zip(tries, tries[1:])]
    assert all(gap >= router['retry_after'] - 0.05 for gap in gaps), (gaps, router['retry_after'])
    assert bedrock.count(model_ids[fallback]) == 1
    # One metric line per model group tried (not per retry), one trace.
    lines = wait_for_metric_lines(fast_proxy, mark, 2)
    assert [(l['model_group'], l['status_code'] >= 500) for l in lines] == [(primary, True), (fallback, False)], lines
    assert len({l['trace_id'] for l in lines}) == 1


def test_a_context_window_error_lands_on_the_context_window_fallback_without_retries(reference, fast_proxy, bedrock,
                                                                                     model_ids):
    primary, fallback = fallback_pair(reference, 'context_window_fallbacks')
    bedrock.behave(model_ids[primary], CONTEXT_WINDOW)
    response = fast_proxy.chat(primary, timeout=60)
    assert response.status_code == 200, response.text[:500]
    assert response.json()['choices'][0]['message']['content'] == reply_text(model_ids[fallback])
    assert bedrock.count(model_ids[primary]) == 1, 'a context-window error is not worth a retry'
    assert bedrock.count(model_ids[fallback]) == 1


def test_a_reply_slower_than_the_request_timeout_fails_as_a_timeout(reference, fast_proxy, bedrock, model_ids, router):
    alias = alias_without_fallback(reference)
    bedrock.behave(model_ids[alias], delay=REQUEST_TIMEOUT + 1.5)
    started = time.monotonic()
    response = fast_proxy.chat(alias, timeout=120)
    elapsed = time.monotonic() - started
    assert response.status_code == 408, response.text[:500]
    assert 'Timeout' in response.text
    # The timeout is per attempt, and a timed-out call is retried as the retry policy says (not num_retries).
    retries = router['retry_policy']['TimeoutErrorRetries']
    assert bedrock.count(model_ids[alias]) == 1 + retries
    assert elapsed >= (1 + retries) * REQUEST_TIMEOUT


def test_a_reply_slower_than_usual_but_within_the_timeout_succeeds(reference, fast_proxy, bedrock, model_ids):
    alias = alias_without_fallback(reference)
    bedrock.behave(model_ids[alias], delay=REQUEST_TIMEOUT * 0.6)
    response = fast_proxy.chat(alias, timeout=60)
    assert response.status_code == 200, response.text[:500]
    assert bedrock.count(model_ids[alias]) == 1


def test_the_load_balancer_waits_as_long_as_a_timed_out_request_takes_at_the_proxy(reference, router):
    # Measured above: a request whose replies time out ends at the proxy only after every retry has waited the
    # whole request timeout (plus retry_after between tries). A load balancer that closes the connection sooner
    # answers the agent with its own 504 while the proxy goes on calling Bedrock.
    # Each alias's chain (itself, then its fallbacks) times out call by call.
    settings = reference.config['litellm_settings']
    retries = router['retry_policy']['TimeoutErrorRetries']
    timeouts = {m['model_name']: m['litellm_params'].get('timeout', settings['request_timeout'])
                for m in reference.config['model_list']}
    chains = {alias: [alias] + [to for entry in router.get('fallbacks') or [] for to in entry.get(alias, [])]
              for alias in timeouts}
    longest = max(sum((1 + retries) * timeouts[a] + retries * router['retry_after'] for a in chain)
                  for chain in chains.values())
    assert reference.load_balancer_idle_timeout >= longest, (
        f'idle timeout {reference.load_balancer_idle_timeout} s < {longest} s, the longest chain of timed-out calls '
        f'({chains}) with {retries} timeout retries')
