"""A network's shared events (docs/networks.md, "Shared events"): a member org's network
coordinators or admins publish, cancel and take attendance; anyone of a member org registers
through this node, with their consent; an org links an event to one of its own trainings."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from federation.event_handlers import events
from network.federation.wiring import node_id
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.events_out import BookingOut, EventOut, RegistrationOut, TrainingLinkOut
from network.http.networks_api import NetworkId
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS
from network.runtime import Runtime
from orgs.errors import NotFound
from orgs.networks.events import AttendanceIn, EventIn, Events, RegisterIn, TrainingLinkIn
from orgs.structs import out

#: An event's id, as its organiser's node chose it (random, base64url).
EventId = FromPath[str]


def _events(state: State, db: Db) -> Events:
    return events(db, node_id(Runtime.of(state).settings))


class EventsController(Controller):
    path = "/api/v1/orgs/{slug:str}"
    tags = ("networks",)

    @post(
        "/networks/{network_id:str}/events",
        summary="Publish a shared event (network coordinators, org admins)",
        responses=API_PROBLEMS,
    )
    async def publish(
        self,
        slug: Slug,
        network_id: NetworkId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[EventIn],
    ) -> EventOut:
        return out(EventOut, await _events(state, db).publish(actor, network_id, data))

    @get(
        "/networks/{network_id:str}/events",
        summary="The network's events that have not ended",
        responses=API_PROBLEMS,
    )
    async def upcoming(
        self, slug: Slug, network_id: NetworkId, actor: Actor_, db: Db, state: State
    ) -> list[EventOut]:
        return [out(EventOut, e) for e in await _events(state, db).upcoming(actor, network_id)]

    @get("/events/organised", summary="The events the org organises", responses=API_PROBLEMS)
    async def organised(self, slug: Slug, actor: Actor_, db: Db, state: State) -> list[EventOut]:
        return [out(EventOut, e) for e in await _events(state, db).organised(actor)]

    @get("/events/{event_id:str}", summary="A shared event", responses=API_PROBLEMS)
    async def show(
        self, slug: Slug, event_id: EventId, actor: Actor_, db: Db, state: State
    ) -> EventOut:
        _, event = await _events(state, db).visible(actor, event_id)
        return out(EventOut, event)

    @post("/events/{event_id:str}/cancel", summary="Cancel the event", responses=API_PROBLEMS)
    async def cancel(
        self, slug: Slug, event_id: EventId, actor: Actor_, db: Db, state: State
    ) -> EventOut:
        return out(EventOut, await _events(state, db).cancel(actor, event_id))

    @get(
        "/events/{event_id:str}/registration",
        summary="My registration for the event",
        responses=API_PROBLEMS,
    )
    async def mine(
        self, slug: Slug, event_id: EventId, actor: Actor_, db: Db, state: State
    ) -> BookingOut:
        service = _events(state, db)
        await service.visible(actor, event_id)
        booking = await service.booking(actor, event_id)
        if booking is None:
            raise NotFound("You are not registered for this event.")
        return out(BookingOut, booking)

    @post(
        "/events/{event_id:str}/registration",
        summary="Register for the event (with consent to send name, org and work email)",
        responses=API_PROBLEMS,
    )
    async def register(
        self,
        slug: Slug,
        event_id: EventId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[RegisterIn],
    ) -> BookingOut:
        return out(BookingOut, await _events(state, db).register(actor, event_id, data))

    @delete(
        "/events/{event_id:str}/registration",
        summary="Give up my place (or my place in the queue)",
        status_code=200,
        responses=API_PROBLEMS,
    )
    async def unregister(
        self, slug: Slug, event_id: EventId, actor: Actor_, db: Db, state: State
    ) -> BookingOut:
        return out(BookingOut, await _events(state, db).cancel_booking(actor, event_id))

    @get(
        "/events/{event_id:str}/registrations",
        summary="Who holds a place or waits (the organiser)",
        responses=API_PROBLEMS,
    )
    async def registrations(
        self, slug: Slug, event_id: EventId, actor: Actor_, db: Db, state: State
    ) -> list[RegistrationOut]:
        found = await _events(state, db).registrations(actor, event_id)
        return [out(RegistrationOut, r) for r in found]

    @put(
        "/events/{event_id:str}/attendance",
        summary="Record whether a person came (the organiser)",
        responses=API_PROBLEMS,
    )
    async def attendance(
        self,
        slug: Slug,
        event_id: EventId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[AttendanceIn],
    ) -> RegistrationOut:
        registration = await _events(state, db).record_attendance(actor, event_id, data)
        return out(RegistrationOut, registration)

    @put(
        "/events/{event_id:str}/training",
        summary="Count attending this event as one of the org's trainings",
        responses=API_PROBLEMS,
    )
    async def training(
        self,
        slug: Slug,
        event_id: EventId,
        actor: Actor_,
        db: Db,
        state: State,
        data: JSONBody[TrainingLinkIn],
    ) -> TrainingLinkOut:
        link = await _events(state, db).link_training(actor, event_id, data)
        return TrainingLinkOut(event_id=link.event_id, training_id=str(link.training_id))
