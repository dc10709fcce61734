"""Review points (issue 19, HPMA: "we agree how and when we review our relationship"): either
party records one, the other is told, both are reminded a week before, once; nobody else may
see or add them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.people.notifications import Notification, NotificationKind
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import Client, jobs, ok, paired, world


async def test_a_review_point_is_agreed_shared_and_reminded_a_week_ahead(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    url = f"/api/v1/relationships/{rel['id']}/review-points"
    on = (utcnow() + timedelta(days=60)).date()
    past = {"on": (utcnow() - timedelta(days=1)).date().isoformat()}
    body = assert_problem(
        await client.post(url, json=past, headers=w.as_("mentee")), 422, "invalid-input"
    )
    assert body["errors"][0]["field"] == "on"
    for outsider in ("stranger", "coordinator"):
        refused = await client.post(url, json={"on": on.isoformat()}, headers=w.as_(outsider))
        assert_problem(refused, 404, "not-found")
    assert await ok(await client.get(url, headers=w.as_("mentor1"))) == []

    point = {"on": on.isoformat(), "note": "How are the objectives going?"}
    made = await ok(await client.post(url, json=point, headers=w.as_("mentee")), 201)
    assert made["recorded_by"] == "mentee"
    [seen] = await ok(await client.get(url, headers=w.as_("mentor1")))
    assert seen["on"] == on.isoformat()

    names = {w.members[k].id: k for k in ("mentee", "mentor1")}

    async def told() -> list[str]:
        db.expire_all()
        rows = await db.scalars(
            select(Notification.member_id).where(Notification.kind == NotificationKind.REVIEW_POINT)
        )
        return sorted(names[member_id] for member_id in rows)

    assert await told() == ["mentor1"]  # the other party is told when it is agreed
    soon = utcnow() + timedelta(days=60) - timedelta(days=8)
    assert (await jobs(db, soon))[0].review_reminders == 0  # eight days ahead: not yet
    week = soon + timedelta(days=2)
    assert (await jobs(db, week))[0].review_reminders == 1
    assert (await jobs(db, week))[0].review_reminders == 0  # once
    assert await told() == ["mentee", "mentor1", "mentor1"]
