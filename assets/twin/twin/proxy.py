"""The real LiteLLM proxy, started as the task definition starts it, on loopback.

What comes from the synthesized reference: the entry point (the venv's ``litellm`` standing in for the image's), the
command's arguments, the environment, the names of the secrets, the staged ``config.yaml`` and ``callbacks/``.
What the twin adds, and why, is listed in ``LiteLlmProxy.additions``:
  - a generated test value for every secret (the admin key starts with ``sk-``, as LiteLLM requires);
  - fake AWS credentials and ``AWS_BEDROCK_RUNTIME_ENDPOINT`` pointing at the fake Bedrock (production uses the
    regional endpoint; LiteLLM reads this variable in ``llms/bedrock/base_aws_llm.py`` ``get_runtime_endpoint``);
  - ``--host 127.0.0.1`` after the command (nothing listens beyond loopback) and the config path of the copy;
  - offline switches the template lacks (``OFFLINE_ENV``), unless ``offline_switches=False`` — see test_offline.py;
  - an observer (``sitecustomize``) that records every attempt to resolve or connect to a non-loopback address to
    ``egress.log`` without changing what happens (the network namespace makes such attempts fail anyway).
Without ``database=True`` the DATABASE_* variables and secrets are dropped (tests 1-4 run without PostgreSQL: the
proxy serves completions without a database, and without DATABASE_URL it never starts Prisma). Without
``shared_state=True`` the REDIS_* variables and the config's Redis keys are dropped (tests 1-4 run one process with
its own counters). With either on, values that CloudFormation resolves at deploy time (DATABASE_HOST, REDIS_HOST)
must come from ``env_overrides``.
"""
from __future__ import annotations

import copy
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import yaml

from .template import Reference

# Offline switches the proxy needs (LiteLLM 1.108.7): without this one, `import litellm` in the `litellm` CLI fetches
# the model cost map from raw.githubusercontent.com (litellm_core_utils/get_model_cost_map.py) and retries in the
# background. The twin's egress observer found no other start-up or completion download.
OFFLINE_ENV = {
    'LITELLM_LOCAL_MODEL_COST_MAP': 'True',
}
DATABASE_VARIABLES = ('DATABASE_URL', 'DATABASE_HOST', 'DATABASE_PORT', 'DATABASE_NAME', 'DATABASE_USERNAME',
                      'DATABASE_PASSWORD', 'DATABASE_USER')
SHARED_STATE_PREFIX = 'REDIS_'
_SHARED_STATE_ROUTER_KEYS = ('redis_host', 'redis_port', 'redis_password', 'redis_url')
_SHARED_STATE_LITELLM_KEYS = ('cache', 'cache_params')

_SITECUSTOMIZE = '''
"""Twin observer: records attempts to reach anything but loopback (the namespace refuses them anyway)."""
import os, socket, traceback
_log = os.environ.get("TWIN_EGRESS_LOG")
_LOCAL = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", None}
def _record(what):
    if not _log:
        return
    try:
        with open(_log, "a") as f:
            frames = [fr for fr in traceback.extract_stack(limit=40)[:-2] if "/litellm/" in fr.filename]
            f.write(what + "\\t" + " < ".join(
                "%s:%d" % (fr.filename.rsplit("/site-packages/", 1)[-1], fr.lineno) for fr in frames[::-1][:4]) + "\\n")
    except Exception:
        pass
_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    h = host.decode() if isinstance(host, bytes) else host
    if h not in _LOCAL and not str(h).startswith("127."):
        _record("resolve %s" % h)
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def _check(address):
    if isinstance(address, tuple) and address and address[0] not in _LOCAL and not str(address[0]).startswith("127."):
        _record("connect %s:%s" % (address[0], address[1] if len(address) > 1 else ""))
def connect(self, address):
    _check(address)
    return _connect(self, address)
def connect_ex(self, address):
    _check(address)
    return _connect_ex(self, address)
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex

# Event loops resolve and connect outside the socket module: asyncio's through loop methods, uvloop's (the
# proxy's loop) in libuv. Both are wrapped at the loop level.
def _wrap_loop(cls):
    _gai, _cc = cls.getaddrinfo, cls.create_connection
    async def getaddrinfo(self, host, *args, **kwargs):
        h = host.decode() if isinstance(host, bytes) else host
        if h not in _LOCAL and not str(h).startswith("127."):
            _record("resolve %s (event loop)" % h)
        return await _gai(self, host, *args, **kwargs)
    async def create_connection(self, *args, **kwargs):
        host = kwargs.get("host", args[1] if len(args) > 1 else None)
        if host not in _LOCAL and not str(host).startswith("127.") and not kwargs.get("sock"):
            _record("connect %s:%s (event loop)" % (host, kwargs.get("port", args[2] if len(args) > 2 else "")))
        return await _cc(self, *args, **kwargs)
    cls.getaddrinfo, cls.create_connection = getaddrinfo, create_connection
    return cls
import asyncio.base_events
_wrap_loop(asyncio.base_events.BaseEventLoop)
try:
    import uvloop
    class _ObservedLoop(uvloop.Loop):
        pass
    uvloop.Loop = _wrap_loop(_ObservedLoop)
except ImportError:
    pass
'''


