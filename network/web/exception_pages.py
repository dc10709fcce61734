"""HR-director exceptions, at the route a decline promises (``/orgs/{slug}/exceptions``): an
applicant who was declined or found not eligible asks for one, with a reason; the HR director
sees every request and grants or refuses it, with a reason. Both get a confirmation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post

from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.web.pages import (
    Errors,
    PageContext_,
    domain_errors,
    one,
    read_form,
    render,
    see_other,
    values_of,
)
from orgs.errors import DomainError
from orgs.people.members import Member, MemberRepository
from orgs.people.permissions import Action, may
from orgs.schemes.applications import ApplicationService, AppState, ExceptionDecision
from orgs.schemes.schemes import SchemeService

#: An applicant may ask for an exception from these states.
ASKABLE = (AppState.DECLINED, AppState.INELIGIBLE)


class ExceptionPages(Controller):
    path = "/orgs/{slug:str}/exceptions"
    include_in_schema = False

    async def _page(
        self,
        viewer: PageContext_,
        db: Db,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        who = viewer.actor
        service = ApplicationService(db, who.org_id)
        mine = [
            a
            for a in await service.mine(who)
            if a.state in (*ASKABLE, AppState.EXCEPTION_REQUESTED)
        ]
        deciding = may(who, Action.DECIDE_EXCEPTIONS)
        to_decide = (
            [a for a in await service.to_decide(who) if a.state is AppState.EXCEPTION_REQUESTED]
            if deciding
            else []
        )
        ids = {a.member_id for a in to_decide}
        people = (
            {
                m.id: m.display_name
                for m in await MemberRepository(db, who.org_id).list(Member.id.in_(ids))
            }
            if ids
            else {}
        )
        schemes = {s.id: s.name for s in await SchemeService(db, who.org_id).list()}
        return render(
            "exceptions.html",
            viewer,
            nav="home",
            title="Exceptions from the HR director",
            mine=mine,
            askable=[s.value for s in ASKABLE],
            to_decide=to_decide,
            deciding=deciding,
            people=people,
            schemes=schemes,
            errors=errors,
            values=values or {},
        )

    @get("/", name="web:exceptions")
    async def show(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._page(viewer, db)

    @post("/{application_id:uuid}/request", name="web:exception-request")
    async def ask(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        application_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        field = f"reason-{application_id}"  # one form per application on the page
        if not one(form, field):
            errors.add(field, "Enter why an exception should be made")
        else:
            try:
                async with db.begin_nested():
                    await ApplicationService(db, viewer.actor.org_id).request_exception(
                        viewer.actor, application_id, one(form, field)
                    )
            except DomainError as exc:
                domain_errors(exc, errors, ())
            else:
                return see_other(f"{viewer.base}/exceptions?done=exception-asked")
        return await self._page(viewer, db, errors, {**values_of(form), "for": str(application_id)})

    @post("/{application_id:uuid}/decision", name="web:exception-decide")
    async def decide(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        application_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        choice = one(form, f"decision-{application_id}")  # one form per request on the page
        reason = one(form, f"reason-{application_id}")
        if choice not in ("grant", "refuse"):
            errors.add(f"decision-{application_id}", "Choose whether to grant the exception")
        if not reason:
            errors.add(f"reason-{application_id}", "Enter the reason for your decision")
        if not errors:
            try:
                async with db.begin_nested():
                    await ApplicationService(db, viewer.actor.org_id).decide_exception(
                        viewer.actor,
                        application_id,
                        ExceptionDecision(grant=choice == "grant", reason=reason),
                    )
            except DomainError as exc:
                domain_errors(exc, errors, ())
            else:
                return see_other(f"{viewer.base}/exceptions?done=exception-decided")
        return await self._page(viewer, db, errors, {**values_of(form), "for": str(application_id)})


__all__ = ["ExceptionPages"]
