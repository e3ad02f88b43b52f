"""The task's own environment keeps the proxy offline: the session proxy runs with the task's environment and no
offline switch added by the twin; by the time this file runs it has started and served every kind of completion
(plain, streamed, failed, fallen back, /health). Nothing but loopback may have been resolved or connected to."""
from twin.proxy import OFFLINE_ENV, LiteLlmProxy


def test_the_task_environment_alone_keeps_the_proxy_offline(reference, proxy):
    assert proxy.chat(next(iter(reference.model_ids()))).status_code == 200
    attempts = proxy.egress_attempts()
    missing = sorted(set(OFFLINE_ENV) - set(reference.environment))
    assert attempts == [], f'the proxy tried to reach the network (the task environment lacks {missing}): {attempts}'
    assert not any(key in proxy.additions for key in OFFLINE_ENV)


def test_the_observer_sees_the_proxy_reach_for_the_real_bedrock(reference, bedrock, tmp_path_factory):
    # The instrument of the test above: without the endpoint override the proxy calls the regional Bedrock endpoint
    # from its event loop (uvloop, outside Python's socket module); the observer must see it, or "no attempts"
    # above would prove nothing. The namespace refuses the connection.
    with LiteLlmProxy(reference, bedrock.endpoint, name='observed', workdir=tmp_path_factory.mktemp('observed'),
                      env_overrides={'AWS_BEDROCK_RUNTIME_ENDPOINT': None},
                      config_overrides={'router_settings': {'num_retries': 0},
                                        'litellm_settings': {'num_retries': 0}}) as p:
        alias = next(iter(reference.model_ids()))
        assert p.chat(alias, timeout=60).status_code >= 500
        attempts = p.egress_attempts()
    assert any(f'bedrock-runtime.{reference.region}.' in a for a in attempts), attempts
    assert bedrock.count() == 0
