"""A scratch PostgreSQL database for one benchmark: dropped and created afresh on each run."""

from __future__ import annotations

import os

import asyncpg
from sqlalchemy.engine import make_url

from network.config import normalise_database_url

SERVER = normalise_database_url(
    os.environ.get(
        "MENTORNET_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
)


def dsn(url: str) -> str:
    """The asyncpg form of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_name(stem: str) -> str:
    """Benchmarks run beside the tests of other sessions, so the namespace keeps them apart."""
    return f"mentornet_bench_{os.environ.get('MENTORNET_TEST_NAMESPACE', '')}{stem}"


async def recreate(stem: str) -> str:
    """Drop and create the benchmark's database; return its SQLAlchemy URL."""
    database = database_name(stem)
    admin = await asyncpg.connect(dsn(SERVER))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    return make_url(SERVER).set(database=database).render_as_string(hide_password=False)
