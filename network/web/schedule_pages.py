"""The coordinator's report schedules for a scheme (issue 19 item 3's pages): the programme
report sent monthly or quarterly to named recipients by the jobs; made, changed and deleted
here. Coordinators and HR directors only (``Action.SCHEDULE_REPORTS``, the same service as the
API, so the same refusals and audit)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post

from network.http.dependencies import Db
from network.http.path_params import Id, Slug
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
from orgs.errors import DomainError
from orgs.people.permissions import Action, authorize
from orgs.records.report_schedules import (
    Frequency,
    ScheduleIn,
    cancel_schedule,
    schedule_report,
    schedules_of,
    update_schedule,
)
from orgs.schemes.schemes import SchemeRepository

FREQUENCIES = (
    (Frequency.MONTHLY.value, "Monthly", "On the 1st of each month, covering the month before."),
    (Frequency.QUARTERLY.value, "Quarterly", "Every three months, covering the three before."),
)
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def _schedule_in(form: Form, suffix: str, errors: Errors) -> ScheduleIn | None:
    """The form's recipients (one a line, or separated by commas) and frequency."""
    field, how = f"recipients{suffix}", f"frequency{suffix}"
    recipients = [r for r in re.split(r"[\s,;]+", one(form, field)) if r]
    if not recipients:
        errors.add(field, "Enter who gets the report: at least one email address")
    elif bad := [r for r in recipients if not _ADDRESS.match(r)]:
        errors.add(field, f"{bad[0]} is not an email address, like name@example.org")
    elif len(recipients) > 20:
        errors.add(field, "Enter no more than 20 recipients")
    if one(form, how) not in {v for v, _, _ in FREQUENCIES}:
        errors.add(how, "Choose how often the report is sent")
    if errors:
        return None
    return decode(ScheduleIn, {"recipients": recipients, "frequency": one(form, how)}, errors)


class SchedulePages(Controller):
    path = "/orgs/{slug:str}/coordinate/schemes/{scheme_id:uuid}/report-schedules"
    include_in_schema = False

    async def _page(
        self,
        viewer: PageContext,
        db: Db,
        scheme_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        authorize(viewer.actor, Action.SCHEDULE_REPORTS)
        scheme = await SchemeRepository(db, viewer.actor.org_id).get(scheme_id)
        return render(
            "coordinator/report_schedules.html",
            viewer,
            nav="coordinate",
            title="Report schedules",
            scheme=scheme,
            schedules=await schedules_of(db, viewer.actor, scheme_id),
            frequencies=FREQUENCIES,
            errors=errors,
            values=values or {},
        )

    def _back(self, viewer: PageContext, scheme_id: uuid.UUID) -> Response[Any]:
        return see_other(
            f"{viewer.base}/coordinate/schemes/{scheme_id}/report-schedules/?done=saved"
        )

    @get("/", name="web:report-schedules")
    async def show(self, slug: Slug, scheme_id: Id, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._page(viewer, db, scheme_id)

    @post("/", name="web:report-schedule-add")
    async def add(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        authorize(viewer.actor, Action.SCHEDULE_REPORTS)
        form = await read_form(request)
        errors = Errors()
        data = _schedule_in(form, "", errors)
        if data is not None:
            try:
                async with db.begin_nested():
                    await schedule_report(db, viewer.actor, scheme_id, data, utcnow())
            except DomainError as exc:
                domain_errors(exc, errors, ("recipients", "frequency"))
            else:
                return self._back(viewer, scheme_id)
        return await self._page(viewer, db, scheme_id, errors, values_of(form))

    @post("/{schedule_id:uuid}", name="web:report-schedule-change")
    async def change(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        schedule_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        authorize(viewer.actor, Action.SCHEDULE_REPORTS)
        form = await read_form(request)
        errors = Errors()
        data = _schedule_in(form, f"-{schedule_id}", errors)
        if data is not None:
            try:
                async with db.begin_nested():
                    await update_schedule(db, viewer.actor, scheme_id, schedule_id, data)
            except DomainError as exc:
                domain_errors(exc, errors, ())
            else:
                return self._back(viewer, scheme_id)
        values = {**values_of(form), "for": str(schedule_id)}
        return await self._page(viewer, db, scheme_id, errors, values)

    @post("/{schedule_id:uuid}/delete", name="web:report-schedule-delete")
    async def delete(
        self, slug: Slug, scheme_id: Id, schedule_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        async with db.begin_nested():
            await cancel_schedule(db, viewer.actor, scheme_id, schedule_id)
        return self._back(viewer, scheme_id)
