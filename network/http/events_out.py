"""Response shapes of a network's shared events (``network/http/events_api.py``)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from orgs.networks.event_models import Audience, EventKind, EventStatus, PlaceState


class EventOut(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    network_id: str
    organiser_org: str
    organiser_node: str
    version: int
    kind: EventKind
    title: str
    details: str
    starts_at: datetime
    ends_at: datetime
    place: str
    link: str | None
    capacity: int
    audience: Audience
    status: EventStatus


class BookingOut(msgspec.Struct, frozen=True, kw_only=True):
    """A person's own registration, as their node knows it."""

    event_id: str
    registration_id: str
    role: str
    state: PlaceState
    waiting_position: int | None
    attended: bool | None


class RegistrationOut(msgspec.Struct, frozen=True, kw_only=True):
    """A registration on the organiser's node: only what the person agreed to send."""

    registration_id: str
    attendee_org: str
    attendee_node: str
    name: str
    work_email: str
    role: str
    state: PlaceState
    attended: bool | None
    registered_at: datetime


class TrainingLinkOut(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    training_id: str
