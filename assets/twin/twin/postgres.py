"""PostgreSQL from Debian on loopback for the twin, and the migration task as the template defines it.

``PostgresServer`` runs a throwaway cluster: ``initdb`` in a temporary directory, password (SCRAM) authentication
for TCP on 127.0.0.1 only, a generated password, a log of every connection and statement (so a test can see what
LiteLLM did to the database), and ``pg_ctl stop`` plus removal of the directory on teardown. PostgreSQL refuses to
run as root, so when the twin runs as root the server runs as the ``postgres`` user that Debian's package creates.

``MigrationTask`` is the one-off migration container of the synthesized reference (found through the
``Custom::LiteLlmSchemaMigration`` resource, as the custom resource finds it), and ``run_migration`` runs its command
with the real LiteLLM the way ECS would: the task's environment, generated values for its secrets, the staged
``config.yaml`` in place of ``/app/config.yaml``.
"""
from __future__ import annotations

import ctypes
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .template import ContainerFields, Reference, ReferenceError

_SUPERUSER = 'twin_admin'


def _token(n: int = 32) -> str:
    return ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def postgres_bin_dir() -> Path:
    """The newest Debian PostgreSQL server's bin directory (``apt-get install postgresql`` puts it there)."""
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise FileNotFoundError('no PostgreSQL server under /usr/lib/postgresql/*/bin: apt-get install postgresql')
    return Path(found[-1]).parent


