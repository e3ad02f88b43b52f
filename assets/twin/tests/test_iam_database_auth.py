"""IAM database authentication: what LiteLLM 1.108.7 does with ``IAM_TOKEN_DB_AUTH``, and the database user the
migration prepares for it.

What is real: LiteLLM's own code from the venv (the URL it builds around a token, the token botocore presigns, the
refresh schedule of its Prisma wrapper), the migration container's entry point and command from a synthesized
template (a GatewayMigration with ``iamDatabaseUser``), PostgreSQL, and every statement the entry point sends to it.

What stands in: AWS. The token is presigned by botocore with made-up static credentials (presigning is local: no call
leaves the process, and the namespace has no network); Aurora, which checks the token, is PostgreSQL here, with an
``rds_iam`` role made as RDS has it and the master login given what RDS gives it (CREATEROLE, rds_iam with admin
option). The Prisma CLI is the twin's stand-in (``test_database.py``).
"""
import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from helpers import synthesized_migration
from twin.postgres import PostgresServer, prisma_standin, task_environment

REPO = Path(__file__).resolve().parents[3]
MIGRATIONS = Path(__import__('litellm_proxy_extras').__file__).parent / 'migrations'
USER = 'litellm_gateway'
HOST = 'gateway.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com'


# The serving container's variables with IAM authentication (src/database/private/iam-database-auth.ts,
# iamDatabaseEnvironment), and made-up credentials for botocore.
SERVING_ENV = {
    'IAM_TOKEN_DB_AUTH': 'true', 'DATABASE_HOST': HOST, 'DATABASE_PORT': '5432', 'DATABASE_USER': USER,
    'AWS_RDS_REGION': 'us-east-1', 'DATABASE_SSLMODE': 'require', 'DATABASE_NAME': 'litellm',
    'AWS_REGION_NAME': 'us-east-1',
    'AWS_ACCESS_KEY_ID': 'AKIATWINEXAMPLE00000', 'AWS_SECRET_ACCESS_KEY': 'twin-made-up',
    'AWS_CONFIG_FILE': '/dev/null', 'AWS_SHARED_CREDENTIALS_FILE': '/dev/null',
}

# What proxy_cli.py does first with IAM_TOKEN_DB_AUTH (run_server: DatabaseURLSettings.from_env()
# .apply_writer_url_to_env()), then what the serving proxy's Prisma wrapper does to schedule and make the refresh.
PROBE = r"""
import json, os
from litellm.proxy.db.db_url_settings import DatabaseURLSettings
from litellm.proxy.db.prisma_client import PrismaWrapper
from litellm.proxy.db.token_auth import resolve_database_token_auth
wrote = DatabaseURLSettings.from_env().apply_writer_url_to_env()
first = os.environ['DATABASE_URL']
wrapper = PrismaWrapper.__new__(PrismaWrapper)
wrapper._token_auth = resolve_database_token_auth()
wrapper._db_url_env_var = 'DATABASE_URL'
wrapper._iam_endpoint = None
refresh_in = wrapper._calculate_seconds_until_refresh()
refreshed = wrapper.get_rds_iam_token()
out = {'wrote': wrote, 'first': first, 'refresh_in': refresh_in, 'refreshed': refreshed}
os.environ.pop('DATABASE_USER')
os.environ['DATABASE_USERNAME'] = 'litellm_gateway'
try:
    wrapper.get_rds_iam_token()
    out['refresh_with_username_only'] = 'ok'
except RuntimeError as e:
    out['refresh_with_username_only'] = str(e)
print(json.dumps(out))
"""


