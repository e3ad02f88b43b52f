"""The database: the real LiteLLM against PostgreSQL from Debian, with the commands and environments of the
synthesized template.

What is real: LiteLLM (the pinned release from the venv), the migration task's and the serving task's command,
environment and secret names (read from the template; secrets are generated values; DATABASE_HOST, a CloudFormation
attribute, points at the loopback server), the staged config, PostgreSQL (initdb in a temporary directory, password
authentication, loopback only), and every statement LiteLLM's own migration code sends to it: its advisory locks, its
ledger checks, its recovery, the request-log indexes it builds after a migration.

What stands in: Prisma. LiteLLM runs the Prisma CLI, which runs Prisma's Rust engines; the engines are downloaded
from Prisma's own server, which this machine cannot reach, and no package on PyPI, npm or Debian ships them (what
was tried is in ``assets/twin/prisma-engines.md``). ``twin.prisma_standin`` takes the CLI's place the way the image's baked
CLI is found (``PRISMA_OFFLINE_MODE`` + ``PRISMA_CLI_PATH``) and applies LiteLLM's own 220 migration files as
``prisma migrate deploy`` does. Without a query engine the serving proxy cannot reach the database at all, so the
virtual-key handler against the real key API and a key's rpm limit across two processes stay with the handler's fake
key API (``assets/keys/virtual-keys/tests``) and with the deployed integ test.
"""
from __future__ import annotations

import secrets
import socket

import pytest

from twin.postgres import (
    PostgresServer,
    load_migration_task,
    prisma_calls,
    prisma_standin,
    run_migration,
    run_task_command,
)
from twin.proxy import without_shared_state

# Tables of LiteLLM's schema that the key API and the spend tracking write.
CORE_TABLES = {'LiteLLM_VerificationToken', 'LiteLLM_UserTable', 'LiteLLM_TeamTable', 'LiteLLM_SpendLogs',
               'LiteLLM_BudgetTable', '_prisma_migrations'}


@pytest.fixture(scope='module')
def migration(reference):
    return load_migration_task(reference)


@pytest.fixture
def postgres():
    with PostgresServer() as server:
        yield server


def unused_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def ledger(pg: PostgresServer) -> list[tuple]:
    return pg.query('SELECT migration_name, finished_at IS NOT NULL, rolled_back_at IS NOT NULL FROM "_prisma_migrations" '
                    'ORDER BY started_at')


def test_the_migration_task_creates_the_schema_whatever_its_image_says_and_a_second_deploy_finds_nothing_to_do(
        reference, migration, postgres, tmp_path):
    # The image's own environment: an image may set DISABLE_SCHEMA_UPDATE=true (LiteLLM's Helm values do for serving
    # pods; GatewayImage.fromRegistry takes any image), and releases from 1.104 that read it go log-only with
    # ENFORCE_PRISMA_MIGRATION_CHECK=false. In ECS the task's environment wins over the image's; without the task's
    # own values `--skip_server_startup` only diffs the schema, exits 0, and the deploy rolls on an old schema.
    image_env = {'DISABLE_SCHEMA_UPDATE': 'true', 'ENFORCE_PRISMA_MIGRATION_CHECK': 'false'}
    first_env = {**postgres.env, **prisma_standin(tmp_path / 'first')}
    first = run_migration(reference, migration, tmp_path / 'first', first_env, base=image_env)
    assert first.returncode == 0, first.output[-3000:]
    assert 'Setup complete' in first.output
    assert prisma_calls(first_env) == ['--version', 'migrate deploy']
    assert CORE_TABLES <= set(postgres.tables())
    rows = ledger(postgres)
    assert len(rows) > 200 and all(finished for _, finished, _ in rows)
    # LiteLLM held Prisma's advisory lock on the real server while it migrated (migration_lock.py PRISMA_ADVISORY_LOCK_KEY).
    assert any('pg_try_advisory_xact_lock' in s for s in postgres.statements_by(postgres.user)), postgres.log_tail()

    mark = postgres.mark()
    second_env = {**postgres.env, **prisma_standin(tmp_path / 'second')}
    second = run_migration(reference, migration, tmp_path / 'second', second_env)
    assert second.returncode == 0, second.output[-3000:]
    assert 'No pending migrations to apply' in second.output
    assert ledger(postgres) == rows
    assert postgres.connections_by(postgres.user, mark) > 0


def test_the_migration_task_exits_non_zero_when_the_database_is_unreachable(reference, migration, tmp_path):
    port = unused_loopback_port()
    run = run_migration(reference, migration, tmp_path, {
        'DATABASE_HOST': f'127.0.0.1:{port}', 'DATABASE_USERNAME': 'litellm', 'DATABASE_PASSWORD': secrets.token_hex(16),
        **prisma_standin(tmp_path),
    })
    assert run.returncode == 2, run.output[-3000:]
    assert f"P1001: Can't reach database server at `127.0.0.1:{port}`" in run.output
    assert 'Setup complete' not in run.output


