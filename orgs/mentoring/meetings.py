"""Meetings: scheduled and held, the mentor's meeting record, a shared summary, private notes,
and time release against the scheme's budget (Brent §6: up to twelve hours, typically six
sessions; preparation is in the employee's own time and is not counted).

Time release counts the duration of held meetings only. At 80 % of the budget a warning is
given; a meeting that would take the total past 100 % is refused unless a coordinator has
allowed extra time for this relationship (:func:`allow_extra_time`).

Private notes are readable only by their author: not the other party, not a coordinator.

Calendars: scheduling a meeting emails both people an iTIP invitation (METHOD:REQUEST);
rescheduling sends it again with a higher SEQUENCE; cancelling it, by hand or because the
relationship ended, sends METHOD:CANCEL with the same UID and a higher SEQUENCE, so Outlook and
Google update or drop the event they already hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import icalendar
import msgspec
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Party, Relationship, Relationships, for_party, require_live
from orgs.people.members import Member, MemberRepository
from orgs.people.notifications import NotificationKind, notify
from orgs.repository import OrgRepository

WARN_AT = 0.8


class MeetingState(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class MeetingMode(StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"
    PHONE = "phone"


class Meeting(OrgOwned, Base):
    __tablename__ = "mentoring_meetings"
    __table_args__ = (Index("ix_mentoring_meetings_org_id_rel", "org_id", "relationship_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    relationship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE")
    )
    state: Mapped[MeetingState] = mapped_column(enum_column(MeetingState))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    mode: Mapped[MeetingMode] = mapped_column(enum_column(MeetingMode))
    location: Mapped[str] = mapped_column(String(300), default="")
    #: Recorded, never counted: preparation is in the employee's own time.
    preparation_minutes: Mapped[int] = mapped_column(default=0)
    #: Shared by both parties.
    summary: Mapped[str] = mapped_column(Text, default="")
    #: The mentor's record of the meeting (Nottingham City Homes); both parties read it.
    mentor_record: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    #: RFC 5545 SEQUENCE: up by one each time the meeting is rescheduled or cancelled.
    sequence: Mapped[int] = mapped_column(default=0)
    #: The item's id on both sides of a cross-organisation relationship.
    shared_ref: Mapped[str | None] = mapped_column(
        String(32), default=lambda: uuid.uuid4().hex, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingNote(OrgOwned, Base):
    """A private note: only its author ever reads it."""

    __tablename__ = "meeting_notes"
    __table_args__ = (Index("ix_meeting_notes_org_id_author_id", "org_id", "author_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentoring_meetings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Meetings(OrgRepository[Meeting]):
    model = Meeting
    noun = "meeting"


class MeetingNotes(OrgRepository[MeetingNote]):
    model = MeetingNote
    noun = "note"


Minutes = Annotated[int, msgspec.Meta(ge=5, le=480)]
Body = Annotated[str, msgspec.Meta(max_length=10000)]


class MeetingIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """``held: true`` records a meeting that already took place; otherwise it is scheduled."""

    starts_at: Annotated[datetime, msgspec.Meta(tz=True)]  # with its offset, like every time
    duration_minutes: Minutes
    mode: MeetingMode
    location: Annotated[str, msgspec.Meta(max_length=300)] = ""
    held: bool = False
    preparation_minutes: Annotated[int, msgspec.Meta(ge=0, le=600)] = 0
    summary: Body = ""


class RescheduleIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A scheduled meeting's new time, length, mode and place (all given: the whole slot)."""

    starts_at: Annotated[datetime, msgspec.Meta(tz=True)]
    duration_minutes: Minutes
    mode: MeetingMode
    location: Annotated[str, msgspec.Meta(max_length=300)] = ""


class HeldIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    duration_minutes: Minutes | None = None
    preparation_minutes: Annotated[int, msgspec.Meta(ge=0, le=600)] = 0
    summary: Body = ""


class RecordIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    summary: Body | None = None
    mentor_record: Body | None = None


class NoteIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=10000)]


