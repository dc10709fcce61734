"""A relationship from acceptance to its end: the first-meeting agreement, meetings and the
time-release budget, change of mentor with never-again pairs, closure by the job, and the
records a member and HR can download."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.mentoring.relationships import Relationship, never_again_pairs
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import (
    AGREEMENT,
    CONFIRM,
    Client,
    backdate,
    jobs,
    ok,
    paired,
    send,
    world,
)


def ago(**kw: float) -> str:
    return (utcnow() - timedelta(**kw)).isoformat()


async def test_the_agreement_needs_both_confirmations_and_edits_clear_them(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    [req] = await send(client, w, "mentor1")
    rel = await ok(
        await client.post(f"/api/v1/requests/{req['id']}/accept", headers=w.as_("mentor1")), 201
    )
    base = f"/api/v1/relationships/{rel['id']}/agreement"
    agreement = await ok(await client.get(base, headers=w.as_("mentee")))
    assert any(p.startswith("Confidential") for p in agreement["principles"])  # HPMA's by default
    # Nothing agreed yet: confirming is refused.
    assert_problem(
        await client.post(f"{base}/confirm", json=CONFIRM, headers=w.as_("mentee")),
        409,
        "illegal-transition",
    )
    await ok(await client.put(base, json=AGREEMENT, headers=w.as_("mentor1")))
    refused = {"accept_code_of_conduct": True, "accept_principles": False}
    assert_problem(
        await client.post(f"{base}/confirm", json=refused, headers=w.as_("mentee")),
        422,
        "invalid-input",
    )
    await ok(await client.post(f"{base}/confirm", json=CONFIRM, headers=w.as_("mentee")), 201)
    # An edit clears the mentee's confirmation: both must confirm what they agreed.
    edited = await ok(
        await client.put(
            base, json={**AGREEMENT, "frequency": "Fortnightly"}, headers=w.as_("mentor1")
        )
    )
    assert edited["mentee_confirmed_at"] is None
    await ok(await client.post(f"{base}/confirm", json=CONFIRM, headers=w.as_("mentor1")), 201)
    state = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}", headers=w.as_("mentee"))
    )
    assert state["state"] == "agreeing"
    await ok(await client.post(f"{base}/confirm", json=CONFIRM, headers=w.as_("mentee")), 201)
    state = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}", headers=w.as_("mentee"))
    )
    assert state["state"] == "active"
    assert_problem(
        await client.put(base, json=AGREEMENT, headers=w.as_("mentee")), 409, "illegal-transition"
    )
    # Only the parties see it.
    for who in ("coordinator", "mentor2", "boss"):
        assert_problem(await client.get(base, headers=w.as_(who)), 404, "not-found")


async def test_time_release_warns_at_80_percent_refuses_past_100_unless_a_coordinator_allows(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db, time_release_hours=2)
    rel = await paired(client, w)
    await backdate(db, rel, days=30)
    meetings = f"/api/v1/relationships/{rel['id']}/meetings"
    held = {"duration_minutes": 90, "mode": "in_person", "held": True, "preparation_minutes": 300}
    first = await ok(
        await client.post(
            meetings, json={**held, "starts_at": ago(days=20)}, headers=w.as_("mentor1")
        ),
        201,
    )
    assert first["time_release"]["used_hours"] == 1.5  # 5 h of preparation not counted
    assert first["time_release"]["warning"] is False
    second = await ok(
        await client.post(
            meetings,
            json={**held, "duration_minutes": 6, "starts_at": ago(days=10)},
            headers=w.as_("mentee"),
        ),
        201,
    )
    assert second["time_release"]["percent"] == 80
    assert second["time_release"]["warning"] is True
    assert second["time_release"]["recommended_sessions"] == 6
    # 96 min used of 120: a 30-minute meeting would go past the budget.
    scheduled = await ok(
        await client.post(
            meetings,
            json={**held, "held": False, "duration_minutes": 30, "starts_at": ago(hours=2)},
            headers=w.as_("mentee"),
        ),
        201,
    )
    meeting_id = scheduled["meeting"]["id"]
    problem = assert_problem(
        await client.post(f"{meetings}/{meeting_id}/held", json={}, headers=w.as_("mentee")),
        409,
        "illegal-transition",
    )
    assert "budget" in problem["detail"]
    extra = {"hours": 1, "reason": "Preparing for an interview"}
    assert_problem(
        await client.post(
            f"/api/v1/orgs/brent/relationships/{rel['id']}/extra-time",
            json=extra,
            headers=w.as_("mentee"),
        ),
        403,
        "forbidden",
    )
    health = await ok(
        await client.post(
            f"/api/v1/orgs/brent/relationships/{rel['id']}/extra-time",
            json=extra,
            headers=w.as_("coordinator"),
        ),
        201,
    )
    assert health["hours_budget"] == 3.0
    done = await ok(
        await client.post(f"{meetings}/{meeting_id}/held", json={}, headers=w.as_("mentee")), 201
    )
    assert done["time_release"]["used_hours"] == 2.1
    assert_problem(
        await client.post(f"{meetings}/{meeting_id}/held", json={}, headers=w.as_("mentee")),
        409,
        "illegal-transition",
    )
    assert_problem(
        await client.post(f"{meetings}/{meeting_id}/cancel", headers=w.as_("mentee")),
        409,
        "illegal-transition",
    )


async def test_calendar_invitation_and_the_mentors_record(client: Client, db: AsyncSession) -> None:
    w = await world(db)
    rel = await paired(client, w)
    meetings = f"/api/v1/relationships/{rel['id']}/meetings"
    body = {
        "starts_at": (utcnow() + timedelta(days=3)).isoformat(),
        "duration_minutes": 60,
        "mode": "remote",
    }
    meeting = (await ok(await client.post(meetings, json=body, headers=w.as_("mentee")), 201))[
        "meeting"
    ]
    response = await client.get(
        f"{meetings}/{meeting['id']}/invitation.ics", headers=w.as_("mentor1")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in response.text
    assert "mailto:mentee@brent.example" in response.text.replace("\r\n ", "")  # unfolded
    assert_problem(
        await client.get(
            f"{meetings}/{meeting['id']}/invitation.ics", headers=w.as_("coordinator")
        ),
        404,
        "not-found",
    )
    # Only the mentor keeps the meeting record; both write the shared summary.
    url = f"{meetings}/{meeting['id']}"
    assert_problem(
        await client.patch(url, json={"mentor_record": "x"}, headers=w.as_("mentee")),
        403,
        "forbidden",
    )
    await ok(
        await client.patch(
            url, json={"mentor_record": "Discussed budgets"}, headers=w.as_("mentor1")
        )
    )
    shared = await ok(
        await client.patch(url, json={"summary": "Next: shadow a DMT"}, headers=w.as_("mentee"))
    )
    assert (shared["summary"], shared["mentor_record"]) == (
        "Next: shadow a DMT",
        "Discussed budgets",
    )
    # A scheduled meeting in the future cannot be marked held.
    assert_problem(
        await client.post(f"{url}/held", json={}, headers=w.as_("mentee")),
        409,
        "illegal-transition",
    )


async def test_change_of_mentor_reason_for_the_coordinator_only_never_again_and_back_to_matching(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    end = {"how": "change_mentor", "reason": "We do not get on", "never_again": True}
    ended = await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end", json=end, headers=w.as_("mentee")
        ),
        201,
    )
    assert ended["state"] == "ended"
    assert ended["end_kind"] == "change_of_mentor"
    assert "We do not get on" not in str(ended)
    seen_by_mentor = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}", headers=w.as_("mentor1"))
    )
    assert "We do not get on" not in str(seen_by_mentor)
    health = await ok(
        await client.get(
            f"/api/v1/orgs/brent/relationships/{rel['id']}/health", headers=w.as_("coordinator")
        )
    )
    assert health["end_reason"] == "We do not get on"
    pairs = await never_again_pairs(db, w.org.org.id)
    assert pairs == {(w.members["mentee"].id, w.members["mentor1"].id)}
    # Back to matching, history kept; the never-again mentor cannot be asked again.
    body = {"scheme_id": str(w.scheme_id), "mentors": [{"member_id": w.id("mentor1")}]}
    problem = assert_problem(
        await client.post("/api/v1/me/requests", json=body, headers=w.as_("mentee")),
        422,
        "invalid-input",
    )
    assert "not be matched again" in problem["detail"]
    await send(client, w, "mentor2")
    history = await ok(await client.get("/api/v1/relationships/", headers=w.as_("mentee")))
    assert [r["state"] for r in history] == ["ended"]
    assert_problem(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end", json=end, headers=w.as_("mentee")
        ),
        409,
        "illegal-transition",
    )


async def test_no_fit_is_for_after_the_first_meeting(client: Client, db: AsyncSession) -> None:
    w = await world(db)
    rel = await paired(client, w)
    await backdate(db, rel, days=40)
    meetings = f"/api/v1/relationships/{rel['id']}/meetings"
    for days in (30, 20):
        body = {
            "starts_at": ago(days=days),
            "duration_minutes": 60,
            "mode": "in_person",
            "held": True,
        }
        await ok(await client.post(meetings, json=body, headers=w.as_("mentor1")), 201)
    no_fit = {"how": "no_fit"}
    assert_problem(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end", json=no_fit, headers=w.as_("mentor1")
        ),
        409,
        "illegal-transition",
    )
    assert_problem(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end",
            json={"how": "auto_close"},
            headers=w.as_("mentor1"),
        ),
        409,
        "illegal-transition",
    )
    closed = await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end",
            json={"how": "close"},
            headers=w.as_("mentor1"),
        ),
        201,
    )
    assert closed["end_kind"] == "completed"
    # A relationship still agreeing may stop without blame.
    other = await world(db, slug="harrow")
    [req] = await send(client, other, "mentor1")
    fresh = await ok(
        await client.post(f"/api/v1/requests/{req['id']}/accept", headers=other.as_("mentor1")), 201
    )
    stopped = await ok(
        await client.post(
            f"/api/v1/relationships/{fresh['id']}/end", json=no_fit, headers=other.as_("mentee")
        ),
        201,
    )
    assert stopped["end_kind"] == "no_fit"


async def test_reminder_before_and_automatic_closure_after_the_planned_end(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await paired(client, w)
    row = await db.get(Relationship, rel["id"])
    assert row is not None
    await db.refresh(row)
    end = row.planned_end_on
    assert 180 <= (end - utcnow().date()).days <= 185  # the scheme's six months
    now = utcnow().replace(year=end.year, month=end.month, day=end.day)
    report, _ = await jobs(db, now - timedelta(days=15))
    assert (report.end_reminders, report.auto_closed) == (0, 0)
    report, _ = await jobs(db, now - timedelta(days=14))
    assert (report.end_reminders, report.auto_closed) == (1, 0)
    report, _ = await jobs(db, now)
    assert (report.end_reminders, report.auto_closed) == (0, 0)
    report, _ = await jobs(db, now + timedelta(days=1))
    assert report.auto_closed == 1
    seen = await ok(await client.get(f"/api/v1/relationships/{rel['id']}", headers=w.as_("mentee")))
    assert (seen["state"], seen["end_kind"]) == ("ended", "auto_closed")


async def test_nudge_after_weeks_without_a_meeting(client: Client, db: AsyncSession) -> None:
    w = await world(db)
    rel = await paired(client, w)
    now = utcnow()
    assert (await jobs(db, now + timedelta(weeks=5)))[0].nudges == 0
    assert (await jobs(db, now + timedelta(weeks=6, hours=1)))[0].nudges == 1
    assert (await jobs(db, now + timedelta(weeks=7)))[0].nudges == 0  # not again at once
    body = {
        "starts_at": (now + timedelta(weeks=8)).isoformat(),
        "duration_minutes": 60,
        "mode": "remote",
    }
    meeting = await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/meetings", json=body, headers=w.as_("mentee")
        ),
        201,
    )
    assert meeting["meeting"]["state"] == "scheduled"
    assert (await jobs(db, now + timedelta(weeks=8) - timedelta(hours=3)))[0].meeting_reminders == 1


async def test_hr_export_and_the_members_own_record(client: Client, db: AsyncSession) -> None:
    w = await world(db)
    rel = await paired(client, w)
    await backdate(db, rel, days=7)
    meetings = f"/api/v1/relationships/{rel['id']}/meetings"
    body = {"starts_at": ago(days=3), "duration_minutes": 90, "mode": "in_person", "held": True}
    meeting = (await ok(await client.post(meetings, json=body, headers=w.as_("mentor1")), 201))[
        "meeting"
    ]
    await ok(
        await client.post(
            f"{meetings}/{meeting['id']}/notes",
            json={"text": "Mentee seems anxious"},
            headers=w.as_("mentor1"),
        ),
        201,
    )
    await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end", json={"how": "close"}, headers=w.as_("mentee")
        ),
        201,
    )
    response = await client.get("/api/v1/orgs/brent/hr-export.csv", headers=w.org.headers)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {(r["employee_id"], r["role"], r["hours"], r["sessions_held"]) for r in rows} == {
        ("brent-mentee", "mentee", "1.50", "1"),
        ("brent-mentor1", "mentor", "1.50", "1"),
    }
    assert_problem(
        await client.get("/api/v1/orgs/brent/hr-export.csv", headers=w.as_("mentee")),
        403,
        "forbidden",
    )
    mine = await ok(await client.get("/api/v1/me/mentoring-record.json", headers=w.as_("mentor1")))
    [relationship] = mine["relationships"]
    assert relationship["meetings"][0]["my_private_notes"] == ["Mentee seems anxious"]
    theirs = await ok(await client.get("/api/v1/me/mentoring-record.json", headers=w.as_("mentee")))
    assert "Mentee seems anxious" not in str(theirs)
    as_csv = await client.get("/api/v1/me/mentoring-record.csv", headers=w.as_("mentor1"))
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "Mentee seems anxious" in as_csv.text
    assert as_csv.text.startswith("field,value")