def _probe() -> dict:
    env = {'PATH': os.environ['PATH'], **SERVING_ENV}
    result = subprocess.run([sys.executable, '-c', PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _token(url: str) -> tuple[urllib.parse.SplitResult, dict[str, str]]:
    # The token is the URL's password, percent-encoded; itself a presigned URL: host:port/?Action=connect&DBUser=…
    parts = urllib.parse.urlsplit(url)
    password = urllib.parse.unquote(parts.netloc.rsplit('@', 1)[0].split(':', 1)[1])
    return parts, dict(urllib.parse.parse_qsl(password.split('?', 1)[1]))


def test_litellm_builds_the_url_around_a_token_for_host_port_and_database_user_with_tls():
    probe = _probe()
    assert probe['wrote'] is True
    parts, token = _token(probe['first'])
    assert (parts.scheme, parts.hostname, parts.port) == ('postgresql', HOST, 5432)
    assert (parts.path, parts.username) == ('/litellm', USER)
    assert dict(urllib.parse.parse_qsl(parts.query)) == {'sslmode': 'require'}
    assert token['Action'] == 'connect' and token['DBUser'] == USER
    assert token['X-Amz-Expires'] == '900'
    assert token['X-Amz-Credential'].split('/')[2:4] == ['us-east-1', 'rds-db']
    assert 'X-Amz-Signature' in token and 'twin-made-up' not in probe['first']


def test_the_serving_proxy_refreshes_three_minutes_before_expiry_and_needs_database_user_not_username():
    probe = _probe()
    assert 700 <= probe['refresh_in'] <= 720  # 900 s token, 180 s margin
    parts, token = _token(probe['refreshed'])
    assert (parts.hostname, parts.username, token['DBUser']) == (HOST, USER, USER)
    assert dict(urllib.parse.parse_qsl(parts.query)) == {'sslmode': 'require'}  # the first URL's TLS carries over
    # DATABASE_USERNAME is enough for the first URL (DatabaseURLSettings takes either), not for the refresh: a task
    # without DATABASE_USER would lose the database 15 minutes after it started.
    assert 'DATABASE_USER unset' in probe['refresh_with_username_only']


@pytest.fixture(scope='module')
def iam_migration(tmp_path_factory):
    # A gateway with database.iamAuthentication: its migration task prepares the IAM user before it migrates.
    return synthesized_migration(tmp_path_factory, 'IamGatewayStack', {'database': {'iamAuthentication': True}})


@pytest.fixture
def rds_like_postgres():
    """PostgreSQL with what RDS gives its master login: CREATEROLE, and rds_iam with the admin option."""
    with PostgresServer() as server:
        with server._admin_connect() as conn:
            conn.execute('CREATE ROLE rds_iam NOLOGIN')
            conn.execute(f'ALTER ROLE "{server.user}" CREATEROLE')
            conn.execute(f'GRANT rds_iam TO "{server.user}" WITH ADMIN OPTION')
        yield server


def _run_entry_point(reference, task, postgres, workdir: Path) -> subprocess.CompletedProcess:
    entry = task.entry_point
    assert entry[:2] == ['python3', '-c'], entry
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / 'config.yaml').write_text(reference.config_path.read_text())
    command = list(task.command)
    command[command.index('--config') + 1] = str(workdir / 'config.yaml')
    env = task_environment(reference, task.environment, task.secret_names,
                           {**postgres.env, **prisma_standin(workdir / 'prisma')})
    env['HOME'] = str(workdir)
    env['PATH'] = f'{Path(sys.executable).parent}:{env["PATH"]}'  # the image's python3 and litellm
    return subprocess.run([sys.executable, '-c', entry[2], *command], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=600)


def _as_iam_user(postgres: PostgresServer, password: str):
    import psycopg
    return psycopg.connect(host='127.0.0.1', port=postgres.port, dbname=postgres.database, user=USER,
                           password=password, autocommit=True, connect_timeout=10)


def test_the_migration_prepares_the_iam_user_then_migrates_and_the_user_can_do_what_litellm_does(
        iam_migration, rds_like_postgres, tmp_path):
    reference, task = iam_migration
    pg = rds_like_postgres
    assert task.environment['LITELLM_IAM_DATABASE_USER'] == USER
    assert sorted(task.secret_names) == ['DATABASE_PASSWORD', 'DATABASE_USERNAME', reference.master_key_variable]
    first = _run_entry_point(reference, task, pg, tmp_path / 'first')
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    assert f"IAM database user '{USER}' created; grants applied" in first.stdout
    applied = pg.query('SELECT count(*) FROM "_prisma_migrations" WHERE finished_at IS NOT NULL')[0][0]
    assert applied == sum(1 for p in MIGRATIONS.iterdir() if p.is_dir())
    # The master login owns every table; the IAM user logs in with a token (rds_iam) and owns nothing.
    assert pg.query('SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = %(s)s', s='public') == [(pg.user,)]
    assert pg.query("SELECT rolcanlogin, pg_has_role(rolname, 'rds_iam', 'MEMBER') FROM pg_roles WHERE rolname = %(u)s",
                    u=USER) == [(True, True)]

    # Log in as the IAM user (a password here; Aurora takes the token) and do what the serving proxy does.
    with pg._admin_connect() as admin:
        admin.execute(f"ALTER ROLE {USER} PASSWORD 'twin-iam-user'")
    with _as_iam_user(pg, 'twin-iam-user') as conn:
        conn.execute('INSERT INTO "LiteLLM_BudgetTable" (budget_id, created_by, updated_by) '
                     "VALUES ('b1', 'twin', 'twin')")
        conn.execute('''UPDATE "LiteLLM_BudgetTable" SET max_budget = 5 WHERE budget_id = 'b1' ''')
        assert conn.execute('SELECT count(*) FROM "LiteLLM_VerificationToken"').fetchone() == (0,)
        # LiteLLM creates its views at its first start (create_views.py).
        conn.execute('CREATE VIEW "TwinView" AS SELECT budget_id FROM "LiteLLM_BudgetTable"')
        conn.execute('''DELETE FROM "LiteLLM_BudgetTable" WHERE budget_id = 'b1' ''')

    # A later release: its migration (as the master login) adds a table and replaces the view the IAM user made.
    second = _run_entry_point(reference, task, pg, tmp_path / 'second')
    assert second.returncode == 0, (second.stdout + second.stderr)[-4000:]
    assert f"IAM database user '{USER}' exists; grants applied" in second.stdout
    import psycopg
    with psycopg.connect(host='127.0.0.1', port=pg.port, dbname=pg.database, user=pg.user, password=pg.password,
                         autocommit=True) as master:
        master.execute('CREATE TABLE "LiteLLM_TwinLater" (id serial PRIMARY KEY, note text)')
        master.execute('CREATE OR REPLACE VIEW "TwinView" AS SELECT budget_id, max_budget FROM "LiteLLM_BudgetTable"')
    with _as_iam_user(pg, 'twin-iam-user') as conn:
        conn.execute('''INSERT INTO "LiteLLM_TwinLater" (note) VALUES ('default privileges')''')
        assert conn.execute('SELECT count(*) FROM "LiteLLM_TwinLater"').fetchone() == (1,)


def test_without_rds_iam_the_migration_fails_before_migrating_and_says_why(iam_migration, tmp_path):
    reference, task = iam_migration
    with PostgresServer() as pg:
        with pg._admin_connect() as conn:
            conn.execute(f'ALTER ROLE "{pg.user}" CREATEROLE')
        run = _run_entry_point(reference, task, pg, tmp_path)
        assert run.returncode == 2, (run.stdout + run.stderr)[-3000:]
        assert 'needs Aurora or RDS PostgreSQL with IAM authentication on' in run.stderr
        assert 'role "rds_iam" does not exist' in run.stderr
        assert pg.password not in run.stdout + run.stderr
        assert '_prisma_migrations' not in pg.tables()
        assert pg.query('SELECT count(*) FROM pg_roles WHERE rolname = %(u)s', u=USER) == [(0,)]  # rolled back
