"""A network's shared events: a member organisation publishes a workshop, a briefing or an
information session; people of every member organisation register through their own node;
the organiser's node keeps the list, the waiting list and the attendance, and sends each
attendee's node where they stand (docs/networks.md, "Shared events").

Two sides, on one node or two:

- the **organiser's side** (``Places``: the node hosting the organising org) holds the
  registrations: only a person's name, organisation and work email, with their consent;
- the **attendee's side** (the person's own node) holds their booking, and turns attendance into
  the org's own training record (``EventTraining``), so the ``training_completed`` rule counts it.

When both orgs are on one node the sides call each other directly; otherwise through
``event.register``/``event.unregister`` (attendee → organiser) and ``event.place`` (back).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Literal

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef, AuditLog
from orgs.db import utcnow
from orgs.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from orgs.mentoring.remote_events import RemoteEvent, RemoteSink
from orgs.models import Org
from orgs.networks.event_models import (
    ACTIVE_PLACES,
    Audience,
    EventBooking,
    EventKind,
    EventRegistration,
    EventStatus,
    EventTraining,
    NetworkEvent,
    PlaceState,
)
from orgs.networks.record import NetworkRecord, Standing
from orgs.networks.replica import Replica
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.permissions import Action, authorize
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, TrainingRepository

Role = Literal["mentor", "mentee", "other"]


class EventIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    kind: EventKind
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    details: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    starts_at: datetime
    ends_at: datetime
    place: Annotated[str, msgspec.Meta(max_length=300)] = ""
    link: (
        Annotated[
            str,
            msgspec.Meta(pattern=r"^https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$", max_length=300),
        ]
        | None
    ) = None
    capacity: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    audience: Audience


class RegisterIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    #: The person agrees that their name, organisation and work email go to the organiser.
    consent: bool
    #: As whom they come: a mentors' event needs "mentor", a mentees' event "mentee".
    role: Role = "other"


class AttendanceIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    registration_id: Annotated[str, msgspec.Meta(max_length=64)]
    attended: bool


class TrainingLinkIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    training_id: uuid.UUID


class Attendee(msgspec.Struct, frozen=True, kw_only=True):
    """What crosses to the organiser's node: nothing else about the person."""

    name: str
    org: str
    work_email: str
    role: Role


class EventFacts(msgspec.Struct, frozen=True, kw_only=True):
    """An event as its organiser's node publishes it (``wire.SharedEvent``, times as
    datetimes)."""

    event_id: str
    network_id: str
    organiser_org: str
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


FACT_FIELDS = tuple(EventFacts.__struct_fields__)
AUDIENCE_ROLE = {Audience.MENTORS: "mentor", Audience.MENTEES: "mentee"}


def facts(event: NetworkEvent) -> EventFacts:
    return EventFacts(**{name: getattr(event, name) for name in FACT_FIELDS})


def wire_event(event: NetworkEvent) -> dict[str, object]:
    """The event as ``event.publish`` carries it (times in seconds since the epoch)."""
    values: dict[str, object] = msgspec.to_builtins(facts(event))
    values.update(
        starts_at=int(event.starts_at.timestamp()), ends_at=int(event.ends_at.timestamp())
    )
    return values


def _check_times(data: EventIn, now: datetime) -> None:
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise InvalidInput.on("starts_at", "give the time with its time zone")
    if data.starts_at <= now:
        raise InvalidInput.on("starts_at", "an event is published before it starts")
    if data.ends_at <= data.starts_at:
        raise InvalidInput.on("ends_at", "ends after it starts")
    if data.ends_at - data.starts_at > timedelta(days=7):
        raise InvalidInput.on("ends_at", "an event lasts at most a week")
    if not data.place.strip() and data.link is None:
        raise InvalidInput.on("place", "say where it is held, or give the link to join")