@dataclass(frozen=True)
class TimeRelease:
    budget_minutes: int
    used_minutes: int
    sessions_held: int
    recommended_sessions: int

    @property
    def budget_hours(self) -> float:
        return round(self.budget_minutes / 60, 2)

    @property
    def used_hours(self) -> float:
        return round(self.used_minutes / 60, 2)

    @property
    def percent(self) -> int:
        return round(100 * self.used_minutes / self.budget_minutes) if self.budget_minutes else 100

    @property
    def warning(self) -> bool:
        return self.used_minutes >= WARN_AT * self.budget_minutes

    @property
    def message(self) -> str:
        if self.used_minutes > self.budget_minutes:
            return "The time release is used up beyond the budget (a coordinator allowed it)."
        if self.warning:
            return f"{self.percent}% of the time release is used."
        return ""


def time_release_of(rel: Relationship, meetings: Sequence[Meeting]) -> TimeRelease:
    held = [m for m in meetings if m.state is MeetingState.HELD]
    return TimeRelease(
        budget_minutes=rel.budget_minutes,
        used_minutes=sum(m.duration_minutes for m in held),
        sessions_held=len(held),
        recommended_sessions=rel.recommended_sessions,
    )


async def meetings_of(session: AsyncSession, rel: Relationship) -> Sequence[Meeting]:
    rows = await Meetings(session, rel.org_id).list(Meeting.relationship_id == rel.id)
    return sorted(rows, key=lambda m: m.starts_at)


async def time_release(session: AsyncSession, rel: Relationship) -> TimeRelease:
    return time_release_of(rel, await meetings_of(session, rel))


def _check_budget(rel: Relationship, release: TimeRelease, adding: int) -> None:
    if release.used_minutes + adding > rel.budget_minutes:
        left = max(0, rel.budget_minutes - release.used_minutes)
        raise IllegalTransition(
            f"This meeting ({adding} min) would go past the time release budget "
            f"({rel.budget_minutes // 60} h; {left} min left). Ask your scheme coordinator to "
            "allow more time."
        )


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput.on("starts_at", "give a time zone, e.g. 2026-05-01T10:00:00Z")
    return value.astimezone(UTC)


def _starts(rel: Relationship, value: datetime) -> datetime:
    starts = _aware(value)
    # By day, not by the instant of acceptance: a first meeting on the day the mentor accepted
    # is real, and the other node's copy of the relationship may have begun a little later.
    if starts.date() < rel.started_at.astimezone(UTC).date():
        raise InvalidInput.on(
            "starts_at",
            f"a meeting cannot be before the relationship began, on {rel.started_at:%d %B %Y}",
        )
    return starts


def _slot(meeting: Meeting) -> str:
    return (
        f"{meeting.starts_at:%A %d %B %Y at %H:%M} UTC ({meeting.duration_minutes} minutes, "
        f"{meeting.mode.value.replace('_', ' ')})"
    )


async def tell_calendars(
    session: AsyncSession,
    rel: Relationship,
    meeting: Meeting,
    kind: NotificationKind,
    subject: str,
    text: str,
    now: datetime,
) -> None:
    """Tell both local people, with the meeting's calendar object (REQUEST, or CANCEL once it
    is cancelled) for their calendars. The other node's person is told by their own node."""
    people = await MemberRepository(session, rel.org_id).list(Member.id.in_(rel.local_party_ids))
    attendees = [p.email for p in people]
    if rel.is_remote and rel.counterpart_email:
        attendees.append(rel.counterpart_email)
    calendar = ics(meeting, MEETING_TITLE, "", attendees, now)
    for member_id in rel.local_party_ids:
        await notify(
            session,
            rel.org_id,
            member_id,
            kind,
            subject,
            text,
            now=now,
            link=f"/relationships/{rel.id}#meetings",
            calendar=calendar,
        )


