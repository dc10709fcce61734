"""The tables of a network's shared events (docs/networks.md, "Shared events").

- ``network_events``: every member node's copy of each event, as its organiser's node last
  published it (node-wide, like the network's record: an event belongs to a network).
- ``network_event_registrations``: on the organiser's node only, who holds a place or waits
  for one. The only personal data of another organisation kept here: name, organisation and
  work email, sent with the person's consent.
- ``network_event_bookings``: on the attendee's node, a person's own registration (org-owned),
  where the organiser's answers and the attendance land.
- ``network_event_trainings``: an org's link from a shared event to one of its own trainings,
  so attendance counts toward its ``training_completed`` rule.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow


class EventKind(StrEnum):
    WORKSHOP = "workshop"  # e.g. a half-day mentor skills workshop
    BRIEFING = "briefing"  # e.g. a mentee briefing
    INFORMATION = "information"  # an information session


class Audience(StrEnum):
    MENTORS = "mentors"
    MENTEES = "mentees"
    ANYONE = "anyone"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class PlaceState(StrEnum):
    #: On the attendee's node only: sent, no answer from the organiser's node yet.
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"
    REFUSED = "refused"


ACTIVE_PLACES = (PlaceState.PENDING, PlaceState.CONFIRMED, PlaceState.WAITING)


class NetworkEvent(Base):
    __tablename__ = "network_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    network_id: Mapped[str] = mapped_column(String(64), index=True)
    organiser_org: Mapped[str] = mapped_column(String(40))
    organiser_node: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    link: Mapped[str | None] = mapped_column(String(300), default=None)
    capacity: Mapped[int]
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus), default=EventStatus.SCHEDULED
    )
    #: The JWS its organiser's node sent ("" when the organiser is an org of this node).
    signed: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def organiser(self) -> str:
        return f"{self.organiser_org}@{self.organiser_node}"


class EventRegistration(Base):
    """A place (or a place in the queue) at an event organised on this node."""

    __tablename__ = "network_event_registrations"
    __table_args__ = (UniqueConstraint("attendee_node", "registration_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("network_events.event_id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[str] = mapped_column(String(64))
    attendee_node: Mapped[str] = mapped_column(String(300))
    attendee_org: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    work_email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10))
    state: Mapped[PlaceState] = mapped_column(enum_column(PlaceState))
    attended: Mapped[bool | None] = mapped_column(default=None)
    #: The queue's order: who asked first moves up first.
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventBooking(OrgOwned, Base):
    """A person's own registration, on their own node."""

    __tablename__ = "network_event_bookings"
    __table_args__ = (UniqueConstraint("registration_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("network_events.event_id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(10))
    state: Mapped[PlaceState] = mapped_column(enum_column(PlaceState))
    waiting_position: Mapped[int | None] = mapped_column(default=None)
    attended: Mapped[bool | None] = mapped_column(default=None)
    #: When the person agreed to their name, organisation and work email going to the
    #: organiser's node.
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventTraining(OrgOwned, Base):
    __tablename__ = "network_event_trainings"
    __table_args__ = (UniqueConstraint("org_id", "event_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[str] = mapped_column(ForeignKey("network_events.event_id", ondelete="CASCADE"))
    training_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("scheme_trainings.id", ondelete="CASCADE")
    )
