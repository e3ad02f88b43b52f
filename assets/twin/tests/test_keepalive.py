"""The task keeps an idle connection open longer than the load balancer does.

The load balancer reuses its connections to a target; if the target closes one first (gunicorn does after 2 s), the
next request on it gets a 502 from the load balancer. So the proxy's keep-alive must exceed the load balancer's idle
timeout, and an idle connection must survive past gunicorn's 2 s.
"""
import http.client
import time

IDLE_SECONDS = 3  # longer than gunicorn's default keep-alive (2 s), which LiteLLM leaves under --run_gunicorn


def _keepalive_seconds(command):
    assert '--run_gunicorn' not in command, 'under gunicorn LiteLLM leaves gunicorn\'s 2 s keep-alive'
    assert '--keepalive_timeout' in command, 'the task sets no keep-alive: uvicorn\'s default is 5 s'
    return int(command[command.index('--keepalive_timeout') + 1])


def test_the_task_keeps_idle_connections_longer_than_the_load_balancer(reference):
    assert _keepalive_seconds(reference.command) > reference.load_balancer_idle_timeout


def test_an_idle_connection_is_still_open_after_gunicorns_keepalive(proxy):
    connection = http.client.HTTPConnection('127.0.0.1', proxy.port, timeout=10)
    try:
        connection.request('GET', '/health/liveliness')
        first = connection.getresponse()
        first.read()
        assert first.status == 200
        assert (first.getheader('connection') or '').lower() != 'close'
        time.sleep(IDLE_SECONDS)
        # The same socket: http.client reconnects silently only when it knows the socket is closed, so check it is not.
        sock = connection.sock
        connection.request('GET', '/health/liveliness')
        second = connection.getresponse()
        second.read()
        assert second.status == 200
        assert connection.sock is sock, f'the proxy closed the idle connection within {IDLE_SECONDS} s'
    finally:
        connection.close()
