"""``/api/v1/orgs/{slug}/applications``: applying, line-manager approval, HR exceptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS
from orgs.audit import AuditEntry
from orgs.schemes.applications import (
    Application,
    ApplicationIn,
    ApplicationService,
    AppState,
    ExceptionDecision,
    ManagerDecision,
    Placement,
)
from orgs.schemes.eligibility import SchemeRole

AppId = FromPath[uuid.UUID]


class ApplicationOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    scheme_id: uuid.UUID
    member_id: uuid.UUID
    role: SchemeRole
    state: AppState
    career_to_date: str
    hoped_gains: str
    offer: str
    eligible: bool
    #: Plain-English reasons naming each rule; never says which special category decided.
    eligibility_reasons: list[str]
    approver_id: uuid.UUID | None
    awaiting_since: datetime | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    decision_reason: str
    service_delivery_considered: bool
    exception_reason: str
    exception_decision_reason: str
    placement: Placement
    waiting_position: int | None
    created_at: datetime
    updated_at: datetime


async def application_out(service: ApplicationService, a: Application) -> ApplicationOut:
    return ApplicationOut(
        id=a.id,
        scheme_id=a.scheme_id,
        member_id=a.member_id,
        role=a.role,
        state=a.state,
        career_to_date=a.career_to_date,
        hoped_gains=a.hoped_gains,
        offer=a.offer,
        eligible=a.eligible,
        eligibility_reasons=list(a.eligibility_reasons),
        approver_id=a.approver_id,
        awaiting_since=a.awaiting_since,
        reminded_at=a.reminded_at,
        escalated_at=a.escalated_at,
        decision_reason=a.decision_reason,
        service_delivery_considered=a.service_delivery_considered,
        exception_reason=a.exception_reason,
        exception_decision_reason=a.exception_decision_reason,
        placement=a.placement,
        waiting_position=await service.waiting_position(a),
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


class AuditOut(msgspec.Struct, frozen=True):
    at: datetime
    action: str
    from_state: str | None
    to_state: str | None
    actor_member_id: uuid.UUID | None
    actor: str
    reason: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditOut:
        return cls(
            e.at, e.action, e.from_state, e.to_state, e.actor_member_id, e.actor_label, e.reason
        )


class ReasonIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class ApplicationsController(Controller):
    path = "/api/v1/orgs/{slug:str}/applications"
    tags = ("applications",)

    @post("/", summary="Apply to a scheme as mentor or mentee", responses=API_PROBLEMS)
    async def apply(
        self, slug: Slug, data: JSONBody[ApplicationIn], actor: Actor_, db: Db
    ) -> ApplicationOut:
        who = actor
        service = ApplicationService(db, who.org_id)
        return await application_out(service, await service.apply(who, data))

    @get("/mine", summary="My applications", responses=API_PROBLEMS)
    async def mine(self, slug: Slug, actor: Actor_, db: Db) -> list[ApplicationOut]:
        who = actor
        service = ApplicationService(db, who.org_id)
        return [await application_out(service, a) for a in await service.mine(who)]

    @get(
        "/to-decide",
        summary="Applications awaiting my decision (my reports'; HR: exceptions)",
        responses=API_PROBLEMS,
    )
    async def to_decide(self, slug: Slug, actor: Actor_, db: Db) -> list[ApplicationOut]:
        who = actor
        service = ApplicationService(db, who.org_id)
        return [await application_out(service, a) for a in await service.to_decide(who)]

    @get("/{application_id:uuid}", summary="One application", responses=API_PROBLEMS)
    async def get_application(
        self, slug: Slug, application_id: AppId, actor: Actor_, db: Db
    ) -> ApplicationOut:
        who = actor
        service = ApplicationService(db, who.org_id)
        return await application_out(service, await service.get(who, application_id))

    @post(
        "/{application_id:uuid}/decision",
        summary="The line manager approves or declines (a decline needs a reason)",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def decide(
        self,
        slug: Slug,
        application_id: AppId,
        data: JSONBody[ManagerDecision],
        actor: Actor_,
        db: Db,
    ) -> ApplicationOut:
        who = actor
        service = ApplicationService(db, who.org_id)
        return await application_out(service, await service.decide(who, application_id, data))

    @post(
        "/{application_id:uuid}/exception-request",
        summary="Ask the HR director for an exception (after a decline or ineligibility)",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def request_exception(
        self, slug: Slug, application_id: AppId, data: JSONBody[ReasonIn], actor: Actor_, db: Db
    ) -> ApplicationOut:
        who = actor
        service = ApplicationService(db, who.org_id)
        app = await service.request_exception(who, application_id, data.reason)
        return await application_out(service, app)

    @post(
        "/{application_id:uuid}/exception-decision",
        summary="The HR director grants or refuses an exception",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def decide_exception(
        self,
        slug: Slug,
        application_id: AppId,
        data: JSONBody[ExceptionDecision],
        actor: Actor_,
        db: Db,
    ) -> ApplicationOut:
        who = actor
        service = ApplicationService(db, who.org_id)
        app = await service.decide_exception(who, application_id, data)
        return await application_out(service, app)

    @post(
        "/{application_id:uuid}/withdraw",
        summary="Withdraw my application (at any time)",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def withdraw(
        self, slug: Slug, application_id: AppId, data: JSONBody[ReasonIn], actor: Actor_, db: Db
    ) -> ApplicationOut:
        who = actor
        service = ApplicationService(db, who.org_id)
        return await application_out(
            service, await service.withdraw(who, application_id, data.reason)
        )

    @get(
        "/{application_id:uuid}/audit",
        summary="Every transition: who, when, from, to, reason",
        responses=API_PROBLEMS,
    )
    async def audit(
        self, slug: Slug, application_id: AppId, actor: Actor_, db: Db
    ) -> list[AuditOut]:
        who = actor
        service = ApplicationService(db, who.org_id)
        return [AuditOut.of(e) for e in await service.trail(who, application_id)]