def test_the_migration_task_exits_non_zero_when_a_migration_fails_and_so_does_the_next_deploy(reference, migration, postgres, tmp_path):
    # A release whose newest migration fails on this database: LiteLLM's migrations plus one that alters a table that
    # does not exist (LITELLM_MIGRATION_DIR is LiteLLM's own switch for a writable copy of its migrations folder).
    migrations = tmp_path / 'migrations-copy'
    failing = migrations / 'migrations' / '29991231000000_twin_alters_a_missing_table'
    failing.mkdir(parents=True)
    (failing / 'migration.sql').write_text('ALTER TABLE "LiteLLM_TableNobodyCreated" ADD COLUMN "twin" TEXT;\n')
    extra = {**postgres.env, 'LITELLM_MIGRATION_DIR': str(migrations)}

    run = run_migration(reference, migration, tmp_path / 'first', {**extra, **prisma_standin(tmp_path / 'first')})
    assert run.returncode == 2, run.output[-3000:]
    assert 'Database migration failed and cannot be auto-recovered' in run.output
    assert 'relation "LiteLLM_TableNobodyCreated" does not exist' in run.output
    assert 'Setup complete' not in run.output
    assert ledger(postgres)[-1] == ('29991231000000_twin_alters_a_missing_table', False, False)

    # The next deploy (same images) stops at the recorded failure instead of going around it.
    again = run_migration(reference, migration, tmp_path / 'second', {**extra, **prisma_standin(tmp_path / 'second')})
    assert again.returncode == 2, again.output[-3000:]
    assert 'Migration completion could not be verified' in again.output


def test_the_migration_task_exits_non_zero_when_the_prisma_cli_cannot_be_had(reference, migration, postgres, tmp_path):
    # No baked CLI: LiteLLM's Python wrapper tries `npm install prisma`; the namespace has no network. npm is told so
    # up front (NPM_CONFIG_OFFLINE) to fail in seconds instead of after its retries; the outcome is the same.
    run = run_migration(reference, migration, tmp_path, {**postgres.env, 'NPM_CONFIG_OFFLINE': 'true'})
    assert run.returncode == 2, run.output[-3000:]
    assert 'Database migration cannot proceed' in run.output
    assert not [t for t in postgres.tables() if t.startswith('LiteLLM_')]


def serving_setup(reference, workdir, overrides, *, skip_server_startup=True):
    """The serving container's command and environment (Redis left out: not part of the database setup)."""
    command = list(reference.command) + (['--skip_server_startup'] if skip_server_startup else [])
    drop = {k: None for k in (*reference.environment, *reference.secret_names) if k.startswith('REDIS_')}
    return run_task_command(reference, command, reference.environment, reference.secret_names, workdir,
                            {**drop, **overrides}, config=without_shared_state(reference.config),
                            entry_point=reference.entry_point)


def test_serving_tasks_start_without_migrating(reference, postgres, tmp_path):
    # LiteLLM's start-up database step, as the serving task runs it, stopped before the server (--skip_server_startup):
    # the server itself needs Prisma's query engine, which the twin does not have.
    assert reference.environment.get('DISABLE_SCHEMA_UPDATE') == 'true'
    mark = postgres.mark()
    env = {**postgres.env, **prisma_standin(tmp_path / 'serving')}
    run = serving_setup(reference, tmp_path / 'serving', env)
    assert run.returncode == 0, run.output[-3000:]
    # LiteLLM took its schema-updates-off branch (proxy_cli.py: check_prisma_schema_diff, which only reports a diff)
    # and never the migration: no `migrate deploy`, no connection, no table. The migration test above shows the same
    # observations catch a migration.
    calls = prisma_calls(env)
    assert [c.split()[:2] for c in calls] == [['migrate', 'diff']], calls
    assert postgres.tables() == []
    assert postgres.connections_by(postgres.user, mark) == 0, postgres.log_since(mark)[-3000:]


def test_a_task_that_migrates_at_start_exits_when_the_database_is_unreachable(reference, tmp_path):
    # migrateOnce: false: each serving task migrates at start; on this release it exits instead of serving on an
    # unknown schema, so the service's tasks fail their start until the database answers.
    port = unused_loopback_port()
    run = serving_setup(reference, tmp_path, {
        'DATABASE_HOST': f'127.0.0.1:{port}', 'DATABASE_USERNAME': 'litellm', 'DATABASE_PASSWORD': secrets.token_hex(16),
        'DISABLE_SCHEMA_UPDATE': None, **prisma_standin(tmp_path),
    }, skip_server_startup=False)
    assert run.returncode == 2, run.output[-3000:]
    assert 'Database migration cannot proceed' in run.output
    assert 'Uvicorn running' not in run.output and 'Booting worker' not in run.output
