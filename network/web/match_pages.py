"""Suggestions with their scores and "why this match", sending ranked requests, and the
requests page (sent and received: accept, decline with a reason, withdraw)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select

from federation.asking import ask_mentors
from federation.relationship_outbox import outbox_sink
from matching.taxonomy import TOPICS
from network.http.dependencies import Db, here_of
from network.http.mentoring_api import _requests_out
from network.http.path_params import Id, Slug
from network.http.suggestions_api import build_suggestions
from network.runtime import Runtime
from network.web.pages import (
    Errors,
    Form,
    PageContext_,
    decode,
    domain_errors,
    one,
    read_form,
    render,
    see_other,
    values_of,
)
from orgs.db import utcnow
from orgs.errors import DomainError
from orgs.mentoring.mentoring_settings import mentoring_settings
from orgs.mentoring.relationship_states import RequestState
from orgs.mentoring.relationships import LIVE, Relationship, Relationships
from orgs.pairing.requests import (
    DECLINE_CODES,
    DeclineIn,
    MentoringRequest,
    RequestService,
    RequestsIn,
)
from orgs.schemes.applications import ApplicationService, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme, SchemeService

DECLINE_LABELS = {
    "no-capacity": "I have no capacity at the moment",
    "not-a-fit": "I am not the right mentor for this",
    "org-rules": "My organisation's rules do not allow it",
    "unavailable": "I am unavailable",
}
SUGGESTIONS = 10


async def _mentee_schemes(viewer: PageContext_, db: Db) -> list[Scheme]:
    """The schemes where the viewer is an approved mentee."""
    service = ApplicationService(db, viewer.member.org_id)
    ids = {
        a.scheme_id
        for a in await service.mine(viewer.actor)
        if a.role is SchemeRole.MENTEE
        and a.state in (AppState.APPROVED, AppState.EXCEPTION_GRANTED)
    }
    return [s for s in await SchemeService(db, viewer.member.org_id).list() if s.id in ids]


async def _blocked(viewer: PageContext_, db: Db) -> str:
    """What would refuse a request now, said before the mentee chooses (the service checks
    again when they ask): requests still waiting, or a mentor already."""
    me = viewer.member
    pending = await db.scalar(
        select(MentoringRequest.id)
        .where(
            MentoringRequest.org_id == me.org_id,
            MentoringRequest.mentee_id == me.id,
            MentoringRequest.state.in_((RequestState.QUEUED, RequestState.OPEN)),
        )
        .limit(1)
    )
    if pending is not None:
        return "requests"
    live = await Relationships(db, me.org_id).find_one(
        Relationship.mentee_id == me.id, Relationship.state.in_(LIVE)
    )
    return "mentor" if live is not None else ""


def _target(candidate_id: str) -> dict[str, Any]:
    """A suggestion's id as a ranked mentor: a member id, or ``handle@peer`` for a card."""
    if "@" in candidate_id:
        handle, peer = candidate_id.split("@", 1)
        return {"remote": {"peer": peer, "handle": handle}}
    return {"member_id": candidate_id}


async def ask_from_form(
    request: Request[Any, Any, Any], viewer: PageContext_, db: Db
) -> tuple[Errors, Form]:
    """Ask the mentors the request form chose (``only`` or ``mentor``, with ``scheme`` and
    ``message``); the errors in words (none when the requests are made) and the form as sent.
    The suggestions and the mentor directory both send this form."""
    form = await read_form(request)
    errors = Errors()
    only = one(form, "only")  # "Ask only this mentor" on one suggestion
    chosen = [only] if only else form.get("mentor", [])
    schemes = {s.slug: s for s in await _mentee_schemes(viewer, db)}
    scheme = schemes.get(one(form, "scheme"))
    if not chosen:
        errors.add("mentor", "Choose at least one mentor to ask")
    if scheme is None:
        errors.add("scheme", "Choose the scheme you are asking in")
    data = None
    if not errors and scheme is not None:
        data = decode(
            RequestsIn,
            {
                "scheme_id": str(scheme.id),
                "mentors": [_target(c) for c in chosen],
                "message": one(form, "message"),
            },
            errors,
            {"mentors": "Mentors", "message": "Message"},
        )
    if data is not None:
        try:
            async with db.begin_nested():
                await ask_mentors(db, viewer.member, viewer.slug, data, utcnow(), here_of(request))
        except DomainError as exc:
            domain_errors(exc, errors, ("mentor", "message"))
    return errors, form


