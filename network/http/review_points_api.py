"""``/api/v1/relationships/{id}/review-points``: when the two people agreed to review their
mentoring (either party records one; both are reminded a week before)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.equality_out import ReviewPointOut
from network.http.path_params import Id
from network.http.problems import API_PROBLEMS
from orgs.errors import Forbidden
from orgs.mentoring.review_points import ReviewPointIn, add_review_point, review_points_of
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.structs import out


def _member(actor: Actor) -> Member:
    if actor.member is None:
        raise Forbidden("Only a party to the relationship can do this (sign in as one).")
    return actor.member


class ReviewPointsController(Controller):
    path = "/api/v1/relationships/{rel_id:uuid}/review-points"
    tags = ("mentoring: relationships",)

    @get("/", summary="The review points we agreed", responses=API_PROBLEMS)
    async def list_points(self, rel_id: Id, actor: Actor_, db: Db) -> list[ReviewPointOut]:
        rows = await review_points_of(db, _member(actor), rel_id)
        return [out(ReviewPointOut, r) for r in rows]

    @post("/", summary="Record a review point we agreed", responses=API_PROBLEMS)
    async def add_point(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[ReviewPointIn]
    ) -> ReviewPointOut:
        return out(ReviewPointOut, await add_review_point(db, _member(actor), rel_id, data))
