"""Equality monitoring and programme reports (issue 19):

- ``/me/equality``: the member's own answers (declare with consent, change, withdraw);
- ``/equality/monitoring``, ``/equality/workforce``: what the org monitors and its workforce
  profile (org admins);
- ``/schemes/{id}/interest``: a member registers interest in a scheme;
- ``/schemes/{id}/equality/pipeline``, ``/schemes/{id}/reports/programme.{csv,pdf}`` and
  ``/schemes/{id}/report-schedules``: figures and reports, for coordinators and HR directors
  only, every view audited;
- ``/schemes/{id}/checkin-settings`` and ``/me/checkins``: check-ins.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromQuery, JSONBody, QueryParameter

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.equality_out import (
    CheckinOut,
    CheckinSettingsOut,
    EqualityConsentOut,
    InterestOut,
    MonitoringOut,
    MyEqualityOut,
    PipelineOut,
    QuestionOut,
    ScheduleOut,
    WorkforceOut,
)
from network.http.path_params import Id, Slug
from network.http.problems import API_PROBLEMS
from network.http.text_responses import text_response
from orgs.db import utcnow
from orgs.errors import Forbidden, NotFound
from orgs.mentoring.checkins import (
    CheckinAnswerIn,
    CheckinSettingsIn,
    answer_checkin,
    checkin_settings,
    my_checkins,
    set_checkin_settings,
)
from orgs.people.actor import Actor
from orgs.people.equality import (
    ANSWERS,
    CONSENT_STATEMENT,
    CONSENT_VERSION,
    PREFER_NOT_TO_SAY,
    Characteristic,
    EqualityIn,
    EqualityMonitoring,
    MonitoringIn,
    monitored,
    set_monitored,
)
from orgs.people.members import Member
from orgs.people.permissions import Action, authorize
from orgs.people.workforce_profile import WorkforceIn, upload_workforce, workforce
from orgs.records.pipeline import Period, view_pipeline
from orgs.records.programme_reports import report_csv, report_pdf, view_report
from orgs.records.report_schedules import (
    ScheduleIn,
    cancel_schedule,
    schedule_report,
    schedules_of,
)
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.interest import InterestIn, register_interest
from orgs.schemes.schemes import SchemeRepository
from orgs.structs import out

From = Annotated[date | None, QueryParameter(name="from", description="first day, YYYY-MM-DD")]
To = Annotated[date | None, QueryParameter(name="to", description="last day, YYYY-MM-DD")]


def _member(actor: Actor) -> Member:
    if actor.member is None:
        raise Forbidden("Only a member can do this for themselves (act as or sign in as one).")
    return actor.member


async def _mine(db: Db, member: Member) -> MyEqualityOut:
    store = EqualityMonitoring(db, member.org_id)
    answers = await store.own(member)
    return MyEqualityOut(
        answers={a.characteristic: a.answer for a in answers},
        declared_at=max((a.declared_at for a in answers), default=None),
        consent_statement=CONSENT_STATEMENT,
        consent_version=CONSENT_VERSION,
        consents=[out(EqualityConsentOut, c) for c in await store.consent_history(member)],
    )


async def _monitoring(db: Db, actor: Actor) -> MonitoringOut:
    chosen = await monitored(db, actor.org_id)
    questions = [QuestionOut(c, [*ANSWERS[c], PREFER_NOT_TO_SAY]) for c in chosen]
    return MonitoringOut(chosen, questions, CONSENT_STATEMENT, CONSENT_VERSION)


class EqualityController(Controller):
    path = "/api/v1/orgs/{slug:str}"
    tags = ("equality and reports",)

    # --- the member's own answers -------------------------------------------------------

    @get("/me/equality", summary="My equality monitoring answers", responses=API_PROBLEMS)
    async def my_answers(self, slug: Slug, actor: Actor_, db: Db) -> MyEqualityOut:
        return await _mine(db, _member(actor))

    @put(
        "/me/equality",
        summary="Answer (or change) the equality monitoring questions, with consent",
        responses=API_PROBLEMS,
    )
    async def declare(
        self, slug: Slug, actor: Actor_, db: Db, data: JSONBody[EqualityIn]
    ) -> MyEqualityOut:
        member = _member(actor)
        await EqualityMonitoring(db, member.org_id).declare(member, data)
        return await _mine(db, member)

    @delete(
        "/me/equality",
        summary="Withdraw: every answer is deleted",
        responses=API_PROBLEMS,
        status_code=204,
    )
    async def withdraw(self, slug: Slug, actor: Actor_, db: Db) -> None:
        member = _member(actor)
        if not await EqualityMonitoring(db, member.org_id).withdraw(member):
            raise NotFound("You have not answered anything.")

    # --- what the organisation monitors -------------------------------------------------

    @get("/equality/monitoring", summary="What the organisation asks", responses=API_PROBLEMS)
    async def get_monitoring(self, slug: Slug, actor: Actor_, db: Db) -> MonitoringOut:
        return await _monitoring(db, actor)

    @put(
        "/equality/monitoring",
        summary="Choose the characteristics the organisation monitors",
        responses=API_PROBLEMS,
    )
    async def put_monitoring(
        self, slug: Slug, actor: Actor_, db: Db, data: JSONBody[MonitoringIn]
    ) -> MonitoringOut:
        authorize(actor, Action.CHOOSE_MONITORING)
        await set_monitored(db, actor.org_id, data)
        return await _monitoring(db, actor)

    @get("/equality/workforce", summary="The workforce profile", responses=API_PROBLEMS)
    async def get_workforce(self, slug: Slug, actor: Actor_, db: Db) -> WorkforceOut:
        authorize(actor, Action.CHOOSE_MONITORING)
        return WorkforceOut(await workforce(db, actor.org_id))

    @put(
        "/equality/workforce",
        summary="Upload the workforce profile: staff counts per category, never people",
        responses=API_PROBLEMS,
    )
    async def put_workforce(
        self, slug: Slug, actor: Actor_, db: Db, data: JSONBody[WorkforceIn]
    ) -> WorkforceOut:
        authorize(actor, Action.CHOOSE_MONITORING)
        return WorkforceOut(await upload_workforce(db, actor.org_id, data))

    # --- schemes ------------------------------------------------------------------------

    @post(
        "/schemes/{scheme_id:uuid}/interest",
        summary="Register my interest in a scheme",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def interest(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db, data: JSONBody[InterestIn]
    ) -> InterestOut:
        member = _member(actor)
        scheme = await SchemeRepository(db, actor.org_id).get(scheme_id)
        return out(InterestOut, await register_interest(db, scheme, member, data.role))

    @get(
        "/schemes/{scheme_id:uuid}/equality/pipeline",
        summary="The scheme's pipeline by a characteristic, small numbers hidden (audited)",
        responses=API_PROBLEMS,
    )
    async def pipeline(
        self,
        slug: Slug,
        scheme_id: Id,
        actor: Actor_,
        db: Db,
        characteristic: FromQuery[Characteristic],
        period_from: From = None,
        period_to: To = None,
        role: FromQuery[SchemeRole] = SchemeRole.MENTEE,
    ) -> PipelineOut:
        figures = await view_pipeline(
            db, actor, scheme_id, characteristic, role, Period(period_from, period_to)
        )
        return out(PipelineOut, figures)

    @get(
        "/schemes/{scheme_id:uuid}/reports/programme.csv",
        summary="The programme report as CSV (audited)",
        responses=API_PROBLEMS,
        media_type="text/csv",
    )
    async def report_as_csv(
        self,
        slug: Slug,
        scheme_id: Id,
        actor: Actor_,
        db: Db,
        period_from: From = None,
        period_to: To = None,
    ) -> Response[str]:
        period = Period(period_from, period_to)
        report = await view_report(db, actor, scheme_id, period, utcnow(), "csv")
        return text_response(
            report_csv(report), "text/csv", download=f"{report.scheme.slug}-report.csv"
        )

    @get(
        "/schemes/{scheme_id:uuid}/reports/programme.pdf",
        summary="The programme report as an accessible (tagged) PDF (audited)",
        responses=API_PROBLEMS,
        media_type="application/pdf",
    )
    async def report_as_pdf(
        self,
        slug: Slug,
        scheme_id: Id,
        actor: Actor_,
        db: Db,
        period_from: From = None,
        period_to: To = None,
    ) -> Response[bytes]:
        period = Period(period_from, period_to)
        report = await view_report(db, actor, scheme_id, period, utcnow(), "pdf")
        pdf = await asyncio.to_thread(report_pdf, report)
        disposition = f'attachment; filename="{report.scheme.slug}-report.pdf"'
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": disposition}
        )

    @get(
        "/schemes/{scheme_id:uuid}/report-schedules",
        summary="The scheme's scheduled reports",
        responses=API_PROBLEMS,
    )
    async def schedules(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db
    ) -> list[ScheduleOut]:
        return [out(ScheduleOut, s) for s in await schedules_of(db, actor, scheme_id)]

    @post(
        "/schemes/{scheme_id:uuid}/report-schedules",
        summary="Send the programme report on a schedule to named recipients",
        responses=API_PROBLEMS,
    )
    async def add_schedule(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db, data: JSONBody[ScheduleIn]
    ) -> ScheduleOut:
        return out(ScheduleOut, await schedule_report(db, actor, scheme_id, data, utcnow()))

    @delete(
        "/schemes/{scheme_id:uuid}/report-schedules/{schedule_id:uuid}",
        summary="Stop a scheduled report",
        responses=API_PROBLEMS,
        status_code=204,
    )
    async def cancel(
        self, slug: Slug, scheme_id: Id, schedule_id: Id, actor: Actor_, db: Db
    ) -> None:
        await cancel_schedule(db, actor, scheme_id, schedule_id)

    # --- check-ins ----------------------------------------------------------------------

    @get(
        "/schemes/{scheme_id:uuid}/checkin-settings",
        summary="When check-ins are sent",
        responses=API_PROBLEMS,
    )
    async def get_checkins(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db
    ) -> CheckinSettingsOut:
        scheme = await SchemeRepository(db, actor.org_id).get(scheme_id)
        return await checkin_settings(db, actor.org_id, scheme.id)

    @put(
        "/schemes/{scheme_id:uuid}/checkin-settings",
        summary="Set when check-ins are sent",
        responses=API_PROBLEMS,
    )
    async def put_checkins(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db, data: JSONBody[CheckinSettingsIn]
    ) -> CheckinSettingsOut:
        authorize(actor, Action.COORDINATE)
        scheme = await SchemeRepository(db, actor.org_id).get(scheme_id)
        return await set_checkin_settings(db, actor.org_id, scheme.id, data)

    @get("/me/checkins", summary="My check-ins", responses=API_PROBLEMS)
    async def my_checkins(self, slug: Slug, actor: Actor_, db: Db) -> list[CheckinOut]:
        return [out(CheckinOut, c) for c in await my_checkins(db, _member(actor))]

    @post(
        "/me/checkins/{checkin_id:uuid}",
        summary="Answer a check-in",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def answer(
        self, slug: Slug, checkin_id: Id, actor: Actor_, db: Db, data: JSONBody[CheckinAnswerIn]
    ) -> CheckinOut:
        row = await answer_checkin(db, _member(actor), checkin_id, data)
        return out(CheckinOut, row)
