"""``/api/v1/orgs/{slug}/schemes/{id}/follow-up-settings``: how many months after the end a
mentee is asked what has happened since (coordinators set it); ``/me/follow-ups``: the mentee's
own follow-ups, answered or declined through their own session (issue 19 item 5)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec
from litestar import Controller, get, post, put
from litestar.params import JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.http.problems import API_PROBLEMS
from orgs.errors import Forbidden
from orgs.mentoring.evaluations import OutcomeKind
from orgs.mentoring.follow_ups import (
    FollowUp,
    FollowUpAnswersIn,
    FollowUpSettingsIn,
    answer_follow_up,
    answered_on,
    decline_follow_up,
    follow_up_settings,
    my_follow_ups,
    set_follow_up_settings,
)
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.permissions import Action, authorize
from orgs.schemes.schemes import SchemeRepository


class FollowUpOut(msgspec.Struct, frozen=True):
    id: uuid.UUID
    relationship_id: uuid.UUID
    due_at: datetime
    answered_at: datetime | None
    declined_at: datetime | None
    happened: dict[OutcomeKind, date]


def follow_up_out(row: FollowUp) -> FollowUpOut:
    return FollowUpOut(
        row.id, row.relationship_id, row.due_at, row.answered_at, row.declined_at, answered_on(row)
    )


def _member(actor: Actor) -> Member:
    if actor.member is None:
        raise Forbidden("Only a member can do this for themselves (sign in as one).")
    return actor.member


class FollowUpsController(Controller):
    path = "/api/v1/orgs/{slug:str}"
    tags = ("equality: outcomes over time",)

    @get(
        "/schemes/{scheme_id:uuid}/follow-up-settings",
        summary="When mentees are asked what happened since",
        responses=API_PROBLEMS,
    )
    async def get_settings(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db
    ) -> FollowUpSettingsIn:
        scheme = await SchemeRepository(db, actor.org_id).get(scheme_id)
        return await follow_up_settings(db, actor.org_id, scheme.id)

    @put(
        "/schemes/{scheme_id:uuid}/follow-up-settings",
        summary="Set when mentees are asked what happened since",
        responses=API_PROBLEMS,
    )
    async def put_settings(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db, data: JSONBody[FollowUpSettingsIn]
    ) -> FollowUpSettingsIn:
        authorize(actor, Action.COORDINATE)
        scheme = await SchemeRepository(db, actor.org_id).get(scheme_id)
        return await set_follow_up_settings(db, actor.org_id, scheme.id, data)

    @get("/me/follow-ups", summary="My follow-ups", responses=API_PROBLEMS)
    async def mine(self, slug: Slug, actor: Actor_, db: Db) -> list[FollowUpOut]:
        return [follow_up_out(r) for r in await my_follow_ups(db, _member(actor))]

    @post(
        "/me/follow-ups/{follow_up_id:uuid}",
        summary="Answer a follow-up: what has happened since",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def answer(
        self,
        slug: Slug,
        follow_up_id: Id,
        actor: Actor_,
        db: Db,
        data: JSONBody[FollowUpAnswersIn],
    ) -> FollowUpOut:
        return follow_up_out(await answer_follow_up(db, _member(actor), follow_up_id, data))

    @post(
        "/me/follow-ups/{follow_up_id:uuid}/decline",
        summary="No thanks: decline a follow-up",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def decline(self, slug: Slug, follow_up_id: Id, actor: Actor_, db: Db) -> FollowUpOut:
        return follow_up_out(await decline_follow_up(db, _member(actor), follow_up_id))