async def add_meeting(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    data: MeetingIn,
    now: datetime,
) -> tuple[Meeting, TimeRelease]:
    rel, party = await for_party(session, member, relationship_id)
    require_live(rel)
    starts = _starts(rel, data.starts_at)
    meetings = await meetings_of(session, rel)
    release = time_release_of(rel, meetings)
    if data.held:
        if starts > now:
            raise InvalidInput.on("starts_at", "a held meeting cannot be in the future")
        _check_budget(rel, release, data.duration_minutes)
    meeting = Meetings(session, rel.org_id).add(
        Meeting(
            id=uuid.uuid4(),
            relationship_id=rel.id,
            state=MeetingState.HELD if data.held else MeetingState.SCHEDULED,
            starts_at=starts,
            duration_minutes=data.duration_minutes,
            mode=data.mode,
            location=data.location,
            preparation_minutes=data.preparation_minutes,
            summary=data.summary,
            mentor_record="",
            created_at=now,
        )
    )
    AuditLog(session, rel.org_id).record(
        "meeting",
        meeting.id,
        "add",
        ActorRef(member.id, party.value),
        to_state=meeting.state,
        at=now,
    )
    if not data.held:
        await tell_calendars(
            session,
            rel,
            meeting,
            NotificationKind.MEETING_SCHEDULED,
            "A mentoring meeting was scheduled",
            f"The {party.value} scheduled a mentoring meeting on {_slot(meeting)}.",
            now,
        )
    await session.flush()
    return meeting, time_release_of(rel, [*meetings, meeting])


async def meeting_for(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID, meeting_id: uuid.UUID
) -> tuple[Meeting, Relationship, Party]:
    rel, party = await for_party(session, member, relationship_id)
    meeting = await Meetings(session, rel.org_id).get(meeting_id)
    if meeting.relationship_id != rel.id:
        raise NotFound("No such meeting.")
    return meeting, rel, party


async def mark_held(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    meeting_id: uuid.UUID,
    data: HeldIn,
    now: datetime,
) -> tuple[Meeting, TimeRelease]:
    meeting, rel, party = await meeting_for(session, member, relationship_id, meeting_id)
    require_live(rel)
    if meeting.state is not MeetingState.SCHEDULED:
        raise IllegalTransition(f"A meeting that is {meeting.state.value} cannot be held.")
    if meeting.starts_at > now:
        raise IllegalTransition("The meeting has not started yet.")
    duration = data.duration_minutes or meeting.duration_minutes
    meetings = await meetings_of(session, rel)
    _check_budget(rel, time_release_of(rel, meetings), duration)
    meeting.state = MeetingState.HELD
    meeting.duration_minutes = duration
    meeting.preparation_minutes = data.preparation_minutes
    if data.summary:
        meeting.summary = data.summary
    AuditLog(session, rel.org_id).record(
        "meeting",
        meeting.id,
        "held",
        ActorRef(member.id, party.value),
        from_state="scheduled",
        to_state="held",
        at=now,
    )
    await session.flush()
    return meeting, time_release_of(rel, meetings)


async def reschedule_meeting(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    meeting_id: uuid.UUID,
    data: RescheduleIn,
    now: datetime,
) -> Meeting:
    """Move a scheduled meeting: the same meeting (and calendar UID), a higher SEQUENCE, and
    a new reminder before its new time."""
    meeting, rel, party = await meeting_for(session, member, relationship_id, meeting_id)
    who = ActorRef(member.id, party.value)
    await move_meeting(session, rel, meeting, data, (who, party.value), now)
    return meeting


async def move_meeting(
    session: AsyncSession,
    rel: Relationship,
    meeting: Meeting,
    data: RescheduleIn,
    by: tuple[ActorRef, str],
    now: datetime,
) -> None:
    """Move ``meeting`` to the slot ``data`` for ``by`` (who, and which party: a person here,
    or the other node's person through the shared record): refused unless it is scheduled and
    the new time is still to come; both local people get the REQUEST again, SEQUENCE higher."""
    require_live(rel)
    if meeting.state is not MeetingState.SCHEDULED:
        raise IllegalTransition(f"A meeting that is {meeting.state.value} cannot be moved.")
    starts = _starts(rel, data.starts_at)
    if starts <= now:
        raise InvalidInput.on("starts_at", "a meeting can only be moved to a time still to come")
    meeting.starts_at = starts
    meeting.duration_minutes = data.duration_minutes
    meeting.mode = data.mode
    meeting.location = data.location
    AuditLog(session, rel.org_id).record("meeting", meeting.id, "reschedule", by[0], at=now)
    await calendar_moved(session, rel, meeting, by[1], now)
    await session.flush()


