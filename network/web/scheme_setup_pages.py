"""Setting up a scheme (issue 17.5): a coordinator or org admin creates one (the form, then
check your answers, then its set-up page with a confirmation), changes its details, and adds
its training sessions; the set-up page lists the emails the scheme sends, each with its
wording (``email_wording_pages``). The permission table decides who may
(``MANAGE_SCHEMES``); another org's scheme is 404, as everywhere."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post

from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.web.coordinator_pages import coordinator
from network.web.pages import (
    Errors,
    Form,
    PageContext,
    PageContext_,
    one,
    read_date,
    read_form,
    render,
    see_other,
    values_of,
)
from network.web.questionnaire_pages import questionnaire_rows
from network.web.scheme_form import (
    DEFAULTS,
    FORMS,
    KINDS,
    LABELS,
    answers,
    read_spec,
    spec_errors,
    values_of_scheme,
)
from network.web.uk_time import example_date, london_today
from orgs.errors import DomainError, NotFound
from orgs.mentoring.evaluations import questionnaires_of
from orgs.people.permissions import Action
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.email_wording import EMAILS, own_wordings
from orgs.schemes.schemes import Scheme, SchemeService, SchemeSpec, check_spec

TRAINING_LABELS = {
    "role": "Who the session is for",
    "title": "Title of the session",
    "training_key": "What the eligibility rules call it",
    "held_on": "Date of the session",
}
ROLES = ((SchemeRole.MENTOR.value, "Mentors", ""), (SchemeRole.MENTEE.value, "Mentees", ""))


class SchemeSetupPages(Controller):
    path = "/orgs/{slug:str}/coordinate/schemes"
    include_in_schema = False

    def _form(
        self,
        viewer: PageContext,
        values: dict[str, Any],
        errors: Errors | None = None,
        scheme: Scheme | None = None,
    ) -> Response[Any]:
        action = f"{viewer.base}/coordinate/schemes/" + (f"{scheme.id}/edit" if scheme else "new")
        return render(
            "coordinator/scheme_form.html",
            viewer,
            nav="coordinate",
            title=f"Change the details of {scheme.name}" if scheme else "Create a scheme",
            scheme=scheme,
            action=action,
            kinds=KINDS,
            forms=FORMS,
            labels=LABELS,
            date_hint=example_date(london_today(), 60),
            values=values,
            errors=errors,
        )

    @get("/new", name="web:scheme-new")
    async def new(self, slug: Slug, viewer: PageContext_) -> Response[Any]:
        coordinator(viewer, Action.MANAGE_SCHEMES)
        return self._form(viewer, dict(DEFAULTS))

    @post("/new", name="web:scheme-create")
    async def create(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        """The form, then check your answers (``action=check``), then ``action=confirm``
        creates it; ``action=change`` goes back to the form with the answers."""
        who = coordinator(viewer, Action.MANAGE_SCHEMES)
        form = await read_form(request)
        values = {k: v for k, v in values_of(form).items() if k != "action"}
        if one(form, "action") == "change":
            return self._form(viewer, values)
        errors = Errors()
        spec = await self._valid_new(db, who.org_id, form, errors)
        if spec is None:
            return self._form(viewer, values, errors)
        if one(form, "action") != "confirm":
            return render(
                "check.html",
                viewer,
                nav="coordinate",
                title="Check the scheme before you create it",
                caption="Create a scheme",
                rows=answers(spec),
                items=[],
                hidden=values,
                action=f"{viewer.base}/coordinate/schemes/new",
                confirm="Create the scheme",
                change="Change your answers",
                warning="",
                danger=False,
                back="",
                back_text="",
            )
        try:
            async with db.begin_nested():
                scheme = await SchemeService(db, who.org_id).create(spec)
        except DomainError as exc:  # someone took the short name meanwhile
            spec_errors(exc, errors)
            return self._form(viewer, values, errors)
        return see_other(f"{viewer.base}/coordinate/schemes/{scheme.id}/setup?done=scheme-created")

    async def _valid_new(
        self, db: Db, org_id: uuid.UUID, form: Form, errors: Errors
    ) -> SchemeSpec | None:
        spec = read_spec(form, errors)
        if spec is None:
            return None
        try:
            check_spec(spec)
            await SchemeService(db, org_id).by_slug(spec.slug)
        except NotFound:
            return spec
        except DomainError as exc:
            spec_errors(exc, errors)
            return None
        errors.add("slug", "A scheme with this short name already exists: choose another")
        return None

    @get("/{scheme_id:uuid}/edit", name="web:scheme-edit")
    async def edit(self, slug: Slug, scheme_id: Id, viewer: PageContext_, db: Db) -> Response[Any]:
        who = coordinator(viewer, Action.MANAGE_SCHEMES)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        return self._form(viewer, values_of_scheme(scheme), scheme=scheme)

    @post("/{scheme_id:uuid}/edit", name="web:scheme-save")
    async def save(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.MANAGE_SCHEMES)
        service = SchemeService(db, who.org_id)
        scheme = await service.get(scheme_id)
        form = await read_form(request)
        errors = Errors()
        spec = read_spec(form, errors, slug=scheme.slug)
        if spec is not None:
            try:
                async with db.begin_nested():
                    await service.update(scheme, spec, who.ref)
            except DomainError as exc:
                spec_errors(exc, errors)
            else:
                return see_other(
                    f"{viewer.base}/coordinate/schemes/{scheme.id}/setup?done=scheme-saved"
                )
        await db.refresh(scheme)  # the savepoint was undone: show the scheme as it is
        return self._form(viewer, {**values_of(form), "slug": scheme.slug}, errors, scheme)

    async def _setup_page(
        self,
        viewer: PageContext,
        db: Db,
        scheme_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.MANAGE_SCHEMES)
        service = SchemeService(db, who.org_id)
        scheme = await service.get(scheme_id)
        own = await own_wordings(db, who.org_id, scheme.id)
        return render(
            "coordinator/scheme_setup.html",
            viewer,
            nav="coordinate",
            title=f"Set up {scheme.name}",
            scheme=scheme,
            details=answers(scheme),
            trainings=await service.list_trainings(scheme),
            questionnaires=questionnaire_rows(await questionnaires_of(db, who.org_id, scheme.id)),
            emails=[
                (email.value, info.title, info.sent_when, email in own)
                for email, info in EMAILS.items()
            ],
            training_roles=ROLES,
            date_hint=example_date(london_today(), 30),
            errors=errors,
            values=values or {},
        )

    @get("/{scheme_id:uuid}/setup", name="web:scheme-setup")
    async def setup(self, slug: Slug, scheme_id: Id, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._setup_page(viewer, db, scheme_id)

    @post("/{scheme_id:uuid}/trainings", name="web:scheme-training")
    async def add_training(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.MANAGE_SCHEMES)
        service = SchemeService(db, who.org_id)
        scheme = await service.get(scheme_id)
        form = await read_form(request)
        errors = Errors()
        role = one(form, "role")
        if role not in (SchemeRole.MENTOR.value, SchemeRole.MENTEE.value):
            errors.add("role", "Choose who the session is for")
        if not one(form, "title"):
            errors.add("title", "Enter the title of the session")
        if not one(form, "training_key"):
            errors.add("training_key", "Enter what the rules call it, like mentor-training")
        held_on = read_date(form, "held_on", TRAINING_LABELS["held_on"], errors, required=False)
        if errors:
            return await self._setup_page(viewer, db, scheme_id, errors, values_of(form))
        await service.add_training(
            scheme, SchemeRole(role), one(form, "title"), one(form, "training_key"), held_on
        )
        return see_other(f"{viewer.base}/coordinate/schemes/{scheme.id}/setup?done=training-added")
