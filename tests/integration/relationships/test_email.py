"""Notification emails through a real SMTP server (aiosmtpd on a loopback port): sent by the
job, never in the request; plain text and HTML; daily digests; retried after the server was
down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.config import Settings
from network.db import create_sessionmaker
from network.jobs import run_once, send_emails
from orgs.db import utcnow
from orgs.people.notifications import EmailStatus, OutgoingEmail
from tests.integration.relationships.builders import Client, ok, paired, send, world
from tests.integration.relationships.calendar import invitation
from tests.integration.relationships.mail import Smtp, parts

BASE = "http://127.0.0.1:8000"


async def test_emails_are_sent_by_the_job_in_plain_text_and_html(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    [req] = await send(client, w, "mentor1")
    assert smtp.sink.messages == []  # nothing is sent inside the request
    report = await run_once(create_sessionmaker(engine), settings, utcnow(), mailer=smtp.mailer)
    assert report.emails is not None
    assert report.emails.sent == 1
    [received] = smtp.to("mentor1@brent.example")
    assert received["Subject"] == "You have a new mentoring request"
    assert received["From"] == "Brent via MentorNet <no-reply@test>"  # the org, by name
    body = parts(received)
    assert "accept or decline" in body["text/plain"]
    assert body["text/html"].startswith("<!doctype html>")
    assert "accept or decline" in body["text/html"]
    await ok(
        await client.post(f"/api/v1/requests/{req['id']}/accept", headers=w.as_("mentor1")), 201
    )
    await send_emails(create_sessionmaker(engine), utcnow(), smtp.mailer, settings.base_url)
    assert [m["Subject"] for m in smtp.to("mentee@brent.example")] == [
        "Your mentoring request was accepted"
    ]


async def test_daily_digest_collects_a_days_notifications_into_one_email(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    await ok(
        await client.put(
            "/api/v1/me/notification-preference",
            json={"delivery": "daily_digest"},
            headers=w.as_("mentee"),
        )
    )
    first, second, _ = await send(client, w, "mentor1", "mentor2", "mentor3")
    for req, mentor in ((first, "mentor1"), (second, "mentor2")):
        await ok(
            await client.post(
                f"/api/v1/requests/{req['id']}/decline", json={}, headers=w.as_(mentor)
            ),
            201,
        )
    inbox = await ok(await client.get("/api/v1/me/notifications", headers=w.as_("mentee")))
    assert len(inbox) == 2  # in the app at once
    sessions = create_sessionmaker(engine)
    now = utcnow()
    await run_once(sessions, settings, now, mailer=smtp.mailer)
    [digest] = smtp.to("mentee@brent.example")
    assert "daily digest (2 updates)" in digest["Subject"]
    assert parts(digest)["text/plain"].count("A mentor could not take your request") == 2
    assert "<ul>" in parts(digest)["text/html"]
    # Each entry links to its page, absolute on this node.
    assert f"{settings.base_url}/orgs/brent/requests" in parts(digest)["text/plain"]
    assert f'href="{settings.base_url}/orgs/brent/requests"' in parts(digest)["text/html"]
    # More news within the day waits for the next digest.
    [third] = [
        r
        for r in await ok(await client.get("/api/v1/me/requests", headers=w.as_("mentee")))
        if r["state"] == "open"
    ]
    await ok(
        await client.post(
            f"/api/v1/requests/{third['id']}/decline", json={}, headers=w.as_("mentor3")
        ),
        201,
    )
    await run_once(sessions, settings, now + timedelta(hours=2), mailer=smtp.mailer)
    assert len(smtp.to("mentee@brent.example")) == 1
    await run_once(sessions, settings, now + timedelta(hours=24, minutes=5), mailer=smtp.mailer)
    assert len(smtp.to("mentee@brent.example")) == 2


async def test_a_send_that_failed_is_retried_after_the_server_is_back(
    client: Client, db: AsyncSession, engine: AsyncEngine, smtp: Smtp
) -> None:
    w = await world(db)
    await send(client, w, "mentor1")
    smtp.stop()
    sessions = create_sessionmaker(engine)
    now = utcnow()
    report = await send_emails(sessions, now, smtp.mailer, BASE)
    assert (report.sent, report.failed) == (0, 1)
    assert "ConnectionRefusedError" in report.errors[0]
    row = (await db.scalars(select(OutgoingEmail))).one()
    assert (row.status, row.attempts) == (EmailStatus.PENDING, 1)
    smtp.start()
    assert (
        await send_emails(sessions, now + timedelta(seconds=10), smtp.mailer, BASE)
    ).sent == 0  # backing off
    assert (await send_emails(sessions, now + timedelta(minutes=2), smtp.mailer, BASE)).sent == 1
    assert len(smtp.to("mentor1@brent.example")) == 1
    assert (
        await send_emails(sessions, now + timedelta(minutes=5), smtp.mailer, BASE)
    ).sent == 0  # once only


async def test_a_calendar_invitation_does_not_wait_for_a_digest_and_in_app_only_gets_none(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    for who, delivery in (("mentee", "daily_digest"), ("mentor1", "in_app_only")):
        await ok(
            await client.put(
                "/api/v1/me/notification-preference",
                json={"delivery": delivery},
                headers=w.as_(who),
            )
        )
    await run_once(create_sessionmaker(engine), settings, utcnow(), mailer=smtp.mailer)
    smtp.sink.messages.clear()
    meeting = await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/meetings",
            json={
                "starts_at": (utcnow() + timedelta(days=4)).isoformat(),
                "duration_minutes": 45,
                "mode": "in_person",
            },
            headers=w.as_("mentor1"),
        ),
        201,
    )
    await send_emails(create_sessionmaker(engine), utcnow(), smtp.mailer, settings.base_url)
    [mail] = smtp.sink.messages  # the digest member's, at once; none for in-app only
    assert mail["To"] == "mentee@brent.example"
    sent = invitation(mail)
    assert sent is not None
    assert (sent.uid, sent.method, sent.sequence) == (
        f"{meeting['meeting']['id']}@mentornet",
        "REQUEST",
        0,
    )
    for who in ("mentee", "mentor1"):  # both still see it in the app
        inbox = await ok(await client.get("/api/v1/me/notifications", headers=w.as_(who)))
        assert "meeting_scheduled" in [n["kind"] for n in inbox]
