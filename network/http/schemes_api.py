"""``/api/v1/orgs/{slug}/schemes``: schemes, their eligibility rules, training and places."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS
from network.http.schemes_out import (
    ApplicationOut,
    AttendanceOut,
    DecisionOut,
    PreviewOut,
    RulesOut,
    SchemeOut,
    TrainingOut,
    application_out,
)
from orgs.errors import NotFound
from orgs.people.members import MemberRepository
from orgs.people.permissions import Action, authorize, may
from orgs.schemes.applications import ApplicationService, ShortlistIn
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.eligibility_checks import EligibilityChecks
from orgs.schemes.rules_store import RulesIn, RulesStore
from orgs.schemes.schemes import AttendanceIn, SchemeService, SchemeSpec, TrainingIn
from orgs.structs import out

SchemeId = FromPath[uuid.UUID]


class SchemesController(Controller):
    path = "/api/v1/orgs/{slug:str}/schemes"
    tags = ("schemes",)

    @get("/", summary="The organisation's schemes", responses=API_PROBLEMS)
    async def list_schemes(self, slug: Slug, actor: Actor_, db: Db) -> list[SchemeOut]:
        who = actor
        return [out(SchemeOut, s) for s in await SchemeService(db, who.org_id).list()]

    @post("/", summary="Create a scheme (open or cohort)", responses=API_PROBLEMS)
    async def create_scheme(
        self, slug: Slug, data: JSONBody[SchemeSpec], actor: Actor_, db: Db
    ) -> SchemeOut:
        who = actor
        authorize(who, Action.MANAGE_SCHEMES)
        return out(SchemeOut, await SchemeService(db, who.org_id).create(data))

    @get("/{scheme_id:uuid}", summary="One scheme", responses=API_PROBLEMS)
    async def get_scheme(self, slug: Slug, scheme_id: SchemeId, actor: Actor_, db: Db) -> SchemeOut:
        who = actor
        return out(SchemeOut, await SchemeService(db, who.org_id).get(scheme_id))

    @get(
        "/{scheme_id:uuid}/rules", summary="The eligibility rules in force", responses=API_PROBLEMS
    )
    async def get_rules(
        self, slug: Slug, scheme_id: SchemeId, actor: Actor_, db: Db
    ) -> RulesOut | None:
        who = actor
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        current = await RulesStore(db, who.org_id).current(scheme)
        return out(RulesOut, current) if current else None

    @put(
        "/{scheme_id:uuid}/rules",
        summary="Set the eligibility rules (adds a version)",
        responses=API_PROBLEMS,
    )
    async def put_rules(
        self, slug: Slug, scheme_id: SchemeId, data: JSONBody[RulesIn], actor: Actor_, db: Db
    ) -> RulesOut:
        who = actor
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        authorize(who, Action.SET_RULES)
        row, _ = await RulesStore(db, who.org_id).set(scheme, data.document, who.ref, data.note)
        return out(RulesOut, row)

    @get(
        "/{scheme_id:uuid}/rules/versions",
        summary="Every version of the rules: who changed what, when",
        responses=API_PROBLEMS,
    )
    async def rule_versions(
        self, slug: Slug, scheme_id: SchemeId, actor: Actor_, db: Db
    ) -> list[RulesOut]:
        who = actor
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        authorize(who, Action.READ_RULE_HISTORY)
        return [out(RulesOut, r) for r in await RulesStore(db, who.org_id).versions(scheme)]

    @get(
        "/{scheme_id:uuid}/eligibility/preview",
        summary="How many staff each rule admits and excludes",
        responses=API_PROBLEMS,
    )
    async def preview(
        self, slug: Slug, scheme_id: SchemeId, role: FromQuery[SchemeRole], actor: Actor_, db: Db
    ) -> PreviewOut:
        who = actor
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        authorize(who, Action.READ_RULE_HISTORY)
        found = await EligibilityChecks(db, who.org_id).preview(scheme, role)
        return out(PreviewOut, found)

    @get(
        "/{scheme_id:uuid}/eligibility/check",
        summary="One member's eligibility with reasons (staff roles: anyone; members: self)",
        responses=API_PROBLEMS,
    )
    async def check(
        self,
        slug: Slug,
        scheme_id: SchemeId,
        role: FromQuery[SchemeRole],
        actor: Actor_,
        db: Db,
        member_id: FromQuery[uuid.UUID | None] = None,
    ) -> DecisionOut:
        who = actor
        target = member_id or (who.member.id if who.member else None)
        if target is None:
            raise NotFound("Name a member_id.")
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        mine = who.member is not None and who.member.id == target
        if not mine and not may(who, Action.READ_STAFF):
            raise NotFound("No such member.")
        member = await MemberRepository(db, who.org_id).get(target)
        decision = await EligibilityChecks(db, who.org_id).check(scheme, member, role)
        return out(DecisionOut, decision, scheme_id=scheme.id, member_id=member.id, role=role)

    @get(
        "/{scheme_id:uuid}/trainings", summary="Required training sessions", responses=API_PROBLEMS
    )
    async def list_trainings(
        self, slug: Slug, scheme_id: SchemeId, actor: Actor_, db: Db
    ) -> list[TrainingOut]:
        who = actor
        service = SchemeService(db, who.org_id)
        return [
            out(TrainingOut, t) for t in await service.list_trainings(await service.get(scheme_id))
        ]

    @post("/{scheme_id:uuid}/trainings", summary="Add a training session", responses=API_PROBLEMS)
    async def add_training(
        self, slug: Slug, scheme_id: SchemeId, data: JSONBody[TrainingIn], actor: Actor_, db: Db
    ) -> TrainingOut:
        who = actor
        service = SchemeService(db, who.org_id)
        scheme = await service.get(scheme_id)
        authorize(who, Action.MANAGE_SCHEMES)
        training = await service.add_training(
            scheme, data.role, data.title, data.training_key, data.held_on
        )
        return out(TrainingOut, training)

    @put(
        "/{scheme_id:uuid}/trainings/{training_id:uuid}/attendance/{member_id:uuid}",
        summary="Record whether a member attended a training session",
        responses=API_PROBLEMS,
    )
    async def record_attendance(
        self,
        slug: Slug,
        scheme_id: SchemeId,
        training_id: FromPath[uuid.UUID],
        member_id: FromPath[uuid.UUID],
        data: JSONBody[AttendanceIn],
        actor: Actor_,
        db: Db,
    ) -> AttendanceOut:
        who = actor
        service = SchemeService(db, who.org_id)
        training = await service.trainings.get(training_id)
        if training.scheme_id != (await service.get(scheme_id)).id:
            raise NotFound("No such training session.")
        await MemberRepository(db, who.org_id).get(member_id)
        authorize(who, Action.RECORD_ATTENDANCE)
        row = await service.record_attendance(
            training.id, member_id, attended=data.attended, who=who.ref
        )
        return out(AttendanceOut, row)

    @get(
        "/{scheme_id:uuid}/trainings/{training_id:uuid}/attendance",
        summary="Attendance of a training session",
        responses=API_PROBLEMS,
    )
    async def attendance(
        self,
        slug: Slug,
        scheme_id: SchemeId,
        training_id: FromPath[uuid.UUID],
        actor: Actor_,
        db: Db,
    ) -> list[AttendanceOut]:
        who = actor
        service = SchemeService(db, who.org_id)
        training = await service.trainings.get(training_id)
        if training.scheme_id != (await service.get(scheme_id)).id:
            raise NotFound("No such training session.")
        authorize(who, Action.READ_ATTENDANCE)
        return [out(AttendanceOut, a) for a in await service.attendance_of(training.id)]

    @get(
        "/{scheme_id:uuid}/applications",
        summary="Applications to a scheme (coordinators, admins, HR directors)",
        responses=API_PROBLEMS,
    )
    async def applications(
        self,
        slug: Slug,
        scheme_id: SchemeId,
        actor: Actor_,
        db: Db,
        role: FromQuery[SchemeRole | None] = None,
    ) -> list[ApplicationOut]:
        who = actor
        service = ApplicationService(db, who.org_id)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        return [
            await application_out(service, a) for a in await service.for_scheme(who, scheme, role)
        ]

    @post(
        "/{scheme_id:uuid}/shortlist",
        summary="Offer a cohort's places; every other approved applicant joins the waiting list",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def shortlist(
        self, slug: Slug, scheme_id: SchemeId, data: JSONBody[ShortlistIn], actor: Actor_, db: Db
    ) -> list[ApplicationOut]:
        who = actor
        service = ApplicationService(db, who.org_id)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        apps = await service.shortlist(who, scheme, data.role, data.application_ids)
        return [await application_out(service, a) for a in apps]
