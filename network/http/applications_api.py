"""``/api/v1/orgs/{slug}/applications``: applying, line-manager approval, HR exceptions."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.path_params import Slug
from network.http.problems import API_PROBLEMS
from network.http.schemes_out import ApplicationOut, AuditOut, application_out
from orgs.schemes.applications import (
    ApplicationIn,
    ApplicationService,
    ExceptionDecision,
    ManagerDecision,
    ReasonIn,
)
from orgs.structs import out

AppId = FromPath[uuid.UUID]


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
        return [out(AuditOut, e) for e in await service.trail(who, application_id)]
