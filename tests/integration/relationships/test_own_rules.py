"""Each organisation's own rules for its own person in a cross-organisation pair (issue 16
item 2), on one node's side: the mentor's side of a pair follows the mentor's own scheme (its
budget, its questionnaires), a completion the other side reports counts as completed here, and
the jobs warn the local person of their own organisation's budget once per threshold."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network import migrate
from network.config import Settings
from orgs.db import utcnow
from orgs.mentoring.ending import apply_remote_end
from orgs.mentoring.meetings import Meeting, MeetingMode, Meetings, MeetingState
from orgs.pairing.requests import receive_remote_request
from orgs.people.notifications import Notification
from orgs.schemes.applications import Application, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec
from tests import services
from tests.integration.relationships.builders import Client, World, jobs, ok, world

PEER = "https://harrow.example"


def approve(db: AsyncSession, w: World, key: str, scheme_id: uuid.UUID, at: datetime) -> None:
    db.add(
        Application(
            org_id=w.org.org.id,
            scheme_id=scheme_id,
            member_id=w.members[key].id,
            role=SchemeRole.MENTOR,
            state=AppState.APPROVED,
            created_at=at,
        )
    )


async def incoming(db: AsyncSession, w: World, ref: str, mentor: str = "mentor1") -> Any:
    now = utcnow()
    return await receive_remote_request(
        db,
        w.org.org.id,
        peer=PEER,
        remote_ref=ref,
        mentor_id=w.members[mentor].id,
        summary={"mentee_org": "harrow", "topics": [{"topic": "housing", "importance": 4}]},
        answer_by=now + timedelta(days=5),
        now=now,
        mentee_org_name="London Borough of Harrow",
    )


async def test_the_mentors_side_follows_the_scheme_the_mentor_mentors_in(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db, time_release_hours=12)
    schemes = SchemeService(db, w.org.org.id)
    leaders = await schemes.create(
        SchemeSpec(slug="leaders", name="Leaders", time_release_hours=20, recommended_sessions=8)
    )
    ended = await schemes.create(
        SchemeSpec(slug="old", name="Old", time_release_hours=40, ends_on=date(2020, 1, 1))
    )
    now = utcnow()
    approve(db, w, "mentor1", w.scheme_id, now - timedelta(days=30))
    approve(db, w, "mentor1", leaders.id, now - timedelta(days=3))  # the latest one counts
    approve(db, w, "mentor1", ended.id, now - timedelta(days=1))  # ended: not a scheme now
    await db.commit()
    req = await incoming(db, w, "harrow-request-0001")
    await db.commit()
    seen = await ok(await client.get(f"/api/v1/requests/{req.id}", headers=w.as_("mentor1")))
    assert seen["scheme_id"] == str(leaders.id)
    assert seen["counterpart"] == "a mentee at London Borough of Harrow"
    assert seen["topics_wanted"][0]["importance_words"] == "very important (4 of 5)"
    rel = await ok(
        await client.post(f"/api/v1/requests/{req.id}/accept", headers=w.as_("mentor1")), 201
    )
    assert (rel["scheme_id"], rel["counterpart_org"]) == (
        str(leaders.id),
        "London Borough of Harrow",
    )
    release = rel["time_release"]
    assert (release["budget_hours"], release["recommended_sessions"]) == (20, 8)


async def test_a_completion_the_other_side_reports_is_completed_here(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db)
    approve(db, w, "mentor1", w.scheme_id, utcnow())
    await db.commit()
    req = await incoming(db, w, "harrow-request-0002")
    await db.commit()
    rel = await ok(
        await client.post(f"/api/v1/requests/{req.id}/accept", headers=w.as_("mentor1")), 201
    )
    # Ended early over there: not completed here either, and not in the HR export.
    early = await incoming(db, w, "harrow-request-0003", mentor="mentor2")
    await db.commit()
    await ok(
        await client.post(f"/api/v1/requests/{early.id}/accept", headers=w.as_("mentor2")), 201
    )
    for ref, completed in (("harrow-request-0002", True), ("harrow-request-0003", False)):
        await apply_remote_end(db, peer=PEER, remote_ref=ref, completed=completed, now=utcnow())
    await db.commit()
    one = await ok(await client.get(f"/api/v1/relationships/{rel['id']}", headers=w.as_("mentor1")))
    assert (one["state"], one["end_kind"]) == ("ended", "completed")
    export = await client.get("/api/v1/orgs/brent/hr-export.csv", headers=w.as_("coordinator"))
    lines = export.text.strip().splitlines()
    assert len(lines) == 2, export.text  # the header and the completed pair only
    assert "Mentor1 Smith,mentor" in lines[1]
    assert ",yes,London Borough of Harrow," in lines[1]


async def _budget_notes(db: AsyncSession, member_id: uuid.UUID) -> list[str]:
    rows = await db.scalars(
        select(Notification.subject)
        .where(Notification.member_id == member_id, Notification.kind == "budget")
        .order_by(Notification.created_at)
    )
    return list(rows)


async def test_the_jobs_warn_each_threshold_of_the_own_budget_once(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db, time_release_hours=10)
    approve(db, w, "mentor1", w.scheme_id, utcnow())
    await db.commit()
    req = await incoming(db, w, "harrow-request-0004")
    await db.commit()
    rel_id = uuid.UUID(
        (
            await ok(
                await client.post(f"/api/v1/requests/{req.id}/accept", headers=w.as_("mentor1")),
                201,
            )
        )["id"]
    )
    mentor = w.members["mentor1"].id

    async def replicated(minutes: int) -> None:
        """A held meeting as the shared record brings it: straight into this side's table."""
        Meetings(db, w.org.org.id).add(
            Meeting(
                relationship_id=rel_id,
                state=MeetingState.HELD,
                starts_at=utcnow(),
                duration_minutes=minutes,
                mode=MeetingMode.REMOTE,
            )
        )
        await db.commit()

    await replicated(420)  # 7 of 10 hours: no warning yet
    assert (await jobs(db, utcnow()))[0].release_warnings == 0
    await replicated(60)  # 8 of 10: 80 %
    assert (await jobs(db, utcnow()))[0].release_warnings == 1
    assert (await jobs(db, utcnow()))[0].release_warnings == 0  # once
    assert await _budget_notes(db, mentor) == ["80% of your time release is used"]
    await replicated(150)  # past the budget, recorded on the other side
    await jobs(db, utcnow())
    await jobs(db, utcnow())
    assert await _budget_notes(db, mentor) == [
        "80% of your time release is used",
        "Your time release is used up",
    ]
    release = await ok(
        await client.get(f"/api/v1/relationships/{rel_id}/time-release", headers=w.as_("mentor1"))
    )
    assert (release["used_hours"], release["budget_hours"]) == (10.5, 10)
    # A coordinator's health view counts the same meetings against the same budget.
    [health] = await ok(
        await client.get("/api/v1/orgs/brent/relationships", headers=w.as_("coordinator"))
    )
    assert (health["hours_used"], health["hours_budget"], health["meetings_held"]) == (10.5, 10, 3)
    assert health["counterpart_org"] == "London Borough of Harrow"
    # Only this side's coordinator gives more of this side's time: the mentor cannot.
    extra = f"/api/v1/orgs/brent/relationships/{rel_id}/extra-time"
    more = {"hours": 2, "reason": "A final session"}
    refused = await client.post(extra, json=more, headers=w.as_("mentor1"))
    assert refused.status_code == 403
    again = await ok(
        await client.get(f"/api/v1/relationships/{rel_id}/time-release", headers=w.as_("mentor1"))
    )
    assert again == release
    await ok(await client.post(extra, json=more, headers=w.as_("coordinator")), 201)
    await jobs(db, utcnow())  # 10.5 of 12 hours: the new budget's 80 %, warned afresh
    assert (await _budget_notes(db, mentor))[-2:] == [
        "More time release allowed",
        "88% of your time release is used",
    ]


