"""Meetings around the relationship's life: an ending cancels the meetings still to come (kept as
cancelled, with a calendar cancellation, and never reminded of), and a meeting cannot be dated
before the relationship began."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.config import Settings
from network.db import create_sessionmaker
from network.jobs import run_once
from orgs.db import utcnow
from orgs.mentoring.meetings import Meeting, MeetingState
from orgs.mentoring.relationships import Relationship
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import Client, World, jobs, ok, paired, world
from tests.integration.relationships.mail import Smtp, parts

REMINDER = "Mentoring meeting tomorrow"


async def _schedule(client: Client, w: World, rel: dict[str, Any], hours: float) -> dict[str, Any]:
    body = {
        "starts_at": (utcnow() + timedelta(hours=hours)).isoformat(),
        "duration_minutes": 60,
        "mode": "remote",
    }
    url = f"/api/v1/relationships/{rel['id']}/meetings"
    meeting: dict[str, Any] = (
        await ok(await client.post(url, json=body, headers=w.as_("mentee")), 201)
    )["meeting"]
    return meeting


async def _ics(client: Client, w: World, rel: dict[str, Any], meeting: dict[str, Any]) -> str:
    url = f"/api/v1/relationships/{rel['id']}/meetings/{meeting['id']}/invitation.ics"
    response = await client.get(url, headers=w.as_("mentor1"))
    assert response.status_code == 200, response.text
    return response.text


async def _reminded(client: Client, w: World, smtp: Smtp) -> list[str]:
    """Every meeting reminder the parties got, in the app or by email."""
    seen = []
    for who in ("mentee", "mentor1"):
        inbox = await ok(await client.get("/api/v1/me/notifications", headers=w.as_(who)))
        seen += [n["kind"] for n in inbox if n["kind"] == "meeting_reminder"]
        seen += [m["Subject"] for m in smtp.to(f"{who}@brent.example") if m["Subject"] == REMINDER]
    return seen


async def test_ending_cancels_scheduled_meetings_with_a_calendar_cancellation_and_no_reminder(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    meeting = await _schedule(client, w, rel, hours=3)  # due a reminder at the next pass
    invitation = await _ics(client, w, rel, meeting)
    assert {"METHOD:REQUEST", "SEQUENCE:0", "STATUS:CONFIRMED"} <= set(invitation.split("\r\n"))
    await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end", json={"how": "close"}, headers=w.as_("mentee")
        ),
        201,
    )
    listed = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}/meetings", headers=w.as_("mentor1"))
    )
    assert [(m["id"], m["state"]) for m in listed] == [(meeting["id"], "cancelled")]
    cancellation = (await _ics(client, w, rel, meeting)).split("\r\n")
    assert {"METHOD:CANCEL", "SEQUENCE:1", "STATUS:CANCELLED"} <= set(cancellation)
    assert f"UID:{meeting['id']}@mentornet" in cancellation  # the same event, so it is dropped

    report = await run_once(
        create_sessionmaker(engine), settings, utcnow() + timedelta(minutes=5), mailer=smtp.mailer
    )
    assert report.jobs.meeting_reminders == 0
    assert await _reminded(client, w, smtp) == []
    # The mail did go out: both were told of the ending, and of the cancelled meeting.
    for who in ("mentee", "mentor1"):
        [ended] = [
            m
            for m in smtp.to(f"{who}@brent.example")
            if m["Subject"] == "Your mentoring relationship has ended"
        ]
        assert "still scheduled have been cancelled" in parts(ended)["text/plain"]


async def test_no_reminder_for_a_meeting_left_scheduled_in_an_ended_relationship(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    """Endings recorded before endings cancelled meetings left them scheduled: the reminder job
    still skips them, because their relationship has ended."""
    w = await world(db)
    rel = await paired(client, w)
    meeting = await _schedule(client, w, rel, hours=3)
    await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end", json={"how": "close"}, headers=w.as_("mentee")
        ),
        201,
    )
    await db.execute(
        update(Meeting)
        .where(Meeting.id == uuid.UUID(meeting["id"]))
        .values(state=MeetingState.SCHEDULED)
    )
    await db.commit()
    report = await run_once(
        create_sessionmaker(engine), settings, utcnow() + timedelta(minutes=5), mailer=smtp.mailer
    )
    assert report.jobs.meeting_reminders == 0
    assert await _reminded(client, w, smtp) == []


async def test_closing_by_the_job_cancels_a_meeting_before_it_is_reminded_in_the_same_pass(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    row = await db.get(Relationship, uuid.UUID(rel["id"]))
    assert row is not None
    await db.refresh(row)
    closing = datetime.combine(row.planned_end_on + timedelta(days=1), time(9), UTC)
    meeting = await _schedule(client, w, rel, hours=(closing - utcnow()).total_seconds() / 3600 + 3)
    report, _ = await jobs(db, closing)
    assert (report.auto_closed, report.meeting_reminders) == (1, 0)
    listed = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}/meetings", headers=w.as_("mentee"))
    )
    assert [(m["id"], m["state"]) for m in listed] == [(meeting["id"], "cancelled")]


async def test_a_meeting_dated_before_the_relationship_began_is_refused_naming_the_field(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    began = datetime.fromisoformat(rel["started_at"])
    url = f"/api/v1/relationships/{rel['id']}/meetings"
    day = datetime.combine(began.astimezone(UTC).date(), time(0), UTC)
    for held, starts in ((True, began - timedelta(days=3)), (False, day - timedelta(minutes=1))):
        body = {
            "starts_at": starts.isoformat(),
            "duration_minutes": 60,
            "mode": "in_person",
            "held": held,
            "summary": "Before we were paired",
        }
        problem = assert_problem(
            await client.post(url, json=body, headers=w.as_("mentor1")), 422, "invalid-input"
        )
        assert [e["field"] for e in problem["errors"]] == ["starts_at"]
        assert "before the relationship began" in problem["errors"][0]["message"]
    assert await ok(await client.get(url, headers=w.as_("mentee"))) == []
    release = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}/time-release", headers=w.as_("mentee"))
    )
    assert (release["used_hours"], release["sessions_held"]) == (0, 0)
    # From the day it began (not the instant of acceptance), a meeting can be recorded.
    body = {
        "starts_at": day.isoformat(),
        "duration_minutes": 60,
        "mode": "in_person",
        "held": True,
    }
    await ok(await client.post(url, json=body, headers=w.as_("mentor1")), 201)
