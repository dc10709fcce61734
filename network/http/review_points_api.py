"""``/api/v1/relationships/{id}/review-points``: when the two people agreed to review their
mentoring (either party records one; both are reminded a week before); ``…/extensions``:
carrying on past the planned end, proposed by one and agreed by the other."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.equality_out import ExtensionOut, ReviewPointOut
from network.http.path_params import Id
from network.http.problems import API_PROBLEMS
from orgs.errors import Forbidden
from orgs.mentoring.extensions import (
    ExtensionIn,
    agree_extension,
    extensions_of,
    propose_extension,
)
from orgs.mentoring.review_points import ReviewPointIn, add_review_point, review_points_of
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.structs import out


def _member(actor: Actor) -> Member:
    if actor.member is None:
        raise Forbidden("Only a party to the relationship can do this (sign in as one).")
    return actor.member


class ReviewPointsController(Controller):
    path = "/api/v1/relationships/{rel_id:uuid}"
    tags = ("mentoring: relationships",)

    @get("/review-points", summary="The review points we agreed", responses=API_PROBLEMS)
    async def list_points(self, rel_id: Id, actor: Actor_, db: Db) -> list[ReviewPointOut]:
        rows = await review_points_of(db, _member(actor), rel_id)
        return [out(ReviewPointOut, r) for r in rows]

    @post("/review-points", summary="Record a review point we agreed", responses=API_PROBLEMS)
    async def add_point(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[ReviewPointIn]
    ) -> ReviewPointOut:
        return out(ReviewPointOut, await add_review_point(db, _member(actor), rel_id, data))

    @get(
        "/extensions", summary="Proposals to carry on past the planned end", responses=API_PROBLEMS
    )
    async def list_extensions(self, rel_id: Id, actor: Actor_, db: Db) -> list[ExtensionOut]:
        rows = await extensions_of(db, _member(actor), rel_id)
        return [out(ExtensionOut, r) for r in rows]

    @post("/extensions", summary="Propose carrying on past the planned end", responses=API_PROBLEMS)
    async def propose(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[ExtensionIn]
    ) -> ExtensionOut:
        return out(ExtensionOut, await propose_extension(db, _member(actor), rel_id, data))

    @post(
        "/extensions/{extension_id:uuid}/agree",
        summary="Agree to the other person's proposal: the planned end moves",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def agree(self, rel_id: Id, extension_id: Id, actor: Actor_, db: Db) -> ExtensionOut:
        _member(actor)
        return out(ExtensionOut, await agree_extension(db, actor, rel_id, extension_id))
