"""Mentoring relationships: the pairing an accepted request creates, and who may see it.

A relationship has two parties. Each is either a local member (``mentee_id``/``mentor_id``) or,
across organisations, a remote party known only by (``remote_peer``, ``remote_ref``), the
node id and the request id both nodes share; the remote party's name arrives only with the
introduction after acceptance (``counterpart_name``). Moving the state machine lives in
:mod:`orgs.mentoring.relationship_states`; ending in :mod:`orgs.mentoring.ending`.

Visibility: a relationship is visible to its local parties; coordinators see its health only
(:mod:`orgs.mentoring.oversight`). Anyone else, and every other org, gets 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import Forbidden, IllegalTransition, NotFound
from orgs.mentoring.relationship_states import (
    EndKind,
    RelationshipEvent,
    RelationshipState,
    next_relationship_state,
)
from orgs.people.members import Member
from orgs.people.profiles import MentorProfileRow
from orgs.repository import OrgRepository
from orgs.schemes.schemes import (
    DEFAULT_MAX_MONTHS,
    DEFAULT_RECOMMENDED_SESSIONS,
    DEFAULT_TIME_RELEASE_HOURS,
    Scheme,
    SchemeRepository,
    add_months,
)

#: The planned length of a relationship is the scheme's, kept within Brent's 6–9 months.
MIN_MONTHS, MAX_MONTHS = 6, 9


class Party(StrEnum):
    MENTEE = "mentee"
    MENTOR = "mentor"


class Relationship(OrgOwned, Base):
    __tablename__ = "mentoring_relationships"
    __table_args__ = (
        Index("ix_mentoring_relationships_org_id_mentee_id", "org_id", "mentee_id"),
        Index("ix_mentoring_relationships_org_id_mentor_id", "org_id", "mentor_id"),
        Index("ix_mentoring_relationships_remote", "remote_peer", "remote_ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schemes.id", ondelete="SET NULL"), default=None
    )
    #: The accepted request (``orgs.pairing.requests``); no foreign key: the two refer to each
    #: other.
    request_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    mentee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    mentor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    #: The other node and the request id both nodes share, when one party is remote.
    remote_peer: Mapped[str | None] = mapped_column(String(500), default=None)
    remote_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    #: The remote party's name and work email, from the introduction after acceptance.
    counterpart_name: Mapped[str] = mapped_column(String(200), default="")
    counterpart_email: Mapped[str] = mapped_column(String(320), default="")
    #: The display name of the other party's organisation, when it is another organisation.
    counterpart_org: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[RelationshipState] = mapped_column(
        enum_column(RelationshipState), default=RelationshipState.AGREEING
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    planned_end_on: Mapped[date] = mapped_column(Date)
    time_release_hours: Mapped[int] = mapped_column(default=DEFAULT_TIME_RELEASE_HOURS)
    recommended_sessions: Mapped[int] = mapped_column(default=DEFAULT_RECOMMENDED_SESSIONS)
    #: Extra time release a coordinator allowed beyond the scheme's budget.
    extra_minutes_allowed: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_kind: Mapped[EndKind | None] = mapped_column(enum_column(EndKind), default=None)
    ended_by: Mapped[Party | None] = mapped_column(enum_column(Party), default=None)
    #: Why it ended: seen by the coordinator only, never by the other party.
    end_reason: Mapped[str] = mapped_column(Text, default="")
    end_reminder_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_nudge_at: Mapped[datetime | None] = mapped_column(default=None)
    midpoint_evaluation_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The shared record's version (``orgs.mentoring.shared_record``): bumped by every change
    #: on the authority (the mentee's side); on the replica, the version last applied.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The time-release warning last given to the local party (0, 80 or 100 per cent), so a
    #: cross-organisation pair, whose meetings may be recorded on the other side, is warned of
    #: each threshold of its own organisation's budget once.
    release_warned_percent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_remote(self) -> bool:
        return self.remote_peer is not None

    def party_of(self, member_id: uuid.UUID) -> Party | None:
        if member_id == self.mentee_id:
            return Party.MENTEE
        if member_id == self.mentor_id:
            return Party.MENTOR
        return None

    def other_party_id(self, party: Party) -> uuid.UUID | None:
        return self.mentor_id if party is Party.MENTEE else self.mentee_id

    @property
    def is_authority(self) -> bool:
        """Whether this row holds the authoritative shared record: the mentee's side of a pair
        whose mentor is in another organisation (here or on another node)."""
        return self.is_remote and self.mentee_id is not None and self.mentor_id is None

    @property
    def is_replica(self) -> bool:
        return self.is_remote and self.mentor_id is not None and self.mentee_id is None

    @property
    def local_party_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(i for i in (self.mentee_id, self.mentor_id) if i is not None)

    @property
    def budget_minutes(self) -> int:
        return self.time_release_hours * 60 + self.extra_minutes_allowed


class NeverAgainPair(OrgOwned, Base):
    """A pair that must not be matched again (chosen by either side at a change of mentor)."""

    __tablename__ = "never_again_pairs"
    __table_args__ = (UniqueConstraint("org_id", "relationship_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE")
    )
    mentee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None
    )
    mentor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None
    )
    remote_peer: Mapped[str | None] = mapped_column(String(500), default=None)
    remote_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Relationships(OrgRepository[Relationship]):
    model = Relationship
    noun = "relationship"


class NeverAgainPairs(OrgRepository[NeverAgainPair]):
    model = NeverAgainPair
    noun = "never-again pair"


LIVE = (RelationshipState.AGREEING, RelationshipState.ACTIVE)


def planned_end(scheme: Scheme | None, start: date) -> date:
    months = scheme.max_months if scheme is not None else DEFAULT_MAX_MONTHS
    end = add_months(start, min(max(months, MIN_MONTHS), MAX_MONTHS))
    if scheme is not None and scheme.ends_on is not None and scheme.ends_on > start:
        end = min(end, scheme.ends_on)
    return end


async def new_relationship(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    scheme_id: uuid.UUID | None,
    request_id: uuid.UUID | None,
    mentee_id: uuid.UUID | None,
    mentor_id: uuid.UUID | None,
    remote_peer: str | None,
    remote_ref: str | None,
    counterpart_name: str,
    counterpart_email: str,
    now: datetime,
    who: ActorRef,
    counterpart_org: str = "",
) -> Relationship:
    scheme = await SchemeRepository(session, org_id).get(scheme_id) if scheme_id else None
    rel = Relationships(session, org_id).add(
        Relationship(
            id=uuid.uuid4(),
            scheme_id=scheme_id,
            request_id=request_id,
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            remote_peer=remote_peer,
            remote_ref=remote_ref,
            counterpart_name=counterpart_name[:200],
            counterpart_email=counterpart_email[:320],
            counterpart_org=counterpart_org[:200],
            state=RelationshipState.AGREEING,
            started_at=now,
            planned_end_on=planned_end(scheme, now.date()),
            time_release_hours=scheme.time_release_hours if scheme else DEFAULT_TIME_RELEASE_HOURS,
            recommended_sessions=scheme.recommended_sessions
            if scheme
            else DEFAULT_RECOMMENDED_SESSIONS,
            extra_minutes_allowed=0,
            release_warned_percent=0,
            end_reason="",
            created_at=now,
        )
    )
    AuditLog(session, org_id).record(
        "relationship", rel.id, "transition", who, to_state=RelationshipState.AGREEING, at=now
    )
    await session.flush()
    return rel


def move(
    session: AsyncSession,
    rel: Relationship,
    event: RelationshipEvent,
    who: ActorRef,
    now: datetime,
    reason: str = "",
) -> None:
    """Move ``rel`` by ``event`` (409 if illegal) and audit it. The audit reason is stored for
    coordinators, like ``end_reason``."""
    to = next_relationship_state(rel.state, event)
    AuditLog(session, rel.org_id).record(
        "relationship",
        rel.id,
        event.value,
        who,
        from_state=rel.state.value,
        to_state=to.value,
        reason=reason,
        at=now,
    )
    rel.state = to


async def for_party(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID
) -> tuple[Relationship, Party]:
    """The relationship and the member's side of it; 404 for anybody who is not a party."""
    rel = await Relationships(session, member.org_id).get(relationship_id)
    party = rel.party_of(member.id)
    if party is None:
        raise NotFound("No such relationship.")
    return rel, party


