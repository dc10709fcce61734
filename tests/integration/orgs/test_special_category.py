"""Special-category data: declared by the member alone with consent, read only by them and the
eligibility engine; no response ever carries another member's special-category data."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from tests.integration.network.helpers import assert_problem
from tests.integration.orgs.builders import ApiOrg, api_org

Client = AsyncTestClient[Litestar]
ME = "/api/v1/orgs/brent/me/special-category"


async def nch_pilot(db: AsyncSession) -> ApiOrg:
    today = utcnow().date()
    return await api_org(
        db,
        rules="nch",
        slug="pa-pilot",
        name="Positive-action mentoring pilot",
        form="cohort",
        applications_open_on=today - timedelta(days=7),
        applications_close_on=today + timedelta(days=7),
        starts_on=today + timedelta(days=14),
        ends_on=today + timedelta(days=14 + 270),
        mentor_places=8,
        mentee_places=8,
    )


async def test_a_declaration_needs_explicit_consent(client: Client, db: AsyncSession) -> None:
    o = await nch_pilot(db)
    refused = await client.put(
        ME, json={"consent": False, "ethnicity": "black"}, headers=o.as_("MENTEE")
    )
    body = assert_problem(refused, 422, "invalid-input")
    assert body["errors"][0]["field"] == "consent"
    assert (await client.get(ME, headers=o.as_("MENTEE"))).json()["declared"] is False
    token_only = await client.put(ME, json={"consent": True, "disability": True}, headers=o.as_())
    assert_problem(token_only, 403, "forbidden")


async def test_the_member_reads_and_withdraws_their_own_declaration(
    client: Client, db: AsyncSession
) -> None:
    o = await nch_pilot(db)
    declared = await client.put(
        ME,
        json={"consent": True, "ethnicity": "black", "disability": True},
        headers=o.as_("MENTEE"),
    )
    assert declared.status_code == 200, declared.text
    own = (await client.get(ME, headers=o.as_("MENTEE"))).json()
    assert (own["declared"], own["ethnicity"], own["disability"]) == (True, "black", True)
    assert [c["action"] for c in own["consents"]] == ["given"]

    check = f"/api/v1/orgs/brent/schemes/{o.scheme_id}/eligibility/check?role=mentee"
    assert (await client.get(check, headers=o.as_("MENTEE"))).json()["eligible"] is True

    assert (await client.delete(ME, headers=o.as_("MENTEE"))).status_code == 204
    after = (await client.get(ME, headers=o.as_("MENTEE"))).json()
    assert (after["declared"], after["ethnicity"], after["disability"]) == (False, None, None)
    assert [c["action"] for c in after["consents"]] == ["given", "withdrawn"]
    assert (await client.get(check, headers=o.as_("MENTEE"))).json()["eligible"] is False


class Ids(dict[str, str]):
    """Path parameters: the ids made here; any other route's id gets a fresh one."""

    def __missing__(self, key: str) -> str:
        return str(uuid.uuid4())


def get_paths(app: Litestar) -> list[str]:
    schema = app.openapi_schema.to_schema()
    return [
        path
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/orgs/{slug}") and "get" in item
    ]


async def test_no_response_ever_carries_another_members_special_category_data(
    client: Client, app: Litestar, db: AsyncSession
) -> None:
    o = await nch_pilot(db)
    await client.put(
        ME,
        json={"consent": True, "ethnicity": "white_irish", "disability": True},
        headers=o.as_("MENTEE"),
    )
    applied = await client.post(
        "/api/v1/orgs/brent/applications",
        json={"scheme_id": o.scheme_id, "role": "mentee", "hoped_gains": "Management"},
        headers=o.as_("MENTEE"),
    )
    assert applied.json()["eligible"] is True
    app_id = applied.json()["id"]
    training = await client.post(
        f"/api/v1/orgs/brent/schemes/{o.scheme_id}/trainings",
        json={"role": "mentee", "title": "Mentee workshop", "training_key": "mentee-training"},
        headers=o.as_("COORD"),
    )
    ids = {
        "slug": "brent",
        "scheme_id": o.scheme_id,
        "application_id": app_id,
        "member_id": o.id("MENTEE"),
        "training_id": training.json()["id"],
    }
    query = f"?role=mentee&member_id={o.id('MENTEE')}"
    seen: dict[str, Any] = {}
    for path in get_paths(app):
        url = path.format_map(Ids(ids)) + (query if "eligibility" in path else "")
        for viewer in ("MGR", "COORD", "HRD", "ADMIN", "PEER", "DIR", None):
            response = await client.get(url, headers=o.as_(viewer))
            seen[f"{viewer} {url}"] = response.status_code
            text = response.text.lower()
            assert "white_irish" not in text, (viewer, url)
            if not url.endswith(("/rules", "/rules/versions", "/me/special-category")):
                # The rules documents name the criteria; nothing else may mention them.
                assert "disab" not in text, (viewer, url)
                assert "ethnic" not in text, (viewer, url)
    assert len(seen) > 100
    assert seen[f"COORD /api/v1/orgs/brent/applications/{app_id}"] == 200  # they see "eligible"
    # The member alone sees it, through the one route that shows it.
    own = await client.get(ME, headers=o.as_("MENTEE"))
    assert '"white_irish"' in own.text
    assert '"disability":true' in own.text.replace(" ", "")