class PostgresServer:
    """One PostgreSQL cluster on 127.0.0.1 with one login role and one database for LiteLLM.

    ``env`` gives the variables the construct hands a task (DATABASE_HOST with the port, as the construct renders a
    non-default port; DATABASE_NAME) plus the two secrets (DATABASE_USERNAME, DATABASE_PASSWORD).
    """

    def __init__(self, *, database: str = 'litellm', user: str = 'litellm', port: int | None = None,
                 workdir: str | Path | None = None, start_timeout: float = 30.0):
        self.database = database
        self.user = user
        self.password = _token()
        self.port = port or _free_port()
        self.start_timeout = start_timeout
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix='twin-postgres-'))
        self.data_dir = self.workdir / 'data'
        self.log_path = self.workdir / 'postgres.log'
        self.bin = postgres_bin_dir()
        self._admin_password = _token()
        self._run_as = None
        if os.geteuid() == 0:
            self._run_as = pwd.getpwnam('postgres')
        self.running = False
        self._process: subprocess.Popen | None = None
        self._log_file = None

    # Lifecycle -----------------------------------------------------------------------------------------------
    def _child_setup(self, *, die_with_parent: bool = False):
        run_as = self._run_as
        # Loaded here: after setuid the child may not read this Python's own files.
        prctl = ctypes.CDLL('libc.so.6', use_errno=True).prctl if die_with_parent else None

        def setup():
            if run_as is not None:
                os.setgid(run_as.pw_gid)
                os.setuid(run_as.pw_uid)
            if prctl is not None:  # the server goes when the twin goes, however the twin ends (after setuid,
                prctl(1, signal.SIGINT)  # which clears it); PR_SET_PDEATHSIG, SIGINT: fast shutdown
        return setup

    def _run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        result = subprocess.run([str(a) for a in args], preexec_fn=self._child_setup(), capture_output=True, text=True,
                                timeout=timeout, cwd=self.workdir, env=self._env())
        if result.returncode != 0:
            raise RuntimeError(f'{args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}')
        return result

    @staticmethod
    def _env() -> dict[str, str]:
        return {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'LC_ALL': 'C'}

    def start(self) -> 'PostgresServer':
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self._run_as is not None:
            os.chown(self.workdir, self._run_as.pw_uid, self._run_as.pw_gid)
        os.chmod(self.workdir, 0o700)
        pwfile = self.workdir / 'pwfile'
        pwfile.write_text(self._admin_password + '\n')
        if self._run_as is not None:
            os.chown(pwfile, self._run_as.pw_uid, self._run_as.pw_gid)
        os.chmod(pwfile, 0o600)
        try:
            self._run(self.bin / 'initdb', '-D', self.data_dir, '-U', _SUPERUSER, f'--pwfile={pwfile}',
                      '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-instructions')
        finally:
            pwfile.unlink(missing_ok=True)
        with open(self.data_dir / 'postgresql.conf', 'a') as conf:
            conf.write('\n'.join([
                '# twin: loopback only, a socket in the work directory, everything LiteLLM does in the log',
                "listen_addresses = '127.0.0.1'",
                f'port = {self.port}',
                f"unix_socket_directories = '{self.workdir}'",
                'log_connections = on',
                "log_statement = 'all'",
                "log_line_prefix = '%m [%p] %u@%d '",
                'fsync = off', 'synchronous_commit = off', 'full_page_writes = off',
            ]) + '\n')
        # The server in the foreground as the twin's child (no pg_ctl daemon): it cannot outlive the test run.
        self._log_file = open(self.log_path, 'ab')
        self._process = subprocess.Popen([str(self.bin / 'postgres'), '-D', str(self.data_dir)], cwd=self.workdir,
                                         env=self._env(), stdin=subprocess.DEVNULL, stdout=self._log_file,
                                         stderr=subprocess.STDOUT, preexec_fn=self._child_setup(die_with_parent=True))
        self.running = True
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._process.poll() is not None:
                self.stop(remove=False)
                raise RuntimeError(f'postgres exited with {self._process.returncode} at start:\n{self.log_tail()}')
            try:
                self._admin_connect().close()
                break
            except Exception as e:  # noqa: BLE001 - not accepting connections yet
                if time.monotonic() > deadline:
                    self.stop(remove=False)
                    raise RuntimeError(f'postgres did not accept connections within {self.start_timeout} s: {e}\n'
                                       f'{self.log_tail()}') from e
                time.sleep(0.2)
        self._create_login()
        return self

    def stop(self, *, remove: bool = True) -> None:
        """Stops the server (fast shutdown; immediate after 20 s) and removes its directory."""
        process, self._process = getattr(self, '_process', None), None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGQUIT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        self.running = False
        if getattr(self, '_log_file', None):
            self._log_file.close()
            self._log_file = None
        if remove and self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _admin_connect(self, dbname: str = 'postgres'):
        import psycopg
        return psycopg.connect(host='127.0.0.1', port=self.port, user=_SUPERUSER, password=self._admin_password,
                               dbname=dbname, autocommit=True, connect_timeout=10)

    def _create_login(self) -> None:
        from psycopg import sql
        with self._admin_connect() as conn:
            conn.execute("SET log_statement = 'none'")  # the generated password stays out of the server log
            conn.execute(sql.SQL('CREATE ROLE {} LOGIN PASSWORD {}').format(sql.Identifier(self.user), sql.Literal(self.password)))
            conn.execute(sql.SQL('CREATE DATABASE {} OWNER {}').format(sql.Identifier(self.database), sql.Identifier(self.user)))

    # Using ---------------------------------------------------------------------------------------------------
    def query(self, sql: str, **params: Any) -> list[tuple]:
        """Runs ``sql`` in LiteLLM's database as the superuser; returns the rows."""
        with self._admin_connect(self.database) as conn:
            cur = conn.execute(sql, params or None)
            return cur.fetchall() if cur.description else []

    def tables(self) -> list[str]:
        return [r[0] for r in self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")]

    @property
    def host(self) -> str:
        return f'127.0.0.1:{self.port}'

    @property
    def env(self) -> dict[str, str]:
        return {'DATABASE_HOST': self.host, 'DATABASE_NAME': self.database,
                'DATABASE_USERNAME': self.user, 'DATABASE_PASSWORD': self.password}

    def log_text(self) -> str:
        return self.log_path.read_text(errors='replace') if self.log_path.exists() else ''

    def log_tail(self, lines: int = 40) -> str:
        return '\n'.join(self.log_text().splitlines()[-lines:])

    def mark(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, mark: int) -> str:
        if not self.log_path.exists():
            return ''
        with open(self.log_path, 'rb') as f:
            f.seek(mark)
            return f.read().decode(errors='replace')

    def statements_by(self, user: str, mark: int = 0) -> list[str]:
        """The statements ``user`` ran after ``mark`` (from ``log_statement = 'all'``)."""
        out = []
        for line in self.log_since(mark).splitlines():
            if f' {user}@' not in line:
                continue
            if 'LOG:  statement: ' in line:
                out.append(line.split('LOG:  statement: ', 1)[1])
            elif 'LOG:  execute ' in line:  # extended protocol (psycopg, Prisma): "execute <name>: SQL"
                out.append(line.split('LOG:  execute ', 1)[1].split(': ', 1)[-1])
        return out

    def connections_by(self, user: str, mark: int = 0) -> int:
        return sum(1 for line in self.log_since(mark).splitlines()
                   if 'connection authorized: user=' + user in line)


# The migration task ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MigrationTask(ContainerFields):
    """The one-off migration container of the synthesized reference."""
    container: dict[str, Any]
    task_definition_id: str

    @property
    def entry_point(self) -> list[str] | None:
        return self.container.get('EntryPoint')


def load_migration_task(reference: Reference) -> MigrationTask:
    """The container the migration custom resource starts: its TaskDefinition and ContainerName properties."""
    resources = reference.template['Resources']
    migrations = [r for r in resources.values() if r['Type'] == 'Custom::LiteLlmSchemaMigration']
    if len(migrations) != 1:
        raise ReferenceError(f'expected exactly one Custom::LiteLlmSchemaMigration, found {len(migrations)}')
    props = migrations[0]['Properties']
    task_definition_id = props['TaskDefinition'].get('Ref')
    if task_definition_id not in resources:
        raise ReferenceError('the migration resource must reference its task definition in the same template')
    containers = [c for c in resources[task_definition_id]['Properties']['ContainerDefinitions']
                  if c['Name'] == props['ContainerName']]
    if len(containers) != 1:
        raise ReferenceError(f'no single container named {props["ContainerName"]} in {task_definition_id}')
    container = containers[0]
    serving_image = reference.container['Image']
    if container['Image'] != serving_image:
        raise ReferenceError('the migration task must run the serving image (same LiteLLM, same schema, same config)')
    return MigrationTask(container=container, task_definition_id=task_definition_id)


def prisma_standin(workdir: Path) -> dict[str, str]:
    """Environment that makes LiteLLM run ``twin.prisma_standin`` as its baked Prisma CLI (``PRISMA_OFFLINE_MODE`` and
    ``PRISMA_CLI_PATH``, as the image sets them for its own CLI); its calls are logged to ``workdir/prisma-calls``."""
    workdir.mkdir(parents=True, exist_ok=True)
    cli = workdir / 'prisma'
    twin_dir = Path(__file__).resolve().parents[1]
    cli.write_text(f'#!/bin/sh\nPYTHONPATH="{twin_dir}" exec "{sys.executable}" -m twin.prisma_standin "$@"\n')
    cli.chmod(0o755)
    # `prisma` on PATH too: LiteLLM's schema diff (serving tasks) runs the console script, not PRISMA_CLI_PATH.
    return {'PRISMA_OFFLINE_MODE': 'true', 'PRISMA_CLI_PATH': str(cli), 'TWIN_PRISMA_CALLS': str(workdir / 'prisma-calls'),
            'PATH': f'{workdir}:{os.environ.get("PATH", "/usr/bin:/bin")}'}


def prisma_calls(env: dict[str, str]) -> list[str]:
    path = Path(env['TWIN_PRISMA_CALLS'])
    return path.read_text().splitlines() if path.exists() else []


@dataclass
class MigrationRun:
    returncode: int
    output: str
    seconds: float
    env: dict[str, str]
    command: list[str]


def task_environment(reference: Reference, environment: dict[str, Any], secret_names: list[str],
                     overrides: dict[str, str | None], *, base: dict[str, str] | None = None) -> dict[str, str]:
    """What a container of the task sees: ``base`` (the image's own ENV), the task's environment over it, a generated
    value per secret, then ``overrides`` (None deletes). Values CloudFormation resolves at deploy time must be
    overridden."""
    env: dict[str, str] = {k: os.environ[k] for k in ('PATH', 'LANG', 'LC_ALL') if k in os.environ}
    env.update(base or {})
    for key, value in environment.items():
        if key in overrides:
            continue
        if not isinstance(value, str):
            raise AssertionError(f'{key} is resolved by CloudFormation at deploy time: pass a value in overrides')
        env[key] = value
    master = reference.master_key_variable
    for key in secret_names:
        if key not in overrides:
            env[key] = ('sk-' if key == master else '') + _token()
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def image_entry_point(reference: Reference) -> list[str]:
    """The ENTRYPOINT of the staged image asset's Dockerfile (what ECS runs the task's command with)."""
    import json as _json
    dockerfile = reference.asset_dir / 'Dockerfile'
    lines = [line.strip() for line in dockerfile.read_text().splitlines() if line.strip().upper().startswith('ENTRYPOINT')]
    if len(lines) != 1:
        raise ReferenceError(f'{dockerfile} has {len(lines)} ENTRYPOINT lines; the twin needs exactly one (exec form)')
    return _json.loads(lines[0].split(None, 1)[1])


def run_task_command(reference: Reference, command: list[str], environment: dict[str, Any], secret_names: list[str],
                     workdir: Path, overrides: dict[str, str | None], *, base: dict[str, str] | None = None,
                     config: dict[str, Any] | None = None, timeout: float = 300.0,
                     entry_point: list[str] | None = None) -> MigrationRun:
    """Runs a container's command as ECS would with the gateway image: the container's entry point, else the image's
    (``litellm``, from the staged Dockerfile), from this venv, the staged config (or ``config``) in place of
    ``/app/config.yaml``, HOME in ``workdir``, the environment from ``task_environment``; bounded by ``timeout``, the
    process group killed after."""
    import yaml
    entry = list(entry_point) if entry_point else image_entry_point(reference)
    if entry != ['litellm']:
        raise AssertionError(f'the image entry point is {entry}, not ["litellm"]: teach the twin to run it')
    workdir.mkdir(parents=True, exist_ok=True)
    if config is None:
        shutil.copy(reference.config_path, workdir / 'config.yaml')
    else:
        (workdir / 'config.yaml').write_text(yaml.safe_dump(config, sort_keys=False))
    command = list(command)
    if '--config' in command:
        command[command.index('--config') + 1] = str(workdir / 'config.yaml')
    env = task_environment(reference, environment, secret_names, overrides, base=base)
    env.setdefault('HOME', str(workdir))
    env['PYTHONUNBUFFERED'] = '1'
    argv = [str(Path(sys.executable).parent / 'litellm'), *command]
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True, text=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate(timeout=10)
        raise AssertionError(f'{argv} did not end within {timeout} s:\n{output[-4000:]}')
    finally:
        try:  # anything the command left behind (npm, the Prisma CLI)
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return MigrationRun(returncode=process.returncode, output=output, seconds=time.monotonic() - started, env=env,
                        command=argv)


def run_migration(reference: Reference, task: MigrationTask, workdir: Path, overrides: dict[str, str | None], *,
                  base: dict[str, str] | None = None, timeout: float = 300.0) -> MigrationRun:
    """The migration container's command, environment and secrets, run as ECS would (see ``run_task_command``)."""
    return run_task_command(reference, task.command, task.environment, task.secret_names, workdir, overrides,
                            base=base, timeout=timeout, entry_point=task.entry_point)
