"""A node on a PostgreSQL and a Redis of its own, which the fault tests stop, freeze and
restart. Timeouts are shortened so that each outage costs seconds, not minutes; the bounds the
tests check are computed from them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from network import migrate
from network.config import Settings
from tests.integration.faults.servers import OwnPostgres, OwnRedis, own_postgres, own_redis
from tests.services import TEST_SECRET, libpq_url

NODE_DATABASE = "node"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[OwnPostgres]:
    with own_postgres() as server:

        async def create() -> None:
            admin = await asyncpg.connect(libpq_url(server.url()), timeout=5)
            try:
                await admin.execute(f'CREATE DATABASE "{NODE_DATABASE}"')
            finally:
                await admin.close()

        asyncio.run(create())
        migrate.upgrade(Settings(database_url=server.url(NODE_DATABASE)))
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[OwnRedis]:
    with own_redis() as server:
        yield server


@pytest.fixture
def own_pg(postgres_server: OwnPostgres) -> Iterator[OwnPostgres]:
    """The node's PostgreSQL, running and answering at the start and the end of each test."""
    yield postgres_server
    postgres_server.thaw()
    if postgres_server.process is None or postgres_server.process.poll() is not None:
        postgres_server.start()


@pytest.fixture
def own_rd(redis_server: OwnRedis) -> Iterator[OwnRedis]:
    yield redis_server
    redis_server.thaw()
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()


@pytest.fixture
def node_settings(own_pg: OwnPostgres, own_rd: OwnRedis) -> Settings:
    return Settings(
        env="prod",  # JSON log lines, which the tests read back
        database_url=own_pg.url(NODE_DATABASE),
        redis_url=own_rd.url(),
        base_url="http://127.0.0.1:8000",  # replaced by where the node listens
        secret_key=TEST_SECRET,
        log_level="INFO",
        outbox_worker=True,  # its loop meets the outages too, and must log no traceback
        jobs_worker=False,
        db_connect_timeout_s=1.0,
        db_statement_timeout_s=1.5,
        db_pool_timeout_s=1.0,
        db_pool_size=5,
        redis_timeout_s=1.0,
        redis_max_connections=4,
    )


def worst_wait_s(settings: Settings) -> float:
    """The longest a request may wait on a database that is gone or frozen: a free pooled
    connection, the statement that does not come back (server limit plus the client's
    margin), a fresh connect; plus 1.5 s for two shared cores."""
    return (
        settings.db_pool_timeout_s
        + settings.db_statement_timeout_s
        + 1.0
        + settings.db_connect_timeout_s
        + 1.5
    )


@dataclass
class NodeLog:
    path: Path
    lines: list[str] = field(default_factory=list)

    def read(self) -> list[str]:
        self.lines = self.path.read_text(errors="replace").splitlines()
        return self.lines

    def events(self, name: str) -> list[dict[str, object]]:
        found = []
        for line in self.read():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("event") == name:
                found.append(record)
        return found

    def tracebacks(self) -> list[str]:
        return [line for line in self.read() if "Traceback" in line]


@pytest.fixture
def node_log(tmp_path: Path) -> NodeLog:
    return NodeLog(tmp_path / "node.log")
