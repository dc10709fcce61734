"""Bad input answers 400 problem+json naming the field, never 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from network.http.json_limits import MAX_DEPTH, MAX_ITEMS
from network.http.path_params import MAX_OFFSET
from tests.integration.network.helpers import OrgWithToken, assert_problem, org_with_token

SETTINGS = "/api/v1/orgs/brent/settings"
TOKENS = "/api/v1/orgs/brent/tokens"


async def _refused(
    client: AsyncTestClient[Litestar], brent: OrgWithToken, body: bytes
) -> dict[str, Any]:
    """PUT ``body`` as the settings: a 400 json-limit, and the settings as they were."""
    before = (await client.get(SETTINGS, headers=brent.headers)).json()
    response = await client.put(
        SETTINGS, content=body, headers={**brent.headers, "Content-Type": "application/json"}
    )
    problem = assert_problem(response, 400, "json-limit")
    assert (await client.get(SETTINGS, headers=brent.headers)).json() == before
    return problem


@pytest.fixture
async def brent(db: AsyncSession) -> OrgWithToken:
    return await org_with_token(db, "brent")


async def test_json_nested_100000_deep_is_400_naming_where(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    deep = b'{"grade_order": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    problem = await _refused(client, brent, deep)
    [error] = problem["errors"]
    # The object is the first level and grade_order the second: the first one too deep is
    # MAX_DEPTH - 1 arrays below grade_order.
    assert error["field"] == "grade_order" + "[0]" * (MAX_DEPTH - 1)
    assert error["message"] == f"nested deeper than {MAX_DEPTH} levels"


async def test_unclosed_nesting_is_400_too(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    problem = await _refused(client, brent, b"[" * 100_000)
    assert problem["errors"][0]["field"].startswith("[0][0]")


async def test_nesting_within_the_limit_is_judged_by_the_schema(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    nested = b'{"grade_order": ' + b"[" * 20 + b"]" * 20 + b"}"
    response = await client.put(
        SETTINGS, content=nested, headers={**brent.headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 400, "validation-failed")


async def test_an_integer_past_int64_is_400_naming_the_field(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    body = b'{"grade_order": ["A"], "approval_reminder_working_days": 99999999999999999999}'
    problem = await _refused(client, brent, body)
    assert problem["errors"] == [
        {"field": "approval_reminder_working_days", "message": "integer outside the 64-bit range"}
    ]


async def test_a_number_the_decoder_cannot_hold_is_400_naming_the_field(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    for number in (b"1e400", b"1" + b"0" * 5000):
        body = b'{"grade_order": ["A", {"x": ' + number + b"}]}"
        problem = await _refused(client, brent, body)
        assert [e["field"] for e in problem["errors"]] == ["grade_order[1].x"]


async def test_an_array_over_the_limit_is_400_naming_the_field(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    items = b",".join([b'"A"'] * (MAX_ITEMS + 1))
    problem = await _refused(client, brent, b'{"grade_order": [' + items + b"]}")
    assert problem["errors"] == [
        {"field": "grade_order", "message": f"more than {MAX_ITEMS} items"}
    ]


async def test_a_json_body_within_every_limit_still_works(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    response = await client.put(
        SETTINGS,
        json={"grade_order": ["A", "B"], "approval_reminder_working_days": 9223372036854775807},
        headers=brent.headers,
    )
    # Past the field's own maximum, which msgspec names; within the JSON limits.
    body = assert_problem(response, 400, "validation-failed")
    assert [e["field"] for e in body["errors"]] == ["approval_reminder_working_days"]
    ok = await client.put(SETTINGS, json={"grade_order": ["A", "B"]}, headers=brent.headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["grade_order"] == ["A", "B"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("offset=9223372036854775808", "offset"),
        ("offset=99999999999999999999", "offset"),
        (f"offset={MAX_OFFSET + 1}", "offset"),
        ("offset=-1", "offset"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
    ],
)
async def test_staff_paging_out_of_bounds_is_400_naming_the_parameter(
    client: AsyncTestClient[Litestar], brent: OrgWithToken, query: str, name: str
) -> None:
    response = await client.get(f"/api/v1/orgs/brent/staff?{query}", headers=brent.headers)
    body = assert_problem(response, 400, "validation-failed")
    assert [e["field"] for e in body["errors"]] == [name]


async def test_staff_paging_at_the_bounds_answers(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    response = await client.get(
        f"/api/v1/orgs/brent/staff?offset={MAX_OFFSET}&limit=1000", headers=brent.headers
    )
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "since", ["12345", "1e10", "2026-01-01T00:00:00", "2026-01-01", "yesterday", "x" * 41]
)
async def test_since_takes_only_an_rfc3339_date_time_with_a_zone(
    client: AsyncTestClient[Litestar], brent: OrgWithToken, since: str
) -> None:
    response = await client.get(
        "/api/v1/orgs/brent/hr-export.csv", params={"since": since}, headers=brent.headers
    )
    body = assert_problem(response, 400, "validation-failed")
    assert [e["field"] for e in body["errors"]] == ["since"]


async def test_since_as_rfc3339_answers_the_export(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    for since in ("2026-01-01T00:00:00Z", "2026-01-01T09:30:00.5+01:00"):
        response = await client.get(
            "/api/v1/orgs/brent/hr-export.csv", params={"since": since}, headers=brent.headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")


async def test_long_query_strings_are_400_naming_the_parameter(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/.well-known/mentornet-node", params={"kid": "k" * 129})
    body = assert_problem(response, 400, "validation-failed")
    assert [e["field"] for e in body["errors"]] == ["kid"]


async def test_a_token_refused_for_its_shape_is_not_created(
    client: AsyncTestClient[Litestar], brent: OrgWithToken
) -> None:
    body = b'{"role": "admin", "label": ' + b"[" * 50 + b"]" * 50 + b"}"
    response = await client.post(
        TOKENS, content=body, headers={**brent.headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 400, "json-limit")
    listed = await client.get(TOKENS, headers=brent.headers)
    assert len(listed.json()) == 1  # only the token the test made