def _token(n: int = 32) -> str:
    return ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def merge(config: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: dicts merge, anything else replaces, None deletes the key."""
    out = copy.deepcopy(config)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def without_shared_state(config: dict[str, Any]) -> dict[str, Any]:
    """The config without Redis: router state and key limits in each process."""
    out = copy.deepcopy(config)
    for key in _SHARED_STATE_ROUTER_KEYS:
        out.get('router_settings', {}).pop(key, None)
    for key in _SHARED_STATE_LITELLM_KEYS:
        out.get('litellm_settings', {}).pop(key, None)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(('127.0.0.1', port))
            return True
        except OSError:
            return False


def _replace_argument(command: list[str], flag: str, value: str) -> list[str]:
    if flag not in command or command.index(flag) + 1 >= len(command):
        raise AssertionError(f'the task command {command} has no {flag} <value>: the twin cannot start it as ECS would')
    out = list(command)
    out[out.index(flag) + 1] = value
    return out


class ProxyFailed(AssertionError):
    """The proxy did not come up; the message ends with the tail of its log."""


class LiteLlmProxy:
    """One LiteLLM proxy process tree (gunicorn master and workers), started from the reference.

    Use as a context manager or call ``start()`` / ``stop()``. ``config_overrides`` is a dict (deep-merged, None
    deletes) or a callable taking and returning the config dict, applied after the twin's own changes.
    """

    def __init__(self, reference: Reference, bedrock_endpoint: str, *, port: int | None = None,
                 env_overrides: dict[str, str | None] | None = None,
                 config_overrides: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                 database: bool = False, shared_state: bool = False, offline_switches: bool = True,
                 workdir: str | Path | None = None, name: str = 'proxy', start_timeout: float = 120.0):
        self.reference = reference
        self.name = name
        self.start_timeout = start_timeout
        self.additions: dict[str, str] = {}
        _replace_argument(reference.command, '--port', '0')  # fails loudly without --port
        template_port = int(reference.command[reference.command.index('--port') + 1])
        # In the twin's own network namespace the task's port is normally free: use it, so that probes written
        # with the task's ports (the container health check) reach this proxy unchanged.
        self.port = port if port is not None else (template_port if _port_is_free(template_port) else free_port())
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f'twin-{name}-'))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / 'proxy.log'
        self.egress_log_path = self.workdir / 'egress.log'
        self._process: subprocess.Popen | None = None
        self._log_file = None

        # Config: the staged file and callbacks, copied as the image copies them to /app.
        config = reference.config
        if not shared_state:
            config = without_shared_state(config)
            self.additions['config'] = 'Redis keys removed (no shared state)'
        if callable(config_overrides):
            config = config_overrides(config)
        elif config_overrides:
            config = merge(config, config_overrides)
        self.config = config
        self.config_path = self.workdir / 'config.yaml'
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        shutil.copytree(reference.callbacks_dir, self.workdir / 'callbacks', dirs_exist_ok=True)

        # Environment: the task's, the secrets as generated values, the twin's additions; nothing from this shell
        # but PATH and the locale.
        env: dict[str, str] = {k: os.environ[k] for k in ('PATH', 'LANG', 'LC_ALL') if k in os.environ}
        env['HOME'] = str(self.workdir)
        dropped = [n for n in (*reference.environment, *reference.secret_names)
                   if (not database and n in DATABASE_VARIABLES)
                   or (not shared_state and n.startswith(SHARED_STATE_PREFIX))]
        self.dropped = dropped
        overrides = dict(env_overrides or {})
        for key, value in reference.environment.items():
            if key in dropped or key in overrides:
                continue
            if not isinstance(value, str):
                raise AssertionError(f'{key} is resolved by CloudFormation at deploy time ({json.dumps(value)}): '
                                     'pass a value in env_overrides')
            env[key] = value
        self.secrets: dict[str, str] = {}
        master = reference.master_key_variable
        if master not in reference.secret_names:
            raise AssertionError(f'the config reads the admin key from {master}, which is not a secret of the task')
        for key in reference.secret_names:
            if key in dropped:
                continue
            self.secrets[key] = 'sk-' + _token() if key == master else _token()
            env[key] = self.secrets[key]
        self.admin_key = self.secrets[master]
        aws = {
            'AWS_ACCESS_KEY_ID': 'AKIA' + ''.join(secrets.choice(string.ascii_uppercase + string.digits)
                                                  for _ in range(16)),
            'AWS_SECRET_ACCESS_KEY': _token(40),
            'AWS_SESSION_TOKEN': _token(64),
            'AWS_BEDROCK_RUNTIME_ENDPOINT': bedrock_endpoint,
        }
        env.update(aws)
        self.additions.update({k: 'generated' for k in aws if k != 'AWS_BEDROCK_RUNTIME_ENDPOINT'})
        self.additions['AWS_BEDROCK_RUNTIME_ENDPOINT'] = 'the fake Bedrock'
        if offline_switches:
            for key, value in OFFLINE_ENV.items():
                if key not in env:
                    env[key] = value
                    self.additions[key] = f'{value} (missing from the task environment)'
        site = self.workdir / '_twin_site'
        site.mkdir(exist_ok=True)
        (site / 'sitecustomize.py').write_text(_SITECUSTOMIZE)
        env['PYTHONPATH'] = str(site)
        env['TWIN_EGRESS_LOG'] = str(self.egress_log_path)
        env['PYTHONUNBUFFERED'] = '1'
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
                if key in self.secrets:
                    self.secrets[key] = value
        self.env = env

        command = _replace_argument(reference.command, '--config', str(self.config_path))
        command = _replace_argument(command, '--port', str(self.port))
        entry = reference.entry_point
        if Path(entry[0]).name != 'litellm':
            raise AssertionError(f'the task runs {entry}, not the litellm CLI: teach the twin to run it')
        # The venv's litellm (the same release) stands in for the image's.
        self.command = [str(Path(sys.executable).parent / 'litellm'), *entry[1:], *command, '--host', '127.0.0.1']

    # Lifecycle -----------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    def start(self) -> 'LiteLlmProxy':
        self._log_file = open(self.log_path, 'ab')
        self._process = subprocess.Popen(self.command, cwd=self.workdir, env=self.env, stdout=self._log_file,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ProxyFailed(f'{self.name} exited with {self._process.returncode} during start:\n'
                                  f'{self.log_tail()}')
            try:
                # LiteLLM's own liveness route on the proxy port: the twin's wait, not the construct's probe.
                if httpx.get(f'{self.url}/health/liveliness', timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise ProxyFailed(f'{self.name} did not answer within {self.start_timeout} s:\n{self.log_tail()}')

    def stop(self) -> int | None:
        """SIGTERM to the main process, as ECS stops a task; after 30 s, and for anything left of the process group
        (gunicorn workers), SIGKILL."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            try:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass
        try:  # workers that outlived their master
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._log_file:
            self._log_file.close()
        return process.returncode

    def send_signal(self, sig: int = signal.SIGTERM) -> None:
        """Signals the main process only, as ECS signals a container's PID 1 when it stops a task."""
        assert self._process is not None, 'the proxy is not running'
        self._process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """The exit code of the main process; raises subprocess.TimeoutExpired after ``timeout`` seconds."""
        assert self._process is not None, 'the proxy is not running'
        return self._process.wait(timeout=timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Observing -----------------------------------------------------------------------------------------------
    def log_text(self) -> str:
        return self.log_path.read_text(errors='replace') if self.log_path.exists() else ''

    def log_tail(self, lines: int = 60) -> str:
        return '\n'.join(self.log_text().splitlines()[-lines:])

    def mark(self) -> int:
        """A position in the log; ``lines_since(mark)`` returns what was written after it."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def lines_since(self, mark: int = 0) -> list[str]:
        with open(self.log_path, 'rb') as f:
            f.seek(mark)
            return f.read().decode(errors='replace').splitlines()

    def metric_lines(self, mark: int = 0) -> list[dict[str, Any]]:
        """The JSON lines the metrics callback printed after ``mark``."""
        out = []
        for line in self.lines_since(mark):
            if '"litellm_metric"' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get('litellm_metric') is True:
                out.append(record)
        return out

    def egress_attempts(self) -> list[str]:
        if not self.egress_log_path.exists():
            return []
        return [line for line in self.egress_log_path.read_text().splitlines() if line]

    # Calling -------------------------------------------------------------------------------------------------
    def headers(self, key: str | None = None) -> dict[str, str]:
        return {'Authorization': f'Bearer {key or self.admin_key}'}

    def chat(self, alias: str, content: str = 'Say hello to the twin.', *, key: str | None = None,
             timeout: float = 60.0, **extra: Any) -> httpx.Response:
        body = {'model': alias, 'messages': [{'role': 'user', 'content': content}], **extra}
        return httpx.post(f'{self.url}/v1/chat/completions', json=body, headers=self.headers(key), timeout=timeout)
