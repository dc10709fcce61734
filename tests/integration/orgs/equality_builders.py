"""Builders for equality tests: an org that monitors ethnic group, disability and sex, and
crafted populations of applicants who answered with consent."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.people.equality import Characteristic, EqualityIn, EqualityMonitoring
from orgs.people.members import Member, MemberRepository
from orgs.schemes.applications import Application, AppState, Placement
from orgs.schemes.eligibility import SchemeRole
from tests.integration.orgs.builders import ApiOrg, api_org

Client = AsyncTestClient[Litestar]
API = "/api/v1/orgs/brent"


async def monitoring_org(client: Client, db: AsyncSession) -> ApiOrg:
    o = await api_org(db, slug="pa-pilot", name="Positive-action pilot")
    chosen = {"characteristics": ["ethnic_group", "disability", "sex"]}
    response = await client.put(f"{API}/equality/monitoring", json=chosen, headers=o.as_("ADMIN"))
    assert response.status_code == 200, response.text
    return o


async def population(
    db: AsyncSession, o: ApiOrg, groups: list[tuple[str, int, dict[str, Any]]]
) -> list[Member]:
    """``count`` mentee applicants per (ethnic answer, count, application fields), each having
    answered with consent."""
    made = []
    store = EqualityMonitoring(db, o.org.id)
    for n, (answer, count, fields) in enumerate(groups):
        for i in range(count):
            member = MemberRepository(db, o.org.id).add(
                Member(
                    employee_id=f"P{n}-{i}",
                    given_name=f"Applicant{n}x{i}",
                    family_name="Crafted",
                    email=f"p{n}-{i}@brent.example",
                )
            )
            await db.flush()
            if answer:
                await store.declare(
                    member, EqualityIn(consent=True, answers={Characteristic.ETHNIC_GROUP: answer})
                )
            db.add(
                Application(
                    org_id=o.org.id,
                    scheme_id=uuid.UUID(o.scheme_id),
                    member_id=member.id,
                    role=SchemeRole.MENTEE,
                    **fields,
                )
            )
            made.append(member)
    await db.commit()
    return made


ELIGIBLE = {"state": AppState.AWAITING_LINE_MANAGER, "eligible": True}
INELIGIBLE = {"state": AppState.INELIGIBLE, "eligible": False}
OFFERED = {"state": AppState.APPROVED, "eligible": True, "placement": Placement.OFFERED}
WAITING = {"state": AppState.APPROVED, "eligible": True, "placement": Placement.WAITING}
