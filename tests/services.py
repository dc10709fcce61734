"""The real PostgreSQL and Redis the tests use, and a clear failure when they are not there."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest
import redis
from sqlalchemy.engine import make_url

from network.config import Settings, normalise_database_url

DATABASE_URL = normalise_database_url(
    os.environ.get(
        "MENTORNET_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
)
REDIS_URL = os.environ.get("MENTORNET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Lets two checkouts run their suites at once on one server: each sets its own namespace
# (and its own MENTORNET_TEST_REDIS_URL database) so their databases never collide.
NAMESPACE = os.environ.get("MENTORNET_TEST_NAMESPACE", "")

#: The in-process test node's address (the ``client`` fixture talks to it there).
BASE_URL = "http://127.0.0.1:8000"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def node_settings(database_url: str) -> Settings:
    """The in-process test node: dev, plain http, this run's Redis, no background workers."""
    return Settings(
        env="dev",
        database_url=database_url,
        redis_url=REDIS_URL,
        base_url=BASE_URL,
        secret_key=TEST_SECRET,
        log_level="WARNING",
        # Tests drive deliveries and jobs themselves, with explicit clocks.
        outbox_worker=False,
        jobs_worker=False,
    )


START_POSTGRES = (
    "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start "
    "(or point MENTORNET_TEST_DATABASE_URL at a PostgreSQL server)"
)
START_REDIS = (
    'start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" '
    "--appendonly no (or point MENTORNET_TEST_REDIS_URL at a Redis server)"
)


def libpq_url(url: str) -> str:
    """``url`` as asyncpg and PostgreSQL's own tools (pg_dump, pg_restore, psql) spell it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def worker_database_url(worker: str) -> str:
    """A database of its own for each pytest-xdist worker (or 'main') and namespace."""
    base = make_url(DATABASE_URL)
    name = f"mentornet_test_{NAMESPACE}{worker}"
    return base.set(database=name).render_as_string(hide_password=False)


async def _administer(*statements: str) -> None:
    """Run ``statements`` on the server's own database (CREATE/DROP DATABASE cannot run inside
    the database they name)."""
    admin = await asyncpg.connect(libpq_url(DATABASE_URL), timeout=5)
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


def _drop_statement(name: str) -> str:
    return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


def drop_database(url: str) -> None:
    name = make_url(url).database
    assert name is not None
    asyncio.run(_administer(_drop_statement(name)))


def recreate_database(url: str) -> None:
    """Drop and create the database of ``url``; stop the whole run if PostgreSQL is down."""
    name = make_url(url).database
    assert name is not None
    try:
        asyncio.run(_administer(_drop_statement(name), f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.exit(
            f"PostgreSQL is not reachable at {make_url(DATABASE_URL).render_as_string()} "
            f"({exc}); {START_POSTGRES}",
            returncode=3,
        )


def require_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis is not reachable at {REDIS_URL} ({exc}); {START_REDIS}", returncode=3)
    finally:
        client.close()


def flush_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


# DELETE, not TRUNCATE: a TRUNCATE of 64 tables gives each a new file and syncs them all at
# commit (0.15-0.35 s a test, minutes over the suite); deleting a test's few rows takes
# milliseconds. The replica role skips foreign keys and triggers, so any order will do.
_RESTART_SEQUENCES = """
DO $$
DECLARE s record;
BEGIN
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$;
"""


async def _empty_tables(url: str, tables: list[str]) -> None:
    connection = await asyncpg.connect(libpq_url(url), timeout=5)
    try:
        deletes = "".join(f'DELETE FROM "{name}";' for name in tables)
        async with connection.transaction():
            await connection.execute(
                "SET LOCAL session_replication_role = replica;" + deletes + _RESTART_SEQUENCES
            )
    finally:
        await connection.close()


def empty_tables(url: str, tables: list[str]) -> None:
    """Delete every row of ``tables`` and restart the sequences, as a fresh database has."""
    asyncio.run(_empty_tables(url, tables))
