"""Coordinator oversight (Nottingham City Homes' quality-assurance check-ins): the health of
each relationship — who is paired, state, meetings held, the last meeting, hours used against
the budget, overdue evaluations and open concerns. Never meeting notes, summaries, records,
objectives or learning logs.

A cross-organisation pair is one row per organisation: each coordinator sees their own
person's side, counted from the meetings this node holds for it (recorded here, or replicated
from the other side) against their own organisation's budget."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.mentoring.concerns import Concern, Concerns, ConcernState
from orgs.mentoring.evaluations import overdue_count
from orgs.mentoring.meetings import Meeting, Meetings, MeetingState, meetings_of, time_release_of
from orgs.mentoring.mentoring_settings import mentoring_settings
from orgs.mentoring.relationship_states import EndKind, RelationshipState
from orgs.mentoring.relationships import Relationship, Relationships
from orgs.people.members import Member, MemberRepository
from orgs.schemes.schemes import Scheme, SchemeRepository


@dataclass(frozen=True)
class Health:
    relationship_id: uuid.UUID
    scheme_id: uuid.UUID | None
    mentee: str
    mentor: str
    cross_org: bool
    #: The other organisation of a cross-organisation pair (its display name), else "".
    counterpart_org: str
    state: RelationshipState
    started_on: date
    planned_end_on: date
    ended_at: datetime | None
    end_kind: EndKind | None
    #: Why it ended: for the coordinator only.
    end_reason: str
    meetings_held: int
    meetings_scheduled: int
    last_meeting_on: date | None
    hours_used: float
    hours_budget: float
    recommended_sessions: int
    overdue_evaluations: int
    open_concerns: int


def _name(members: dict[uuid.UUID, Member], member_id: uuid.UUID | None, rel: Relationship) -> str:
    """A party by name: ours from our records; the other organisation's person by what our side
    was told (the introduction after acceptance), never more."""
    if member_id is not None and member_id in members:
        return members[member_id].display_name
    return rel.counterpart_name or "(not introduced yet)"


async def health_of(session: AsyncSession, rel: Relationship, now: datetime) -> Health:
    return (await health_list(session, rel.org_id, now, [rel]))[0]


async def health_list(
    session: AsyncSession,
    org_id: uuid.UUID,
    now: datetime,
    rels: list[Relationship] | None = None,
    scheme_id: uuid.UUID | None = None,
) -> list[Health]:
    if rels is None:
        where = [Relationship.scheme_id == scheme_id] if scheme_id else []
        rels = list(await Relationships(session, org_id).list(*where))
    settings = await mentoring_settings(session, org_id)
    members = {m.id: m for m in await MemberRepository(session, org_id).list()}
    concerns = await Concerns(session, org_id).list(Concern.state != ConcernState.RESOLVED)
    out = []
    for rel in sorted(rels, key=lambda r: r.started_at):
        meetings = await meetings_of(session, rel)
        release = time_release_of(rel, meetings)
        held = [m for m in meetings if m.state is MeetingState.HELD]
        out.append(
            Health(
                relationship_id=rel.id,
                scheme_id=rel.scheme_id,
                mentee=_name(members, rel.mentee_id, rel),
                mentor=_name(members, rel.mentor_id, rel),
                cross_org=rel.is_remote,
                counterpart_org=rel.counterpart_org if rel.is_remote else "",
                state=rel.state,
                started_on=rel.started_at.date(),
                planned_end_on=rel.planned_end_on,
                ended_at=rel.ended_at,
                end_kind=rel.end_kind,
                end_reason=rel.end_reason,
                meetings_held=len(held),
                meetings_scheduled=sum(1 for m in meetings if m.state is MeetingState.SCHEDULED),
                last_meeting_on=max((m.starts_at for m in held), default=None).date()  # type: ignore[union-attr]
                if held
                else None,
                hours_used=release.used_hours,
                hours_budget=release.budget_hours,
                recommended_sessions=rel.recommended_sessions,
                overdue_evaluations=await overdue_count(
                    session, org_id, rel.id, now, settings.evaluation_overdue_days
                ),
                open_concerns=sum(1 for c in concerns if c.relationship_id == rel.id),
            )
        )
    return out


@dataclass(frozen=True)
class SchemeHealth:
    """A scheme's relationships at a glance: their health and the meetings held each month."""

    scheme: Scheme
    rows: list[Health]
    held_by_month: list[tuple[str, int]]  # ("2026-11", meetings held), oldest first

    @property
    def cross_org(self) -> int:
        return sum(1 for r in self.rows if r.cross_org)

    @property
    def hours_used(self) -> float:
        return round(sum(r.hours_used for r in self.rows), 2)

    @property
    def hours_budget(self) -> float:
        return round(sum(r.hours_budget for r in self.rows), 2)


async def scheme_health(
    session: AsyncSession, org_id: uuid.UUID, scheme_id: uuid.UUID, now: datetime
) -> SchemeHealth:
    scheme = await SchemeRepository(session, org_id).get(scheme_id)
    rows = await health_list(session, org_id, now, scheme_id=scheme.id)
    in_scheme = select(Relationship.id).where(
        Relationship.org_id == org_id, Relationship.scheme_id == scheme.id
    )
    held = await Meetings(session, org_id).list(
        Meeting.relationship_id.in_(in_scheme), Meeting.state == MeetingState.HELD
    )
    months: dict[str, int] = {}
    for meeting in held:
        key = meeting.starts_at.strftime("%Y-%m")
        months[key] = months.get(key, 0) + 1
    return SchemeHealth(scheme, rows, sorted(months.items()))
