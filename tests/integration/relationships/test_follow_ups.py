"""Outcomes over time (issue 19 item 5): months after a relationship ends (per scheme), the
jobs send its mentee a follow-up by email; its link opens the questionnaire for the mentee,
signed in, and nobody else; what they answer is counted in the pipeline's outcomes (small
numbers still hidden); a mentee who later mentors is counted as "became a mentor" without
being asked; the mentee can say no thanks, and erasure removes the answers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.config import Settings
from network.db import create_sessionmaker
from network.jobs import run_once
from orgs.audit import ActorRef
from orgs.db import utcnow
from orgs.mentoring.follow_ups import FollowUp
from orgs.mentoring.relationships import Relationship
from orgs.people.notifications import Notification, NotificationKind
from orgs.records.erasure import erase_person
from orgs.records.pipeline import Period, stage_members
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeRepository
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import Client, World, jobs, ok, paired, world
from tests.integration.relationships.calendar import links
from tests.integration.relationships.mail import Smtp

API = "/api/v1/orgs/brent"


async def _follow_up(db: AsyncSession, rel_id: str) -> FollowUp | None:
    row: FollowUp | None = await db.scalar(
        select(FollowUp)
        .where(FollowUp.relationship_id == uuid.UUID(rel_id))
        .execution_options(populate_existing=True)
    )
    return row


async def _ended_pair(client: Client, db: AsyncSession, w: World) -> dict[str, str]:
    rel = await paired(client, w)
    url = f"/api/v1/relationships/{rel['id']}/end"
    await ok(await client.post(url, json={"how": "close"}, headers=w.as_("mentee")), 201)
    return rel


async def _reached(db: AsyncSession, w: World) -> dict[str, set[uuid.UUID]]:
    for seen in [o for o in db.identity_map.values() if isinstance(o, FollowUp)]:
        db.expire(seen)  # what the app committed, not this session's earlier reads
    scheme = await SchemeRepository(db, w.org.org.id).get(w.scheme_id)
    stages = await stage_members(db, scheme, SchemeRole.MENTEE, Period())
    return {k: v for k, v in stages.items() if k.startswith("outcome_")}


async def _nobody_else_can_answer(
    client: Client, db: AsyncSession, w: World, page: str, rel: dict[str, str]
) -> None:
    """To anyone else it does not exist, on the page and the API, and nothing changes."""
    assert (await client.get(page, headers=w.as_("mentor1"))).status_code == 404
    form = {"csrf_token": w.sessions["mentor1"].csrf, "happened": "promotion"}
    assert (await client.post(page, data=form, headers=w.as_("mentor1"))).status_code == 404
    api = f"{API}/me/follow-ups/{page.rsplit('/', 1)[1]}"
    wrong = await client.post(api, json={"happened": {}}, headers=w.as_("coordinator"))
    assert_problem(wrong, 404, "not-found")
    again = await _follow_up(db, rel["id"])
    assert again is not None
    assert again.answered_at is None
    assert again.happened == {}


async def _counted_hidden_then_erased(
    client: Client, db: AsyncSession, w: World, rel: dict[str, str]
) -> None:
    mentee = w.members["mentee"].id
    # The pipeline counts them, but one person is hidden like every count of 1-4.
    await ok(
        await client.put(
            f"{API}/equality/monitoring",
            json={"characteristics": ["disability"]},
            headers=w.org.headers,
        )
    )
    figures = await ok(
        await client.get(
            f"{API}/schemes/{w.scheme_id}/equality/pipeline",
            params={"characteristic": "disability"},
            headers=w.as_("coordinator"),
        )
    )
    [total] = [r for r in figures["rows"] if r["category"] == "total"]
    assert total["counts"]["outcome_promotion"] is None
    assert total["counts"]["outcome_acting_up"] == 0

    # Erasure removes the answers, and the person from every count.
    await erase_person(db, w.org.org.id, mentee, by=ActorRef.system("test"), now=utcnow())
    await db.commit()
    assert await _follow_up(db, rel["id"]) is None
    assert (await _reached(db, w))["outcome_promotion"] == set()


async def test_a_follow_up_falls_due_months_after_the_end_and_its_email_link_is_answered(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    w = await world(db)
    url = f"{API}/schemes/{w.scheme_id}/follow-up-settings"
    assert (await ok(await client.get(url, headers=w.as_("mentee"))))["months_after"] == 6
    # Only a coordinator sets it; a mentee's try changes nothing.
    refused = await client.put(url, json={"months_after": 1}, headers=w.as_("mentee"))
    assert_problem(refused, 403, "forbidden")
    assert (await ok(await client.get(url, headers=w.as_("mentee"))))["months_after"] == 6
    body = {"enabled": True, "months_after": 3}
    await ok(await client.put(url, json=body, headers=w.as_("coordinator")))
    rel = await _ended_pair(client, db, w)
    now = utcnow()

    assert (await jobs(db, now + timedelta(days=80)))[0].follow_ups == 0  # not yet
    assert await _follow_up(db, rel["id"]) is None
    # The node's jobs pass (as its loop runs it), with SMTP: opened and emailed at once.
    sessions = create_sessionmaker(engine)
    passed = await run_once(sessions, settings, now + timedelta(days=93), mailer=smtp.mailer)
    assert passed.jobs.follow_ups == 1  # 3 months on
    assert passed.emails is not None
    assert passed.emails.failed == passed.emails.dead == 0, passed.emails.errors
    assert (await jobs(db, now + timedelta(days=94)))[0].follow_ups == 0  # once
    row = await _follow_up(db, rel["id"])
    assert row is not None
    assert row.respondent_id == w.members["mentee"].id
    told = await db.scalars(
        select(Notification.member_id).where(Notification.kind == NotificationKind.FOLLOW_UP)
    )
    assert list(told) == [w.members["mentee"].id]  # the mentee only: outcomes are theirs

    [email] = [m for m in smtp.to(w.members["mentee"].email) if "since" in str(m["Subject"])]
    [link] = [u for u in links(email) if "/follow-ups/" in u]
    assert link.startswith(settings.base_url.rstrip("/") + "/orgs/brent/follow-ups/")
    page = urlsplit(link).path
    opened = await client.get(page, headers=w.as_("mentee"))
    assert opened.status_code == 200, opened.text
    assert "Since your mentoring ended" in opened.text

    await _nobody_else_can_answer(client, db, w, page, rel)
    api = f"{API}/me/follow-ups/{row.id}"

    answer = {"csrf_token": w.sessions["mentee"].csrf, "happened": ["promotion", "new_role"]}
    sent = await client.post(page, data=answer, headers=w.as_("mentee"), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    shown = await client.get(sent.headers["location"], headers=w.as_("mentee"))
    assert "I was promoted" in shown.text
    assert "Send my answer" not in shown.text
    twice = await client.post(api, json={"happened": {}}, headers=w.as_("mentee"))
    assert_problem(twice, 409, "illegal-transition")
    reached = await _reached(db, w)
    mentee = w.members["mentee"].id
    assert reached["outcome_promotion"] == reached["outcome_new_role"] == {mentee}
    assert reached["outcome_acting_up"] == set()

    await _counted_hidden_then_erased(client, db, w, rel)


async def test_a_mentee_can_say_no_thanks_and_nothing_is_counted(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await _ended_pair(client, db, w)
    assert (await jobs(db, utcnow() + timedelta(days=190)))[0].follow_ups == 1  # 6 months
    row = await _follow_up(db, rel["id"])
    assert row is not None
    page = f"/orgs/brent/follow-ups/{row.id}"
    # Someone else cannot decline it for them.
    other = {"csrf_token": w.sessions["mentor1"].csrf}
    assert (
        await client.post(f"{page}/decline", data=other, headers=w.as_("mentor1"))
    ).status_code == 404
    unchanged = await _follow_up(db, rel["id"])
    assert unchanged is not None
    assert unchanged.declined_at is None
    mine = {"csrf_token": w.sessions["mentee"].csrf}
    declined = await client.post(
        f"{page}/decline", data=mine, headers=w.as_("mentee"), follow_redirects=False
    )
    assert declined.status_code == 303
    assert "You said no thanks" in (await client.get(page, headers=w.as_("mentee"))).text
    api = f"{API}/me/follow-ups/{row.id}"
    late = await client.post(
        api, json={"happened": {"promotion": str(utcnow().date())}}, headers=w.as_("mentee")
    )
    assert_problem(late, 409, "illegal-transition")
    assert all(not v for v in (await _reached(db, w)).values())


async def test_a_mentee_who_later_mentors_is_counted_as_having_become_a_mentor(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    rel = await _ended_pair(client, db, w)
    mentee = w.members["mentee"].id
    assert (await _reached(db, w))["outcome_became_mentor"] == set()
    # Later, the former mentee mentors someone else (mentor1, as it happens).
    db.add(
        Relationship(
            org_id=w.org.org.id,
            scheme_id=w.scheme_id,
            mentee_id=w.members["mentor2"].id,
            mentor_id=mentee,
            started_at=utcnow() + timedelta(days=1),
            planned_end_on=(utcnow() + timedelta(days=200)).date(),
        )
    )
    await db.commit()
    assert (await _reached(db, w))["outcome_became_mentor"] == {mentee}
    # The earlier mentor does not "become" one by mentoring again.
    assert w.members["mentor1"].id not in (await _reached(db, w))["outcome_became_mentor"]
    assert rel["id"]
