"""The migration container's entry point when the serving tasks log in to the database with IAM tokens.

Before LiteLLM's migration it makes sure the PostgreSQL role the serving tasks log in as exists, may log in with an
IAM token (``rds_iam``) and may use LiteLLM's tables, logged in as the database's own login (the cluster's master
user, whose password only this task receives); then it runs ``litellm`` with the container's command, as the task
does without IAM authentication. The master user keeps owning the schema: it runs every migration, so tables a later
release adds are its own, and the role gets them through default privileges.

Idempotent: a role that exists is left as it is but for the grants, which are granted again. PostgreSQL 16 lets
only a holder of a role's ADMIN OPTION grant it: the master user has it on a role it created, not on one another
login created, which therefore fails here. It runs with the gateway image's Python and psycopg (a dependency of
litellm-proxy-extras, which LiteLLM's own migration uses). The gateway passes it to ``python3 -c``; the container's
command follows as arguments.

Environment: ``LITELLM_IAM_DATABASE_USER`` (the role), ``DATABASE_HOST`` (``host`` or ``host:port``),
``DATABASE_NAME``, ``DATABASE_USERNAME`` and ``DATABASE_PASSWORD`` (the master login, from the cluster's secret).
"""

import os
import sys
import time
from collections.abc import Callable
from typing import Any

# LiteLLM's own exit code for a database that cannot be set up: the deploy fails and names the task's logs.
EXIT_SETUP_FAILED = 2
CONNECT_ATTEMPTS = 5

# What the serving tasks need: read and write LiteLLM's tables and sequences, create the views LiteLLM adds at its
# first start, and the same on every table a later migration (run by the master user) creates.
GRANTS = (
    "GRANT rds_iam TO {role}",
    # The master user may then alter or drop what the role creates (LiteLLM's views), as a later migration may.
    "GRANT {role} TO CURRENT_USER",
    "GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}",
    "GRANT USAGE, CREATE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER "
    "ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
)


def host_and_port(value: str) -> tuple[str, int]:
    """``host`` or ``host:port`` (the gateway puts a port other than 5432 into DATABASE_HOST)."""
    host, sep, port = value.rpartition(":")
    if sep and host and port.isdigit():
        return host, int(port)
    return value, int(os.environ.get("DATABASE_PORT") or 5432)


def _connect(env: dict[str, str], sleep: Callable[[float], None]) -> Any:  # psycopg is the image's, not ours
    import psycopg  # type: ignore[import-not-found]  # the image's, not the Lambda runtime's

    host, port = host_and_port(env["DATABASE_HOST"])
    for attempt in range(CONNECT_ATTEMPTS):
        try:
            return psycopg.connect(
                host=host,
                port=port,
                dbname=env["DATABASE_NAME"],
                user=env["DATABASE_USERNAME"],
                password=env["DATABASE_PASSWORD"],
                connect_timeout=30,
            )
        except psycopg.OperationalError:
            # A writer that is still starting (or scaling from its minimum) answers a little later.
            if attempt == CONNECT_ATTEMPTS - 1:
                raise
            sleep(2**attempt)
    raise AssertionError("unreachable")


def ensure_iam_user(env: dict[str, str], sleep: Callable[[float], None] = time.sleep) -> bool:
    """Creates the role if it is missing and grants it what LiteLLM needs. True when the role was created."""
    from psycopg import sql

    user = env["LITELLM_IAM_DATABASE_USER"]
    role = sql.Identifier(user)
    with _connect(env, sleep) as conn:  # one transaction: committed on success, rolled back on any error
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone() is not None
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        for statement in GRANTS:
            conn.execute(sql.SQL(statement).format(role=role, database=sql.Identifier(env["DATABASE_NAME"])))
    return not exists


def main(argv: list[str]) -> int:
    user = os.environ.get("LITELLM_IAM_DATABASE_USER", "")
    try:
        created = ensure_iam_user(dict(os.environ))
    except Exception as error:  # noqa: BLE001 - any failure ends the task with LiteLLM's setup-failed code
        # The error names the statement or the connection problem; psycopg puts no password in it.
        print(
            f"cdk-llm-gateway: could not prepare the IAM database user {user!r}: {type(error).__name__}: {error}. "
            "IAM database authentication needs Aurora or RDS PostgreSQL with IAM authentication on (the rds_iam "
            "role), and the master login in DATABASE_USERNAME/DATABASE_PASSWORD.",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_SETUP_FAILED
    state = "created" if created else "exists"
    print(f"cdk-llm-gateway: IAM database user {user!r} {state}; grants applied", flush=True)
    os.execvp("litellm", ["litellm", *argv])
    return 0  # not reached: execvp replaces the process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
