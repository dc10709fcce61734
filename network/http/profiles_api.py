"""``/api/v1/me/…-profile`` and ``/api/v1/topics``: what a member wants or offers."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, put
from litestar.params import JSONBody

from matching.taxonomy import TAXONOMY_VERSION, TOPICS
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.openapi import PublicOperation
from network.http.people_out import MenteeProfileOut, MentorProfileOut, TaxonomyOut, TopicOut
from network.http.problems import API_PROBLEMS
from orgs.errors import Forbidden, NotFound
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.profiles import MenteeProfileIn, MentorProfileIn, ProfileService
from orgs.structs import out


def member_of(actor: Actor) -> Member:
    if actor.member is None:
        raise Forbidden("This needs a member: sign in with your organisation.")
    return actor.member


@get(
    "/api/v1/topics",
    tags=["matching"],
    summary="The shared topic taxonomy",
    operation_class=PublicOperation,
)
async def list_topics() -> TaxonomyOut:
    return TaxonomyOut(TAXONOMY_VERSION, [out(TopicOut, t) for t in TOPICS.values()])


class ProfilesController(Controller):
    path = "/api/v1/me"
    tags = ("profiles",)

    @get("/mentee-profile", summary="My mentee profile", responses=API_PROBLEMS)
    async def get_mentee(self, actor: Actor_, db: Db) -> MenteeProfileOut:
        row = await ProfileService(db, member_of(actor)).mentee()
        if row is None:
            raise NotFound("You have no mentee profile yet.")
        return out(MenteeProfileOut, row)

    @put("/mentee-profile", summary="Create or replace my mentee profile", responses=API_PROBLEMS)
    async def put_mentee(
        self, actor: Actor_, db: Db, data: JSONBody[MenteeProfileIn]
    ) -> MenteeProfileOut:
        fields = msgspec.structs.asdict(data)
        low, high = fields.pop("wanted_bands") or (None, None)
        row = await ProfileService(db, member_of(actor)).save_mentee(
            **fields, wanted_band_low=low, wanted_band_high=high
        )
        return out(MenteeProfileOut, row)

    @get("/mentor-profile", summary="My mentor profile", responses=API_PROBLEMS)
    async def get_mentor(self, actor: Actor_, db: Db) -> MentorProfileOut:
        row = await ProfileService(db, member_of(actor)).mentor()
        if row is None:
            raise NotFound("You have no mentor profile yet.")
        return out(MentorProfileOut, row)

    @put("/mentor-profile", summary="Create or replace my mentor profile", responses=API_PROBLEMS)
    async def put_mentor(
        self, actor: Actor_, db: Db, data: JSONBody[MentorProfileIn]
    ) -> MentorProfileOut:
        row = await ProfileService(db, member_of(actor)).save_mentor(**msgspec.structs.asdict(data))
        return out(MentorProfileOut, row)