# --- the migration gives existing mentor sides their scheme ------------------------------------


def _fill(kind: str) -> Any:
    if kind == "uuid":
        return uuid.uuid4()
    if kind in ("integer", "bigint", "smallint"):
        return 0
    if kind == "boolean":
        return False
    if kind.startswith("timestamp"):
        return utcnow()
    if kind == "date":
        return date(2026, 1, 1)
    if kind in ("json", "jsonb"):
        return "{}"
    return "x"


async def _insert(conn: asyncpg.Connection, table: str, **given: Any) -> None:
    """A row of ``table`` with ``given`` and a plain value in every other required column (the
    schema as it was before the migration, read from the database itself)."""
    required = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = $1 AND is_nullable = 'NO' AND column_default IS NULL",
        table,
    )
    row = {r["column_name"]: _fill(r["data_type"]) for r in required} | given
    names = ", ".join(row)
    marks = ", ".join(f"${i}" for i in range(1, len(row) + 1))
    await conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", *row.values())


async def _before(url: str) -> dict[str, uuid.UUID]:
    ids = {k: uuid.uuid4() for k in ("org", "mentor", "scheme", "rel", "req")}
    conn = await asyncpg.connect(services.libpq_url(url))
    try:
        await _insert(conn, "orgs", id=ids["org"], slug="nch")
        await _insert(conn, "members", id=ids["mentor"], org_id=ids["org"])
        await _insert(
            conn, "schemes", id=ids["scheme"], org_id=ids["org"], time_release_hours=8,
            recommended_sessions=5,
        )  # fmt: skip
        await _insert(
            conn, "applications", org_id=ids["org"], scheme_id=ids["scheme"],
            member_id=ids["mentor"], role="mentor", state="approved",
        )  # fmt: skip
        side = {"org_id": ids["org"], "mentor_id": ids["mentor"], "remote_peer": PEER}
        await _insert(
            conn, "mentoring_relationships", id=ids["rel"], time_release_hours=12,
            recommended_sessions=6, state="active", **side,
        )  # fmt: skip
        await _insert(
            conn, "mentoring_requests", id=ids["req"], state="accepted", direction="incoming",
            remote_ref="r", **side,
        )  # fmt: skip
    finally:
        await conn.close()
    return ids


