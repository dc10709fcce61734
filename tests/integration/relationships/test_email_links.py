"""Emails and notifications that lead somewhere, through a real SMTP server (aiosmtpd): the
journeys that send email are run as the real people; every link of every email is absolute,
on this node's public base URL, and opens a page (200) for its recipient, signed in; every
email has a valid ``Date`` and ``Message-ID`` and names the sender's organisation; meeting
emails carry iTIP objects with one UID per meeting and a SEQUENCE that goes up through
schedule → reschedule → cancel → the relationship's end; in-app notifications link to what they
are about; "mark all as read" marks the member's own and nobody else's."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.config import Settings
from network.db import create_sessionmaker
from network.jobs import run_once, send_emails
from orgs.db import utcnow
from tests.integration.relationships.builders import (
    AGREEMENT,
    CONFIRM,
    Client,
    World,
    add_member,
    ok,
    send,
    world,
)
from tests.integration.relationships.calendar import Invitation, invitation, links
from tests.integration.relationships.mail import Smtp

MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")


async def _send(engine: AsyncEngine, settings: Settings, smtp: Smtp) -> None:
    sessions = create_sessionmaker(engine)
    report = await send_emails(sessions, utcnow(), smtp.mailer, settings.base_url)
    assert report.failed == report.dead == 0, report.errors


def _recipient(w: World, message: Message) -> str:
    address = parseaddr(str(message["To"]))[1]
    [key] = [k for k, m in w.members.items() if m.email == address]
    return key


async def _apply_and_pair(
    client: Client, w: World, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> dict[str, Any]:
    """An application declined by the line manager; a request declined, then one accepted;
    the agreement confirmed by both. Returns the relationship."""
    # An application, declined by the line manager.
    applied = await ok(
        await client.post(
            "/api/v1/orgs/brent/applications",
            json={"scheme_id": str(w.scheme_id), "role": "mentor", "offer": "Finance"},
            headers=w.as_("applicant"),
        ),
        201,
    )
    await ok(
        await client.post(
            f"/api/v1/orgs/brent/applications/{applied['id']}/decision",
            json={
                "approve": False,
                "reason": "Not this year",
                "service_delivery_considered": True,
            },
            headers=w.as_("boss"),
        )
    )
    # A request declined, then one accepted; the agreement confirmed by both.
    [declined] = await send(client, w, "mentor2")
    await ok(
        await client.post(
            f"/api/v1/requests/{declined['id']}/decline", json={}, headers=w.as_("mentor2")
        ),
        201,
    )
    [req] = await send(client, w, "mentor1")
    rel: dict[str, Any] = await ok(
        await client.post(f"/api/v1/requests/{req['id']}/accept", headers=w.as_("mentor1")), 201
    )
    agreement = f"/api/v1/relationships/{rel['id']}/agreement"
    await ok(await client.put(agreement, json=AGREEMENT, headers=w.as_("mentee")))
    for who in ("mentee", "mentor1"):
        await ok(await client.post(f"{agreement}/confirm", json=CONFIRM, headers=w.as_(who)), 201)
    await _send(engine, settings, smtp)
    return rel


async def _meet_and_end(
    client: Client,
    w: World,
    rel: dict[str, Any],
    engine: AsyncEngine,
    settings: Settings,
    smtp: Smtp,
) -> tuple[str, str, datetime, datetime]:
    """Schedule a meeting and move it; schedule a second and cancel it; the everyday emails;
    end the relationship. Returns the two meetings' ids, the moved meeting's new start and the
    latest clock the jobs ran at."""
    meetings = f"/api/v1/relationships/{rel['id']}/meetings"
    slot = {"duration_minutes": 60, "mode": "remote"}
    first = (
        await ok(
            await client.post(
                meetings,
                json={**slot, "starts_at": (utcnow() + timedelta(days=5)).isoformat()},
                headers=w.as_("mentee"),
            ),
            201,
        )
    )["meeting"]
    await _send(engine, settings, smtp)
    moved_to = (utcnow() + timedelta(days=6)).replace(microsecond=0)
    await ok(
        await client.post(
            f"{meetings}/{first['id']}/reschedule",
            json={**slot, "starts_at": moved_to.isoformat(), "location": "Civic Centre"},
            headers=w.as_("mentor1"),
        ),
        201,
    )
    await _send(engine, settings, smtp)
    second = (
        await ok(
            await client.post(
                meetings,
                json={**slot, "starts_at": (utcnow() + timedelta(days=9)).isoformat()},
                headers=w.as_("mentor1"),
            ),
            201,
        )
    )["meeting"]
    await _send(engine, settings, smtp)
    # Cancelled on the relationship page, with its button.
    page = f"/orgs/brent/relationships/{rel['id']}"
    assert (
        f"{page}/meetings/{second['id']}/cancel"
        in (await client.get(page, headers=w.as_("mentee"))).text
    )
    cancelled = await client.post(
        f"{page}/meetings/{second['id']}/cancel",
        data={"csrf_token": w.sessions["mentee"].csrf},
        headers=w.as_("mentee"),
        follow_redirects=False,
    )
    assert cancelled.status_code == 303
    await _send(engine, settings, smtp)
    latest = await _everyday(client, w, rel, engine, settings, moved_to, smtp)
    await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end", json={"how": "close"}, headers=w.as_("mentee")
        ),
        201,
    )
    await run_once(create_sessionmaker(engine), settings, utcnow(), mailer=smtp.mailer)
    return first["id"], second["id"], moved_to, latest


async def _everyday(
    client: Client,
    w: World,
    rel: dict[str, Any],
    engine: AsyncEngine,
    settings: Settings,
    moved_to: datetime,
    smtp: Smtp,
) -> datetime:
    """Shadowing agreed by the line manager, extra time from the coordinator, and the jobs:
    the reminder the day before the meeting, a nudge, the end approaching. Returns the latest
    clock."""
    shadowing = await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/shadowing",
            json={"kind": "one_off", "host_name": "Director of Housing", "dates": ["2027-06-01"]},
            headers=w.as_("mentor1"),
        ),
        201,
    )
    await ok(
        await client.post(
            f"/api/v1/me/shadowing-to-decide/{shadowing['id']}",
            json={"agree": True, "service_delivery_considered": True},
            headers=w.as_("boss"),
        ),
        201,
    )
    await ok(
        await client.post(
            f"/api/v1/orgs/brent/relationships/{rel['id']}/extra-time",
            json={"hours": 2, "reason": "A longer project"},
            headers=w.as_("coordinator"),
        ),
        201,
    )
    shown = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}", headers=w.as_("mentee"))
    )
    planned_end = datetime.combine(date.fromisoformat(shown["planned_end_on"]), time(9), UTC)
    sessions = create_sessionmaker(engine)
    clocks = [
        moved_to - timedelta(hours=20),
        utcnow() + timedelta(weeks=7),
        planned_end - timedelta(days=10),
    ]
    kinds: list[int] = []
    for clock in clocks:
        report = await run_once(sessions, settings, clock, mailer=smtp.mailer)
        kinds.append(report.jobs.meeting_reminders + report.jobs.nudges + report.jobs.end_reminders)
    assert all(kinds), kinds  # a reminder, a nudge, the end approaching
    return clocks[-1]


async def test_every_link_in_every_email_opens_a_page_for_its_recipient(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    await add_member(db, w, "applicant", manager="boss")
    await db.commit()
    before = utcnow()
    rel = await _apply_and_pair(client, w, engine, settings, smtp)
    first, second, moved_to, latest = await _meet_and_end(client, w, rel, engine, settings, smtp)
    after = utcnow()

    received = smtp.sink.messages
    recipients = {_recipient(w, m) for m in received}
    assert {"applicant", "boss", "mentee", "mentor1", "mentor2"} <= recipients
    subjects = {str(m["Subject"]) for m in received}
    assert {
        "Mentoring meeting tomorrow",
        "Time for a mentoring meeting?",
        "Your mentoring relationship ends soon",
        "More time release allowed",
        "Shadowing needs your agreement",
    } <= subjects, subjects

    # Headers: Date (when it was sent), one Message-ID each, the organisation by name.
    ids = [str(m["Message-ID"]) for m in received]
    assert len(set(ids)) == len(ids)
    for message in received:
        assert MESSAGE_ID.match(str(message["Message-ID"])), message["Message-ID"]
        sent_at = parsedate_to_datetime(str(message["Date"]))
        assert sent_at.tzinfo is not None
        assert before - timedelta(seconds=1) <= sent_at <= max(after, latest)
        assert parseaddr(str(message["From"]))[0] == "Brent via MentorNet"

    await _follow_every_link(client, w, settings, received)
    _check_calendars(w, smtp, first, second, moved_to, (before, after))
    await _follow_notifications(client, w)


async def _follow_every_link(
    client: Client, w: World, settings: Settings, received: list[Message]
) -> None:
    """Every link: absolute, on this node, and a page its recipient can open."""
    followed = 0
    for message in received:
        found = links(message)
        assert found, f"no link in {message['Subject']!r}"
        who = _recipient(w, message)
        for url in found:
            assert url.startswith(f"{settings.base_url}/orgs/brent/"), url
            path = url.removeprefix(settings.base_url).split("#")[0]
            page = await client.get(path, headers=w.as_(who))
            assert page.status_code == 200, (message["Subject"], who, url, page.status_code)
            followed += 1
    assert followed >= len(received)


def _check_calendars(
    w: World, smtp: Smtp, first: str, second: str, moved_to: Any, window: tuple[Any, Any]
) -> None:
    """One UID for the moved meeting, its SEQUENCE rising; the cancelled one too."""
    before, after = window
    for who in ("mentee", "mentor1"):
        invites = [i for m in smtp.to(f"{who}@brent.example") if (i := invitation(m))]
        by_uid: dict[str, list[Invitation]] = {}
        for i in invites:
            by_uid.setdefault(i.uid, []).append(i)
        moved = by_uid[f"{first}@mentornet"]
        assert [(i.method, i.sequence) for i in moved] == [
            ("REQUEST", 0),
            ("REQUEST", 1),
            ("CANCEL", 2),
        ]
        assert moved[1].starts == moved_to
        assert moved[2].status == "CANCELLED"
        cancelled = by_uid[f"{second}@mentornet"]
        assert [(i.method, i.sequence) for i in cancelled] == [("REQUEST", 0), ("CANCEL", 1)]
        for i in invites:
            assert i.part_method == i.method
            assert i.attached
            assert i.organiser.startswith("mailto:no-reply@")
            assert i.attendees == {"mentee@brent.example", "mentor1@brent.example"}
            assert before - timedelta(seconds=1) <= i.stamp <= after + timedelta(seconds=1)


async def _follow_notifications(client: Client, w: World) -> None:
    """In the app: each notification links to a page its member can open."""
    for who in ("applicant", "boss", "mentee", "mentor1", "mentor2"):
        inbox = await ok(await client.get("/api/v1/me/notifications", headers=w.as_(who)))
        assert inbox
        for note in inbox:
            assert note["link"].startswith("/orgs/brent/"), note
            page = await client.get(note["link"].split("#")[0], headers=w.as_(who))
            assert page.status_code == 200, (who, note)
        listing = await client.get("/orgs/brent/notifications", headers=w.as_(who))
        assert f'href="{inbox[0]["link"]}"' in listing.text


async def _inbox(client: Client, w: World, who: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await ok(
        await client.get("/api/v1/me/notifications", headers=w.as_(who))
    )
    return result


async def test_mark_all_as_read_marks_the_members_own_and_nobody_elses(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    await send(client, w, "mentor1", "mentor2")
    for mentor in ("mentor1", "mentor2"):
        [incoming] = await ok(await client.get("/api/v1/me/requests", headers=w.as_(mentor)))
        await ok(
            await client.post(
                f"/api/v1/requests/{incoming['id']}/decline", json={}, headers=w.as_(mentor)
            ),
            201,
        )
    theirs = await _inbox(client, w, "mentee")
    assert len(theirs) >= 2  # each decline, and back to matching
    assert all(n["read_at"] is None for n in theirs)

    # Refused: another member cannot mark the mentee's notification read; nothing changes.
    refused = await client.post(
        f"/api/v1/me/notifications/{theirs[0]['id']}/read", headers=w.as_("mentor1")
    )
    assert refused.status_code == 404
    page = await client.post(
        f"/orgs/brent/notifications/{theirs[0]['id']}/read",
        data={"csrf_token": w.sessions["mentor1"].csrf},
        headers=w.as_("mentor1"),
    )
    assert page.status_code == 404
    # Their own "mark all" leaves the mentee's alone.
    mine = await ok(
        await client.post("/api/v1/me/notifications/read-all", headers=w.as_("mentor1")), 201
    )
    assert mine["marked"] == 1  # mentor1's own request notification
    assert await _inbox(client, w, "mentee") == theirs

    # The mentee's page: one button marks both.
    listing = await client.get("/orgs/brent/notifications", headers=w.as_("mentee"))
    assert "Mark all as read" in listing.text
    done = await client.post(
        "/orgs/brent/notifications/read-all",
        data={"csrf_token": w.sessions["mentee"].csrf},
        headers=w.as_("mentee"),
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert all(n["read_at"] is not None for n in await _inbox(client, w, "mentee"))
    listing = await client.get("/orgs/brent/notifications", headers=w.as_("mentee"))
    assert "Mark all as read" not in listing.text
    again = await ok(
        await client.post("/api/v1/me/notifications/read-all", headers=w.as_("mentee")), 201
    )
    assert again["marked"] == 0
