from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from msgspec.structs import replace

from network.app import create_app
from network.config import Settings


async def test_live_answers_200(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200


async def test_ready_when_database_and_redis_answer(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_ready_is_503_problem_naming_redis_when_redis_is_on_a_closed_port(
    settings: Settings,
) -> None:
    broken = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    async with AsyncTestClient(broken) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503
    assert [e["field"] for e in body["errors"]] == ["redis"]
    assert "redis" in body["detail"]


async def test_ready_names_the_database_when_it_is_down(settings: Settings) -> None:
    down = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"
    broken = create_app(replace(settings, database_url=down))
    async with AsyncTestClient(broken) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert [e["field"] for e in response.json()["errors"]] == ["database"]
