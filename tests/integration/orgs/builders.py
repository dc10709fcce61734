"""Builders for organisation tests: HR exports, staff imported through the real importer,
members signed in with roles, and schemes with seed rules."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from network.db import create_engine, create_sessionmaker
from orgs.audit import ActorRef
from orgs.models import Org
from orgs.org_settings import OrgSettings, update_settings
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberRepository
from orgs.people.role_grants import RoleGrants
from orgs.people.roles import Role, roles_of
from orgs.records.staff_import import StaffImporter
from orgs.registry import OrgRegistry
from orgs.schemes.rules_store import RulesStore
from orgs.schemes.schemes import Scheme, SchemeService, SchemeSpec
from tests.sessions import SignedIn, sign_in

T = TypeVar("T")
DEMO_RULES = Path(__file__).parents[3] / "network" / "demo" / "rules"
COLUMNS = [
    "employee_id",
    "email",
    "given_name",
    "family_name",
    "department",
    "job_title",
    "grade",
    "location",
    "manager_employee_id",
    "employment_type",
    "school_based",
    "start_date",
]
NCH_GRADES = ["G1", "G2", "G3", "G4", "G5", "G6", "G7", "SM1", "SM2", "D1"]


@dataclass
class Person:
    employee_id: str
    manager: str = ""
    given_name: str = ""
    family_name: str = "Smith"
    department: str = "Housing"
    job_title: str = "Officer"
    grade: str = "G3"
    location: str = "Civic Centre"
    employment_type: str = "permanent"
    school_based: str = "no"
    start_date: str = "2018-04-01"
    email: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def row(self) -> dict[str, str]:
        return {
            "employee_id": self.employee_id,
            "email": self.email or f"{self.employee_id.lower()}@example.gov.uk",
            "given_name": self.given_name or f"Person{self.employee_id}",
            "family_name": self.family_name,
            "department": self.department,
            "job_title": self.job_title,
            "grade": self.grade,
            "location": self.location,
            "manager_employee_id": self.manager,
            "employment_type": self.employment_type,
            "school_based": self.school_based,
            "start_date": self.start_date,
            **self.extra,
        }


def csv_of(rows: Iterable[dict[str, str]]) -> str:
    rows = list(rows)
    headers = list(COLUMNS)
    for row in rows:
        headers += [k for k in row if k not in headers]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def big_export(n: int) -> list[dict[str, str]]:
    """``n`` staff in a tree: E0001 at the top, each manager with up to 8 reports."""
    return [
        Person(
            f"E{i:04d}",
            manager=f"E{(i - 2) // 8 + 1:04d}" if i > 1 else "",
            grade=NCH_GRADES[max(0, 9 - len(str(i)) * 2)],
        ).row()
        for i in range(1, n + 1)
    ]


async def new_org(db: AsyncSession, slug: str, grades: Sequence[str] = NCH_GRADES) -> Org:
    org = await OrgRegistry(db).find(slug) or await OrgRegistry(db).create(slug, slug.title())
    await update_settings(db, org.id, OrgSettings(grade_order=list(grades)))
    return org


async def import_people(db: AsyncSession, org: Org, people: Sequence[Person]) -> dict[str, Member]:
    await StaffImporter(db, org.id).run(csv_of(p.row() for p in people))
    members = await MemberRepository(db, org.id).list()
    return {m.employee_id or "": m for m in members}


async def grant(db: AsyncSession, member: Member, *roles: Role) -> None:
    for role in roles:
        await RoleGrants(db, member.org_id).grant(member.id, role, ActorRef.system("test"))


async def act(db: AsyncSession, member: Member) -> Actor:
    return Actor.of_member(member, await roles_of(db, member))


def seed_rules(name: str) -> Any:
    return yaml.safe_load((DEMO_RULES / f"{name}.yaml").read_text())


async def scheme_with_rules(
    db: AsyncSession, org: Org, rules: str | None = None, **spec: Any
) -> Scheme:
    values: dict[str, Any] = {"slug": "mymentor", "name": "MyMentor"}
    values.update(spec)
    scheme = await SchemeService(db, org.id).create(SchemeSpec(**values))
    if rules is not None:
        await RulesStore(db, org.id).set(scheme, seed_rules(rules), ActorRef.system("test"))
    return scheme


#: A small org: chief → director → manager → (mentee, colleague); HR director and coordinator
#: elsewhere; an unrelated manager with their own report.
TEAM = [
    Person("CEO", grade="D1", job_title="Chief Executive"),
    Person("DIR", manager="CEO", grade="SM2", job_title="Director of Housing"),
    Person("MGR", manager="DIR", grade="G6", job_title="Housing Manager"),
    Person("MENTEE", manager="MGR", grade="G3"),
    Person("PEER", manager="MGR", grade="G3"),
    Person("OTHERMGR", manager="DIR", grade="G6", department="Finance"),
    Person("OTHER", manager="OTHERMGR", grade="G2", department="Finance"),
    Person("HRD", manager="CEO", grade="SM2", department="HR", job_title="HR Director"),
    Person("COORD", manager="HRD", grade="G5", department="HR", job_title="L&D Coordinator"),
    Person("ADMIN", manager="HRD", grade="G4", department="HR", job_title="HR Systems"),
    Person("TEACHER", manager="DIR", school_based="yes", department="Schools"),
]


async def team(db: AsyncSession, slug: str = "brent") -> tuple[Org, dict[str, Member]]:
    org = await new_org(db, slug)
    people = await import_people(db, org, TEAM)
    await grant(db, people["HRD"], Role.HR_DIRECTOR)
    await grant(db, people["COORD"], Role.COORDINATOR)
    await grant(db, people["ADMIN"], Role.ORG_ADMIN)
    await db.flush()
    return org, people


def in_db(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """For synchronous (CLI) tests: run ``work`` in its own session and commit."""

    async def go() -> T:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@dataclass
class ApiOrg:
    """An org with its team imported, roles granted, an admin token, a Brent-rules scheme, and
    each person signed in through a real session."""

    org: Org
    people: dict[str, Member]
    token: str
    scheme_id: str
    sessions: dict[str, SignedIn]

    def as_(self, key: str | None = None) -> dict[str, str]:
        """The org's admin script (no key), or what ``key``'s browser sends: their session
        cookie and CSRF token, and no token (a token is never a person)."""
        if key is None:
            return {"Authorization": f"Bearer {self.token}"}
        return self.sessions[key].headers

    def id(self, key: str) -> str:
        return str(self.people[key].id)


async def api_org(db: AsyncSession, org_slug: str = "brent", **scheme: Any) -> ApiOrg:
    from orgs.models import TokenRole
    from orgs.tokens import TokenService

    org, people = await team(db, org_slug)
    created = await scheme_with_rules(db, org, scheme.pop("rules", "brent"), **scheme)
    token, _ = await TokenService(db).create(org, TokenRole.ADMIN, "test")
    await db.commit()
    sessions = dict(zip(people, await sign_in(org.slug, people.values()), strict=True))
    return ApiOrg(org, people, token, str(created.id), sessions)
