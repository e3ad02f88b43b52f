"""Redis on loopback for the twin: a standalone server and a 3-node cluster, shaped like the gateway's cache.

ElastiCache Serverless, the gateway's default cache, is cluster-mode only, admits only its own ACL user (the default
user is off) and speaks TLS. The servers here do the same: a generated password for a user named like the gateway's,
the default user off, optionally TLS with a throw-away CA, each in a temporary directory that is removed on stop.

They bind 127.0.0.1 only; run them inside the twin's loopback-only network namespace (`unshare -n`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = '127.0.0.1'
# The cache user the construct creates on ElastiCache (src/cache/gateway-cache.ts).
USER_NAME = 'litellm'
# A cluster node also listens on its port + 10000 (the cluster bus).
CLUSTER_BUS_OFFSET = 10000


def redis_binaries() -> tuple[str, str]:
    """redis-server and redis-cli, or valkey's, whichever Debian installed."""
    for server, cli in (('redis-server', 'redis-cli'), ('valkey-server', 'valkey-cli')):
        if shutil.which(server) and shutil.which(cli):
            return server, cli
    raise RuntimeError('redis-server (or valkey-server) is not installed: apt-get install -y redis-server')


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As redis-server binds: a port whose last connections are in TIME_WAIT is free to listen on again.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_ports(count: int, with_bus: bool = False, start: int = 17000, stop: int = 27000) -> list[int]:
    """`count` free loopback ports (and, for cluster nodes, their bus ports) in [start, stop)."""
    ports: list[int] = []
    for port in range(start + secrets.randbelow(500), stop):
        if port in ports or any(port == p + CLUSTER_BUS_OFFSET for p in ports):
            continue
        if _port_free(port) and (not with_bus or _port_free(port + CLUSTER_BUS_OFFSET)):
            ports.append(port)
            if len(ports) == count:
                return ports
    raise RuntimeError(f'no {count} free loopback ports in {start}-{stop}')


@dataclass
class _Tls:
    """A throw-away CA and a server certificate for 127.0.0.1 (openssl CLI)."""

    directory: Path
    ca_cert: Path = field(init=False)
    cert: Path = field(init=False)
    key: Path = field(init=False)

    def __post_init__(self) -> None:
        d = self.directory
        self.ca_cert, ca_key = d / 'ca.crt', d / 'ca.key'
        self.cert, self.key = d / 'server.crt', d / 'server.key'

        def run(*args: str) -> None:
            subprocess.run(['openssl', *args], check=True, capture_output=True, timeout=60)

        run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=twin-ca',
            '-keyout', str(ca_key), '-out', str(self.ca_cert))
        csr = d / 'server.csr'
        run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
            '-keyout', str(self.key), '-out', str(csr))
        ext = d / 'san.ext'
        ext.write_text('subjectAltName=IP:127.0.0.1,DNS:localhost\n')
        run('x509', '-req', '-in', str(csr), '-CA', str(self.ca_cert), '-CAkey', str(ca_key), '-CAcreateserial',
            '-days', '1', '-extfile', str(ext), '-out', str(self.cert))


