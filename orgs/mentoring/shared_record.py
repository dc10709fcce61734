"""One relationship across two organisations: the shared record both people work on.

Each organisation keeps its own ``mentoring_relationships`` row and its own module tables. The
shared parts (the agreement with its confirmations and both codes of conduct, meetings with the
shared summary, objectives and actions, the learning-log entries the mentee shares, shadowing)
are one record: the mentee's side is the AUTHORITY, the mentor's side the REPLICA. Proposals to
carry on past the planned end are items of it too (``orgs.mentoring.shared_extensions``).

- An edit on the authority applies at once, bumps ``Relationship.version`` and sends the whole
  record (``relationship.record``).
- An edit on the replica applies to the replica's tables at once (the person sees it) and goes
  to the authority as ``relationship.change`` made against the version the replica had. The
  authority applies each change once (``change_id``), in the order they arrive, and answers in
  its next record: ``applied``, ``stale`` (the other party changed that item meanwhile: the
  record it sends back is the current one, and the mentor is told) or ``refused``.
- The replica applies a record only if its version is newer, and replaces its shared items by
  ``shared_ref``; its private notes, concerns and anything else that is not shared are never
  touched, and never sent.

Staleness is per item: two people editing different items while their nodes cannot reach each
other both keep their edits; only an edit of an item the other party changed after the
editor's version is stale. The mentor's own earlier changes never make a later one stale.

Messages go through the :data:`~orgs.mentoring.remote_events.RemoteSink` like every other
cross-organisation message; the bodies here are the wire fields of ``federation.wire``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import DomainError, IllegalTransition, NotFound
from orgs.mentoring.agreements import (
    AGREEMENT_TERMS,
    Agreement,
    Agreements,
    ContactBy,
    agreement_sha256,
    both_confirmed,
    clear_confirmations,
    codes_by_party,
    confirm_as,
)
from orgs.mentoring.learning_log import LearningLog, LogEntry
from orgs.mentoring.meetings import (
    Meeting,
    MeetingMode,
    Meetings,
    MeetingState,
    RescheduleIn,
    calendar_moved,
    move_meeting,
)
from orgs.mentoring.objectives import Objective, Objectives, ObjectiveStatus
from orgs.mentoring.relationship_states import RelationshipEvent, RelationshipState
from orgs.mentoring.relationships import Party, Relationship, Relationships, move
from orgs.mentoring.remote_events import RemoteEvent, RemoteSink
from orgs.mentoring.shadowing import (
    SHADOWING_TRANSITIONS,
    Shadowing,
    ShadowingKind,
    ShadowingRepository,
    ShadowingState,
)
from orgs.mentoring.shared_extensions import (
    EXTENSION_ITEM,
    apply_extension_op,
    apply_extensions,
    record_extensions,
)
from orgs.models import Org
from orgs.people.members import Member
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository

AGREEMENT_ITEM = "agreement"
STALE_TEXT = (
    "Your change was not made: the other party changed it meanwhile. The page shows the "
    "current record; make your change again if it is still wanted."
)


class ChangeOutcome(StrEnum):
    PENDING = "pending"  # sent by the replica, not answered yet
    APPLIED = "applied"
    STALE = "stale"
    REFUSED = "refused"


class SharedChange(OrgOwned, Base):
    """One change to a shared record: on the authority every applied version (who made it, to
    which item) and every answered change of the replica (``change_id``: each takes effect
    once); on the replica the changes it sent and what became of them."""

    __tablename__ = "shared_record_changes"
    __table_args__ = (UniqueConstraint("relationship_id", "change_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    change_id: Mapped[str | None] = mapped_column(String(64), default=None)
    side: Mapped[Party] = mapped_column(enum_column(Party))
    op: Mapped[str] = mapped_column(String(40))
    item_ref: Mapped[str] = mapped_column(String(32), default="")
    outcome: Mapped[ChangeOutcome] = mapped_column(enum_column(ChangeOutcome))
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The record version this change made (applied, on the authority).
    version: Mapped[int | None] = mapped_column(default=None)
    base_version: Mapped[int | None] = mapped_column(default=None)
    #: On the authority: the outcome went out in a record.
    answered: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharedChanges(OrgRepository[SharedChange]):
    model = SharedChange
    noun = "shared change"


def _ts(value: datetime) -> int:
    return int(value.astimezone(UTC).timestamp())


def _from_ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _ref(row: Meeting | Objective | LogEntry | Shadowing) -> str:
    if row.shared_ref is None:  # a row from before the shared record
        row.shared_ref = uuid.uuid4().hex
    return row.shared_ref


# --- what the record holds -------------------------------------------------------------------


def meeting_body(row: Meeting) -> dict[str, Any]:
    return {
        "ref": _ref(row),
        "state": row.state.value,
        "starts_at": _ts(row.starts_at),
        "duration_minutes": row.duration_minutes,
        "mode": row.mode.value,
        "location": row.location,
        "summary": row.summary,
        "mentor_record": row.mentor_record,
    }


def objective_body(row: Objective) -> dict[str, Any]:
    return {
        "ref": _ref(row),
        "title": row.title,
        "expected_outcome": row.expected_outcome,
        "actions": [
            {"text": a["text"], "due_on": a.get("due_on"), "done": bool(a.get("done"))}
            for a in row.actions
        ],
        "status": row.status.value,
    }


def _agreement_body(agreement: Agreement, rel: Relationship) -> dict[str, Any]:
    terms = {name: getattr(agreement, name) for name in AGREEMENT_TERMS}
    terms["contact_by"] = agreement.contact_by.value if agreement.contact_by else None
    confirmations = [
        {"party": party.value, "at": _ts(at), "sha256": sha}
        for party, at, sha in (
            (Party.MENTEE, agreement.mentee_confirmed_at, agreement.mentee_confirmed_sha256),
            (Party.MENTOR, agreement.mentor_confirmed_at, agreement.mentor_confirmed_sha256),
        )
        if at is not None and sha
    ]
    return {
        "terms": terms,
        "codes_of_conduct": [
            {"party": party, "text": text} for party, text in codes_by_party(agreement, rel).items()
        ],
        "principles": list(agreement.principles),
        "confirmations": confirmations,
    }


async def _agreement(session: AsyncSession, rel: Relationship) -> Agreement:
    row = await Agreements(session, rel.org_id).find_one(Agreement.relationship_id == rel.id)
    if row is None:
        raise NotFound("No such agreement.")
    return row


async def record_body(session: AsyncSession, rel: Relationship) -> dict[str, Any]:
    """The whole shared record of ``rel`` (the authority's row), as ``relationship.record``
    fields. Only shared entries of the learning log; never a note, concern or private datum."""
    org = await session.get(Org, rel.org_id)
    assert org is not None
    meetings = await Meetings(session, rel.org_id).list(Meeting.relationship_id == rel.id)
    objectives = await Objectives(session, rel.org_id).list(Objective.relationship_id == rel.id)
    entries = await LearningLog(session, rel.org_id).list(
        LogEntry.relationship_id == rel.id, LogEntry.shared.is_(True)
    )
    placements = await ShadowingRepository(session, rel.org_id).list(
        Shadowing.relationship_id == rel.id
    )
    state = "ended" if rel.state is RelationshipState.ENDED else rel.state.value
    return {
        "request_id": rel.remote_ref,
        "org": org.slug,
        "version": rel.version,
        "state": state if state in ("agreeing", "active", "ended") else "ended",
        "agreement": _agreement_body(await _agreement(session, rel), rel),
        "meetings": [meeting_body(m) for m in sorted(meetings, key=lambda m: m.created_at)],
        "objectives": [objective_body(o) for o in sorted(objectives, key=lambda o: o.id.hex)],
        "log_entries": [
            {
                "ref": _ref(e),
                "entry_date": e.entry_date.isoformat(),
                "activity": e.activity,
                "learning": e.learning,
                "next_steps": e.next_steps,
                "at": _ts(e.updated_at),
            }
            for e in sorted(entries, key=lambda e: (e.entry_date, e.created_at))
        ],
        "shadowing": [
            {
                "ref": _ref(s),
                "kind": s.kind.value,
                "host_name": s.host_name,
                "dates": list(s.dates),
                "purpose": s.purpose,
                "state": s.state.value,
            }
            for s in sorted(placements, key=lambda s: s.created_at)
        ],
        "extensions": await record_extensions(session, rel),
    }


# --- the authority -----------------------------------------------------------------------------


async def publish(session: AsyncSession, rel: Relationship, remote: RemoteSink) -> None:
    """Send the replica the current record, with the answers to its changes not yet given."""
    assert rel.remote_peer is not None
    body = await record_body(session, rel)
    unanswered = await SharedChanges(session, rel.org_id).list(
        SharedChange.relationship_id == rel.id,
        SharedChange.change_id.is_not(None),
        SharedChange.answered.is_(False),
    )
    body["answers"] = [
        {"change_id": c.change_id, "outcome": c.outcome.value, "reason": c.reason[:300]}
        for c in sorted(unanswered, key=lambda c: c.created_at)
    ]
    for change in unanswered:
        change.answered = True
    remote(RemoteEvent("relationship.record", rel.remote_peer, body))


def _bump(
    session: AsyncSession,
    rel: Relationship,
    side: Party,
    op: str,
    item_ref: str,
    who: ActorRef,
    now: datetime,
) -> SharedChange:
    rel.version += 1
    AuditLog(session, rel.org_id).record(
        "relationship",
        rel.id,
        "shared_change",
        who,
        reason=f"v{rel.version} {op} {item_ref}",
        at=now,
    )
    return SharedChanges(session, rel.org_id).add(
        SharedChange(
            id=uuid.uuid4(),
            relationship_id=rel.id,
            side=side,
            op=op,
            item_ref=item_ref,
            outcome=ChangeOutcome.APPLIED,
            reason="",
            version=rel.version,
            answered=True,
            created_at=now,
        )
    )


async def share_new(
    session: AsyncSession, rel: Relationship, remote: RemoteSink, now: datetime
) -> None:
    """The authority's relationship was just created: the replica gets version 1."""
    if rel.is_authority and rel.version == 0:
        _bump(session, rel, Party.MENTEE, "create", "", ActorRef.system("shared record"), now)
        await publish(session, rel, remote)


# --- a local edit, on either side --------------------------------------------------------------


async def changed(
    session: AsyncSession,
    rel: Relationship,
    party: Party,
    op: dict[str, Any] | None,
    item_ref: str,
    who: ActorRef,
    now: datetime,
    remote: RemoteSink,
) -> bool:
    """A party edited the shared record on this side (already applied here). On the authority:
    a new version goes to the replica. On the replica: ``op`` goes to the authority (an edit
    that only the authority's side can make passes ``None``). Local pairs: nothing to do.
    True when the edit is pending: made here, waiting for the authority's answer."""
    if rel.is_authority:
        _bump(session, rel, party, str(op["op"]) if op else "edit", item_ref, who, now)
        await publish(session, rel, remote)
    elif rel.is_replica and op is not None:
        assert rel.remote_peer is not None
        org = await session.get(Org, rel.org_id)
        assert org is not None
        change_id = secrets.token_urlsafe(16)
        SharedChanges(session, rel.org_id).add(
            SharedChange(
                id=uuid.uuid4(),
                relationship_id=rel.id,
                change_id=change_id,
                side=party,
                op=str(op["op"]),
                item_ref=item_ref,
                outcome=ChangeOutcome.PENDING,
                reason="",
                base_version=rel.version,
                answered=False,
                created_at=now,
            )
        )
        AuditLog(session, rel.org_id).record(
            "relationship",
            rel.id,
            "shared_change_sent",
            who,
            reason=f"{op['op']} {item_ref} on v{rel.version} ({change_id})",
            at=now,
        )
        remote(
            RemoteEvent(
                "relationship.change",
                rel.remote_peer,
                {
                    "request_id": rel.remote_ref,
                    "org": org.slug,
                    "change_id": change_id,
                    "base_version": rel.version,
                    "op": op,
                },
            )
        )
        return True
    return False


async def after_edit(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    op: dict[str, Any] | None,
    item: str,
    now: datetime,
    remote: RemoteSink,
    party: Party | None = None,
) -> bool:
    """What the API and the pages call after ``member`` edited the shared record of
    ``relationship_id`` (``party``: the side they acted for, when they are not a party, e.g.
    the mentee's line manager deciding shadowing). True when the edit waits for the other
    organisation's node to confirm it (the API answers 202)."""
    rel = await Relationships(session, member.org_id).get(relationship_id)
    side = party or rel.party_of(member.id) or Party.MENTEE
    who = ActorRef(member.id, side.value)
    return await changed(session, rel, side, op, item, who, now, remote)


#: What a pending or refused change was, in words, for the person who made it.
CHANGE_WORDS = {
    "agreement.edit": "Your changes to the agreement",
    "agreement.confirm": "Your confirmation of the agreement",
    "agreement.code": "Your organisation's code of conduct in the agreement",
    "meeting.add": "The meeting you added",
    "meeting.held": "The meeting you recorded as held",
    "meeting.cancel": "The meeting you cancelled",
    "meeting.reschedule": "The meeting you moved",
    "meeting.record": "Your meeting record or summary",
    "objective.save": "Your objective",
    "shadowing.finish": "Your change to the shadowing",
    "extension.propose": "Your proposal to carry on past the planned end",
    "extension.agree": "Your agreement to carry on past the planned end",
    "extension.decline": "Your answer not to carry on past the planned end",
}


@dataclass(frozen=True)
class InFlight:
    """On the replica: the changes still waiting for the authority, and the ones it did not
    make (stale or refused) that the person has not made again since, newest first."""

    pending: list[SharedChange]
    not_made: list[SharedChange]

    @property
    def pending_items(self) -> set[str]:
        return {c.item_ref for c in self.pending}


async def in_flight(session: AsyncSession, rel: Relationship) -> InFlight:
    if not rel.is_replica:
        return InFlight([], [])
    sent = await SharedChanges(session, rel.org_id).list(SharedChange.relationship_id == rel.id)
    newest = sorted(sent, key=lambda c: c.created_at, reverse=True)
    pending = [c for c in newest if c.outcome is ChangeOutcome.PENDING]
    latest_per_item: dict[str, SharedChange] = {}
    for change in newest:
        latest_per_item.setdefault(change.item_ref, change)
    not_made = [
        c
        for c in latest_per_item.values()
        if c.outcome in (ChangeOutcome.STALE, ChangeOutcome.REFUSED)
    ]
    return InFlight(pending, not_made)


async def authority_row(session: AsyncSession, peer: str, remote_ref: str) -> Relationship:
    """The mentee's side of the pair ``peer`` shares as ``remote_ref``; 404 for a peer that is
    not the other party of it."""
    rel: Relationship | None = await session.scalar(
        select(Relationship)
        .where(
            Relationship.remote_peer == peer,
            Relationship.remote_ref == remote_ref,
            Relationship.mentee_id.is_not(None),
            Relationship.mentor_id.is_(None),
        )
        .execution_options(populate_existing=True)
    )
    if rel is None:
        raise NotFound("No such relationship.")
    return rel


async def replica_row(session: AsyncSession, peer: str, remote_ref: str) -> Relationship:
    rel: Relationship | None = await session.scalar(
        select(Relationship)
        .where(
            Relationship.remote_peer == peer,
            Relationship.remote_ref == remote_ref,
            Relationship.mentor_id.is_not(None),
            Relationship.mentee_id.is_(None),
        )
        .execution_options(populate_existing=True)
    )
    if rel is None:
        raise NotFound("No such relationship.")
    return rel


def target_of(op: dict[str, Any]) -> str:
    """The shared item an op changes (``agreement`` for the agreement)."""
    kind = str(op["op"])
    if kind.startswith("agreement."):
        return AGREEMENT_ITEM
    if kind.startswith("extension."):
        return EXTENSION_ITEM
    if kind == "meeting.add":
        return str(op["meeting"]["ref"])
    if kind == "objective.save":
        return str(op["objective"]["ref"])
    return str(op["ref"])


async def _stale(session: AsyncSession, rel: Relationship, item: str, base: int) -> bool:
    """Whether the mentee's side changed ``item`` after version ``base``."""
    later = await SharedChanges(session, rel.org_id).find_one(
        SharedChange.relationship_id == rel.id,
        SharedChange.item_ref == item,
        SharedChange.side == Party.MENTEE,
        SharedChange.outcome == ChangeOutcome.APPLIED,
        SharedChange.version > base,
    )
    return later is not None


async def apply_change(
    session: AsyncSession,
    *,
    peer: str,
    remote_ref: str,
    change_id: str,
    base_version: int,
    op: dict[str, Any],
    now: datetime,
    remote: RemoteSink,
) -> ChangeOutcome:
    """``relationship.change`` on the authority. Refused (an error, nothing changes) when the
    peer is not the other party or the version is from the future; otherwise answered."""
    rel = await authority_row(session, peer, remote_ref)
    if base_version > rel.version:
        raise IllegalTransition(
            f"The change is made against version {base_version}; the record is at {rel.version}."
        )
    changes = SharedChanges(session, rel.org_id)
    again = await changes.find_one(
        SharedChange.relationship_id == rel.id, SharedChange.change_id == change_id
    )
    if again is not None:  # the same change once more: answered again, applied once
        again.answered = False
        await publish(session, rel, remote)
        return again.outcome
    item = target_of(op)
    who = ActorRef.system(f"mentor via {peer}")
    outcome, reason = ChangeOutcome.APPLIED, ""
    if rel.state is RelationshipState.ENDED:
        outcome, reason = ChangeOutcome.REFUSED, "The relationship has ended."
    elif await _stale(session, rel, item, base_version):
        outcome, reason = ChangeOutcome.STALE, "changed by the other party meanwhile"
    else:
        try:
            async with session.begin_nested():
                stale = await _apply_op(session, rel, op, who, now)
            if stale:
                outcome, reason = ChangeOutcome.STALE, "changed by the other party meanwhile"
        except DomainError as error:
            outcome, reason = ChangeOutcome.REFUSED, str(error)[:300]
    if outcome is ChangeOutcome.APPLIED:
        row = _bump(session, rel, Party.MENTOR, str(op["op"]), item, who, now)
        row.change_id, row.base_version, row.answered = change_id, base_version, False
    else:
        AuditLog(session, rel.org_id).record(
            "relationship",
            rel.id,
            f"shared_change_{outcome.value}",
            who,
            reason=f"{op['op']} {item} on v{base_version}: {reason}",
            at=now,
        )
        changes.add(
            SharedChange(
                id=uuid.uuid4(),
                relationship_id=rel.id,
                change_id=change_id,
                side=Party.MENTOR,
                op=str(op["op"]),
                item_ref=item,
                outcome=outcome,
                reason=reason,
                base_version=base_version,
                answered=False,
                created_at=now,
            )
        )
    await session.flush()
    await publish(session, rel, remote)
    return outcome


async def _meeting(session: AsyncSession, rel: Relationship, ref: str) -> Meeting:
    row = await Meetings(session, rel.org_id).find_one(
        Meeting.relationship_id == rel.id, Meeting.shared_ref == ref
    )
    if row is None:
        raise NotFound("No such meeting.")
    return row


def _set_terms(agreement: Agreement, terms: dict[str, Any]) -> None:
    for name in AGREEMENT_TERMS:
        value = terms.get(name)
        if name == "contact_by":
            value = ContactBy(value) if value else None
        elif name == "length_minutes":
            value = value if value is None else int(value)
        elif name == "shadowing_wanted":
            value = bool(value)
        else:
            value = value or ""
        setattr(agreement, name, value)


@dataclass(frozen=True)
class _Op:
    """One op of the mentor's being made on the authority's tables."""

    session: AsyncSession
    rel: Relationship
    data: dict[str, Any]
    who: ActorRef
    now: datetime

    @property
    def audit(self) -> AuditLog:
        return AuditLog(self.session, self.rel.org_id)


async def _apply_op(
    session: AsyncSession, rel: Relationship, op: dict[str, Any], who: ActorRef, now: datetime
) -> bool:
    """Make the mentor's ``op`` on the authority's tables; True if it is stale after all (a
    confirmation of a text that is no longer the agreement's). ``DomainError`` refuses it."""
    if rel.state not in (RelationshipState.AGREEING, RelationshipState.ACTIVE):
        raise IllegalTransition("The relationship has ended.")
    apply = _OPS.get(str(op["op"]))
    if apply is None:
        raise IllegalTransition(f"Unknown change {op['op']}.")
    stale = await apply(_Op(session, rel, op, who, now))
    await session.flush()
    return stale


async def _agreement_op(op: _Op) -> bool:
    agreement = await _agreement(op.session, op.rel)
    if op.rel.state is not RelationshipState.AGREEING:
        raise IllegalTransition("The agreement is settled; it cannot be changed any more.")
    kind = op.data["op"]
    if kind == "agreement.edit":
        _set_terms(agreement, op.data["terms"])
        clear_confirmations(agreement)
    elif kind == "agreement.code":
        if agreement.partner_code_of_conduct != op.data["text"]:
            agreement.partner_code_of_conduct = op.data["text"]
            clear_confirmations(agreement)
    else:  # agreement.confirm: of exactly the text the agreement has now
        if op.data["sha256"] != agreement_sha256(agreement, op.rel):
            return True
        confirm_as(agreement, op.rel, Party.MENTOR, op.now)
        if both_confirmed(agreement, op.rel):
            move(op.session, op.rel, RelationshipEvent.CONFIRM_AGREEMENT, op.who, op.now)
    agreement.updated_at = op.now
    return False


async def _add_meeting_op(op: _Op) -> bool:
    data = op.data["meeting"]
    meetings = Meetings(op.session, op.rel.org_id)
    if await meetings.find_one(
        Meeting.relationship_id == op.rel.id, Meeting.shared_ref == data["ref"]
    ):
        return False
    meeting = Meeting(
        id=uuid.uuid4(), relationship_id=op.rel.id, preparation_minutes=0, created_at=op.now
    )
    _fill_meeting(meeting, data)
    meetings.add(meeting)
    op.audit.record("meeting", meeting.id, "add", op.who, to_state=meeting.state, at=op.now)
    return False


async def _meeting_record_op(op: _Op) -> bool:
    meeting = await _meeting(op.session, op.rel, str(op.data["ref"]))
    if op.data.get("summary") is not None:
        meeting.summary = op.data["summary"]
    if op.data.get("mentor_record") is not None:
        meeting.mentor_record = op.data["mentor_record"]
    return False


async def _meeting_state_op(op: _Op) -> bool:
    meeting = await _meeting(op.session, op.rel, str(op.data["ref"]))
    if meeting.state is not MeetingState.SCHEDULED:
        raise IllegalTransition(f"A meeting that is {meeting.state.value} cannot change.")
    held = op.data["op"] == "meeting.held"
    if held:
        if meeting.starts_at > op.now:
            raise IllegalTransition("The meeting has not started yet.")
        meeting.duration_minutes = int(op.data["duration_minutes"])
        if op.data.get("summary"):
            meeting.summary = op.data["summary"]
    to = MeetingState.HELD if held else MeetingState.CANCELLED
    meeting.state = to
    op.audit.record(
        "meeting", meeting.id, to.value, op.who, from_state="scheduled", to_state=to, at=op.now
    )
    return False


async def _reschedule_op(op: _Op) -> bool:
    meeting = await _meeting(op.session, op.rel, str(op.data["ref"]))
    slot = RescheduleIn(
        starts_at=_from_ts(int(op.data["starts_at"])),
        duration_minutes=int(op.data["duration_minutes"]),
        mode=MeetingMode(op.data["mode"]),
        location=op.data.get("location", ""),
    )
    await move_meeting(op.session, op.rel, meeting, slot, (op.who, Party.MENTOR.value), op.now)
    return False


async def _objective_op(op: _Op) -> bool:
    data = op.data["objective"]
    row = await Objectives(op.session, op.rel.org_id).find_one(
        Objective.relationship_id == op.rel.id, Objective.shared_ref == data["ref"]
    )
    _save_objective(row, op.session, op.rel, data, op.now)
    return False


async def _shadowing_op(op: _Op) -> bool:
    row = await ShadowingRepository(op.session, op.rel.org_id).find_one(
        Shadowing.relationship_id == op.rel.id, Shadowing.shared_ref == op.data["ref"]
    )
    if row is None:
        raise NotFound("No such shadowing.")
    to = ShadowingState.COMPLETED if op.data["completed"] else ShadowingState.CANCELLED
    if to not in SHADOWING_TRANSITIONS[row.state]:
        raise IllegalTransition(f"Shadowing that is {row.state.value} cannot become {to.value}.")
    op.audit.record(
        "shadowing", row.id, "transition", op.who, from_state=row.state, to_state=to, at=op.now
    )
    row.state = to
    return False


async def _extension_op(op: _Op) -> bool:
    await apply_extension_op(op.session, op.rel, op.data, op.who, op.now)
    return False


_OPS: dict[str, Callable[[_Op], Awaitable[bool]]] = {
    "agreement.edit": _agreement_op,
    "agreement.confirm": _agreement_op,
    "agreement.code": _agreement_op,
    "meeting.add": _add_meeting_op,
    "meeting.held": _meeting_state_op,
    "meeting.cancel": _meeting_state_op,
    "meeting.reschedule": _reschedule_op,
    "meeting.record": _meeting_record_op,
    "objective.save": _objective_op,
    "shadowing.finish": _shadowing_op,
    "extension.propose": _extension_op,
    "extension.agree": _extension_op,
    "extension.decline": _extension_op,
}


def _slot_of(row: Meeting) -> tuple[Any, ...]:
    # To the second, as the wire carries it: a local time with microseconds is the same slot.
    return (row.state, _ts(row.starts_at), row.duration_minutes, row.mode, row.location)


def _fill_meeting(row: Meeting, data: dict[str, Any]) -> None:
    row.shared_ref = str(data["ref"])
    row.state = MeetingState(data["state"])
    row.starts_at = _from_ts(int(data["starts_at"]))
    row.duration_minutes = int(data["duration_minutes"])
    row.mode = MeetingMode(data["mode"])
    row.location = data.get("location", "")
    row.summary = data.get("summary", "")
    row.mentor_record = data.get("mentor_record", "")


def _save_objective(
    row: Objective | None,
    session: AsyncSession,
    rel: Relationship,
    data: dict[str, Any],
    now: datetime,
) -> Objective:
    if row is None:
        row = Objectives(session, rel.org_id).add(
            Objective(id=uuid.uuid4(), relationship_id=rel.id, shared_ref=str(data["ref"]))
        )
    row.title = data["title"]
    row.expected_outcome = data.get("expected_outcome", "")
    row.actions = [
        {"text": a["text"], "due_on": a.get("due_on"), "done": bool(a.get("done"))}
        for a in data.get("actions", [])
    ]
    row.status = ObjectiveStatus(data.get("status", "open"))
    row.updated_at = now
    return row


# --- the replica -------------------------------------------------------------------------------


async def apply_record(
    session: AsyncSession,
    *,
    peer: str,
    remote_ref: str,
    record: dict[str, Any],
    now: datetime,
    remote: RemoteSink,
) -> bool:
    """``relationship.record`` on the replica: the answers to our changes (the mentor is told
    of a stale or refused one), then the record itself if it is newer than ours. Whether it
    was applied. A record of the version we have already (the answer to a change the authority
    did not make) is applied to the extensions only."""
    rel = await replica_row(session, peer, remote_ref)
    who = ActorRef.system(f"shared record from {peer}")
    await _take_answers(session, rel, record.get("answers", []), now)
    if record["version"] < rel.version:
        return False
    if record["version"] == rel.version:
        # The record again, answering a change it did not make: a proposal of the mentor's
        # the authority did not take is taken away here too (the rest stays as it is).
        await _apply_extensions(session, rel, record, who, now)
        await session.flush()
        return False
    agreement = await _agreement(session, rel)
    _apply_agreement(agreement, rel, record["agreement"])
    if record["state"] == "active" and rel.state is RelationshipState.AGREEING:
        move(session, rel, RelationshipEvent.CONFIRM_AGREEMENT, who, now)
    await _apply_items(session, rel, record, now)
    await _apply_extensions(session, rel, record, who, now)
    rel.version = int(record["version"])
    AuditLog(session, rel.org_id).record(
        "relationship", rel.id, "shared_record_applied", who, reason=f"v{rel.version}", at=now
    )
    await session.flush()
    await _offer_code_of_conduct(session, rel, agreement, record["agreement"], who, now, remote)
    return True


async def _take_answers(
    session: AsyncSession, rel: Relationship, answers: Sequence[dict[str, Any]], now: datetime
) -> None:
    changes = SharedChanges(session, rel.org_id)
    for answer in answers:
        sent = await changes.find_one(
            SharedChange.relationship_id == rel.id, SharedChange.change_id == answer["change_id"]
        )
        if sent is None or sent.outcome is not ChangeOutcome.PENDING:
            continue  # not ours, or answered before
        sent.outcome = ChangeOutcome(answer["outcome"])
        sent.reason = answer.get("reason", "")
        AuditLog(session, rel.org_id).record(
            "relationship",
            rel.id,
            f"shared_change_{sent.outcome.value}",
            ActorRef.system("shared record"),
            reason=f"{sent.op} {sent.item_ref} ({sent.change_id}): {sent.reason}",
            at=now,
        )
        if sent.outcome is ChangeOutcome.APPLIED:
            continue
        text = (
            STALE_TEXT
            if sent.outcome is ChangeOutcome.STALE
            else (f"Your change was not made: {sent.reason}")
        )
        await notify(
            session,
            rel.org_id,
            rel.mentor_id,
            NotificationKind.SHARED_RECORD,
            "Changed by the other party meanwhile"
            if sent.outcome is ChangeOutcome.STALE
            else "Your change was not made",
            text,
            now=now,
            link=f"/relationships/{rel.id}",
        )


async def _apply_extensions(
    session: AsyncSession, rel: Relationship, record: dict[str, Any], who: ActorRef, now: datetime
) -> None:
    waiting = any(c.item_ref == EXTENSION_ITEM for c in (await in_flight(session, rel)).pending)
    await apply_extensions(
        session, rel, list(record.get("extensions", [])), keep_unlisted=waiting, who=who, now=now
    )


def _apply_agreement(agreement: Agreement, rel: Relationship, data: dict[str, Any]) -> None:
    _set_terms(agreement, data["terms"])
    codes = {c["party"]: c["text"] for c in data.get("codes_of_conduct", [])}
    agreement.partner_code_of_conduct = codes.get("mentee", "")
    agreement.principles = list(data.get("principles", []))
    clear_confirmations(agreement)
    for confirmation in data.get("confirmations", []):
        at, sha = _from_ts(int(confirmation["at"])), str(confirmation["sha256"])
        if confirmation["party"] == "mentee":
            agreement.mentee_confirmed_at, agreement.mentee_confirmed_sha256 = at, sha
        else:
            agreement.mentor_confirmed_at, agreement.mentor_confirmed_sha256 = at, sha


async def _offer_code_of_conduct(
    session: AsyncSession,
    rel: Relationship,
    agreement: Agreement,
    data: dict[str, Any],
    who: ActorRef,
    now: datetime,
    remote: RemoteSink,
) -> None:
    """The mentor's organisation's code of conduct belongs in the agreement both confirm: sent
    once while the record lacks it (or holds another)."""
    codes = {c["party"]: c["text"] for c in data.get("codes_of_conduct", [])}
    own = agreement.code_of_conduct
    if rel.state is not RelationshipState.AGREEING or not own or codes.get("mentor") == own:
        return
    waiting = await SharedChanges(session, rel.org_id).find_one(
        SharedChange.relationship_id == rel.id,
        SharedChange.op == "agreement.code",
        SharedChange.outcome == ChangeOutcome.PENDING,
    )
    if waiting is None:
        op = {"op": "agreement.code", "text": own}
        await changed(session, rel, Party.MENTOR, op, AGREEMENT_ITEM, who, now, remote)


async def _apply_items(
    session: AsyncSession, rel: Relationship, record: dict[str, Any], now: datetime
) -> None:
    meetings = {
        m.shared_ref: m
        for m in await Meetings(session, rel.org_id).list(Meeting.relationship_id == rel.id)
    }
    for data in record.get("meetings", []):
        row = meetings.get(data["ref"])
        if row is None:
            row = Meetings(session, rel.org_id).add(
                Meeting(
                    id=uuid.uuid4(), relationship_id=rel.id, preparation_minutes=0, created_at=now
                )
            )
            _fill_meeting(row, data)
            continue
        before = _slot_of(row)
        _fill_meeting(row, data)
        if before != _slot_of(row) and row.state is MeetingState.SCHEDULED:
            # Moved by the mentee (or the mentor's own move, answered: then the slot is the
            # same and nothing is sent again): the mentor's calendar moves the event too.
            await calendar_moved(session, rel, row, Party.MENTEE.value, now)
    objectives = {
        o.shared_ref: o
        for o in await Objectives(session, rel.org_id).list(Objective.relationship_id == rel.id)
    }
    for data in record.get("objectives", []):
        _save_objective(objectives.get(data["ref"]), session, rel, data, now)
    # The mentee's shared entries: one unshared since is taken away.
    log = LearningLog(session, rel.org_id)
    entries = {
        e.shared_ref: e
        for e in await log.list(LogEntry.relationship_id == rel.id, LogEntry.author_id.is_(None))
    }
    shared = {data["ref"]: data for data in record.get("log_entries", [])}
    for ref, entry in entries.items():
        if ref not in shared:
            await session.delete(entry)
    for ref, data in shared.items():
        found = entries.get(ref)
        entry = (
            found
            if found is not None
            else log.add(
                LogEntry(
                    id=uuid.uuid4(),
                    relationship_id=rel.id,
                    author_id=None,
                    shared_ref=ref,
                    shared=True,
                    created_at=now,
                )
            )
        )
        entry.entry_date = date.fromisoformat(data["entry_date"])
        entry.activity = data.get("activity", "")
        entry.learning = data.get("learning", "")
        entry.next_steps = data.get("next_steps", "")
        entry.updated_at = _from_ts(int(data["at"]))
    placements = {
        s.shared_ref: s
        for s in await ShadowingRepository(session, rel.org_id).list(
            Shadowing.relationship_id == rel.id
        )
    }
    for data in record.get("shadowing", []):
        row_s = placements.get(data["ref"])
        if row_s is None:
            row_s = ShadowingRepository(session, rel.org_id).add(
                Shadowing(
                    id=uuid.uuid4(), relationship_id=rel.id, shared_ref=data["ref"], created_at=now
                )
            )
        row_s.kind = ShadowingKind(data["kind"])
        row_s.host_name = data["host_name"]
        row_s.dates = list(data["dates"])
        row_s.purpose = data.get("purpose", "")
        row_s.state = ShadowingState(data["state"])


# --- the ops a replica sends for its person's edits (``federation.wire.ChangeOp``) ---------------


def agreement_edit_op(agreement: Agreement, rel: Relationship) -> dict[str, Any]:
    return {"op": "agreement.edit", "terms": _agreement_body(agreement, rel)["terms"]}


def agreement_confirm_op(agreement: Agreement) -> dict[str, Any]:
    return {"op": "agreement.confirm", "sha256": agreement.mentor_confirmed_sha256}


def meeting_add_op(meeting: Meeting) -> dict[str, Any]:
    return {"op": "meeting.add", "meeting": meeting_body(meeting)}


def meeting_held_op(meeting: Meeting) -> dict[str, Any]:
    return {
        "op": "meeting.held",
        "ref": _ref(meeting),
        "duration_minutes": meeting.duration_minutes,
        "summary": meeting.summary,
    }


def meeting_cancel_op(meeting: Meeting) -> dict[str, Any]:
    return {"op": "meeting.cancel", "ref": _ref(meeting)}


def meeting_reschedule_op(meeting: Meeting) -> dict[str, Any]:
    return {
        "op": "meeting.reschedule",
        "ref": _ref(meeting),
        "starts_at": _ts(meeting.starts_at),
        "duration_minutes": meeting.duration_minutes,
        "mode": meeting.mode.value,
        "location": meeting.location,
    }


def meeting_record_op(
    meeting: Meeting, summary: str | None, mentor_record: str | None
) -> dict[str, Any]:
    return {
        "op": "meeting.record",
        "ref": _ref(meeting),
        "summary": summary,
        "mentor_record": mentor_record,
    }


def objective_op(objective: Objective) -> dict[str, Any]:
    return {"op": "objective.save", "objective": objective_body(objective)}


def shadowing_finish_op(row: Shadowing) -> dict[str, Any]:
    return {
        "op": "shadowing.finish",
        "ref": _ref(row),
        "completed": row.state is ShadowingState.COMPLETED,
    }


def item_ref(row: Meeting | Objective | LogEntry | Shadowing) -> str:
    return _ref(row)
