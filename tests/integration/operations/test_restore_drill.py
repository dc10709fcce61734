"""The restore drill of docs/operations.md, run for real: back up a node's PostgreSQL with
pg_dump, lose the database, restore the dump into a new one, and serve from it with the same
secret key. The restored node has its organisations and people, signs with the same node key,
and still trusts and is trusted by its peer; Redis starts empty (it holds nothing durable)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from msgspec.structs import replace
from sqlalchemy import func, select

from network import migrate
from network.config import Settings
from network.federation.feed_pull import pull_feed
from orgs.models import Org
from orgs.people.members import Member, MemberRepository
from orgs.registry import OrgRegistry
from tests import services
from tests.live import free_port, live_node
from tests.nodes import Node, node


@pytest.fixture
def source_url() -> Iterator[str]:
    """The database of the node that will be backed up (and then lost)."""
    url = services.worker_database_url("restore_source")
    services.recreate_database(url)
    migrate.upgrade(Settings(database_url=url))
    yield url
    services.drop_database(url)


@pytest.fixture
def restored_url() -> Iterator[str]:
    url = services.worker_database_url("restore_target")
    services.recreate_database(url)  # an empty database, as a new server would have
    yield url
    services.drop_database(url)


def run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


async def test_a_node_restored_from_its_backup_serves_and_federates_with_the_same_keys(
    settings: Settings, ours: Node, source_url: str, restored_url: str, tmp_path: Path
) -> None:
    port = free_port()
    lost = node(
        replace(settings, database_url=source_url, secret_key="r" * 48), f"http://127.0.0.1:{port}"
    )
    async with lost.runtime.sessionmaker() as session, session.begin():
        org = await OrgRegistry(session).create("nch", "Nottingham City Homes")
        MemberRepository(session, org.id).add(
            Member(employee_id="n1", given_name="Ada", family_name="Smith", email="ada@nch.example")
        )
    await lost.pin(ours)
    await ours.pin(lost)
    fingerprint = (await lost.ring()).active.public.fingerprint
    await lost.runtime.close()

    # Back up as the runbook says, then lose the database.
    dump = tmp_path / "node.dump"
    run("pg_dump", "--format=custom", f"--file={dump}", services.libpq_url(source_url))
    await asyncio.to_thread(services.drop_database, source_url)
    run(
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        f"--dbname={services.libpq_url(restored_url)}",
        str(dump),
    )
    services.flush_redis()

    restored = replace(lost.settings, database_url=restored_url)
    revisions = [await asyncio.to_thread(migrate.current, s) for s in (restored, settings)]
    assert revisions[0] == revisions[1]  # the dump carries the revision
    with live_node(restored, port=port) as live:
        async with httpx.AsyncClient(timeout=10) as client:
            document = await client.get(f"{live.url}/.well-known/mentornet-node")
            report = await pull_feed(ours.runtime, live.url, client)
    assert report.error is None, report.error
    assert report.pages >= 1  # a page signed by the restored node and verified with the pinned key
    assert document.status_code == 200

    check = node(restored, live.url)
    async with check.runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Org)) == 1
        assert await session.scalar(select(func.count()).select_from(Member)) == 1
    assert (await check.ring()).active.public.fingerprint == fingerprint
    await check.runtime.close()
