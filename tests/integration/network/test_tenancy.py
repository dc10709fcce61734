"""Org tokens see their own org only; another org looks exactly like a missing one."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.errors import NotFound
from orgs.models import TokenRole
from orgs.tokens import TokenRepository, TokenService
from tests.integration.network.helpers import assert_problem, org_with_token


async def test_a_token_reads_its_own_org(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    response = await client.get("/api/v1/orgs/brent", headers=brent.headers)
    assert response.status_code == 200
    assert response.json()["slug"] == "brent"


async def test_org_a_token_on_org_b_is_404_exactly_like_a_missing_org(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    await org_with_token(db, "harrow")
    other = await client.get("/api/v1/orgs/harrow", headers=brent.headers)
    missing = await client.get("/api/v1/orgs/nowhere", headers=brent.headers)
    other_body = assert_problem(other, 404, "not-found")
    missing_body = assert_problem(missing, 404, "not-found")
    assert other_body["detail"] == str(missing_body["detail"]).replace("nowhere", "harrow")
    assert "harrow" not in str(other_body).replace("'harrow'", "")  # only echoes the slug asked


async def test_org_a_cannot_see_or_revoke_org_b_tokens(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    harrow = await org_with_token(db, "harrow")
    harrow_tokens = await client.get("/api/v1/orgs/harrow/tokens", headers=harrow.headers)
    harrow_token_id = harrow_tokens.json()[0]["id"]

    assert_problem(
        await client.get("/api/v1/orgs/harrow/tokens", headers=brent.headers), 404, "not-found"
    )
    for path in (
        f"/api/v1/orgs/brent/tokens/{harrow_token_id}",
        f"/api/v1/orgs/harrow/tokens/{harrow_token_id}",
    ):
        assert_problem(await client.delete(path, headers=brent.headers), 404, "not-found")
    # Re-read through harrow: its tokens are as they were, and its token still works.
    after = await client.get("/api/v1/orgs/harrow/tokens", headers=harrow.headers)
    assert after.json() == harrow_tokens.json()
    still = await client.get("/api/v1/orgs/harrow", headers=harrow.headers)
    assert still.status_code == 200


async def test_the_repository_treats_another_orgs_row_as_missing(db: AsyncSession) -> None:
    brent = await org_with_token(db, "brent")
    harrow = await org_with_token(db, "harrow")
    harrow_token = (await TokenService(db).list(harrow.org))[0]
    with pytest.raises(NotFound):
        await TokenRepository(db, brent.org.id).get(harrow_token.id)
    assert await TokenRepository(db, harrow.org.id).get(harrow_token.id) == harrow_token


async def test_a_revoked_token_stops_working(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    created = await client.post(
        "/api/v1/orgs/brent/tokens", json={"role": "coordinator"}, headers=brent.headers
    )
    assert created.status_code == 201
    new_token = created.json()["token"]
    new_id = created.json()["details"]["id"]
    headers = {"Authorization": f"Bearer {new_token}"}
    assert (await client.get("/api/v1/orgs/brent", headers=headers)).status_code == 200
    revoked = await client.delete(f"/api/v1/orgs/brent/tokens/{new_id}", headers=brent.headers)
    assert revoked.status_code == 204
    assert_problem(await client.get("/api/v1/orgs/brent", headers=headers), 401, "unauthenticated")


async def test_only_admins_manage_tokens(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    coordinator = await org_with_token(db, "brent", TokenRole.COORDINATOR)
    before = [t.id for t in await TokenService(db).list(coordinator.org)]
    response = await client.post(
        "/api/v1/orgs/brent/tokens", json={"role": "admin"}, headers=coordinator.headers
    )
    assert_problem(response, 403, "forbidden")
    assert [t.id for t in await TokenService(db).list(coordinator.org)] == before


async def test_tokens_are_stored_only_as_hashes(db: AsyncSession) -> None:
    brent = await org_with_token(db, "brent")
    stored = (await TokenService(db).list(brent.org))[0]
    assert brent.token not in stored.token_hash
    assert len(stored.token_hash) == 64
