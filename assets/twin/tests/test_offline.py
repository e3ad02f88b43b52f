"""The task's own environment keeps the proxy offline: the session proxy runs with the task's environment and no
offline switch added by the twin; by the time this file runs it has started and served every kind of completion
(plain, streamed, failed, fallen back, /health). Nothing but loopback may have been resolved or connected to."""
from twin.proxy import OFFLINE_ENV


def test_the_task_environment_alone_keeps_the_proxy_offline(reference, proxy):
    assert proxy.chat(next(iter(reference.model_ids()))).status_code == 200
    attempts = proxy.egress_attempts()
    missing = sorted(set(OFFLINE_ENV) - set(reference.environment))
    assert attempts == [], f'the proxy tried to reach the network (the task environment lacks {missing}): {attempts}'
    assert not any(key in proxy.additions for key in OFFLINE_ENV)
