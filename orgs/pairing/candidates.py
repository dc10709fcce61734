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

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.constraints import Pair, PairRules
from matching.model import MenteeProfile, MentorProfile, SchemeKind
from orgs.mentoring.relationships import active_count, never_again_pairs
from orgs.models import Org
from orgs.pairing.sharing import SharingPolicy, policy_of
from orgs.people.chains import ManagementChains
from orgs.people.members import Member, MemberStatus
from orgs.people.profiles import (
    MenteeProfileRow,
    MenteeProfiles,
    MentorProfileRow,
    to_mentee,
    to_mentor,
)
from orgs.schemes.applications import ACCEPTED, Application
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme, SchemeService


@dataclass(frozen=True)
class MentorView:
    """What a mentee sees of a mentor of their own organisation before any request (a mentor
    elsewhere is a card: organisation and node only, see ``federation.remote_candidates``)."""

    org_name: str
    name: str
    job_title: str


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
    session: AsyncSession,
    org_id: uuid.UUID,
    role: SchemeRole,
    scheme_id: uuid.UUID | None,
    *,
    today: date,
) -> set[uuid.UUID]:
    """Who the org's rules and approval let take part in ``role``: an application accepted
    (line manager's approval, or an HR-director exception) in a scheme that has not ended by
    ``today`` (``scheme_id``, or any scheme of the org when None).

    The one rule for local suggestions, requests received from other nodes and the cards this
    node publishes: withdrawing the application or the scheme ending takes a mentor off all
    three at once (the card becomes a tombstone at the next feed build).
    """
    query = (
        select(Application.member_id)
        .join(Scheme, Scheme.id == Application.scheme_id)
        .where(
            Application.org_id == org_id,
            Scheme.org_id == org_id,
            Application.role == role,
            Application.state.in_(ACCEPTED),
            or_(Scheme.ends_on.is_(None), Scheme.ends_on >= today),
        )
    )
    if scheme_id is not None:
        query = query.where(Application.scheme_id == scheme_id)
    return set(await session.scalars(query))


async def local_mentors(
    session: AsyncSession,
    org: Org,
    approved: set[uuid.UUID],
    *,
    today: date,
) -> list[tuple[MentorProfile, Member]]:
    """The mentors of ``org`` among ``approved``, active, with a mentor profile; each with
    their free capacity (capacity less live relationships) and paused flag as of ``today``."""
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
    if mentee.id not in await approved_members(
        session, org.id, SchemeRole.MENTEE, scheme_id, today=today
    ):
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
        await approved_members(session, org.id, SchemeRole.MENTOR, scheme_id, today=today),
        today=today,
    )
    # Other organisations are reached through federation (their cards), even when they are
    # hosted on this node: requests, relationships and notifications are org-scoped rows, so a
    # pair across two orgs of one node needs the same two-sided protocol as across nodes.
    views = {
        m.id: MentorView(org_name=org.name, name=member.display_name, job_title=member.job_title)
        for m, member in found
    }
    return LocalPool(
        mentee=profile,
        scheme_kind=kind,
        mentors=tuple(m for m, _ in found),
        views=views,
        rules=await pair_rules(session, mentee),
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


async def pair_rules(session: AsyncSession, mentee: Member) -> PairRules:
    """The pairs the engine must never make for this mentee. Org policies start closed; the
    federation side opens them to the remote orgs whose cards both sides allow."""
    return PairRules(
        management_chain=await chain_pairs(session, mentee.org_id, [mentee.id]),
        never_again=await never_again_of(session, mentee.org_id, [mentee.id]),
    )
