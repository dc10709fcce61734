"""Ending a relationship: closing by either side, no-fit after the first meeting (without blame),
change of mentor (Brent §9) with a reason only the coordinator sees and an optional
never-again pair, the other node ending it, a party leaving the organisation, and the jobs
around the planned end date.

Every way of ending cancels the meetings still scheduled, with a calendar cancellation to each
person (``meetings.cancel_scheduled_meetings``), so no reminder is sent for them afterwards.

After any ending the mentee is back in matching (they may send new requests) and the whole
history stays: meetings, objectives, logs and the audit trail are kept.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.errors import IllegalTransition, NotFound
from orgs.mentoring.agreements import terms_of
from orgs.mentoring.evaluations import Stage, open_evaluations
from orgs.mentoring.extensions import Extension
from orgs.mentoring.meetings import MeetingState, cancel_scheduled_meetings, meetings_of
from orgs.mentoring.mentoring_settings import mentoring_settings
from orgs.mentoring.relationship_states import (
    NO_FIT_MAX_HELD_MEETINGS,
    EndKind,
    RelationshipEvent,
    RelationshipState,
    end_kind,
)
from orgs.mentoring.relationships import (
    NeverAgainPair,
    NeverAgainPairs,
    Party,
    Relationship,
    for_party,
    move,
)
from orgs.mentoring.remote_events import RemoteEvent, RemoteSink
from orgs.people.members import Member, MemberStatus
from orgs.people.notifications import NotificationKind, notify


class EndIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """``how``: ``close`` (the work is done), ``no_fit`` (after the first meeting, without
    blame) or ``change_mentor``. ``reason`` is seen by the coordinator only."""

    how: RelationshipEvent
    reason: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    never_again: bool = False


MEMBER_ENDINGS = (
    RelationshipEvent.CLOSE,
    RelationshipEvent.NO_FIT,
    RelationshipEvent.CHANGE_MENTOR,
)
TOLD = {
    EndKind.COMPLETED: "Your mentoring relationship has been closed. Well done on the work "
    "you did together.",
    EndKind.NO_FIT: "After the first meeting it was decided not to go on. This is nobody's "
    "fault; the mentee is back in matching.",
    EndKind.CHANGE_OF_MENTOR: "The relationship has ended so that the mentee can change mentor. "
    "The mentee is back in matching.",
    EndKind.AUTO_CLOSED: "Your mentoring relationship reached its planned end date and has "
    "been closed.",
    EndKind.ENDED_REMOTELY: "The other organisation has ended the mentoring relationship.",
    EndKind.PARTY_LEFT: "The mentoring relationship has ended because the other person is no "
    "longer with their organisation.",
}

CANCELLED_MEETINGS = (
    " The meetings that were still scheduled have been cancelled; if you get emails, a "
    "cancellation for each has been sent to your calendar."
)


async def _finish(
    session: AsyncSession,
    rel: Relationship,
    event: RelationshipEvent,
    who: ActorRef,
    by: Party | None,
    reason: str,
    now: datetime,
    remote: RemoteSink,
) -> None:
    move(session, rel, event, who, now, reason=reason)
    kind = end_kind(event)
    rel.end_kind = kind
    rel.ended_at = now
    rel.ended_by = by
    rel.end_reason = reason
    cancelled = await cancel_scheduled_meetings(session, rel, who, now)
    if rel.is_remote and event is not RelationshipEvent.REMOTE_END:
        assert rel.remote_peer is not None
        remote(
            RemoteEvent(
                "relationship.end",
                rel.remote_peer,
                {
                    "request_id": rel.remote_ref,
                    "reason": "completed"
                    if kind in (EndKind.COMPLETED, EndKind.AUTO_CLOSED)
                    else "ended-early",
                },
            )
        )
    for member_id in rel.local_party_ids:
        await notify(
            session,
            rel.org_id,
            member_id,
            NotificationKind.RELATIONSHIP_ENDED,
            "Your mentoring relationship has ended",
            TOLD[kind] + (CANCELLED_MEETINGS if cancelled else ""),
            now=now,
            link=f"/relationships/{rel.id}",
        )
    await open_evaluations(session, rel, Stage.END, now)


async def end_relationship(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    data: EndIn,
    now: datetime,
    remote: RemoteSink,
) -> Relationship:
    rel, party = await for_party(session, member, relationship_id)
    if data.how not in MEMBER_ENDINGS:
        raise IllegalTransition(f"A party cannot end a relationship by {data.how.value}.")
    if data.how is RelationshipEvent.NO_FIT and rel.state is RelationshipState.ACTIVE:
        held = [m for m in await meetings_of(session, rel) if m.state is MeetingState.HELD]
        if len(held) > NO_FIT_MAX_HELD_MEETINGS:
            raise IllegalTransition(
                "No-fit is for after the first meeting; close the relationship or change mentor."
            )
    if data.never_again and data.how is RelationshipEvent.CLOSE:
        raise IllegalTransition("'Never pair us again' goes with a change of mentor or no-fit.")
    await _finish(
        session, rel, data.how, ActorRef(member.id, party.value), party, data.reason, now, remote
    )
    if data.never_again:
        NeverAgainPairs(session, rel.org_id).add(
            NeverAgainPair(
                id=uuid.uuid4(),
                relationship_id=rel.id,
                mentee_id=rel.mentee_id,
                mentor_id=rel.mentor_id,
                remote_peer=rel.remote_peer,
                remote_ref=rel.remote_ref,
                created_at=now,
            )
        )
    await session.flush()
    return rel


async def apply_remote_end(
    session: AsyncSession, *, peer: str, remote_ref: str, completed: bool, now: datetime
) -> Relationship:
    """``relationship.end`` from the other party's side. Idempotent. Between two orgs of this
    node both sides are rows here under the same (peer, ref): the sender ended its own before
    the message left, so the side it speaks to is the one still running (ended first)."""
    rel: Relationship | None = await session.scalar(
        select(Relationship)
        .where(Relationship.remote_peer == peer, Relationship.remote_ref == remote_ref)
        .order_by(Relationship.state == RelationshipState.ENDED)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if rel is None:
        raise NotFound("No such relationship.")
    if rel.state is RelationshipState.ENDED:
        return rel
    reason = "completed" if completed else "ended early"
    await _finish(
        session,
        rel,
        RelationshipEvent.REMOTE_END,
        ActorRef.system(f"peer {peer}"),
        None,
        reason,
        now,
        lambda _: None,
    )
    if completed:
        # Completed is completed on both sides: this organisation's HR export and reports count
        # it like one its own person closed.
        rel.end_kind = EndKind.COMPLETED
    await session.flush()
    return rel


# --- jobs (every org of the node; ``now`` given) ---------------------------------------------


async def end_for_leavers(session: AsyncSession, now: datetime, remote: RemoteSink) -> int:
    """End every live relationship whose mentee or mentor here is no longer an active member
    (a leaver in the staff import, an erased person): it cannot go on, and its meetings must
    not be reminded of. Run before the reminders, in the same pass."""
    gone = select(Member.id).where(Member.status != MemberStatus.ACTIVE)
    due = (
        await session.scalars(
            select(Relationship).where(
                Relationship.state != RelationshipState.ENDED,
                (Relationship.mentee_id.in_(gone)) | (Relationship.mentor_id.in_(gone)),
            )
        )
    ).all()
    for rel in due:
        await _finish(
            session,
            rel,
            RelationshipEvent.PARTY_LEFT,
            ActorRef.system("leaver job"),
            None,
            "a party is no longer a member",
            now,
            remote,
        )
    await session.flush()
    return len(due)


async def auto_close_due(session: AsyncSession, now: datetime, remote: RemoteSink) -> int:
    """Close every active relationship whose planned end date has passed, unless a proposal to
    carry on is still open: across organisations an agreement made on the other node may be on
    its way, so the closure waits for the answer, at most until the date proposed."""
    waiting = exists().where(
        Extension.relationship_id == Relationship.id,
        Extension.agreed_at.is_(None),
        Extension.declined_at.is_(None),
        Extension.until >= now.date(),
    )
    due = (
        await session.scalars(
            select(Relationship).where(
                Relationship.state == RelationshipState.ACTIVE,
                Relationship.planned_end_on < now.date(),
                ~waiting,
            )
        )
    ).all()
    for rel in due:
        await _finish(
            session,
            rel,
            RelationshipEvent.AUTO_CLOSE,
            ActorRef.system("auto-closure job"),
            None,
            "planned end date passed",
            now,
            remote,
        )
    await session.flush()
    return len(due)


async def remind_end_approaching(session: AsyncSession, now: datetime) -> int:
    rows = (
        await session.scalars(
            select(Relationship).where(
                Relationship.state == RelationshipState.ACTIVE,
                Relationship.end_reminder_sent_at.is_(None),
            )
        )
    ).all()
    sent = 0
    for rel in rows:
        settings = await mentoring_settings(session, rel.org_id)
        if rel.planned_end_on - timedelta(days=settings.end_reminder_days) > now.date():
            continue
        rel.end_reminder_sent_at = now
        sent += 1
        for member_id in rel.local_party_ids:
            await notify(
                session,
                rel.org_id,
                member_id,
                NotificationKind.END_APPROACHING,
                "Your mentoring relationship ends soon",
                f"It is planned to end on {rel.planned_end_on:%d %B %Y} and will be closed "
                "automatically after that. Agree how you will conclude, and record your "
                "objectives' progress.",
                now=now,
                link=f"/relationships/{rel.id}#ending",
            )
    await session.flush()
    return sent


async def nudge_quiet(session: AsyncSession, now: datetime) -> int:
    """Nudge both parties when no meeting was held for N weeks (org setting)."""
    rows = (
        await session.scalars(
            select(Relationship).where(Relationship.state == RelationshipState.ACTIVE)
        )
    ).all()
    nudged = 0
    for rel in rows:
        settings = await mentoring_settings(session, rel.org_id)
        quiet = timedelta(weeks=settings.nudge_after_weeks)
        held = [
            m.starts_at for m in await meetings_of(session, rel) if m.state is MeetingState.HELD
        ]
        last = max(held, default=rel.started_at)
        if now - last < quiet or (
            rel.last_nudge_at is not None and now - rel.last_nudge_at < quiet
        ):
            continue
        rel.last_nudge_at = now
        nudged += 1
        for member_id in rel.local_party_ids:
            await notify(
                session,
                rel.org_id,
                member_id,
                NotificationKind.NO_RECENT_MEETING,
                "Time for a mentoring meeting?",
                f"No meeting has been recorded for {settings.nudge_after_weeks} weeks. "
                "Schedule your next one, or record a meeting you held.",
                now=now,
                link=f"/relationships/{rel.id}#meetings",
            )
    await session.flush()
    return nudged


async def open_midpoint_evaluations(session: AsyncSession, now: datetime) -> int:
    rows = (
        await session.scalars(
            select(Relationship).where(
                Relationship.state == RelationshipState.ACTIVE,
                Relationship.midpoint_evaluation_at.is_(None),
                Relationship.scheme_id.is_not(None),
            )
        )
    ).all()
    opened = 0
    for rel in rows:
        _, _, midpoint = await terms_of(session, rel.org_id, rel.scheme_id)
        if not midpoint:
            continue
        start = rel.started_at.date()
        if now.date() < start + (rel.planned_end_on - start) / 2:
            continue
        rel.midpoint_evaluation_at = now
        await open_evaluations(session, rel, Stage.MIDPOINT, now)
        opened += 1
    await session.flush()
    return opened