async def calendar_moved(
    session: AsyncSession, rel: Relationship, meeting: Meeting, by: str, now: datetime
) -> None:
    """The slot of ``meeting`` changed (here, or on the other node): a new reminder before its
    new time, and the invitation again with a higher SEQUENCE, so calendars move the event."""
    meeting.reminded_at = None
    meeting.sequence += 1
    await tell_calendars(
        session,
        rel,
        meeting,
        NotificationKind.MEETING_CHANGED,
        "A mentoring meeting was moved",
        f"The {by} moved a mentoring meeting to {_slot(meeting)}.",
        now,
    )


async def _cancel(
    session: AsyncSession,
    rel: Relationship,
    meeting: Meeting,
    who: ActorRef,
    now: datetime,
    *,
    reason: str = "",
) -> None:
    meeting.state = MeetingState.CANCELLED
    meeting.sequence += 1
    AuditLog(session, rel.org_id).record(
        "meeting",
        meeting.id,
        "cancel",
        who,
        from_state="scheduled",
        to_state="cancelled",
        reason=reason,
        at=now,
    )
    because = f", because {reason}" if reason else ""
    await tell_calendars(
        session,
        rel,
        meeting,
        NotificationKind.MEETING_CANCELLED,
        "A mentoring meeting was cancelled",
        f"The mentoring meeting on {_slot(meeting)} was cancelled{because}.",
        now,
    )


async def cancel_meeting(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    meeting_id: uuid.UUID,
    now: datetime,
) -> Meeting:
    meeting, rel, party = await meeting_for(session, member, relationship_id, meeting_id)
    if meeting.state is not MeetingState.SCHEDULED:
        raise IllegalTransition(f"A meeting that is {meeting.state.value} cannot be cancelled.")
    await _cancel(session, rel, meeting, ActorRef(member.id, party.value), now)
    await session.flush()
    return meeting


async def cancel_scheduled_meetings(
    session: AsyncSession, rel: Relationship, who: ActorRef, now: datetime
) -> int:
    """Cancel every meeting of ``rel`` still scheduled, because the relationship ended: an ended
    relationship can hold no meeting, so none may stay scheduled (and be reminded of). They are
    kept as cancelled, so the record shows them, and each person still here is emailed a
    calendar cancellation for each."""
    rows = await Meetings(session, rel.org_id).list(
        Meeting.relationship_id == rel.id, Meeting.state == MeetingState.SCHEDULED
    )
    for meeting in sorted(rows, key=lambda m: m.starts_at):
        await _cancel(session, rel, meeting, who, now, reason="the relationship ended")
    return len(rows)


async def write_record(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    meeting_id: uuid.UUID,
    data: RecordIn,
) -> Meeting:
    meeting, _rel, party = await meeting_for(session, member, relationship_id, meeting_id)
    if data.mentor_record is not None:
        if party is not Party.MENTOR:
            raise Forbidden("Only the mentor keeps the meeting record.")
        meeting.mentor_record = data.mentor_record
    if data.summary is not None:
        meeting.summary = data.summary
    await session.flush()
    return meeting


# --- private notes ----------------------------------------------------------------------------


async def add_note(
    session: AsyncSession,
    member: Member,
    relationship_id: uuid.UUID,
    meeting_id: uuid.UUID,
    data: NoteIn,
    now: datetime,
) -> MeetingNote:
    meeting, rel, _ = await meeting_for(session, member, relationship_id, meeting_id)
    note = MeetingNotes(session, rel.org_id).add(
        MeetingNote(
            id=uuid.uuid4(),
            meeting_id=meeting.id,
            author_id=member.id,
            text=data.text,
            created_at=now,
        )
    )
    await session.flush()
    return note


