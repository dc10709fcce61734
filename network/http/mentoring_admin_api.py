"""``/api/v1/orgs/{slug}/…``: what scheme coordinators (and org admins, HR directors) do for
mentoring: settings, scheme terms and questionnaires, relationship health, extra time release,
concerns, outcomes, evaluation results and the HR export. Coordinators see health, never notes,
summaries, objectives or learning logs."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.params import FromQuery, JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.mentoring_out import (
    ConcernOut,
    HealthOut,
    QuestionnaireOut,
    QuestionnaireResultOut,
    ResultsOut,
)
from network.http.path_params import DateTimeQuery, Id, Slug, instant
from network.http.problems import API_PROBLEMS
from network.http.text_responses import text_response
from orgs.db import utcnow
from orgs.mentoring import agreements, concerns, evaluations
from orgs.mentoring.meetings import allow_extra_time
from orgs.mentoring.mentoring_settings import (
    MentoringSettings,
    mentoring_settings,
    save_mentoring_settings,
)
from orgs.mentoring.oversight import health_list
from orgs.mentoring.relationships import Relationships
from orgs.people.actor import Actor
from orgs.people.permissions import Action, authorize
from orgs.records.records_export import hr_export
from orgs.schemes.schemes import SchemeRepository


def _coordinator(slug: str, actor: Actor_) -> Actor:
    who = actor
    authorize(who, Action.COORDINATE)
    return who


class ExtraTimeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    hours: Annotated[int, msgspec.Meta(ge=1, le=50)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class SchemeTermsOut(msgspec.Struct, frozen=True):
    scheme_id: uuid.UUID
    code_of_conduct: str
    principles: list[str]
    midpoint_evaluation: bool


class OutcomeOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    kind: str
    on: str


class CoordinationController(Controller):
    path = "/api/v1/orgs/{slug:str}"
    tags = ("mentoring: coordinators",)

    @get("/mentoring-settings", summary="Request and relationship settings", responses=API_PROBLEMS)
    async def get_settings(self, slug: Slug, actor: Actor_, db: Db) -> MentoringSettings:
        who = actor
        return await mentoring_settings(db, who.org_id)

    @put("/mentoring-settings", summary="Change the settings", responses=API_PROBLEMS)
    async def put_settings(
        self, slug: Slug, actor: Actor_, db: Db, data: JSONBody[MentoringSettings]
    ) -> MentoringSettings:
        who = actor
        authorize(who, Action.COORDINATE)
        return await save_mentoring_settings(db, who.org_id, data)

    @get(
        "/schemes/{scheme_id:uuid}/terms",
        summary="The scheme's code of conduct and principles",
        responses=API_PROBLEMS,
    )
    async def get_terms(self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db) -> SchemeTermsOut:
        who = actor
        scheme = await SchemeRepository(db, who.org_id).get(scheme_id)
        code, principles, midpoint = await agreements.terms_of(db, who.org_id, scheme.id)
        return SchemeTermsOut(scheme.id, code, principles, midpoint)

    @put(
        "/schemes/{scheme_id:uuid}/terms",
        summary="Set the code of conduct, principles and midpoint evaluation",
        responses=API_PROBLEMS,
    )
    async def put_terms(
        self,
        slug: Slug,
        scheme_id: Id,
        actor: Actor_,
        db: Db,
        data: JSONBody[agreements.SchemeTermsIn],
    ) -> SchemeTermsOut:
        who = _coordinator(slug, actor)
        scheme = await SchemeRepository(db, who.org_id).get(scheme_id)
        row = await agreements.set_terms(db, who.org_id, scheme.id, data)
        return SchemeTermsOut(
            scheme.id, row.code_of_conduct, list(row.principles), row.midpoint_evaluation
        )

    @get(
        "/schemes/{scheme_id:uuid}/questionnaires",
        summary="The scheme's evaluation questionnaires",
        responses=API_PROBLEMS,
    )
    async def questionnaires(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db
    ) -> list[QuestionnaireOut]:
        who = _coordinator(slug, actor)
        scheme = await SchemeRepository(db, who.org_id).get(scheme_id)
        rows = await evaluations.questionnaires_of(db, who.org_id, scheme.id)
        return [QuestionnaireOut.of(q) for q in rows]

    @put(
        "/schemes/{scheme_id:uuid}/questionnaires",
        summary="Define the questionnaire for one audience and stage",
        responses=API_PROBLEMS,
    )
    async def put_questionnaire(
        self,
        slug: Slug,
        scheme_id: Id,
        actor: Actor_,
        db: Db,
        data: JSONBody[evaluations.QuestionnaireIn],
    ) -> QuestionnaireOut:
        who = _coordinator(slug, actor)
        scheme = await SchemeRepository(db, who.org_id).get(scheme_id)
        return QuestionnaireOut.of(
            await evaluations.save_questionnaire(db, who.org_id, scheme.id, data)
        )

    @get(
        "/schemes/{scheme_id:uuid}/evaluation-results",
        summary="Aggregated evaluation results (groups under 5 suppressed) and outcomes",
        responses=API_PROBLEMS,
    )
    async def results(self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db) -> ResultsOut:
        who = _coordinator(slug, actor)
        report = await evaluations.scheme_report(db, who.org_id, scheme_id)
        return ResultsOut(
            report.scheme.id,
            evaluations.MIN_GROUP,
            [QuestionnaireResultOut.of(r) for r in report.results],
            report.outcomes,
        )

    @get(
        "/relationships",
        summary="Relationship health: meetings, hours, overdue evaluations (no private content)",
        responses=API_PROBLEMS,
    )
    async def health(
        self,
        slug: Slug,
        actor: Actor_,
        db: Db,
        scheme_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[HealthOut]:
        who = _coordinator(slug, actor)
        rows = await health_list(db, who.org_id, utcnow(), scheme_id=scheme_id)
        return [HealthOut.of(h) for h in rows]

    @get(
        "/relationships/{rel_id:uuid}/health",
        summary="One relationship's health",
        responses=API_PROBLEMS,
    )
    async def one_health(self, slug: Slug, rel_id: Id, actor: Actor_, db: Db) -> HealthOut:
        who = _coordinator(slug, actor)
        rel = await Relationships(db, who.org_id).get(rel_id)
        return HealthOut.of((await health_list(db, who.org_id, utcnow(), [rel]))[0])

    @post(
        "/relationships/{rel_id:uuid}/extra-time",
        summary="Allow time release beyond the scheme's budget",
        responses=API_PROBLEMS,
    )
    async def extra_time(
        self, slug: Slug, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[ExtraTimeIn]
    ) -> HealthOut:
        who = _coordinator(slug, actor)
        now = utcnow()
        rel = await allow_extra_time(db, who.org_id, rel_id, data.hours, data.reason, who.ref, now)
        return HealthOut.of((await health_list(db, who.org_id, now, [rel]))[0])

    @get("/concerns", summary="Concerns raised with coordinators", responses=API_PROBLEMS)
    async def list_concerns(self, slug: Slug, actor: Actor_, db: Db) -> list[ConcernOut]:
        who = _coordinator(slug, actor)
        return [ConcernOut.of(c) for c in await concerns.coordinator_list(db, who.org_id)]

    @post(
        "/concerns/{concern_id:uuid}",
        summary="Move a concern on (in progress, resolved with a note)",
        responses=API_PROBLEMS,
    )
    async def update_concern(
        self,
        slug: Slug,
        concern_id: Id,
        actor: Actor_,
        db: Db,
        data: JSONBody[concerns.ConcernUpdateIn],
    ) -> ConcernOut:
        who = _coordinator(slug, actor)
        row = await concerns.update_concern(db, who.org_id, concern_id, data, who.ref, utcnow())
        return ConcernOut.of(row)

    @post("/outcomes", summary="Record an outcome after the end", responses=API_PROBLEMS)
    async def outcome(
        self, slug: Slug, actor: Actor_, db: Db, data: JSONBody[evaluations.OutcomeIn]
    ) -> OutcomeOut:
        who = _coordinator(slug, actor)
        row = await evaluations.record_outcome(db, who.org_id, data, who.label, utcnow())
        await db.flush()
        return OutcomeOut(row.id, row.relationship_id, row.kind.value, row.on.isoformat())

    @get(
        "/hr-export.csv",
        summary="Completed relationships and hours, for the HR system (CSV)",
        responses=API_PROBLEMS,
        media_type="text/csv",
    )
    async def hr_csv(
        self,
        slug: Slug,
        actor: Actor_,
        db: Db,
        since: DateTimeQuery = None,
    ) -> Response[str]:
        after = instant(since, "since")
        who = actor
        authorize(who, Action.EXPORT_HR)
        return text_response(
            await hr_export(db, who.org_id, after), "text/csv", download="mentoring-hr-export.csv"
        )
