"""Check-ins (issue 19): sent to both people 30 days after the start and every 60 days after
(per scheme), answered through their own sessions; an unhappy or stalled relationship is
flagged on the coordinator's health view, which never shows the answers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.mentoring.checkins import Checkin
from orgs.people.notifications import Notification, NotificationKind
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import (
    Client,
    World,
    backdate,
    jobs,
    ok,
    paired,
    world,
)

HEALTH = "/api/v1/orgs/brent/relationships"
MINE = "/api/v1/orgs/brent/me/checkins"


async def flags(client: Client, w: World, rel_id: str) -> list[str]:
    rows = await ok(await client.get(HEALTH, headers=w.as_("coordinator")))
    [row] = [r for r in rows if r["relationship_id"] == rel_id]
    # The answers stay theirs: the coordinator sees flags only.
    assert "going" not in row
    assert "meeting_regularly" not in row
    return list(row["checkin_flags"])


async def test_check_ins_fall_due_on_the_scheme_s_schedule_and_flag_health(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    settings_url = f"/api/v1/orgs/brent/schemes/{w.scheme_id}/checkin-settings"
    assert (await ok(await client.get(settings_url, headers=w.as_("mentee"))))["every_days"] == 60
    assert_problem(
        await client.put(settings_url, json={"first_after_days": 20}, headers=w.as_("mentee")),
        403,
        "forbidden",
    )
    bad = await client.put(settings_url, json={"every_days": 1}, headers=w.as_("coordinator"))
    assert bad.status_code == 400
    custom = {"enabled": True, "first_after_days": 30, "every_days": 60}
    await ok(await client.put(settings_url, json=custom, headers=w.as_("coordinator")))

    now = utcnow()
    await backdate(db, rel, days=29)
    assert (await jobs(db, now))[0].checkins == 0  # not yet: day 29
    await backdate(db, rel, days=2)
    assert (await jobs(db, now))[0].checkins == 2  # day 31: both people
    assert (await jobs(db, now))[0].checkins == 0  # once per round
    told = await db.scalars(
        select(Notification.member_id).where(Notification.kind == NotificationKind.CHECKIN_DUE)
    )
    assert set(told) == {w.members["mentee"].id, w.members["mentor1"].id}
    assert await flags(client, w, rel["id"]) == []

    [mine] = await ok(await client.get(MINE, headers=w.as_("mentee")))
    assert mine["round"] == 1
    assert mine["answered_at"] is None
    answer = {"going": 2, "meeting_regularly": True}
    # Only its respondent may answer it: to anyone else it does not exist.
    assert_problem(
        await client.post(f"{MINE}/{mine['id']}", json=answer, headers=w.as_("mentor1")),
        404,
        "not-found",
    )
    await ok(await client.post(f"{MINE}/{mine['id']}", json=answer, headers=w.as_("mentee")))
    again = await client.post(f"{MINE}/{mine['id']}", json=answer, headers=w.as_("mentee"))
    assert_problem(again, 409, "illegal-transition")
    assert await flags(client, w, rel["id"]) == ["unhappy"]
    # The coordinator's health page shows the flag, and still no answer.
    page = f"/orgs/brent/coordinate/schemes/{w.scheme_id}/health"
    shown = await client.get(page, headers=w.as_("coordinator"))
    assert shown.status_code == 200, shown.text
    assert ">Unhappy</strong>" in shown.text
    assert "No flags" not in shown.text

    # Round 2 falls due at day 90 (30 + 60); left unanswered for over two weeks it flags the
    # relationship as stalled, and the mentee's better answer clears "unhappy".
    await backdate(db, rel, days=110 - 31)
    assert (await jobs(db, now - timedelta(days=15)))[0].checkins == 2
    rounds = await db.scalars(
        select(Checkin.round).where(Checkin.relationship_id == uuid.UUID(rel["id"]))
    )
    assert sorted(rounds) == [1, 1, 2, 2]
    [second] = [
        c for c in await ok(await client.get(MINE, headers=w.as_("mentee"))) if c["round"] == 2
    ]
    await ok(
        await client.post(
            f"{MINE}/{second['id']}",
            json={"going": 4, "meeting_regularly": True},
            headers=w.as_("mentee"),
        )
    )
    assert await flags(client, w, rel["id"]) == ["stalled"]  # the mentor has not answered
