"""Requests: ranked and cascading, parallel, accept/decline (private reasons), withdraw,
expiry by the job, illegal transitions (409), checks on the mentors asked, org isolation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import AuditEntry
from orgs.db import utcnow
from orgs.mentoring.mentoring_settings import MentoringSettings, RequestMode
from orgs.people.notifications import Notification, NotificationKind
from orgs.people.profiles import MentorProfileRow
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import Client, jobs, ok, send, world


async def states(client: Client, w, who: str = "mentee") -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = await ok(await client.get("/api/v1/me/requests", headers=w.as_(who)))
    return {r["counterpart"]: r["state"] for r in rows}


async def test_cascading_one_at_a_time_and_the_next_goes_on_decline(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    first, second, third = await send(client, w, "mentor1", "mentor2", "mentor3")
    assert [r["state"] for r in (first, second, third)] == ["open", "queued", "queued"]
    # A mentor never sees a request that has not been sent to them.
    assert_problem(
        await client.get(f"/api/v1/requests/{second['id']}", headers=w.as_("mentor2")),
        404,
        "not-found",
    )
    assert await ok(await client.get("/api/v1/me/requests", headers=w.as_("mentor2"))) == []

    declined = await ok(
        await client.post(
            f"/api/v1/requests/{first['id']}/decline",
            json={"reason": "I am moving jobs", "private": True, "code": "unavailable"},
            headers=w.as_("mentor1"),
        ),
        201,
    )
    assert declined["decline_reason"] == "I am moving jobs"  # the mentor sees their own reason
    mine = await states(client, w)
    assert mine == {"Mentor1 Smith": "declined", "Mentor2 Smith": "open", "Mentor3 Smith": "queued"}
    seen_by_mentee = await ok(
        await client.get(f"/api/v1/requests/{first['id']}", headers=w.as_("mentee"))
    )
    assert seen_by_mentee["decline_reason"] == ""  # private: the mentee is not told why
    assert await ok(await client.get(f"/api/v1/requests/{second['id']}", headers=w.as_("mentor2")))

    # An open reason is passed on.
    await ok(
        await client.post(
            f"/api/v1/requests/{second['id']}/decline",
            json={"reason": "Full this quarter", "code": "no-capacity"},
            headers=w.as_("mentor2"),
        ),
        201,
    )
    seen = await ok(await client.get(f"/api/v1/requests/{second['id']}", headers=w.as_("mentee")))
    assert seen["decline_reason"] == "Full this quarter"

    rel = await ok(
        await client.post(f"/api/v1/requests/{third['id']}/accept", headers=w.as_("mentor3")), 201
    )
    assert rel["state"] == "agreeing"
    assert rel["counterpart"] == "Mentee Smith"
    assert (await states(client, w))["Mentor3 Smith"] == "accepted"


async def test_decline_or_accept_twice_is_a_409_and_others_cannot_answer(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    [req] = await send(client, w, "mentor1")
    url = f"/api/v1/requests/{req['id']}"
    assert_problem(await client.post(f"{url}/accept", headers=w.as_("mentor2")), 404, "not-found")
    assert_problem(await client.post(f"{url}/accept", headers=w.as_("mentee")), 404, "not-found")
    await ok(await client.post(f"{url}/accept", headers=w.as_("mentor1")), 201)
    assert_problem(
        await client.post(f"{url}/accept", headers=w.as_("mentor1")), 409, "illegal-transition"
    )
    assert_problem(
        await client.post(f"{url}/decline", json={}, headers=w.as_("mentor1")),
        409,
        "illegal-transition",
    )
    assert_problem(
        await client.post(f"{url}/withdraw", headers=w.as_("mentee")), 409, "illegal-transition"
    )
    trail = (await db.scalars(select(AuditEntry).where(AuditEntry.subject_id == req["id"]))).all()
    assert [e.action for e in sorted(trail, key=lambda e: e.at)] == ["create", "send", "accept"]


async def test_parallel_mode_first_acceptance_supersedes_the_rest(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db, settings=MentoringSettings(request_mode=RequestMode.PARALLEL))
    rows = await send(client, w, "mentor1", "mentor2")
    assert [r["state"] for r in rows] == ["open", "open"]
    await ok(
        await client.post(f"/api/v1/requests/{rows[1]['id']}/accept", headers=w.as_("mentor2")), 201
    )
    assert await states(client, w) == {"Mentor1 Smith": "superseded", "Mentor2 Smith": "accepted"}
    told = (
        await db.scalars(
            select(Notification).where(
                Notification.member_id == w.members["mentor1"].id,
                Notification.kind == NotificationKind.REQUEST_WITHDRAWN,
            )
        )
    ).all()
    assert len(told) == 1


async def test_withdraw_takes_the_whole_batch(client: Client, db: AsyncSession) -> None:
    w = await world(db)
    first, _ = await send(client, w, "mentor1", "mentor2")
    rows = await ok(
        await client.post(f"/api/v1/requests/{first['id']}/withdraw", headers=w.as_("mentee")), 201
    )
    assert {r["state"] for r in rows} == {"withdrawn"}
    assert_problem(
        await client.post(f"/api/v1/requests/{first['id']}/accept", headers=w.as_("mentor1")),
        409,
        "illegal-transition",
    )
    # Back to matching: a new batch may go now.
    await send(client, w, "mentor3")


async def test_expiry_by_the_job_cascades_to_the_next_mentor(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    _first, _second = await send(client, w, "mentor1", "mentor2")
    now = utcnow()
    report, _ = await jobs(db, now + timedelta(days=9, hours=23))
    assert report.expired_requests == 0
    report, _ = await jobs(db, now + timedelta(days=10, minutes=1))
    assert report.expired_requests == 1
    assert await states(client, w) == {"Mentor1 Smith": "expired", "Mentor2 Smith": "open"}
    report, _ = await jobs(db, now + timedelta(days=21))
    assert report.expired_requests == 1
    kinds = (
        await db.scalars(
            select(Notification.kind).where(Notification.member_id == w.members["mentee"].id)
        )
    ).all()
    assert kinds.count(NotificationKind.REQUEST_EXPIRED) == 2
    assert NotificationKind.BACK_TO_MATCHING in kinds


async def test_the_mentors_asked_are_checked(client: Client, db: AsyncSession) -> None:
    w = await world(db, settings=MentoringSettings(max_ranked_requests=2))
    body = {
        "scheme_id": str(w.scheme_id),
        "mentors": [{"member_id": w.id(k)} for k in ("mentor1", "mentor2", "mentor3")],
    }
    problem = assert_problem(
        await client.post("/api/v1/me/requests", json=body, headers=w.as_("mentee")),
        422,
        "invalid-input",
    )
    assert problem["errors"][0]["field"] == "mentors"
    for target, message in (
        ("boss", "management chain"),
        ("stranger", "no mentor"),
        ("mentee", "no mentor"),
    ):
        body = {"scheme_id": str(w.scheme_id), "mentors": [{"member_id": w.id(target)}]}
        problem = assert_problem(
            await client.post("/api/v1/me/requests", json=body, headers=w.as_("mentee")),
            422,
            "invalid-input",
        )
        assert message in problem["errors"][0]["message"]
    # No approved application: a request may not leave.
    body = {"scheme_id": str(w.scheme_id), "mentors": [{"member_id": w.id("mentor1")}]}
    assert_problem(
        await client.post("/api/v1/me/requests", json=body, headers=w.as_("stranger")),
        409,
        "illegal-transition",
    )
    # A mentor at capacity cannot be asked.
    profile = (
        await db.scalars(
            select(MentorProfileRow).where(MentorProfileRow.member_id == w.members["mentor1"].id)
        )
    ).one()
    profile.capacity = 0
    await db.commit()
    problem = assert_problem(
        await client.post("/api/v1/me/requests", json=body, headers=w.as_("mentee")),
        422,
        "invalid-input",
    )
    assert "capacity" in problem["detail"]


async def test_another_orgs_requests_are_not_there(client: Client, db: AsyncSession) -> None:
    w = await world(db)
    other = await world(db, slug="harrow")
    [req] = await send(client, w, "mentor1")
    for who in ("mentor1", "mentee", "coordinator"):
        assert_problem(
            await client.get(f"/api/v1/requests/{req['id']}", headers=other.as_(who)),
            404,
            "not-found",
        )
        assert_problem(
            await client.post(f"/api/v1/requests/{req['id']}/accept", headers=other.as_(who)),
            404,
            "not-found",
        )