async def relationships_of(session: AsyncSession, member: Member) -> Sequence[Relationship]:
    rows = await Relationships(session, member.org_id).list(
        or_(Relationship.mentee_id == member.id, Relationship.mentor_id == member.id)
    )
    return sorted(rows, key=lambda r: r.started_at, reverse=True)


def require_live(rel: Relationship) -> None:
    if rel.state not in LIVE:
        raise IllegalTransition("The relationship has ended; its record can be read, not changed.")


def require_party(party: Party | None, wanted: Party, what: str) -> None:
    if party is not wanted:
        raise Forbidden(f"Only the {wanted.value} may {what}.")


# --- for matching ---------------------------------------------------------------------------


async def active_count(session: AsyncSession, org_id: uuid.UUID, mentor_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Relationship)
        .where(
            Relationship.org_id == org_id,
            Relationship.mentor_id == mentor_id,
            Relationship.state.in_(LIVE),
        )
    )
    return int(count or 0)


async def live_counts(session: AsyncSession, org_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Live (agreeing or active) relationships per local mentor of ``org_id``, in one query:
    mentors with none are absent."""
    rows = await session.execute(
        select(Relationship.mentor_id, func.count())
        .where(
            Relationship.org_id == org_id,
            Relationship.mentor_id.is_not(None),
            Relationship.state.in_(LIVE),
        )
        .group_by(Relationship.mentor_id)
    )
    return {mentor_id: int(count) for mentor_id, count in rows if mentor_id is not None}


async def free_capacity(session: AsyncSession, mentor: MentorProfileRow) -> int:
    """The mentor's capacity less their live (agreeing or active) relationships, never < 0."""
    used = await active_count(session, mentor.org_id, mentor.member_id)
    return max(0, mentor.capacity - used)


async def never_again_pairs(
    session: AsyncSession, org_id: uuid.UUID, mentee_ids: Iterable[uuid.UUID] | None = None
) -> frozenset[tuple[uuid.UUID, uuid.UUID]]:
    """(mentee id, mentor id) of every local pair that must not be matched again; only those
    of ``mentee_ids`` when given (one query either way)."""
    where = [] if mentee_ids is None else [NeverAgainPair.mentee_id.in_(list(mentee_ids))]
    rows = await NeverAgainPairs(session, org_id).list(*where)
    return frozenset(
        (r.mentee_id, r.mentor_id) for r in rows if r.mentee_id and r.mentor_id is not None
    )


async def never_again_remote(
    session: AsyncSession, org_id: uuid.UUID, mentee_id: uuid.UUID
) -> frozenset[tuple[str, str]]:
    """(peer, request id) of the remote mentors ``mentee_id`` must not be matched with again;
    the federation side maps them back to card handles."""
    rows = await NeverAgainPairs(session, org_id).list(NeverAgainPair.mentee_id == mentee_id)
    return frozenset(
        (r.remote_peer, r.remote_ref)
        for r in rows
        if r.remote_peer is not None and r.remote_ref is not None
    )
