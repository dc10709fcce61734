"""Applying to a scheme: the eligibility decision and its reasons come first, then the form;
and the line manager's approvals, with the applicant's case."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post

from federation.relationship_outbox import outbox_sink
from network.http.dependencies import Db
from network.http.mentoring_out import ShadowingOut
from network.http.path_params import Id, Slug
from network.http.schemes_out import application_out
from network.web.pages import (
    Errors,
    Form,
    PageContext,
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
from orgs.errors import DomainError, NotFound
from orgs.mentoring import shadowing, shared_record
from orgs.mentoring.relationships import Party
from orgs.people.members import Member, MemberRepository
from orgs.schemes.applications import ApplicationIn, ApplicationService, ManagerDecision
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.eligibility_checks import EligibilityChecks
from orgs.schemes.schemes import SchemeService
from orgs.structs import out

LABELS = {
    "career_to_date": "Your career to date",
    "hoped_gains": "What you hope to gain",
    "offer": "What you offer as a mentor",
    "reason": "Reason",
}


def _role(text: str | None) -> SchemeRole:
    try:
        return SchemeRole(text or "mentee")
    except ValueError:
        raise NotFound("No such role: choose mentee or mentor.") from None


class _Trial(Exception):
    """Leaves the savepoint of a trial run (the answers checked, nothing kept)."""


class ApplyPages(Controller):
    path = "/orgs/{slug:str}"
    include_in_schema = False

    @get("/apply", name="web:apply")
    async def schemes(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        schemes = await SchemeService(db, viewer.member.org_id).list()
        return render(
            "apply_list.html", viewer, nav="apply", title="Apply to a scheme", schemes=schemes
        )

    async def _form(
        self,
        viewer: PageContext_,
        db: Db,
        scheme_id: uuid.UUID,
        role: SchemeRole,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        scheme = await SchemeService(db, viewer.member.org_id).get(scheme_id)
        decision = await EligibilityChecks(db, viewer.member.org_id).check(
            scheme, viewer.member, role
        )
        return render(
            "apply_form.html",
            viewer,
            nav="apply",
            title=f"Apply to {scheme.name} as a {role.value}",
            scheme=scheme,
            role=role.value,
            decision=decision,
            errors=errors,
            values=values or {},
        )

    @get("/apply/{scheme_id:uuid}", name="web:apply-form")
    async def form(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        return await self._form(viewer, db, scheme_id, _role(request.query_params.get("role")))

    @post("/apply/{scheme_id:uuid}", name="web:apply-submit")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        form = await read_form(request)
        role = _role(one(form, "role"))
        errors = Errors()
        data = decode(
            ApplicationIn,
            {
                "scheme_id": str(scheme_id),
                "role": role.value,
                "career_to_date": one(form, "career_to_date"),
                "hoped_gains": one(form, "hoped_gains"),
                "offer": one(form, "offer"),
            },
            errors,
            LABELS,
        )
        action = one(form, "action")
        if data is not None and action != "change":
            service = ApplicationService(db, viewer.member.org_id)
            try:
                async with db.begin_nested():  # a refusal undoes only this attempt
                    await service.apply(viewer.actor, data)
                    if action != "confirm":  # checked, not sent: show the answers first
                        raise _Trial
            except _Trial:
                return await self._check(viewer, db, scheme_id, role, form)
            except DomainError as exc:
                domain_errors(exc, errors, LABELS)
            else:
                return see_other(f"{viewer.base}/?applied={role.value}")
        return await self._form(viewer, db, scheme_id, role, errors, values_of(form))

    async def _check(
        self, viewer: PageContext_, db: Db, scheme_id: uuid.UUID, role: SchemeRole, form: Form
    ) -> Response[Any]:
        """Check your answers: the application as it will be sent, before it is."""
        scheme = await SchemeService(db, viewer.member.org_id).get(scheme_id)
        decision = await EligibilityChecks(db, viewer.member.org_id).check(
            scheme, viewer.member, role
        )
        fields = ("career_to_date", "hoped_gains") if role is SchemeRole.MENTEE else ("offer",)
        rows = [("Scheme", scheme.name), ("Applying as", f"A {role.value}")]
        rows += [(LABELS[f], one(form, f) or "Not given") for f in fields]
        eligible = "Eligible" if decision.eligible else "Not eligible as things stand"
        next_step = (
            "Your line manager is asked to approve it."
            if decision.eligible
            else "It will be marked not eligible; you may ask the HR director for an exception."
        )
        return render(
            "check.html",
            viewer,
            nav="apply",
            title="Check your application before sending it",
            rows=[*rows, ("Eligibility", eligible), ("What happens next", next_step)],
            items=[],
            hidden={"role": role.value, **{f: one(form, f) for f in fields}},
            action=f"{viewer.base}/apply/{scheme_id}",
            confirm="Send your application",
            change="Change your answers",
            warning="",
            danger=False,
            caption="",
            back="",
            back_text="",
        )

    # --- the line manager --------------------------------------------------------------------

    @get("/approvals", name="web:approvals")
    async def approvals_page(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self.approvals(slug, viewer, db)

    async def approvals(
        self,
        slug: str,
        viewer: PageContext,
        db: Db,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        service = ApplicationService(db, viewer.member.org_id)
        waiting = [await application_out(service, a) for a in await service.to_decide(viewer.actor)]
        people = await _people(db, viewer.member, [a.member_id for a in waiting])
        schemes = {s.id: s for s in await SchemeService(db, viewer.member.org_id).list()}
        placements = [
            out(ShadowingOut, s) for s in await shadowing.awaiting_manager(db, viewer.member)
        ]
        return render(
            "approvals.html",
            viewer,
            nav="approvals",
            title="Approvals waiting for you",
            waiting=waiting,
            people=people,
            schemes=schemes,
            placements=placements,
            errors=errors,
            values=values or {},
        )

    @post("/approvals/shadowing/{shadowing_id:uuid}", name="web:shadowing-decide")
    async def decide_shadowing(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        shadowing_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        choice = one(form, "decision")
        field = f"shadowing-{shadowing_id}"
        if choice not in ("agree", "decline"):
            errors.add(field, "Choose whether to agree to the shadowing or decline it")
        else:
            data = shadowing.ShadowingDecisionIn(
                agree=choice == "agree",
                reason=one(form, "reason"),
                service_delivery_considered=one(form, "service_delivery_considered") == "yes",
            )
            try:
                async with db.begin_nested():
                    row = await shadowing.decide(db, viewer.member, shadowing_id, data, utcnow())
                    # The mentee's side of a cross-organisation pair: the mentor hears of it.
                    await shared_record.after_edit(
                        db,
                        viewer.member,
                        row.relationship_id,
                        None,
                        shared_record.item_ref(row),
                        utcnow(),
                        outbox_sink(db),
                        Party.MENTEE,
                    )
            except DomainError as exc:
                errors.add(field, exc.errors[0].message.capitalize() if exc.errors else exc.detail)
            else:
                return see_other(f"{viewer.base}/approvals?done=shadowing-decided")
        return await self.approvals(
            slug, viewer, db, errors, {**values_of(form), "for": str(shadowing_id)}
        )

    async def _decision_page(
        self,
        viewer: PageContext_,
        db: Db,
        application_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        service = ApplicationService(db, viewer.member.org_id)
        who = viewer.actor
        app = await application_out(service, await service.get(who, application_id))
        applicant = (await _people(db, viewer.member, [app.member_id]))[app.member_id]
        scheme = await SchemeService(db, viewer.member.org_id).get(app.scheme_id)
        return render(
            "approval.html",
            viewer,
            nav="approvals",
            title=f"{applicant.display_name}'s application",
            app=app,
            applicant=applicant,
            scheme=scheme,
            errors=errors,
            values=values or {},
        )

    @get("/approvals/{application_id:uuid}", name="web:approval")
    async def approval(
        self, slug: Slug, application_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        return await self._decision_page(viewer, db, application_id)

    @post("/approvals/{application_id:uuid}", name="web:approval-decide")
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
        choice = one(form, "decision")
        if choice not in ("approve", "decline"):
            errors.add("decision", "Choose whether to approve or decline")
        data = None
        if not errors:
            data = decode(
                ManagerDecision,
                {
                    "approve": choice == "approve",
                    "reason": one(form, "reason"),
                    "service_delivery_considered": one(form, "service_delivery_considered")
                    == "yes",
                },
                errors,
                LABELS,
            )
        if data is not None:
            service = ApplicationService(db, viewer.member.org_id)
            try:
                async with db.begin_nested():
                    await service.decide(viewer.actor, application_id, data)
            except DomainError as exc:
                domain_errors(exc, errors, ("reason", "service_delivery_considered"))
            else:
                return see_other(f"{viewer.base}/approvals?done=decided")
        return await self._decision_page(viewer, db, application_id, errors, values_of(form))


async def _people(db: Db, viewer: Member, ids: list[uuid.UUID]) -> dict[uuid.UUID, Member]:
    if not ids:
        return {}
    rows = await MemberRepository(db, viewer.org_id).list(Member.id.in_(set(ids)))
    return {m.id: m for m in rows}