async def my_notes(
    session: AsyncSession, member: Member, relationship_id: uuid.UUID, meeting_id: uuid.UUID
) -> Sequence[MeetingNote]:
    meeting, _, _ = await meeting_for(session, member, relationship_id, meeting_id)
    rows = await MeetingNotes(session, member.org_id).list(
        MeetingNote.meeting_id == meeting.id, MeetingNote.author_id == member.id
    )
    return sorted(rows, key=lambda n: n.created_at)


async def read_note(session: AsyncSession, member: Member, note_id: uuid.UUID) -> MeetingNote:
    """A note by id: its author only; everybody else (the other party, a coordinator, another
    org) is told there is no such note."""
    note = await MeetingNotes(session, member.org_id).get(note_id)
    if note.author_id != member.id:
        raise NotFound("No such note.")
    return note


# --- coordinators ---------------------------------------------------------------------------


class ExtraTimeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """More time release for one relationship, allowed by a coordinator."""

    hours: Annotated[int, msgspec.Meta(ge=1, le=50)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


async def allow_extra_time(
    session: AsyncSession,
    org_id: uuid.UUID,
    relationship_id: uuid.UUID,
    hours: int,
    reason: str,
    who: ActorRef,
    now: datetime,
) -> Relationship:
    if not 1 <= hours <= 50:
        raise InvalidInput.on("hours", "1–50 hours")
    if not reason.strip():
        raise InvalidInput.on("reason", "say why more time is allowed")
    rel = await Relationships(session, org_id).get(relationship_id)
    if rel.state is RelationshipState.ENDED:
        raise IllegalTransition("The relationship has ended.")
    rel.extra_minutes_allowed += hours * 60
    rel.release_warned_percent = 0  # a new budget: its thresholds are warned afresh
    AuditLog(session, org_id).record(
        "relationship", rel.id, "allow_extra_time", who, reason=f"+{hours} h: {reason}", at=now
    )
    for member_id in rel.local_party_ids:
        await notify(
            session,
            org_id,
            member_id,
            NotificationKind.BUDGET,
            "More time release allowed",
            f"Your scheme coordinator allowed {hours} more hours of time release.",
            now=now,
            link=f"/relationships/{rel.id}#time-release",
        )
    await session.flush()
    return rel


# --- calendar -------------------------------------------------------------------------------

MEETING_TITLE = "Mentoring meeting"


def _attendee(address: str) -> icalendar.vCalAddress:
    who = icalendar.vCalAddress(f"mailto:{address}")
    who.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
    who.params["PARTSTAT"] = icalendar.vText("NEEDS-ACTION")
    return who


def ics(
    meeting: Meeting,
    title: str,
    organiser_email: str,
    attendees: Sequence[str],
    now: datetime,
) -> str:
    """An iCalendar object (RFC 5545) with its iTIP method (RFC 5546): METHOD:REQUEST for a
    meeting to come, METHOD:CANCEL (STATUS:CANCELLED) once it is cancelled. The UID is the
    meeting's for ever; SEQUENCE goes up with each change; all times are UTC, and DTSTAMP is
    when this object was made (RFC 5545 §3.8.7.2, with a METHOD). ``organiser_email`` ""
    leaves ORGANIZER to the sender (the email job names the node's address)."""
    cancelled = meeting.state is MeetingState.CANCELLED
    cal = icalendar.Calendar()
    cal.add("prodid", "-//MentorNet//Mentoring meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", f"{meeting.id}@mentornet")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", meeting.sequence or 0)
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add(
        "dtend", (meeting.starts_at + timedelta(minutes=meeting.duration_minutes)).astimezone(UTC)
    )
    event.add("summary", title)
    event.add("location", meeting.location or meeting.mode.value.replace("_", " "))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organiser_email:
        event.add("organizer", icalendar.vCalAddress(f"mailto:{organiser_email}"))
    for address in attendees:
        if address:
            event.add("attendee", _attendee(address), encode=False)
    cal.add_component(event)
    body: bytes = cal.to_ical()
    return body.decode()