class _Node:
    def __init__(self, server: str, directory: Path, port: int, password: str, cluster: bool, tls: _Tls | None):
        self.port = port
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        lines = [
            f'bind {LOOPBACK}',
            'protected-mode yes',
            f'dir {directory}',
            'save ""',
            'appendonly no',
            'daemonize no',
            f'logfile {directory / "redis.log"}',
            # Like ElastiCache's user group: the default user off, one user with a password and every command.
            'user default off',
            f'user {USER_NAME} on >{password} ~* &* +@all',
        ]
        if tls:
            lines += [
                'port 0',
                f'tls-port {port}',
                f'tls-cert-file {tls.cert}',
                f'tls-key-file {tls.key}',
                f'tls-ca-cert-file {tls.ca_cert}',
                'tls-auth-clients no',
            ]
        else:
            lines.append(f'port {port}')
        if cluster:
            lines += ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 5000']
            if tls:
                lines.append('tls-cluster yes')
        conf = directory / 'redis.conf'
        conf.write_text('\n'.join(lines) + '\n')
        conf.chmod(0o600)  # holds the generated password
        self.process = subprocess.Popen([server, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.directory / 'redis.log'
        return path.read_text(errors='replace') if path.exists() else ''


class RedisServers:
    """A standalone Redis or a Redis cluster on loopback, with a generated password; a context manager.

    `environment()` gives the `REDIS_*` variables that point LiteLLM at it (the names the gateway's task gets).
    """

    def __init__(self, cluster: bool = False, nodes: int = 3, tls: bool = False, port: int | None = None,
                 start_timeout: float = 30.0):
        """`port` is the (first) node's port, e.g. the task's REDIS_PORT; the other nodes take free ports."""
        if cluster and nodes < 3:
            raise ValueError('a Redis cluster needs at least 3 masters')
        self.cluster = cluster
        self.password = secrets.token_hex(16)
        self.username = USER_NAME
        self._server, self._cli = redis_binaries()
        self._root = Path(tempfile.mkdtemp(prefix='twin-redis-'))
        self._tls = _Tls(self._root) if tls else None
        count = nodes if cluster else 1
        if port is None:
            self.ports = free_ports(count, with_bus=cluster)
        else:
            if not _port_free(port) or (cluster and not _port_free(port + CLUSTER_BUS_OFFSET)):
                raise RuntimeError(f'port {port} (or its cluster bus port) is taken on loopback')
            self.ports = [port, *(p for p in free_ports(count, with_bus=cluster) if p != port)][:count]
        self._nodes: list[_Node] = []
        try:
            for port in self.ports:
                self._nodes.append(_Node(self._server, self._root / str(port), port, self.password, cluster, self._tls))
            deadline = time.monotonic() + start_timeout
            for node in self._nodes:
                self._wait_ping(node, deadline)
            if cluster:
                self._create_cluster(deadline)
        except BaseException:
            self.stop()
            raise

    # -- public -------------------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The first node's port (the one a single-endpoint client would be given)."""
        return self.ports[0]

    @property
    def ca_cert(self) -> str | None:
        return str(self._tls.ca_cert) if self._tls else None

    def environment(self) -> dict[str, str]:
        """REDIS_* for LiteLLM: host, port, user, password, TLS, and the startup nodes of a cluster."""
        env = {
            'REDIS_HOST': LOOPBACK,
            'REDIS_PORT': str(self.port),
            'REDIS_USERNAME': self.username,
            'REDIS_PASSWORD': self.password,
            'REDIS_SSL': 'True' if self._tls else 'False',
        }
        if self._tls:
            env['REDIS_SSL_CA_CERTS'] = str(self._tls.ca_cert)
        if self.cluster:
            env['REDIS_CLUSTER_NODES'] = json.dumps([{'host': LOOPBACK, 'port': self.port}])
        return env

    def cli(self, *args: str, port: int | None = None, timeout: float = 15.0) -> str:
        """Run redis-cli against a node as the cache user (`-c` follows cluster redirects)."""
        cmd = [self._cli, '-h', LOOPBACK, '-p', str(port or self.port), '--user', self.username, '--no-auth-warning']
        if self._tls:
            cmd += ['--tls', '--cacert', str(self._tls.ca_cert)]
        if self.cluster:
            cmd.append('-c')
        out = subprocess.run([*cmd, *args], env={**os.environ, 'REDISCLI_AUTH': self.password},
                             capture_output=True, text=True, timeout=timeout, check=True)
        return out.stdout

    def flush(self) -> None:
        """Empty every node (a test's counters must not leak into the next)."""
        for port in self.ports:
            self.cli('FLUSHALL', port=port)

    def logs(self) -> str:
        return '\n'.join(node.log() for node in self._nodes)

    def stop(self) -> None:
        for node in self._nodes:
            node.stop()
        shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> 'RedisServers':
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- private ------------------------------------------------------------------------------------------------
    def _wait_ping(self, node: _Node, deadline: float) -> None:
        while True:
            if node.process.poll() is not None:
                raise RuntimeError(f'redis on port {node.port} exited ({node.process.returncode}):\n{node.log()}')
            try:
                if 'PONG' in self.cli('PING', port=node.port, timeout=5):
                    return
            except subprocess.SubprocessError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f'redis on port {node.port} did not answer PING:\n{node.log()}')
            time.sleep(0.1)

    def _create_cluster(self, deadline: float) -> None:
        cmd = [self._cli, '--user', self.username, '--no-auth-warning']
        if self._tls:
            cmd += ['--tls', '--cacert', str(self._tls.ca_cert)]
        cmd += ['--cluster', 'create', *(f'{LOOPBACK}:{p}' for p in self.ports),
                '--cluster-replicas', '0', '--cluster-yes']
        subprocess.run(cmd, env={**os.environ, 'REDISCLI_AUTH': self.password}, capture_output=True, text=True,
                       timeout=max(5.0, deadline - time.monotonic()), check=True)
        for port in self.ports:
            while 'cluster_state:ok' not in self.cli('CLUSTER', 'INFO', port=port):
                if time.monotonic() > deadline:
                    raise RuntimeError(f'cluster node {port} did not reach cluster_state:ok:\n{self.logs()}')
                time.sleep(0.2)
