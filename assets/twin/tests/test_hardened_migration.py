"""A hardened migration (GatewayMigration ``hardened: true``): LiteLLM's one-off migration applies every migration as
the task definition's unprivileged user, with only the task's writable volumes writable.

The test synthesizes the reference deployment with the hardened serving container and a hardened migration, and reads
the migration container's ``User``, ``ReadonlyRootFilesystem``, ``MountPoints``, command and environment from that
template. It runs that command (``litellm --skip_server_startup``) in a private mount namespace in which every file
system is read-only except those mount points (fresh and empty, as Fargate's task volumes), as that uid and gid with
no supplementary groups, against PostgreSQL, once with the template's HOME and once with HOME at the read-only root
(what ECS gives a uid the image does not know). It checks the exit code, the ledger, that nothing was denied a write,
and lists what the run left in the writable volume.

What stands in: the Prisma CLI (``twin.prisma_standin``, as in ``test_database.py``; the twin has no Prisma engines,
see ``prisma-engines.md``). LiteLLM's own migration code runs for real: its toolchain bootstrap, its v2 resolver, its
advisory locks, its request-log index build. Whether the image's baked Prisma CLI and engines (``/opt/prisma``) run as
that uid is what LiteLLM's image promises (``chmod -R a+rX /opt/prisma``, release 1.90.6) and is for a development
account to confirm.
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import synthesized_migration
from test_hardened import DENIED, _wrapper
from twin.postgres import PostgresServer, prisma_calls, prisma_standin, task_environment

REPO = Path(__file__).resolve().parents[3]
MIGRATIONS = Path(__import__('litellm_proxy_extras').__file__).parent / 'migrations'


@pytest.fixture(scope='module')
def hardened_migration(tmp_path_factory):
    # The gateway passes its hardening to the migration: the template is the construct's own (user, volumes, HOME).
    return synthesized_migration(tmp_path_factory, 'HardenedGatewayStack', {'service': {'hardenedContainer': True}})


def test_the_template_asks_for_a_non_root_user_a_read_only_root_and_home_in_the_volume(hardened_migration):
    _, task = hardened_migration
    container = task.container
    assert container['ReadonlyRootFilesystem'] is True
    assert container['User'].split(':')[0] not in ('', '0', 'root')
    assert [m['ContainerPath'] for m in container['MountPoints']] == ['/tmp']
    assert task.environment['HOME'] == '/tmp'


def _run(reference, task, postgres: PostgresServer, home: str | None) -> tuple[subprocess.CompletedProcess, Path]:
    """The migration container's command and environment, as its user, in the wrapper's read-only namespace."""
    container = task.container
    writable = [m['ContainerPath'] for m in container['MountPoints']]
    # The twin's files (config copy, the Prisma stand-in's call log) outside the task's volumes, which start empty.
    workdir = Path(tempfile.mkdtemp(prefix='twin-hardened-migration-', dir='/var/tmp'))
    assert not any(str(workdir).startswith(p + '/') for p in writable), workdir
    shutil.copy(reference.config_path, workdir / 'config.yaml')
    overrides = {**postgres.env, **prisma_standin(workdir / 'prisma')}
    if home is not None:
        overrides['HOME'] = home
    env = task_environment(reference, task.environment, task.secret_names, overrides)
    env['PYTHONUNBUFFERED'] = '1'
    command = list(task.command)
    command[command.index('--config') + 1] = str(workdir / 'config.yaml')
    uid, _, gid = container['User'].partition(':')
    for path in [workdir, *workdir.rglob('*')]:
        os.chown(path, int(uid), int(gid or uid))
    # Inside: the uid it runs as, then what the run left in each writable volume.
    listing = ' '.join(shlex.quote(p) for p in writable)
    probe = (f'id -u > {workdir}/uid; "$@"; rc=$?; find {listing} -xdev -mindepth 1 > {workdir}/written 2>&1; exit $rc')
    argv = [*_wrapper(container['User'], writable, workdir), 'sh', '-c', probe, 'sh',
            str(Path(sys.executable).parent / 'litellm'), *command]
    # cwd: the root, read-only, as the image's working directory is here.
    result = subprocess.run(argv, cwd='/', env=env, capture_output=True, text=True, timeout=600)
    return result, workdir


@pytest.mark.parametrize('home', [None, '/'], ids=['template-home', 'home-at-read-only-root'])
def test_the_migration_applies_every_migration_as_the_tasks_user_with_only_the_tasks_volumes_writable(
        hardened_migration, home):
    reference, task = hardened_migration
    with PostgresServer() as postgres:
        result, workdir = _run(reference, task, postgres, home)
        output = result.stdout + result.stderr
        try:
            assert result.returncode == 0, output[-4000:]
            assert (workdir / 'uid').read_text().strip() == task.container['User'].split(':')[0]
            expected = sorted(p.name for p in MIGRATIONS.iterdir() if p.is_dir())
            applied = sorted(r[0] for r in postgres.query(
                'SELECT migration_name FROM "_prisma_migrations" '
                'WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL'))
            assert applied == expected
            calls = prisma_calls({'TWIN_PRISMA_CALLS': str(workdir / 'prisma' / 'prisma-calls')})
            assert calls == ['--version', 'migrate deploy']
            denied = [line for line in output.splitlines() if any(word in line for word in DENIED)]
            assert denied == [], denied
            # What the run left in its volume, but for the wrapper's own mount points (the interpreter's staging
            # directory, and a checkout that lies under a volume, e.g. a clone in /tmp): nothing. The volume is a
            # margin for the real Prisma CLI and the opt-in steps that use tempfile, not something LiteLLM needs.
            ours = {'/tmp/.twin-python', *(str(p) for p in (REPO, *REPO.parents))}
            written = [w for w in (workdir / 'written').read_text().splitlines() if w not in ours]
            home_used = home or task.environment['HOME']
            print(json.dumps({'home': home_used, 'migrations': len(applied), 'written': written}))
            assert written == []
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
