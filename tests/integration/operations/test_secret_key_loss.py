"""Losing the secret key (docs/operations.md): a node started with another secret key says so
plainly (503 naming the way out, never a 500 or a traceback), and `mentornet keys replace --yes`
gives it a new identity that serves again; without --yes nothing changes."""

from __future__ import annotations

import asyncio

from click.testing import Result
from litestar.testing import AsyncTestClient
from msgspec.structs import replace
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.key_store import NodeIdentity
from network.app import create_app
from network.config import Settings
from network.federation.wiring import NODE_DOCUMENT_PATH
from tests import services
from tests.conftest import Cli


async def run(cli: Cli, *args: str) -> Result:
    return await asyncio.to_thread(cli, *args)  # the CLI runs its own event loop


async def identity(db: AsyncSession) -> tuple[bytes, bytes]:
    db.expire_all()
    row = (await db.scalars(select(NodeIdentity))).one()
    return row.key_ring, row.handle_secret


async def test_a_lost_secret_key_is_named_and_keys_replace_gives_a_new_identity(
    settings: Settings, db: AsyncSession
) -> None:
    made = await run(Cli(settings), "keys", "init")
    assert made.exit_code == 0, made.output
    old_fingerprint = made.stdout.split()[-1]
    before = await identity(db)
    other = replace(settings, secret_key="another-secret-key-that-is-long-enough-000000")

    async with AsyncTestClient(create_app(other), base_url=services.BASE_URL) as client:
        refused = await client.get(NODE_DOCUMENT_PATH)
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "cannot be decrypted with MENTORNET_SECRET_KEY" in refused.json()["detail"]
    assert "Traceback" not in refused.text

    listed = await run(Cli(other), "keys", "list")
    assert listed.exit_code != 0
    assert "mentornet keys replace --yes" in listed.stderr

    unconfirmed = await run(Cli(other), "keys", "replace")
    assert unconfirmed.exit_code != 0
    assert "--yes" in unconfirmed.stderr
    assert await identity(db) == before

    replaced = await run(Cli(other), "keys", "replace", "--yes")
    assert replaced.exit_code == 0, replaced.output
    new_fingerprint = replaced.stdout.splitlines()[0].split()[-1]
    assert new_fingerprint.startswith("SHA256:")
    assert new_fingerprint != old_fingerprint
    after = await identity(db)
    assert after[0] != before[0]  # a new key ring
    assert after[1] != before[1]  # and a new handle secret

    async with AsyncTestClient(create_app(other), base_url=services.BASE_URL) as client:
        served = await client.get(NODE_DOCUMENT_PATH)
    assert served.status_code == 200, served.text
