"""The pages of a network's shared events: the network's upcoming events and, for its
network coordinators and admins, a form to publish one; an event's page, where anyone of a
member org registers (with their consent) or gives up their place; and, for the organiser, who
registered and their attendance. The same service as the API (``orgs.networks.events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from federation.event_handlers import events
from network.federation.wiring import node_id
from network.http.dependencies import Db
from network.http.events_api import EventId
from network.http.networks_api import NetworkId
from network.http.path_params import Slug
from network.runtime import Runtime
from network.web.pages import (
    Errors,
    PageContext_,
    decode,
    domain_errors,
    one,
    read_form,
    render,
    see_other,
    values_of,
)
from network.web.uk_time import LONDON
from orgs.errors import DomainError
from orgs.networks.event_models import NetworkEvent
from orgs.networks.events import AttendanceIn, EventIn, Events, RegisterIn
from orgs.people.permissions import Action, may

EVENT_FIELDS = ("kind", "title", "details", "starts_at", "ends_at", "place", "link", "capacity")
LABELS = {
    "kind": "What kind of event",
    "title": "Title",
    "details": "What it covers",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "place": "Where",
    "link": "Link to join",
    "capacity": "Places",
    "audience": "Who may attend",
    "consent": "Consent",
    "role": "You come as",
}


def _service(state: State, db: Db) -> Events:
    return events(db, node_id(Runtime.of(state).settings))


def _london(value: str) -> str:
    """A ``datetime-local`` field (London wall-clock time) as an ISO instant, or as typed."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=LONDON).isoformat()
    except ValueError:
        return value


def _event_form(form: dict[str, list[str]]) -> dict[str, Any]:
    data: dict[str, Any] = {name: one(form, name) for name in (*EVENT_FIELDS, "audience")}
    data["starts_at"], data["ends_at"] = _london(data["starts_at"]), _london(data["ends_at"])
    data["link"] = data["link"] or None
    return data


class EventPages(Controller):
    path = "/orgs/{slug:str}"
    include_in_schema = False

    async def _list(
        self,
        viewer: PageContext_,
        db: Db,
        state: State,
        network_id: str,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        shown = await _service(state, db).upcoming(viewer.actor, network_id)
        return render(
            "network_events.html",
            viewer,
            title="Shared events",
            network_id=network_id,
            events=shown,
            publishing=may(viewer.actor, Action.MANAGE_NETWORK_EVENTS),
            errors=errors,
            values=values or {},
        )

    @get("/networks/{network_id:str}/events", name="web:network-events")
    async def upcoming(
        self, slug: Slug, network_id: NetworkId, viewer: PageContext_, db: Db, state: State
    ) -> Response[Any]:
        return await self._list(viewer, db, state, network_id)

    @post("/networks/{network_id:str}/events", name="web:network-event-publish")
    async def publish(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        network_id: NetworkId,
        viewer: PageContext_,
        db: Db,
        state: State,
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        data = decode(EventIn, _event_form(form), errors, LABELS)
        if data is not None:
            try:
                async with db.begin_nested():
                    event = await _service(state, db).publish(viewer.actor, network_id, data)
            except DomainError as exc:
                domain_errors(exc, errors, (*EVENT_FIELDS, "audience"), labels=LABELS)
            else:
                return see_other(f"{viewer.base}/events/{event.event_id}?done=event-published")
        return await self._list(viewer, db, state, network_id, errors, values_of(form))

    async def _page(
        self,
        viewer: PageContext_,
        db: Db,
        state: State,
        event_id: str,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        service = _service(state, db)
        org, event = await service.visible(viewer.actor, event_id)
        organising = event.organiser == f"{org.slug}@{service.me}" and may(
            viewer.actor, Action.MANAGE_NETWORK_EVENTS
        )
        record = await service.replica.current(event.network_id)
        names = {m.ref: m.display_name for m in record.members} if record is not None else {}
        return render(
            "network_event.html",
            viewer,
            org_names=names,
            title=event.title,
            event=event,
            booking=await service.booking(viewer.actor, event_id),
            organising=organising,
            registrations=await service.registrations(viewer.actor, event_id) if organising else [],
            errors=errors,
            values=values or {},
        )

    @get("/events/{event_id:str}", name="web:network-event")
    async def show(
        self, slug: Slug, event_id: EventId, viewer: PageContext_, db: Db, state: State
    ) -> Response[Any]:
        return await self._page(viewer, db, state, event_id)

    async def _act(
        self,
        viewer: PageContext_,
        db: Db,
        state: State,
        event: NetworkEvent | str,
        done: str,
        errors: Errors,
        values: dict[str, Any],
    ) -> Response[Any]:
        event_id = event if isinstance(event, str) else event.event_id
        if errors:
            return await self._page(viewer, db, state, event_id, errors, values)
        return see_other(f"{viewer.base}/events/{event_id}?done={done}")

    @post("/events/{event_id:str}/register", name="web:network-event-register")
    async def register(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        event_id: EventId,
        viewer: PageContext_,
        db: Db,
        state: State,
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        if one(form, "consent") != "yes":
            errors.add(
                "consent", "Agree to your name, organisation and work email going to the organiser"
            )
        data = decode(RegisterIn, {"consent": True, "role": one(form, "role", "other")}, errors)
        if data is not None and not errors:
            try:
                async with db.begin_nested():
                    await _service(state, db).register(viewer.actor, event_id, data)
            except DomainError as exc:
                domain_errors(exc, errors, ("consent", "role"), labels=LABELS)
        return await self._act(viewer, db, state, event_id, "registered", errors, values_of(form))

    @post("/events/{event_id:str}/unregister", name="web:network-event-unregister")
    async def unregister(
        self, slug: Slug, event_id: EventId, viewer: PageContext_, db: Db, state: State
    ) -> Response[Any]:
        errors = Errors()
        try:
            async with db.begin_nested():
                await _service(state, db).cancel_booking(viewer.actor, event_id)
        except DomainError as exc:
            domain_errors(exc, errors)
        return await self._act(viewer, db, state, event_id, "place-given-up", errors, {})

    @post(
        "/events/{event_id:str}/attendance/{registration_id:str}",
        name="web:network-event-attendance",
    )
    async def attendance(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        event_id: EventId,
        registration_id: FromPath[str],
        viewer: PageContext_,
        db: Db,
        state: State,
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        data = AttendanceIn(
            registration_id=registration_id, attended=one(form, "attended") == "yes"
        )
        try:
            async with db.begin_nested():
                await _service(state, db).record_attendance(viewer.actor, event_id, data)
        except DomainError as exc:
            domain_errors(exc, errors)
        return await self._act(viewer, db, state, event_id, "attendance-recorded", errors, {})

    @post("/events/{event_id:str}/cancel", name="web:network-event-cancel")
    async def cancel(
        self, slug: Slug, event_id: EventId, viewer: PageContext_, db: Db, state: State
    ) -> Response[Any]:
        errors = Errors()
        try:
            async with db.begin_nested():
                await _service(state, db).cancel(viewer.actor, event_id)
        except DomainError as exc:
            domain_errors(exc, errors)
        return await self._act(viewer, db, state, event_id, "event-cancelled", errors, {})


__all__ = ["EventPages"]
