"""An authenticated read writes and locks nothing, beyond recording token use once a minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.models import OrgApiToken
from tests.integration.network.helpers import org_with_token

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine (the app's real PostgreSQL one included) sends."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def writes_or_locks(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith(WRITES) or "FOR UPDATE" in s.upper()]


async def last_used(db: AsyncSession) -> Any:
    db.expire_all()
    return (await db.execute(select(OrgApiToken.last_used_at))).scalar_one()


async def test_a_second_read_within_a_minute_sends_no_write_and_takes_no_lock(
    client: AsyncTestClient[Litestar], db: AsyncSession, statements: list[str]
) -> None:
    brent = await org_with_token(db, "brent")
    first = await client.get("/api/v1/orgs/brent", headers=brent.headers)
    assert first.status_code == 200
    recorded = await last_used(db)
    assert recorded is not None  # the first use is recorded
    statements.clear()

    again = await client.get("/api/v1/orgs/brent", headers=brent.headers)

    assert again.status_code == 200
    assert any(s.lstrip().upper().startswith("SELECT") for s in statements)  # the listener sees SQL
    assert writes_or_locks(statements) == []
    assert await last_used(db) == recorded


async def test_use_is_recorded_again_once_a_minute_has_passed(
    client: AsyncTestClient[Litestar], db: AsyncSession, statements: list[str]
) -> None:
    brent = await org_with_token(db, "brent")
    earlier = utcnow() - timedelta(minutes=2)
    await db.execute(update(OrgApiToken).values(last_used_at=earlier))
    await db.commit()
    statements.clear()

    response = await client.get("/api/v1/orgs/brent", headers=brent.headers)

    assert response.status_code == 200
    assert [s for s in writes_or_locks(statements) if "org_api_tokens" in s] != []
    assert await last_used(db) > earlier
