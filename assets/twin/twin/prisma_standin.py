"""A stand-in for the Prisma CLI's ``migrate`` commands, because Prisma's engines cannot be had on this machine.

LiteLLM's image bakes the Prisma CLI and its Rust engines; PyPI, npm and Debian do not ship those engines, and the
twin may not download them (see the module docstring of ``tests/test_database.py``). LiteLLM runs the CLI as a
subprocess (``PRISMA_OFFLINE_MODE=true`` and ``PRISMA_CLI_PATH``, ``litellm_proxy_extras/utils.py``
``_get_prisma_command``), so the twin puts this program there. It does what ``prisma migrate deploy`` does on
PostgreSQL with LiteLLM's own migration files, and nothing more:

- ``migrate deploy``: creates Prisma's ``_prisma_migrations`` ledger, refuses (P3009) while a failed migration is
  recorded, and applies each migration folder not yet applied, in name order, sending its ``migration.sql`` as one
  script (simple query protocol, as Prisma does: one statement runs outside a transaction, several in one implicit
  transaction). A database error is recorded in the ledger and reported as Prisma reports it (P3018, with the
  migration name and the PostgreSQL error), exit 1.
- ``migrate resolve --applied|--rolled-back NAME``: marks the ledger row, as LiteLLM's recovery calls it.
- ``--version``: what LiteLLM's toolchain bootstrap runs.
Anything else (``generate``, ``db push``, ``migrate diff``) exits 1 with a message: those need the real engines.

Every call is appended to ``TWIN_PRISMA_CALLS`` when set, so a test can see what LiteLLM asked for.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

LEDGER_DDL = '''CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)'''
# URL parameters Prisma understands and libpq does not.
_PRISMA_ONLY = {'schema', 'connection_limit', 'pool_timeout', 'pgbouncer', 'socket_timeout', 'statement_cache_size',
                'max_idle_connection_lifetime', 'connect_timeout'}


def _connect():
    import psycopg
    url = os.environ.get('DATABASE_URL')
    if not url:
        raise SystemExit('Error: Environment variable not found: DATABASE_URL.')
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    schema = params.get('schema', 'public')
    kept = '&'.join(f'{k}={v}' for k, v in parse_qsl(parts.query) if k not in _PRISMA_ONLY)
    conninfo = parts._replace(query=kept).geturl()
    conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10, cursor_factory=psycopg.ClientCursor)
    conn.execute(f'SET search_path TO "{schema}"')
    return conn


def _fail(code: str, message: str) -> int:
    sys.stderr.write(f'Error: {code}\n\n{message}\n')
    return 1


def deploy(migrations_dir: Path) -> int:
    import psycopg
    conn = _connect()
    with conn:
        conn.execute(LEDGER_DDL)
        failed = conn.execute('SELECT migration_name, started_at FROM "_prisma_migrations" '
                              'WHERE finished_at IS NULL AND rolled_back_at IS NULL ORDER BY started_at').fetchall()
        if failed:
            name, started = failed[0]
            return _fail('P3009', 'migrate found failed migrations in the target database, new migrations will not be '
                         'applied. Read more about how to resolve migration issues in a production database: '
                         'https://pris.ly/d/migrate-resolve\n'
                         f'The `{name}` migration started at {started:%Y-%m-%d %H:%M:%S.%f} UTC failed\n')
        applied = {r[0] for r in conn.execute('SELECT migration_name FROM "_prisma_migrations" '
                                              'WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL')}
        pending = [d for d in sorted(p for p in migrations_dir.iterdir() if (p / 'migration.sql').is_file())
                   if d.name not in applied]
        for folder in pending:
            script = (folder / 'migration.sql').read_text()
            row_id = str(uuid.uuid4())
            conn.execute('INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES (%s, %s, %s)',
                         (row_id, hashlib.sha256(script.encode()).hexdigest(), folder.name))
            try:
                conn.execute(script, prepare=False)
            except psycopg.Error as e:
                detail = (e.diag.message_primary or str(e)).strip()
                conn.execute('UPDATE "_prisma_migrations" SET logs = %s WHERE id = %s', (detail, row_id))
                return _fail('P3018', 'A migration failed to apply. New migrations cannot be applied before the error is '
                             'recovered from. Read more about how to resolve migration issues in a production database: '
                             'https://pris.ly/d/migrate-resolve\n\n'
                             f'Migration name: {folder.name}\n\nDatabase error code: {e.sqlstate}\n\n'
                             f'Database error:\nERROR: {detail}\n')
            conn.execute('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = %s',
                         (row_id,))
    print(f'{len(pending)} migrations found in prisma/migrations\n' +
          ('All migrations have been successfully applied.' if pending else 'No pending migrations to apply.'))
    return 0


def resolve(flag: str, name: str) -> int:
    conn = _connect()
    with conn:
        conn.execute(LEDGER_DDL)
        if flag == '--rolled-back':
            conn.execute('UPDATE "_prisma_migrations" SET rolled_back_at = now() '
                         'WHERE migration_name = %s AND finished_at IS NULL AND rolled_back_at IS NULL', (name,))
        else:
            conn.execute('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) '
                         'VALUES (%s, %s, %s, now(), 0)', (str(uuid.uuid4()), '0' * 64, name))
    print(f'Migration {name} marked as {"rolled back" if flag == "--rolled-back" else "applied"}.')
    return 0


def _redacted(argv: list[str]) -> str:
    """The command line without the password of any database URL in it (``migrate diff --from-url``)."""
    return re.sub(r'(://[^:/@\s]+:)[^@\s]+@', r'\1***@', ' '.join(argv))


def main(argv: list[str]) -> int:
    calls = os.environ.get('TWIN_PRISMA_CALLS')
    if calls:
        with open(calls, 'a') as f:
            f.write(_redacted(argv) + '\n')
    args = [a for a in argv if not a.startswith('--schema')]
    if args[:1] == ['--version']:
        print('prisma                  : 5.17.0 (twin stand-in: no engines)')
        return 0
    if args[:2] == ['migrate', 'deploy']:
        return deploy(Path.cwd() / 'migrations')
    if args[:2] == ['migrate', 'resolve'] and len(args) >= 4 and args[2] in ('--applied', '--rolled-back'):
        return resolve(args[2], args[3])
    sys.stderr.write(f'twin stand-in: `prisma {_redacted(argv)}` needs the Prisma engines, which the twin does not have\n')
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
