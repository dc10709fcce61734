"""Builders for relationship tests: an org with a scheme, a mentee cleared to take part,
mentors with profiles, a coordinator; each signed in, with the headers their browser sends."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.mentoring.mentoring_settings import MentoringSettings, save_mentoring_settings
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.remote_events import CollectingSink
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import MentorProfileRow, MentorProfiles
from orgs.people.roles import MemberRole, Role
from orgs.records.mentoring_jobs import JobReport, run_due_jobs
from orgs.schemes.applications import Application, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec
from tests.integration.network.helpers import OrgWithToken, org_with_token
from tests.sessions import SignedIn, sign_in

Client = AsyncTestClient[Litestar]


@dataclass
class World:
    org: OrgWithToken
    scheme_id: uuid.UUID
    members: dict[str, Member] = field(default_factory=dict)
    sessions: dict[str, SignedIn] = field(default_factory=dict)

    def as_(self, key: str) -> dict[str, str]:
        """What ``key``'s browser sends: their own session, never the org's token."""
        return self.sessions[key].headers

    def id(self, key: str) -> str:
        return str(self.members[key].id)


async def add_member(
    db: AsyncSession, world: World, key: str, manager: str | None = None, **fields: Any
) -> Member:
    member = MemberRepository(db, world.org.org.id).add(
        Member(
            id=uuid.uuid4(),
            employee_id=f"{world.org.org.slug}-{key}",
            given_name=key.title(),
            family_name="Smith",
            email=f"{key}@{world.org.org.slug}.example",
            manager_id=world.members[manager].id if manager else None,
            **fields,
        )
    )
    world.members[key] = member
    await db.flush()
    [world.sessions[key]] = await sign_in(world.org.org.slug, [member])
    return member


async def world(
    db: AsyncSession,
    slug: str = "brent",
    mentors: int = 3,
    time_release_hours: int = 12,
    settings: MentoringSettings | None = None,
) -> World:
    """boss ─► mentee (approved for the scheme); mentor1..N with capacity 1; a coordinator."""
    org = await org_with_token(db, slug)
    scheme = await SchemeService(db, org.org.id).create(
        SchemeSpec(
            slug="mymentor",
            name="MyMentor",
            max_months=6,
            time_release_hours=time_release_hours,
        )
    )
    w = World(org, scheme.id)
    await add_member(db, w, "boss")
    await add_member(db, w, "mentee", manager="boss")
    db.add(
        Application(
            org_id=org.org.id,
            scheme_id=scheme.id,
            member_id=w.members["mentee"].id,
            role=SchemeRole.MENTEE,
            state=AppState.APPROVED,
        )
    )
    for i in range(1, mentors + 1):
        mentor = await add_member(db, w, f"mentor{i}")
        MentorProfiles(db, org.org.id).add(
            MentorProfileRow(member_id=mentor.id, topics={"leadership-management": 2}, capacity=1)
        )
    coordinator = await add_member(db, w, "coordinator")
    db.add(MemberRole(org_id=org.org.id, member_id=coordinator.id, role=Role.COORDINATOR))
    await add_member(db, w, "stranger")
    if settings is not None:
        await save_mentoring_settings(db, org.org.id, settings)
    await db.commit()
    return w


async def jobs(db: AsyncSession, now: datetime) -> tuple[JobReport, CollectingSink]:
    sink = CollectingSink()
    report = await run_due_jobs(db, now, sink)
    await db.commit()
    return report, sink


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def send(
    client: Client, w: World, *mentors: str, who: str = "mentee"
) -> list[dict[str, Any]]:
    body = {
        "scheme_id": str(w.scheme_id),
        "mentors": [{"member_id": w.id(m)} for m in mentors],
        "message": "I would like help with leading a team.",
    }
    result: list[dict[str, Any]] = await ok(
        await client.post("/api/v1/me/requests", json=body, headers=w.as_(who)), 201
    )
    return result


async def paired(client: Client, w: World, mentor: str = "mentor1") -> dict[str, Any]:
    """A request accepted and the agreement confirmed by both: an active relationship."""
    [req, *_] = await send(client, w, mentor)
    rel: dict[str, Any] = await ok(
        await client.post(f"/api/v1/requests/{req['id']}/accept", headers=w.as_(mentor)), 201
    )
    base = f"/api/v1/relationships/{rel['id']}/agreement"
    await ok(await client.put(base, json=AGREEMENT, headers=w.as_("mentee")))
    for who in ("mentee", mentor):
        await ok(await client.post(f"{base}/confirm", json=CONFIRM, headers=w.as_(who)), 201)
    return rel


AGREEMENT = {
    "frequency": "Monthly",
    "location": "Civic Centre, room 3",
    "length_minutes": 60,
    "contact_by": "mentee",
    "communication": "Email, then Teams",
    "objectives": "Prepare for a team leader role",
    "expected_outcomes": "Apply for a team leader post",
    "shadowing_wanted": True,
}
CONFIRM = {"accept_code_of_conduct": True, "accept_principles": True}


async def backdate(db: AsyncSession, rel: dict[str, Any], **ago: float) -> None:
    """Move the start of ``rel`` back by ``ago`` (timedelta's keywords), so that meetings held
    in the past fall within it: none may be dated before the relationship began."""
    row = await db.get(Relationship, uuid.UUID(rel["id"]), populate_existing=True)
    assert row is not None
    row.started_at -= timedelta(**ago)
    await db.commit()
