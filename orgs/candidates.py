"""Who may be suggested to a mentee on this node: the local half of matching's input.

Hard rules are settled here or handed to the engine as data: both sides approved (an approved
application, or a granted exception), opted in across orgs, both orgs consenting, free
capacity, and the pairs the engine must never make (management chain, never again).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.constraints import OrgPolicy, Pair, PairRules
from matching.model import MenteeProfile, MentorProfile, SchemeKind
from orgs.applications import Application, AppState
from orgs.chains import ManagementChains
from orgs.eligibility import SchemeRole
from orgs.members import Member, MemberStatus
from orgs.models import Org
from orgs.profiles import MenteeProfileRow, MenteeProfiles, MentorProfileRow, to_mentee, to_mentor
from orgs.relationships import active_count, never_again_pairs
from orgs.schemes import Scheme, SchemeService
from orgs.sharing import SharingPolicy, both_consent, policy_of

APPROVED = (AppState.APPROVED, AppState.EXCEPTION_GRANTED)


@dataclass(frozen=True)
class MentorView:
    """What a mentee may see of a local candidate before any request: a name only within
    their own organisation; across organisations, the organisation's name alone."""

    org_name: str
    same_org: bool
    name: str | None
    job_title: str | None


@dataclass(frozen=True)
class LocalPool:
    mentee: MenteeProfile | None
    scheme_kind: SchemeKind
    mentors: tuple[MentorProfile, ...] = ()
    views: dict[str, MentorView] = field(default_factory=dict)
    rules: PairRules = field(default_factory=PairRules)
    policy: SharingPolicy = field(default_factory=SharingPolicy)
    blocked: str | None = None  # why this member gets no suggestions at all


async def approved_members(
    session: AsyncSession, org_id: uuid.UUID, role: SchemeRole, scheme_id: uuid.UUID | None
) -> set[uuid.UUID]:
    query = select(Application.member_id).where(
        Application.org_id == org_id, Application.role == role, Application.state.in_(APPROVED)
    )
    if scheme_id is not None:
        query = query.where(Application.scheme_id == scheme_id)
    return set(await session.scalars(query))


async def local_mentors(
    session: AsyncSession,
    org: Org,
    approved: set[uuid.UUID],
    *,
    cross_org_only: bool,
    today: date,
) -> list[tuple[MentorProfile, Member]]:
    query = (
        select(MentorProfileRow, Member)
        .join(Member, Member.id == MentorProfileRow.member_id)
        .where(
            MentorProfileRow.org_id == org.id,
            Member.org_id == org.id,
            Member.status == MemberStatus.ACTIVE,
            Member.id.in_(approved),
        )
    )
    if cross_org_only:
        query = query.where(MentorProfileRow.open_to_other_orgs.is_(True))
    """The mentors of ``org`` among ``approved``, active, with a mentor profile; each with
    their free capacity (capacity less live relationships) and paused flag as of ``today``."""
    found = []
    for row, member in await session.execute(query):
        free = row.capacity - await active_count(session, org.id, member.id)
        found.append((to_mentor(row, member, free, today), member))
    return found


async def local_pool(
    session: AsyncSession, mentee: Member, scheme_slug: str | None, today: date
) -> LocalPool:
    org = await session.get(Org, mentee.org_id)
    assert org is not None
    scheme: Scheme | None = (
        await SchemeService(session, org.id).by_slug(scheme_slug) if scheme_slug else None
    )
    kind = SchemeKind(scheme.kind.value) if scheme is not None else SchemeKind.ONE_TO_ONE
    scheme_id = scheme.id if scheme is not None else None
    row: MenteeProfileRow | None = await MenteeProfiles(session, org.id).find_one(
        MenteeProfileRow.member_id == mentee.id
    )
    if row is None:
        return LocalPool(None, kind, blocked="Fill in your mentee profile first.")
    if mentee.id not in await approved_members(session, org.id, SchemeRole.MENTEE, scheme_id):
        return LocalPool(
            to_mentee(row, mentee, None),
            kind,
            blocked="You need an approved application as a mentee first.",
        )
    profile = to_mentee(row, mentee, None)
    policy = policy_of(org)
    found = await local_mentors(
        session,
        org,
        await approved_members(session, org.id, SchemeRole.MENTOR, scheme_id),
        cross_org_only=False,
        today=today,
    )
    partners: set[str] = set()
    if row.open_to_other_orgs:
        others = await session.scalars(select(Org).where(Org.id != org.id).order_by(Org.slug))
        for other in others:
            if not both_consent(policy, org.slug, policy_of(other), other.slug):
                continue
            partners.add(str(other.id))
            approved = await approved_members(session, other.id, SchemeRole.MENTOR, None)
            found += await local_mentors(session, other, approved, cross_org_only=True, today=today)
    names = {str(o.id): o.name for o in await session.scalars(select(Org))}
    views = {
        m.id: MentorView(
            org_name=names[m.org_id],
            same_org=member.org_id == org.id,
            name=member.display_name if member.org_id == org.id else None,
            job_title=member.job_title if member.org_id == org.id else None,
        )
        for m, member in found
    }
    return LocalPool(
        mentee=profile,
        scheme_kind=kind,
        mentors=tuple(m for m, _ in found),
        views=views,
        rules=await pair_rules(session, mentee, partners),
        policy=policy,
    )


async def chain_pairs(
    session: AsyncSession, org_id: uuid.UUID, mentee_ids: Iterable[uuid.UUID]
) -> frozenset[Pair]:
    """(mentee, other) for everyone above or below each mentee: both directions of the
    management chain, as the engine's ``PairRules.management_chain`` wants them."""
    chains = ManagementChains(session, org_id)
    pairs: set[Pair] = set()
    for mentee_id in mentee_ids:
        chain = await chains.chain(mentee_id)
        pairs.update((str(mentee_id), str(other)) for other in chain.related)
    return frozenset(pairs)


async def never_again_of(
    session: AsyncSession, org_id: uuid.UUID, mentee_ids: Iterable[uuid.UUID]
) -> frozenset[Pair]:
    """The local never-again pairs of these mentees, as engine pairs."""
    wanted = set(mentee_ids)
    never = await never_again_pairs(session, org_id)
    return frozenset((str(a), str(b)) for a, b in never if a in wanted)


async def pair_rules(session: AsyncSession, mentee: Member, partners: set[str]) -> PairRules:
    org = str(mentee.org_id)
    policies = {org: OrgPolicy(cross_org_allowed=bool(partners), partner_orgs=frozenset(partners))}
    for partner in partners:  # consent was settled above, on both sides
        policies[partner] = OrgPolicy(cross_org_allowed=True, partner_orgs=frozenset({org}))
    return PairRules(
        management_chain=await chain_pairs(session, mentee.org_id, [mentee.id]),
        never_again=await never_again_of(session, mentee.org_id, [mentee.id]),
        org_policies=policies,
    )