async def _after(url: str, ids: dict[str, uuid.UUID]) -> tuple[Any, Any]:
    conn = await asyncpg.connect(services.libpq_url(url))
    try:
        rel = await conn.fetchrow(
            "SELECT scheme_id, time_release_hours, recommended_sessions, counterpart_org "
            "FROM mentoring_relationships WHERE id = $1",
            ids["rel"],
        )
        req = await conn.fetchrow(
            "SELECT scheme_id FROM mentoring_requests WHERE id = $1", ids["req"]
        )
        return rel, req
    finally:
        await conn.close()


def test_the_migration_gives_existing_mentor_sides_their_own_scheme() -> None:
    url = services.worker_database_url("own_rules_migration")
    services.recreate_database(url)
    try:
        migrated = Settings(database_url=url)
        migrate.upgrade(migrated, "0013_candidate_stamps")
        ids = asyncio.run(_before(url))
        migrate.upgrade(migrated)
        rel, req = asyncio.run(_after(url, ids))
        assert (rel["scheme_id"], req["scheme_id"]) == (ids["scheme"], ids["scheme"])
        assert (rel["time_release_hours"], rel["recommended_sessions"]) == (8, 5)
        assert rel["counterpart_org"] == ""
    finally:
        services.drop_database(url)


async def test_the_mentors_organisation_reports_its_cross_organisation_pairs(
    client: Client, db: AsyncSession
) -> None:
    """Five of our mentors each mentor someone of another organisation: our questionnaire asks
    them at the end, and our results and outcomes count them (five: not suppressed)."""
    w = await world(db, mentors=5)
    for i in range(1, 6):
        approve(db, w, f"mentor{i}", w.scheme_id, utcnow())
    await db.commit()
    form = {
        "audience": "mentor",
        "stage": "end",
        "title": "Mentoring across organisations",
        "questions": [{"key": "useful", "text": "How useful was it?", "kind": "scale"}],
    }
    coordinator = w.as_("coordinator")
    scheme = f"/api/v1/orgs/brent/schemes/{w.scheme_id}"
    await ok(await client.put(f"{scheme}/questionnaires", json=form, headers=coordinator))
    for i in range(1, 6):
        ref = f"harrow-request-10{i}"
        req = await incoming(db, w, ref, mentor=f"mentor{i}")
        await db.commit()
        headers = w.as_(f"mentor{i}")
        rel = await ok(await client.post(f"/api/v1/requests/{req.id}/accept", headers=headers), 201)
        await apply_remote_end(db, peer=PEER, remote_ref=ref, completed=True, now=utcnow())
        await db.commit()
        [due] = await ok(await client.get("/api/v1/me/evaluations", headers=headers))
        assert (due["title"], due["relationship_id"]) == (form["title"], rel["id"])
        answers = {"answers": {"useful": 4}}
        await ok(
            await client.post(
                f"/api/v1/me/evaluations/{due['id']}/answers", json=answers, headers=headers
            ),
            201,
        )
        outcome = {"relationship_id": rel["id"], "kind": "became_mentor", "on": "2027-01-01"}
        await ok(
            await client.post("/api/v1/orgs/brent/outcomes", json=outcome, headers=coordinator), 201
        )
    results = await ok(await client.get(f"{scheme}/evaluation-results", headers=coordinator))
    [mine] = results["questionnaires"]
    assert (mine["responses"], mine["suppressed"]) == (5, False)
    assert mine["questions"][0]["mean"] == 4
    assert results["outcomes"]["became_mentor"] == 5
