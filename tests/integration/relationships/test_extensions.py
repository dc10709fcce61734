"""Carrying on past the planned end (issue 19; NCH: "may carry on longer on a less formal
basis"): one proposes, the other agrees, and only then does the planned end move, recorded and
audited; the automatic closure waits for the new end."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import AuditEntry
from orgs.mentoring.relationships import Relationship
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import Client, jobs, ok, paired, world


async def planned_end(db: AsyncSession, rel_id: str) -> date:
    db.expire_all()
    row = await db.get(Relationship, uuid.UUID(rel_id))
    assert row is not None
    return row.planned_end_on


async def test_an_extension_needs_both_and_moves_the_planned_end(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    url = f"/api/v1/relationships/{rel['id']}/extensions"
    end = await planned_end(db, rel["id"])
    until = end + timedelta(days=90)
    too_far = {"until": (end + timedelta(days=400)).isoformat()}
    body = assert_problem(
        await client.post(url, json=too_far, headers=w.as_("mentee")), 422, "invalid-input"
    )
    assert body["errors"][0]["field"] == "until"
    assert_problem(
        await client.post(url, json={"until": until.isoformat()}, headers=w.as_("stranger")),
        404,
        "not-found",
    )

    asked = {"until": until.isoformat(), "reason": "We want to see the interview through"}
    proposal = await ok(await client.post(url, json=asked, headers=w.as_("mentee")), 201)
    assert proposal["proposed_by"] == "mentee"
    assert proposal["agreed_at"] is None
    agree = f"{url}/{proposal['id']}/agree"
    assert_problem(await client.post(agree, headers=w.as_("mentee")), 409, "illegal-transition")
    assert await planned_end(db, rel["id"]) == end  # not until the other agrees

    agreed = await ok(await client.post(agree, headers=w.as_("mentor1")))
    assert agreed["agreed_at"] is not None
    assert await planned_end(db, rel["id"]) == until
    [entry] = (await db.scalars(select(AuditEntry).where(AuditEntry.action == "extended"))).all()
    assert (entry.from_state, entry.to_state) == (end.isoformat(), until.isoformat())
    assert entry.reason == "proposed by the mentee, agreed by the mentor"
    assert_problem(await client.post(agree, headers=w.as_("mentor1")), 409, "illegal-transition")

    # The day after the old end the relationship carries on; after the new end it closes.
    after_old = datetime(end.year, end.month, end.day, 12, tzinfo=UTC) + timedelta(days=2)
    assert (await jobs(db, after_old))[0].auto_closed == 0
    after_new = datetime(until.year, until.month, until.day, 12, tzinfo=UTC) + timedelta(days=2)
    assert (await jobs(db, after_new))[0].auto_closed == 1
    listed = await ok(await client.get(url, headers=w.as_("mentor1")))
    assert [e["until"] for e in listed] == [until.isoformat()]


async def test_the_closure_waits_for_an_open_proposal_at_most_until_its_date(
    client: Client, db: AsyncSession
) -> None:
    """Across organisations the other node's agreement may still be on its way at the planned
    end: an unanswered proposal holds the closure, until it is answered or its date passes."""
    w = await world(db)
    rel = await paired(client, w)
    url = f"/api/v1/relationships/{rel['id']}/extensions"
    end = await planned_end(db, rel["id"])
    until = end + timedelta(days=30)
    await ok(
        await client.post(url, json={"until": until.isoformat()}, headers=w.as_("mentee")), 201
    )
    after_old = datetime(end.year, end.month, end.day, 12, tzinfo=UTC) + timedelta(days=2)
    assert (await jobs(db, after_old))[0].auto_closed == 0  # waiting for the mentor's answer
    assert await planned_end(db, rel["id"]) == end
    past_until = datetime(until.year, until.month, until.day, 12, tzinfo=UTC) + timedelta(days=1)
    assert (await jobs(db, past_until))[0].auto_closed == 1  # never answered: it closes


async def test_a_declined_proposal_no_longer_holds_the_closure(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    url = f"/api/v1/relationships/{rel['id']}/extensions"
    end = await planned_end(db, rel["id"])
    asked = {"until": (end + timedelta(days=30)).isoformat()}
    proposal = await ok(await client.post(url, json=asked, headers=w.as_("mentee")), 201)
    await ok(await client.post(f"{url}/{proposal['id']}/decline", headers=w.as_("mentor1")))
    after_old = datetime(end.year, end.month, end.day, 12, tzinfo=UTC) + timedelta(days=2)
    assert (await jobs(db, after_old))[0].auto_closed == 1