class MatchPages(Controller):
    path = "/orgs/{slug:str}"
    include_in_schema = False

    async def _suggestions_page(
        self,
        request: Request[Any, Any, Any],
        viewer: PageContext_,
        db: Db,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        schemes = await _mentee_schemes(viewer, db)
        wanted = (values or {}).get("scheme") or request.query_params.get("scheme")
        scheme = next((s for s in schemes if s.slug == wanted), schemes[0] if schemes else None)
        found = await build_suggestions(
            db,
            Runtime.of(request.app.state).candidates,
            viewer.member,
            scheme.slug if scheme else None,
            SUGGESTIONS,
            utcnow(),
        )
        return render(
            "suggestions.html",
            viewer,
            nav="suggestions",
            title="Find a mentor",
            schemes=schemes,
            scheme=scheme,
            suggestions=found,
            blocked=await _blocked(viewer, db),
            settings=await mentoring_settings(db, viewer.member.org_id),
            errors=errors,
            values=values or {},
        )

    @get("/suggestions", name="web:suggestions")
    async def suggestions(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        return await self._suggestions_page(request, viewer, db)

    @post("/requests", name="web:requests-send")
    async def send(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        errors, form = await ask_from_form(request, viewer, db)
        if not errors:
            return see_other(f"{viewer.base}/requests?done=asked")
        return await self._suggestions_page(request, viewer, db, errors, values_of(form))

    @get("/requests", name="web:requests")
    async def requests(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        me = viewer.member
        rows = await _requests_out(
            db, me, await RequestService(db, me.org_id, outbox_sink(db)).mine(me)
        )
        return render(
            "requests.html",
            viewer,
            nav="requests",
            title="Requests",
            sent=[r for r in rows if r.my_role == "mentee"],
            received=[r for r in rows if r.my_role == "mentor"],
            decline_labels=DECLINE_LABELS,
            topic_labels={t.id: t.label for t in TOPICS.values()},
        )

    @post("/requests/{request_id:uuid}/accept", name="web:request-accept")
    async def accept(
        self, slug: Slug, request_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        me = viewer.member
        rel = await RequestService(db, me.org_id, outbox_sink(db)).accept(me, request_id, utcnow())
        return see_other(f"{viewer.base}/relationships/{rel.id}?done=accepted")

    @post("/requests/{request_id:uuid}/withdraw", name="web:request-withdraw")
    async def withdraw(
        self, slug: Slug, request_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        me = viewer.member
        await RequestService(db, me.org_id, outbox_sink(db)).withdraw(me, request_id, utcnow())
        return see_other(f"{viewer.base}/requests?done=withdrawn")

    async def _decline_page(
        self,
        viewer: PageContext_,
        db: Db,
        request_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        me = viewer.member
        req = await RequestService(db, me.org_id, outbox_sink(db)).visible(me, request_id)
        (out,) = await _requests_out(db, me, [req])
        return render(
            "decline.html",
            viewer,
            nav="requests",
            title="Decline this request",
            req=out,
            codes=[(c, DECLINE_LABELS.get(c, c), "") for c in DECLINE_CODES],
            errors=errors,
            values=values or {"code": "not-a-fit"},
        )

    @get("/requests/{request_id:uuid}/decline", name="web:request-decline-form")
    async def decline_form(
        self, slug: Slug, request_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        return await self._decline_page(viewer, db, request_id)

    @post("/requests/{request_id:uuid}/decline", name="web:request-decline")
    async def decline(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        request_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        if one(form, "code") not in DECLINE_CODES:
            errors.add("code", "Choose why you are declining")
        data = None
        if not errors:
            data = decode(
                DeclineIn,
                {
                    "code": one(form, "code"),
                    "reason": one(form, "reason"),
                    "private": one(form, "private") == "yes",
                },
                errors,
                {"reason": "Reason"},
            )
        if data is not None:
            me = viewer.member
            try:
                async with db.begin_nested():
                    await RequestService(db, me.org_id, outbox_sink(db)).decline(
                        me, request_id, data, utcnow()
                    )
            except DomainError as exc:
                domain_errors(exc, errors, ("code", "reason"))
            else:
                return see_other(f"{viewer.base}/requests?done=declined")
        return await self._decline_page(viewer, db, request_id, errors, values_of(form))
