"""Ending ends everything: whichever way a relationship ends — closed, no fit, change of mentor,
ended by the other node, or a party leaving the organisation (a leaver in the staff import, an
erased person) — every meeting still scheduled is cancelled, each person still here is emailed
a calendar cancellation (iTIP CANCEL, same UID, higher SEQUENCE), and when the jobs run the day
before the meeting no reminder goes out. The control, a relationship that goes on, is reminded
at the same clock (so the check can fail)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.erasure import erase_everywhere
from network.config import Settings
from network.db import create_sessionmaker
from network.jobs import run_once
from orgs.db import utcnow
from orgs.mentoring.ending import apply_remote_end
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.remote_events import CollectingSink
from orgs.pairing.requests import RankedMentor, RemoteMentor, apply_remote_accept
from orgs.people.actor import Actor
from orgs.records.staff_import import StaffImporter
from tests.integration.orgs.builders import Person, csv_of
from tests.integration.relationships.builders import Client, World, ok, paired, world
from tests.integration.relationships.calendar import invitation
from tests.integration.relationships.mail import Smtp
from tests.integration.relationships.test_cross_org import send_service

REMINDER = "Mentoring meeting tomorrow"
PEER = "https://nch.example"
Ending = Callable[[Client, AsyncSession, World, dict[str, Any]], Awaitable[None]]


def _by(how: str) -> Ending:
    async def end(client: Client, db: AsyncSession, w: World, rel: dict[str, Any]) -> None:
        url = f"/api/v1/relationships/{rel['id']}/end"
        await ok(await client.post(url, json={"how": how}, headers=w.as_("mentor1")), 201)

    return end


async def _leaves_in_staff_import(
    client: Client, db: AsyncSession, w: World, rel: dict[str, Any]
) -> None:
    """The HR export no longer lists mentor1: they become a leaver."""
    staying = [m for key, m in w.members.items() if key != "mentor1"]
    employee = {m.id: m.employee_id or "" for m in staying}
    rows = [
        Person(
            employee_id=m.employee_id or "",
            manager=employee.get(m.manager_id, "") if m.manager_id else "",
            given_name=m.given_name,
            email=m.email,
        ).row()
        for m in staying
    ]
    report = await StaffImporter(db, w.org.org.id).run(csv_of(rows))
    assert report.left == 1
    await db.commit()


async def _erased(client: Client, db: AsyncSession, w: World, rel: dict[str, Any]) -> None:
    org_id = w.org.org.id
    await erase_everywhere(
        db, org_id, w.members["mentor1"].id, by=Actor.operator(org_id).ref, now=utcnow()
    )
    await db.commit()


async def _ended_by_the_other_node(
    client: Client, db: AsyncSession, w: World, rel: dict[str, Any]
) -> None:
    row = await db.get(Relationship, uuid.UUID(rel["id"]))
    assert row is not None
    assert row.remote_ref is not None
    await apply_remote_end(db, peer=PEER, remote_ref=row.remote_ref, completed=False, now=utcnow())
    await db.commit()


async def _goes_on(client: Client, db: AsyncSession, w: World, rel: dict[str, Any]) -> None:
    return None


async def _remote_pair(client: Client, db: AsyncSession, w: World) -> dict[str, Any]:
    """The mentee's request to a mentor on another node, accepted there."""
    await ok(
        await client.put(
            "/api/v1/me/mentee-profile",
            json={"topics": {"leadership-management": 5}, "meeting_mode": "remote"},
            headers=w.as_("mentee"),
        )
    )
    [req] = await send_service(db, w, RankedMentor(remote=RemoteMentor(PEER, "n" * 43)))
    assert req.remote_ref is not None
    rel = await apply_remote_accept(
        db,
        peer=PEER,
        remote_ref=req.remote_ref,
        mentor_name="Nadia Khan",
        mentor_email="nadia@nch.example",
        now=utcnow(),
        remote=CollectingSink(),
    )
    await db.commit()
    return {"id": str(rel.id)}


WAYS: dict[str, Ending] = {
    "closed": _by("close"),
    "no fit": _by("no_fit"),
    "change of mentor": _by("change_mentor"),
    "ended by the other node": _ended_by_the_other_node,
    "a leaver in the staff import": _leaves_in_staff_import,
    "erased": _erased,
    "control: it goes on": _goes_on,
}


@pytest.mark.parametrize("way", list(WAYS))
async def test_ending_any_way_cancels_meetings_for_calendars_and_nothing_is_reminded(
    way: str,
    client: Client,
    db: AsyncSession,
    engine: AsyncEngine,
    settings: Settings,
    smtp: Smtp,
) -> None:
    w = await world(db)
    remote = way == "ended by the other node"
    rel = await _remote_pair(client, db, w) if remote else await paired(client, w)
    starts = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    meeting = (
        await ok(
            await client.post(
                f"/api/v1/relationships/{rel['id']}/meetings",
                json={"starts_at": starts.isoformat(), "duration_minutes": 60, "mode": "remote"},
                headers=w.as_("mentee"),
            ),
            201,
        )
    )["meeting"]
    await WAYS[way](client, db, w, rel)

    day_before: datetime = starts - timedelta(hours=20)
    report = await run_once(create_sessionmaker(engine), settings, day_before, mailer=smtp.mailer)
    listed = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}/meetings", headers=w.as_("mentee"))
    )
    inbox = await ok(await client.get("/api/v1/me/notifications", headers=w.as_("mentee")))
    reminded = [n for n in inbox if n["kind"] == "meeting_reminder"]
    mails = smtp.to("mentee@brent.example")
    invites = [i for m in mails if (i := invitation(m))]
    uid = f"{meeting['id']}@mentornet"
    if way.startswith("control"):
        assert report.jobs.meeting_reminders == 1
        assert len(reminded) == 1
        assert [m["state"] for m in listed] == ["scheduled"]
        assert [(i.uid, i.method, i.sequence) for i in invites] == [(uid, "REQUEST", 0)]
        return
    assert report.jobs.meeting_reminders == 0
    assert report.jobs.ended_for_leavers == (way in ("a leaver in the staff import", "erased"))
    assert reminded == []
    assert REMINDER not in [m["Subject"] for m in smtp.sink.messages]
    assert [m["state"] for m in listed] == ["cancelled"]
    assert [(i.uid, i.method, i.sequence, i.status) for i in invites] == [
        (uid, "REQUEST", 0, "CONFIRMED"),
        (uid, "CANCEL", 1, "CANCELLED"),
    ]
    [ended] = [n for n in inbox if n["kind"] == "relationship_ended"]
    assert "cancelled" in ended["text"]
    # A later pass, on the meeting's day, still reminds nobody.
    later = await run_once(
        create_sessionmaker(engine), settings, starts - timedelta(hours=2), mailer=smtp.mailer
    )
    assert later.jobs.meeting_reminders == 0
