"""Test 1: the probes of the task definition and of the target group reach the real proxy, without a key."""
import re
import subprocess
import sys

import httpx

URL = re.compile(r'https?://[^\s\'"]+')


def _health_check_argv(health_check):
    command = list(health_check['Command'])
    kind, rest = command[0], command[1:]
    if kind == 'CMD-SHELL':
        return ['sh', '-c', ' '.join(rest)]
    assert kind == 'CMD', f'unknown health-check form {kind}'
    # The image's own Python runs the probe; the venv's Python (same LiteLLM release) stands in for it.
    if rest[0] in ('python', 'python3'):
        rest = [sys.executable, *rest[1:]]
    return rest


def test_container_health_check_command_succeeds_against_the_proxy(reference, proxy):
    # The probe is run as written, with the task's ports: the proxy must hold the task's port in this namespace.
    assert proxy.port == reference.container_port, f'another process holds port {reference.container_port}'
    hc = reference.health_check
    result = subprocess.run(_health_check_argv(hc), capture_output=True, text=True, timeout=hc.get('Timeout', 5) + 5)
    assert result.returncode == 0, (
        f'the task\'s health check {hc["Command"]} failed against the proxy listening on {proxy.port}:\n'
        f'{result.stderr[-2000:]}')


def test_target_group_health_port_and_path_answer_200_without_a_key(reference, proxy):
    tg = reference.target_health_check
    response = httpx.get(f'http://127.0.0.1:{tg.port_number}{tg.path}', timeout=10)
    assert str(response.status_code) in tg.matcher.split(','), (tg, response.status_code, response.text[:300])


def test_no_probe_calls_health_which_needs_a_key_and_calls_every_model(reference, proxy, bedrock, model_ids):
    probe_paths = [httpx.URL(u).path for u in URL.findall(' '.join(reference.health_check['Command']))]
    probe_paths.append(reference.target_health_check.path)
    assert probe_paths and '/health' not in probe_paths, probe_paths
    # Why: /health refuses a probe without a key, and with one it calls every model (Bedrock spend per probe).
    assert httpx.get(f'{proxy.url}/health', timeout=30).status_code == 401
    response = httpx.get(f'{proxy.url}/health', headers=proxy.headers(), timeout=60)
    assert response.status_code == 200, response.text[:300]
    assert set(bedrock.counts()) == set(model_ids.values())
