"""Demo data for matching and federation: each demo org's sharing policy, a few senior staff
as opted-in mentors with approved applications, and the demo mentee ready to find a mentor.
Idempotent: what exists is left alone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.pairing.sharing import SharingPolicy, policy_of, set_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService


@dataclass(frozen=True)
class DemoMentor:
    post: str  # the demo_role of a member from network/demo/staff.py
    band: int
    topics: dict[str, int]


#: Each org's five mentors all offer leadership: with k = 5, a card says only what five cards of
#: the org say (federation/anonymise.py), so that is all their cards show, and at level 1 (four
#: offer it at 2, one at 3: neither is said by five); the HR director's hr, career review and
#: promotion are left off, where before they singled her out.
MENTORS = (
    DemoMentor("mentor", 8, {"housing": 3, "leadership-management": 3, "applying-promotion": 2}),
    DemoMentor(
        "resources_director", 8, {"finance": 3, "strategic-thinking": 3, "leadership-management": 2}
    ),
    DemoMentor(
        "hr_director",
        8,
        {"hr": 3, "career-review": 3, "applying-promotion": 3, "leadership-management": 2},
    ),
    DemoMentor(
        "finance_manager",
        7,
        {"finance": 3, "confidence": 2, "networks": 2, "leadership-management": 2},
    ),
    DemoMentor(
        "repairs_manager",
        6,
        {"housing": 2, "problem-solving": 3, "confidence": 3, "leadership-management": 2},
    ),
)
#: Card facts per demo org: sector and region ids of federation/anonymise.py.
FACTS = {
    "brent": ("local-government", "london"),
    "harrow": ("local-government", "london"),
    "nch": ("housing", "east-midlands"),
}
MENTEE_TOPICS = {
    "housing": 4,
    "leadership-management": 5,
    "applying-promotion": 4,
    "confidence": 3,
}


async def _member(session: AsyncSession, org_id: uuid.UUID, post: str) -> Member | None:
    for member in await MemberRepository(session, org_id).list():
        if (member.attributes or {}).get("demo_role") == post:
            return member
    return None


async def _approve(
    session: AsyncSession, member: Member, scheme_id: uuid.UUID, role: SchemeRole
) -> None:
    """The demo starts after line managers said yes: an approved application."""
    found = await session.scalar(
        select(Application.id).where(
            Application.org_id == member.org_id,
            Application.member_id == member.id,
            Application.role == role,
        )
    )
    if found is None:
        ApplicationRepository(session, member.org_id).add(
            Application(
                scheme_id=scheme_id,
                member_id=member.id,
                role=role,
                state=AppState.APPROVED,
                eligible=True,
                eligibility_reasons=["demo data: approved by the line manager"],
                decision_reason="demo data",
                service_delivery_considered=True,
            )
        )


async def seed_demo_federation(session: AsyncSession, slugs: list[str]) -> None:
    registry = OrgRegistry(session)
    for slug in slugs:
        org = await registry.find(slug)
        if org is None or slug not in FACTS:
            continue
        if not policy_of(org).cross_org:
            sector, region = FACTS[slug]
            await set_policy(
                session,
                org.id,
                SharingPolicy(cross_org=True, publish_cards=True, sector=sector, region=region),
            )
        schemes = await SchemeService(session, org.id).list()
        if not schemes:
            continue
        scheme = schemes[0]
        for demo in MENTORS:
            member = await _member(session, org.id, demo.post)
            if member is None:
                continue
            profiles = ProfileService(session, member)
            if await profiles.mentor() is None:
                await profiles.save_mentor(
                    topics=demo.topics,
                    capacity=2,
                    seniority_band=demo.band,
                    open_to_other_orgs=True,
                    languages=["en"],
                    sector=FACTS[slug][0],
                    region=FACTS[slug][1],
                    pen_picture=(
                        f"{member.job_title} at {org.name}. Happy to talk about "
                        + ", ".join(t.replace("-", " ") for t in demo.topics)
                        + "."
                    ),
                )
            await _approve(session, member, scheme.id, SchemeRole.MENTOR)
        mentee = await _member(session, org.id, "mentee")
        if mentee is not None:
            profiles = ProfileService(session, mentee)
            if await profiles.mentee() is None:
                await profiles.save_mentee(
                    topics=MENTEE_TOPICS,
                    open_to_other_orgs=True,
                    goals="Move into a team leader role within a year.",
                    career_to_date=f"{mentee.job_title}, three years in frontline services.",
                )
            await _approve(session, mentee, scheme.id, SchemeRole.MENTEE)
    await session.flush()
