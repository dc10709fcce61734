"""Who may be suggested to a mentee on this node: the local half of matching's input.

Hard rules are settled here or handed to the engine as data: both sides approved (an approved
application, or a granted exception), opted in across orgs, both orgs consenting, free
capacity, and the pairs the engine must never make (management chain, never again).

Every read here is a constant number of queries whatever the number of mentors: the mentors
of an org with one join, their live relationships with one GROUP BY, the chains of any number
of mentees with two recursive queries, never-again pairs with one.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import msgspec
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.constraints import Pair, PairRules
from matching.model import MenteeProfile, MentorProfile, SchemeKind
from orgs.mentoring.relationships import live_counts, never_again_pairs
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

    name: str
    job_title: str


@dataclass(frozen=True)
class LocalMentor:
    """A mentor of the org as the engine sees them, before their live relationships are
    counted (``with_capacity``), and as the mentee sees them."""

    profile: MentorProfile
    view: MentorView


@dataclass(frozen=True)
class MenteeSide:
    """One mentee's side of a suggestions request, read afresh every time (constant SQL)."""

    org_id: uuid.UUID
    org_name: str
    scheme_id: uuid.UUID | None
    scheme_kind: SchemeKind
    mentee: MenteeProfile | None
    rules: PairRules = field(default_factory=PairRules)
    policy: SharingPolicy = field(default_factory=SharingPolicy)
    blocked: str | None = None  # why this member gets no suggestions at all


def _approved(
    org_id: uuid.UUID, role: SchemeRole, scheme_id: uuid.UUID | None, today: date
) -> Select[uuid.UUID]:
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
    return query


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
    return set(await session.scalars(_approved(org_id, role, scheme_id, today)))


async def is_approved(
    session: AsyncSession,
    member_id: uuid.UUID,
    org_id: uuid.UUID,
    role: SchemeRole,
    scheme_id: uuid.UUID | None,
    *,
    today: date,
) -> bool:
    """``approved_members`` for one member, without reading everybody else's."""
    query = _approved(org_id, role, scheme_id, today).where(Application.member_id == member_id)
    return bool(await session.scalar(select(exists(query))))


async def mentor_scheme_of(
    session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID, *, today: date
) -> uuid.UUID | None:
    """The scheme of the org in which ``member_id`` mentors a mentee of another organisation:
    of the schemes not ended by ``today`` they are approved to mentor in, the one they were
    approved in last. Its budget, questionnaires and reports are the mentor's organisation's
    rules for its own person (the mentee's scheme is the mentee's organisation's)."""
    query = (
        _approved(org_id, SchemeRole.MENTOR, None, today)
        .with_only_columns(Application.scheme_id)
        .where(Application.member_id == member_id)
        .order_by(Application.created_at.desc(), Application.id)
        .limit(1)
    )
    found: uuid.UUID | None = await session.scalar(query)
    return found


def with_capacity(profile: MentorProfile, live: int) -> MentorProfile:
    """The mentor with ``live`` relationships taking seats (never below 0 free)."""
    return msgspec.structs.replace(
        profile, free_capacity=max(0, min(profile.capacity - live, profile.capacity))
    )


async def org_mentors(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID | None, *, today: date
) -> list[LocalMentor]:
    """The approved, active mentors of the org with a mentor profile, paused as of ``today``
    and all seats free (one query, the approvals as a subquery)."""
    query = (
        select(MentorProfileRow, Member)
        .join(Member, Member.id == MentorProfileRow.member_id)
        .where(
            MentorProfileRow.org_id == org_id,
            Member.org_id == org_id,
            Member.status == MemberStatus.ACTIVE,
            Member.id.in_(_approved(org_id, SchemeRole.MENTOR, scheme_id, today)),
        )
    )
    return [
        LocalMentor(
            to_mentor(row, member, row.capacity, today),
            MentorView(name=member.display_name, job_title=member.job_title),
        )
        for row, member in await session.execute(query)
    ]


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
    found = list(await session.execute(query))
    live = await live_counts(session, org.id)
    return [
        (to_mentor(row, member, row.capacity - live.get(member.id, 0), today), member)
        for row, member in found
    ]


async def mentee_side(
    session: AsyncSession, mentee: Member, scheme_slug: str | None, today: date
) -> MenteeSide:
    """The mentee's profile, approval and the pairs the engine must never make for them."""
    org = await session.get(Org, mentee.org_id)
    assert org is not None
    scheme: Scheme | None = (
        await SchemeService(session, org.id).by_slug(scheme_slug) if scheme_slug else None
    )
    kind = SchemeKind(scheme.kind.value) if scheme is not None else SchemeKind.ONE_TO_ONE
    scheme_id = scheme.id if scheme is not None else None
    side = MenteeSide(org.id, org.name, scheme_id, kind, None)
    row: MenteeProfileRow | None = await MenteeProfiles(session, org.id).find_one(
        MenteeProfileRow.member_id == mentee.id
    )
    if row is None:
        return dataclasses.replace(side, blocked="Fill in your mentee profile first.")
    profile = to_mentee(row, mentee, None)
    if not await is_approved(session, mentee.id, org.id, SchemeRole.MENTEE, scheme_id, today=today):
        return dataclasses.replace(
            side, mentee=profile, blocked="You need an approved application as a mentee first."
        )
    # Other organisations are reached through federation (their cards), even when they are
    # hosted on this node: requests, relationships and notifications are org-scoped rows, so a
    # pair across two orgs of one node needs the same two-sided protocol as across nodes.
    return dataclasses.replace(
        side, mentee=profile, rules=await pair_rules(session, mentee), policy=policy_of(org)
    )


async def chain_pairs(
    session: AsyncSession, org_id: uuid.UUID, mentee_ids: Iterable[uuid.UUID]
) -> frozenset[Pair]:
    """(mentee, other) for everyone above or below each mentee: both directions of the
    management chain, as the engine's ``PairRules.management_chain`` wants them. Only people
    with a mentor profile can be candidates, so only they are returned."""
    mentors = select(MentorProfileRow.member_id).where(MentorProfileRow.org_id == org_id)
    related = await ManagementChains(session, org_id).related(set(mentee_ids), among=mentors)
    return frozenset(
        (str(mentee_id), str(other)) for mentee_id, others in related.items() for other in others
    )


async def never_again_of(
    session: AsyncSession, org_id: uuid.UUID, mentee_ids: Iterable[uuid.UUID]
) -> frozenset[Pair]:
    """The local never-again pairs of these mentees, as engine pairs."""
    never = await never_again_pairs(session, org_id, set(mentee_ids))
    return frozenset((str(a), str(b)) for a, b in never)


async def pair_rules(session: AsyncSession, mentee: Member) -> PairRules:
    """The pairs the engine must never make for this mentee. Org policies start closed; the
    federation side opens them to the remote orgs whose cards both sides allow."""
    return PairRules(
        management_chain=await chain_pairs(session, mentee.org_id, [mentee.id]),
        never_again=await never_again_of(session, mentee.org_id, [mentee.id]),
    )