class Events:
    """Shared events as node ``me`` holds them."""

    def __init__(self, session: AsyncSession, me: str, remote: RemoteSink) -> None:
        self.session = session
        self.me = me
        self.remote = remote
        self.replica = Replica(session)

    # --- who sees what -----------------------------------------------------------------------

    async def _org(self, actor: Actor) -> Org:
        org = await self.session.get(Org, actor.org_id)
        if org is None:
            raise NotFound("No such organisation.")
        return org

    async def _record(self, network_id: str, org: Org) -> NetworkRecord:
        """The network, if ``org`` is a member of it (else 404, as for one that does not
        exist)."""
        record = await self.replica.current(network_id)
        entry = record.member(f"{org.slug}@{self.me}") if record is not None else None
        if record is None or entry is None or entry.standing is not Standing.MEMBER:
            raise NotFound("No such network.")
        return record

    async def _find(self, event_id: str) -> NetworkEvent | None:
        return await self.session.scalar(
            select(NetworkEvent).where(NetworkEvent.event_id == event_id)
        )

    async def visible(self, actor: Actor, event_id: str) -> tuple[Org, NetworkEvent]:
        org = await self._org(actor)
        event = await self._find(event_id)
        if event is None:
            raise NotFound("No such event.")
        await self._record(event.network_id, org)
        return org, event

    async def _organised(self, actor: Actor, event_id: str) -> tuple[Org, NetworkEvent]:
        authorize(actor, Action.MANAGE_NETWORK_EVENTS)
        org, event = await self.visible(actor, event_id)
        if event.organiser != f"{org.slug}@{self.me}":
            raise NotFound("No such event of this organisation.")
        return org, event

    async def upcoming(self, actor: Actor, network_id: str) -> Sequence[NetworkEvent]:
        """The network's events that have not ended, soonest first (cancelled ones too, so a
        person who booked sees why)."""
        await self._record(network_id, await self._org(actor))
        return (
            await self.session.scalars(
                select(NetworkEvent)
                .where(NetworkEvent.network_id == network_id, NetworkEvent.ends_at > utcnow())
                .order_by(NetworkEvent.starts_at)
            )
        ).all()

    async def organised(self, actor: Actor) -> Sequence[NetworkEvent]:
        authorize(actor, Action.MANAGE_NETWORK_EVENTS)
        org = await self._org(actor)
        return (
            await self.session.scalars(
                select(NetworkEvent)
                .where(
                    NetworkEvent.organiser_org == org.slug, NetworkEvent.organiser_node == self.me
                )
                .order_by(NetworkEvent.starts_at)
            )
        ).all()

    # --- the organiser --------------------------------------------------------------------------

    async def publish(self, actor: Actor, network_id: str, data: EventIn) -> NetworkEvent:
        authorize(actor, Action.MANAGE_NETWORK_EVENTS)
        org = await self._org(actor)
        record = await self._record(network_id, org)
        if f"{org.slug}@{self.me}" not in {m.ref for m in record.in_good_standing()}:
            raise Forbidden("Accept the network's agreement as it now stands first.")
        _check_times(data, utcnow())
        event = NetworkEvent(
            event_id=secrets.token_urlsafe(18),
            network_id=network_id,
            organiser_org=org.slug,
            organiser_node=self.me,
            **msgspec.structs.asdict(data),
        )
        self.session.add(event)
        await self.session.flush()
        AuditLog(self.session, org.id).record(
            "network_event", event.id, "published", actor.ref, to_state="scheduled"
        )
        self._announce(record, event)
        return event

    def _announce(self, record: NetworkRecord, event: NetworkEvent) -> None:
        """Every other node of the network's members gets the event as it now is."""
        nodes = {m.node for m in record.members if m.standing is Standing.MEMBER}
        for node in sorted(nodes - {self.me}):
            self.remote(RemoteEvent("event.publish", node, {"event": wire_event(event)}))

    async def cancel(self, actor: Actor, event_id: str) -> NetworkEvent:
        org, event = await self._organised(actor, event_id)
        if event.status is EventStatus.CANCELLED:
            return event
        await self._cancelled(event)
        AuditLog(self.session, org.id).record(
            "network_event", event.id, "cancelled", actor.ref, to_state="cancelled"
        )
        record = await self.replica.current(event.network_id)
        if record is not None:
            self._announce(record, event)
        return event

    async def _cancelled(self, event: NetworkEvent) -> None:
        """The event is off: every place and booking of it here goes with it."""
        event.status = EventStatus.CANCELLED
        event.version += 1
        event.updated_at = utcnow()
        for registration in await self._registrations(event, *ACTIVE_PLACES):
            registration.state = PlaceState.CANCELLED
        for booking in await self._bookings(event):
            booking.state = PlaceState.CANCELLED
        await self.session.flush()

    async def registrations(self, actor: Actor, event_id: str) -> Sequence[EventRegistration]:
        _, event = await self._organised(actor, event_id)
        return await self._registrations(event)

    async def _registrations(
        self, event: NetworkEvent, *states: PlaceState
    ) -> Sequence[EventRegistration]:
        query = select(EventRegistration).where(EventRegistration.event_id == event.event_id)
        if states:
            query = query.where(EventRegistration.state.in_(states))
        return (await self.session.scalars(query.order_by(EventRegistration.registered_at))).all()

    async def take_place(
        self, event_id: str, registration_id: str, node: str, attendee: Attendee
    ) -> EventRegistration:
        """A person of ``attendee.org`` on ``node`` asks for a place at an event organised
        here: a place while there is room, else the waiting list. ``Forbidden`` (nothing
        stored) for an org that is not a member of the event's network in good standing."""
        event = await self._find(event_id)
        if event is None or event.organiser_node != self.me:
            raise NotFound("No such event organised here.")
        existing = await self.session.scalar(
            select(EventRegistration).where(
                EventRegistration.attendee_node == node,
                EventRegistration.registration_id == registration_id,
            )
        )
        if existing is not None:
            return existing  # the same registration sent again: one place
        record = await self.replica.current(event.network_id)
        members = {m.ref for m in record.in_good_standing()} if record is not None else set()
        if f"{attendee.org}@{node}" not in members:
            raise Forbidden(f"{attendee.org} is not a member of this event's network.")
        state = await self._open_state(event, attendee)
        registration = EventRegistration(
            event_id=event.event_id,
            registration_id=registration_id,
            attendee_node=node,
            attendee_org=attendee.org,
            name=attendee.name,
            work_email=attendee.work_email,
            role=attendee.role,
            state=state,
        )
        self.session.add(registration)
        await self.session.flush()
        await self._tell(registration)
        return registration

    async def _open_state(self, event: NetworkEvent, attendee: Attendee) -> PlaceState:
        wanted = AUDIENCE_ROLE.get(event.audience)
        if event.status is EventStatus.CANCELLED or event.starts_at <= utcnow():
            return PlaceState.REFUSED
        if wanted is not None and attendee.role != wanted:
            return PlaceState.REFUSED
        confirmed = await self._registrations(event, PlaceState.CONFIRMED)
        return PlaceState.CONFIRMED if len(confirmed) < event.capacity else PlaceState.WAITING

    async def give_up_place(
        self, event_id: str, registration_id: str, node: str, *, erase: bool = False
    ) -> None:
        """The attendee's node gives the place up (``erase``: the person was erased, so the
        row goes); the first on the waiting list moves up."""
        registration = await self.session.scalar(
            select(EventRegistration).where(
                EventRegistration.event_id == event_id,
                EventRegistration.attendee_node == node,
                EventRegistration.registration_id == registration_id,
            )
        )
        if registration is None:
            if erase:
                return  # an erasure may name what is already gone
            raise NotFound("No such registration from that node.")
        event = await self._find(event_id)
        assert event is not None  # the foreign key
        was = registration.state
        if erase:
            await self.session.delete(registration)
        else:
            registration.state = PlaceState.CANCELLED
            registration.updated_at = utcnow()
        await self.session.flush()
        if was is PlaceState.CONFIRMED:
            await self._move_up(event)

    async def _move_up(self, event: NetworkEvent) -> None:
        confirmed = await self._registrations(event, PlaceState.CONFIRMED)
        waiting = list(await self._registrations(event, PlaceState.WAITING))
        if event.status is EventStatus.SCHEDULED and waiting and len(confirmed) < event.capacity:
            first = waiting.pop(0)
            first.state = PlaceState.CONFIRMED
            first.updated_at = utcnow()
            await self.session.flush()
            await self._tell(first)
            for behind in waiting:  # each of them is one nearer
                await self._tell(behind)

    async def _position(self, registration: EventRegistration) -> int | None:
        if registration.state is not PlaceState.WAITING:
            return None
        event = await self._find(registration.event_id)
        assert event is not None
        waiting = await self._registrations(event, PlaceState.WAITING)
        return 1 + [w.id for w in waiting].index(registration.id)

    async def _tell(self, registration: EventRegistration) -> None:
        """The attendee's node learns where the registration stands."""
        position = await self._position(registration)
        if registration.attendee_node == self.me:
            await self.place_changed(
                registration.event_id,
                registration.registration_id,
                self.me,
                state=registration.state,
                waiting_position=position,
                attended=registration.attended,
            )
            return
        self.remote(
            RemoteEvent(
                "event.place",
                registration.attendee_node,
                {
                    "event_id": registration.event_id,
                    "registration_id": registration.registration_id,
                    "state": registration.state.value,
                    "waiting_position": position,
                    "attended": registration.attended,
                },
            )
        )

    async def record_attendance(
        self, actor: Actor, event_id: str, data: AttendanceIn
    ) -> EventRegistration:
        """Whether a person with a place came; sent to their node, where it counts."""
        org, event = await self._organised(actor, event_id)
        if utcnow().date() < event.starts_at.date():
            raise InvalidInput.on("attended", "attendance is taken from the day of the event")
        registration = await self.session.scalar(
            select(EventRegistration).where(
                EventRegistration.event_id == event.event_id,
                EventRegistration.registration_id == data.registration_id,
            )
        )
        if registration is None:
            raise NotFound("No such registration for this event.")
        if registration.state is not PlaceState.CONFIRMED:
            raise InvalidInput.on("registration_id", "only someone with a place can attend")
        registration.attended = data.attended
        registration.updated_at = utcnow()
        AuditLog(self.session, org.id).record(
            "network_event",
            event.id,
            "attendance",
            actor.ref,
            to_state="attended" if data.attended else "absent",
            reason=f"registration {registration.registration_id}",
        )
        await self.session.flush()
        await self._tell(registration)
        return registration

    # --- the attendee ---------------------------------------------------------------------------

    async def booking(self, actor: Actor, event_id: str) -> EventBooking | None:
        if actor.member is None:
            return None
        return await self._booking_of(actor.member, event_id)

    async def _booking_of(self, member: Member, event_id: str) -> EventBooking | None:
        return await self.session.scalar(
            select(EventBooking).where(
                EventBooking.org_id == member.org_id,
                EventBooking.member_id == member.id,
                EventBooking.event_id == event_id,
                EventBooking.state.in_(ACTIVE_PLACES),
            )
        )

    async def _bookings(self, event: NetworkEvent) -> Sequence[EventBooking]:
        return (
            await self.session.scalars(
                select(EventBooking).where(
                    EventBooking.event_id == event.event_id,
                    EventBooking.state.in_(ACTIVE_PLACES),
                )
            )
        ).all()

    async def register(self, actor: Actor, event_id: str, data: RegisterIn) -> EventBooking:
        """A person asks for a place through their own node, with their consent."""
        member = actor.member
        if member is None:
            raise Forbidden("Only a person registers for an event.")
        org, event = await self.visible(actor, event_id)
        record = await self._record(event.network_id, org)
        if f"{org.slug}@{self.me}" not in {m.ref for m in record.in_good_standing()}:
            raise Forbidden(
                "Your organisation has not accepted the network's agreement as it now stands."
            )
        if not data.consent:
            raise InvalidInput.on(
                "consent",
                "agree to your name, organisation and work email going to the organiser",
            )
        await self._check_open(org, member, event, data.role)
        booking = EventBooking(
            org_id=org.id,
            event_id=event.event_id,
            member_id=member.id,
            registration_id=secrets.token_urlsafe(18),
            role=data.role,
            state=PlaceState.PENDING,
        )
        self.session.add(booking)
        await self.session.flush()
        attendee = Attendee(
            name=member.display_name, org=org.slug, work_email=member.email, role=data.role
        )
        if event.organiser_node == self.me:
            await self.take_place(event.event_id, booking.registration_id, self.me, attendee)
        else:
            self.remote(
                RemoteEvent(
                    "event.register",
                    event.organiser_node,
                    {
                        "event_id": event.event_id,
                        "registration_id": booking.registration_id,
                        "attendee": msgspec.to_builtins(attendee),
                    },
                )
            )
        return booking

    async def _check_open(self, org: Org, member: Member, event: NetworkEvent, role: Role) -> None:
        if event.status is EventStatus.CANCELLED:
            raise InvalidInput.on("event_id", "this event was cancelled")
        if event.starts_at <= utcnow():
            raise InvalidInput.on("event_id", "registration closed when the event started")
        if await self._booking_of(member, event.event_id) is not None:
            raise AlreadyExists("You are already registered for this event.")
        if not member.email:
            raise InvalidInput.on("consent", "your record has no work email to register with")
        wanted = AUDIENCE_ROLE.get(event.audience)
        if wanted is None:
            return
        if role != wanted:
            raise InvalidInput.on("role", f"this event is for {event.audience.value}")
        applied = await ApplicationRepository(self.session, org.id).find_one(
            Application.member_id == member.id,
            Application.role == SchemeRole(wanted),
            Application.state != AppState.WITHDRAWN,
        )
        if applied is None:
            raise InvalidInput.on("role", f"apply as a {wanted} in one of your schemes first")

    async def cancel_booking(self, actor: Actor, event_id: str) -> EventBooking:
        _, event = await self.visible(actor, event_id)
        booking = await self.booking(actor, event_id)
        if booking is None:
            raise NotFound("You are not registered for this event.")
        booking.state = PlaceState.CANCELLED
        booking.updated_at = utcnow()
        await self.session.flush()
        await self._give_up(event, booking.registration_id, erase=False)
        return booking

    async def _give_up(self, event: NetworkEvent, registration_id: str, *, erase: bool) -> None:
        if event.organiser_node == self.me:
            await self.give_up_place(event.event_id, registration_id, self.me, erase=erase)
            return
        self.remote(
            RemoteEvent(
                "event.unregister",
                event.organiser_node,
                {"event_id": event.event_id, "registration_id": registration_id, "erase": erase},
            )
        )

    async def place_changed(
        self,
        event_id: str,
        registration_id: str,
        sender: str,
        *,
        state: PlaceState,
        waiting_position: int | None,
        attended: bool | None,
    ) -> None:
        """The organiser's node says where a registration stands. Only the node organising
        that event may (a third node gets ``NotFound``, nothing stored)."""
        booking = await self.session.scalar(
            select(EventBooking).where(
                EventBooking.event_id == event_id, EventBooking.registration_id == registration_id
            )
        )
        event = await self._find(event_id)
        if booking is None or event is None or event.organiser_node != sender:
            raise NotFound("No such registration for an event of that node.")
        if booking.state is PlaceState.CANCELLED:
            return  # given up here: a late answer changes nothing
        booking.state = state
        booking.waiting_position = waiting_position
        booking.attended = attended
        booking.updated_at = utcnow()
        await self.session.flush()
        if attended is not None:
            await self._count_training(booking)

    async def _count_training(self, booking: EventBooking) -> None:
        link = await self.session.scalar(
            select(EventTraining).where(
                EventTraining.org_id == booking.org_id, EventTraining.event_id == booking.event_id
            )
        )
        if link is None or booking.attended is None:
            return
        await SchemeService(self.session, booking.org_id).record_attendance(
            link.training_id,
            booking.member_id,
            attended=booking.attended,
            who=ActorRef.system("shared event attendance"),
        )

    async def link_training(
        self, actor: Actor, event_id: str, data: TrainingLinkIn
    ) -> EventTraining:
        """Attending this event counts as one of the org's own trainings (its
        ``training_completed`` rule), for attendance already recorded and to come."""
        authorize(actor, Action.MANAGE_NETWORK_EVENTS)
        org, event = await self.visible(actor, event_id)
        training = await TrainingRepository(self.session, org.id).get(data.training_id)
        link = await self.session.scalar(
            select(EventTraining).where(
                EventTraining.org_id == org.id, EventTraining.event_id == event.event_id
            )
        )
        if link is None:
            link = EventTraining(org_id=org.id, event_id=event.event_id, training_id=training.id)
            self.session.add(link)
        link.training_id = training.id
        await self.session.flush()
        attended = await self.session.scalars(
            select(EventBooking).where(
                EventBooking.org_id == org.id,
                EventBooking.event_id == event.event_id,
                EventBooking.attended.is_not(None),
            )
        )
        for booking in attended.all():
            await self._count_training(booking)
        return link

    # --- another node's event ---------------------------------------------------------------

    async def event_published(self, sender: str, published: EventFacts, signed: str = "") -> None:
        """An event as its organiser's node publishes it: taken only from a member in good
        standing of a network held here, and only a newer version of what is held."""
        record = await self.replica.current(published.network_id)
        organiser = f"{published.organiser_org}@{sender}"
        if record is None or organiser not in {m.ref for m in record.in_good_standing()}:
            raise Forbidden(f"{organiser} is not a member of that network here.")
        event = await self._find(published.event_id)
        if event is not None and event.organiser != organiser:
            raise Forbidden("That event belongs to another organiser.")
        if event is not None and published.version <= event.version:
            return  # held already, or older
        values = msgspec.structs.asdict(published)
        if event is None:
            event = NetworkEvent(organiser_node=sender, **values)
            self.session.add(event)
        else:
            was = event.status
            for name, value in values.items():
                setattr(event, name, value)
            if was is EventStatus.SCHEDULED and published.status is EventStatus.CANCELLED:
                for booking in await self._bookings(event):
                    booking.state = PlaceState.CANCELLED
        event.signed = signed
        event.updated_at = utcnow()
        await self.session.flush()

    # --- leaving and erasure --------------------------------------------------------------

    async def network_changed(self, after: NetworkRecord) -> None:
        """An org left the network (its record here now says so): its events are off, and
        its people's places and bookings go. Every node applies the same record, so each
        does its own part; the organiser's node moves the waiting list up."""
        gone = {m.ref for m in after.members if m.standing is Standing.LEFT}
        if not gone:
            return
        events = (
            await self.session.scalars(
                select(NetworkEvent).where(
                    NetworkEvent.network_id == after.network_id,
                    NetworkEvent.status == EventStatus.SCHEDULED,
                )
            )
        ).all()
        for event in events:
            if event.organiser in gone:
                await self._cancelled(event)
                continue
            for booking in await self._bookings(event):
                org = await self.session.get(Org, booking.org_id)
                if org is not None and f"{org.slug}@{self.me}" in gone:
                    booking.state = PlaceState.CANCELLED
            if event.organiser_node != self.me:
                continue
            for registration in await self._registrations(event, *ACTIVE_PLACES):
                if f"{registration.attendee_org}@{registration.attendee_node}" in gone:
                    was = registration.state
                    registration.state = PlaceState.CANCELLED
                    await self.session.flush()
                    if was is PlaceState.CONFIRMED:
                        await self._move_up(event)
        await self.session.flush()


async def erase_bookings(
    session: AsyncSession, remote: RemoteSink, org_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    """A person erased: their registrations go on the organisers' nodes (``event.unregister``
    with ``erase``, ids only), and their bookings here."""
    bookings = (
        await session.scalars(
            select(EventBooking).where(
                EventBooking.org_id == org_id, EventBooking.member_id == member_id
            )
        )
    ).all()
    for booking in bookings:
        event = await session.scalar(
            select(NetworkEvent).where(NetworkEvent.event_id == booking.event_id)
        )
        if event is None:
            continue
        local = await session.scalar(
            select(EventRegistration.id).where(
                EventRegistration.registration_id == booking.registration_id
            )
        )
        # Registrations are kept only on the organiser's node: one here means this is it.
        me = event.organiser_node if local is not None else ""
        await Events(session, me, remote)._give_up(event, booking.registration_id, erase=True)
    await session.execute(
        delete(EventBooking).where(
            EventBooking.org_id == org_id, EventBooking.member_id == member_id
        )
    )
