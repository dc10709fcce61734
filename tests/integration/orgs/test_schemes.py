"""Schemes: open and cohort forms, the nine-month limit, places, shortlist and waiting list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.errors import InvalidInput
from orgs.schemes.schemes import SchemeForm, SchemeService, SchemeSpec
from tests.integration.network.helpers import assert_problem
from tests.integration.orgs.builders import ApiOrg, api_org, new_org

Client = AsyncTestClient[Litestar]
TODAY = utcnow().date()


def cohort(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "slug": "pa-pilot",
        "name": "Positive-action pilot",
        "form": "cohort",
        "applications_open_on": str(TODAY - timedelta(days=3)),
        "applications_close_on": str(TODAY + timedelta(days=10)),
        "starts_on": str(TODAY + timedelta(days=20)),
        "ends_on": str(TODAY + timedelta(days=20 + 270)),
        "mentor_places": 8,
        "mentee_places": 2,
    }
    spec.update(changes)
    return spec


async def test_a_cohort_needs_its_window_dates_and_places(db: AsyncSession) -> None:
    org = await new_org(db, "nch")
    with pytest.raises(InvalidInput) as raised:
        await SchemeService(db, org.id).create(
            SchemeSpec(slug="c1", name="C", form=SchemeForm.COHORT)
        )
    assert {e.field for e in raised.value.errors} == {
        "applications_open_on",
        "applications_close_on",
        "starts_on",
        "ends_on",
        "mentor_places",
        "mentee_places",
    }
    too_long = SchemeSpec(
        **{
            **cohort(),
            "ends_on": TODAY + timedelta(days=20 + 300),
            "starts_on": TODAY + timedelta(days=20),
            "applications_open_on": TODAY,
            "applications_close_on": TODAY,
        }
    )
    with pytest.raises(InvalidInput, match="more than 9 months after starts_on"):
        await SchemeService(db, org.id).create(too_long)
    scheme = await SchemeService(db, org.id).create(SchemeSpec(slug="open", name="Open"))
    assert (scheme.time_release_hours, scheme.recommended_sessions, scheme.kind) == (
        12,
        6,
        "one_to_one",
    )


async def test_applications_outside_the_window_are_refused(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    created = await client.post(
        "/api/v1/orgs/brent/schemes/",
        json=cohort(slug="closed", applications_open_on=str(TODAY + timedelta(days=1))),
        headers=o.as_("COORD"),
    )
    assert created.status_code == 201, created.text
    response = await client.post(
        "/api/v1/orgs/brent/applications",
        json={"scheme_id": created.json()["id"], "role": "mentee", "hoped_gains": "x"},
        headers=o.as_("MENTEE"),
    )
    assert_problem(response, 409, "illegal-transition")


async def approved(client: Client, o: ApiOrg, scheme_id: str, who: str) -> str:
    app = await client.post(
        "/api/v1/orgs/brent/applications",
        json={"scheme_id": scheme_id, "role": "mentee", "hoped_gains": "Confidence"},
        headers=o.as_(who),
    )
    body = app.json()
    manager = next(k for k, m in o.people.items() if str(m.id) == body["approver_id"])
    decided = await client.post(
        f"/api/v1/orgs/brent/applications/{body['id']}/decision",
        json={"approve": True},
        headers=o.as_(manager),
    )
    assert decided.json()["state"] == "approved"
    return str(body["id"])


async def test_shortlist_fills_the_places_and_the_rest_wait_in_visible_order(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    scheme = await client.post("/api/v1/orgs/brent/schemes/", json=cohort(), headers=o.as_("COORD"))
    sid = scheme.json()["id"]
    a, b, c = [await approved(client, o, sid, who) for who in ("MENTEE", "PEER", "OTHER")]
    url = f"/api/v1/orgs/brent/schemes/{sid}/shortlist"
    too_many = await client.post(
        url, json={"role": "mentee", "application_ids": [a, b, c]}, headers=o.as_("COORD")
    )
    assert_problem(too_many, 422, "invalid-input")
    not_coordinator = await client.post(
        url, json={"role": "mentee", "application_ids": [a]}, headers=o.as_("MGR")
    )
    assert_problem(not_coordinator, 403, "forbidden")
    first = await client.post(
        url, json={"role": "mentee", "application_ids": [a]}, headers=o.as_("COORD")
    )
    assert [(x["id"], x["placement"], x["waiting_position"]) for x in first.json()] == [
        (a, "offered", None),
        (b, "waiting", 1),
        (c, "waiting", 2),
    ]
    # The applicant sees their own place in the queue.
    mine = await client.get(f"/api/v1/orgs/brent/applications/{c}", headers=o.as_("OTHER"))
    assert (mine.json()["placement"], mine.json()["waiting_position"]) == ("waiting", 2)
    # The second place goes to the one at the head of the list; the queue moves up.
    second = await client.post(
        url, json={"role": "mentee", "application_ids": [a, b]}, headers=o.as_("COORD")
    )
    assert [(x["placement"], x["waiting_position"]) for x in second.json()] == [
        ("offered", None),
        ("offered", None),
        ("waiting", 1),
    ]


async def test_training_attendance_is_recorded(client: Client, db: AsyncSession) -> None:
    o = await api_org(db)
    base = f"/api/v1/orgs/brent/schemes/{o.scheme_id}/trainings"
    made = await client.post(
        base,
        json={
            "role": "mentee",
            "title": "Mentee workshop",
            "training_key": "mentee-training",
            "held_on": "2026-12-01",
        },
        headers=o.as_("COORD"),
    )
    tid = made.json()["id"]
    put = await client.put(
        f"{base}/{tid}/attendance/{o.id('MENTEE')}", json={"attended": True}, headers=o.as_("COORD")
    )
    assert put.status_code == 200, put.text
    listed = await client.get(f"{base}/{tid}/attendance", headers=o.as_("HRD"))
    assert [(x["member_id"], x["attended"]) for x in listed.json()] == [(o.id("MENTEE"), True)]
    denied = await client.put(
        f"{base}/{tid}/attendance/{o.id('PEER')}", json={"attended": True}, headers=o.as_("MENTEE")
    )
    assert_problem(denied, 403, "forbidden")
