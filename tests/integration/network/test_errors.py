"""Every 4xx/5xx is problem+json, names the field at fault, and says nothing internal."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from network.app import create_app
from network.config import Settings
from tests.integration.network.helpers import assert_problem, org_with_token

TOKENS = "/api/v1/orgs/brent/tokens"


async def test_malformed_json_is_400_problem(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    response = await client.post(TOKENS, content=b'{"role": ', headers=brent.headers)
    body = assert_problem(response, 400, "malformed-json")
    assert body["errors"] == [{"field": "body", "message": "not valid JSON"}]


async def test_wrong_type_names_the_field(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    response = await client.post(TOKENS, json={"role": 3}, headers=brent.headers)
    body = assert_problem(response, 400, "validation-failed")
    assert [e["field"] for e in body["errors"]] == ["role"]


async def test_unknown_field_is_refused_by_name(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    response = await client.post(
        TOKENS, json={"role": "admin", "colour": "red"}, headers=brent.headers
    )
    body = assert_problem(response, 400, "validation-failed")
    assert "colour" in str(body["errors"])


async def test_a_value_outside_the_enum_is_refused(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    response = await client.post(TOKENS, json={"role": "king"}, headers=brent.headers)
    body = assert_problem(response, 400, "validation-failed")
    assert [e["field"] for e in body["errors"]] == ["role"]


async def test_a_body_over_the_limit_is_413_and_writes_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org_with_token(db, "brent")
    huge = b'{"role": "admin", "label": "' + b"x" * 2_000_000 + b'"}'
    response = await client.post(TOKENS, content=huge, headers=brent.headers)
    assert_problem(response, 413, "body-too-large")
    listed = await client.get(TOKENS, headers=brent.headers)
    assert len(listed.json()) == 1  # only the token the test made


async def test_unknown_route_is_404_problem(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(await client.get("/no/such/page"), 404, "not-found")


async def test_wrong_method_is_405_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.delete("/health/live")
    assert_problem(response, 405, "method-not-allowed")


async def test_missing_and_bad_tokens_are_401_problem(client: AsyncTestClient[Litestar]) -> None:
    missing = await client.get("/api/v1/orgs/brent")
    assert_problem(missing, 401, "unauthenticated")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    bad = await client.get("/api/v1/orgs/brent", headers={"Authorization": "Bearer mnt_nope"})
    assert_problem(bad, 401, "unauthenticated")


async def test_an_unexpected_error_is_500_with_request_id_and_nothing_internal(
    settings: Settings,
) -> None:
    @get("/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("secret-table-name password=hunter2")

    app = create_app(settings)  # its own app: the shared one must not gain a route
    app.register(boom)
    async with AsyncTestClient(app) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "trace-me-123"})
    body = assert_problem(response, 500, "internal-error")
    assert response.headers["x-request-id"] == "trace-me-123"
    assert "trace-me-123" in str(body["detail"])
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text


async def test_every_response_carries_a_request_id(client: AsyncTestClient[Litestar]) -> None:
    first = await client.get("/health/live")
    second = await client.get("/health/live")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    unsafe = await client.get("/health/live", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"
