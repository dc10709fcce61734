"""``/api/v1/relationships/{id}/review-points``: when the two people agreed to review their
mentoring (either party records one; both are reminded a week before); ``…/extensions``:
carrying on past the planned end, proposed by one and agreed (or declined) by the other. Across
organisations an extension is part of the shared record: on the mentor's side an edit answers
202 and waits for the mentee's organisation's node, like every edit of the record."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from federation.relationship_outbox import outbox_sink
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.equality_out import ExtensionOut, ReviewPointOut
from network.http.mentoring_api import pending_or
from network.http.path_params import Id
from network.http.problems import API_PROBLEMS
from orgs.db import utcnow
from orgs.errors import Forbidden
from orgs.mentoring import shared_extensions, shared_record
from orgs.mentoring.extensions import (
    ExtensionIn,
    agree_extension,
    decline_extension,
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


async def _shared(db: Db, me: Member, rel_id: uuid.UUID, op: dict[str, Any]) -> bool:
    """Send the edit to the other node of a cross-organisation pair (nothing for a local one);
    True when it waits for the mentee's organisation's node (answered 202)."""
    item = shared_extensions.EXTENSION_ITEM
    return await shared_record.after_edit(db, me, rel_id, op, item, utcnow(), outbox_sink(db))


def _made(
    body: ExtensionOut, *, pending: bool, status: int = HTTP_200_OK
) -> Response[ExtensionOut]:
    return Response(body, status_code=HTTP_202_ACCEPTED if pending else status)


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

    @post(
        "/extensions",
        summary="Propose carrying on past the planned end",
        responses=pending_or(ExtensionOut),
    )
    async def propose(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[ExtensionIn]
    ) -> Response[ExtensionOut]:
        me = _member(actor)
        row = await propose_extension(db, me, rel_id, data)
        pending = await _shared(db, me, rel_id, shared_extensions.propose_op(row))
        return _made(out(ExtensionOut, row), pending=pending, status=HTTP_201_CREATED)

    @post(
        "/extensions/{extension_id:uuid}/agree",
        summary="Agree to the other person's proposal: the planned end moves",
        responses=pending_or(ExtensionOut),
        status_code=200,
    )
    async def agree(
        self, rel_id: Id, extension_id: Id, actor: Actor_, db: Db
    ) -> Response[ExtensionOut]:
        me = _member(actor)
        row = await agree_extension(db, actor, rel_id, extension_id)
        pending = await _shared(db, me, rel_id, shared_extensions.agree_op(row))
        return _made(out(ExtensionOut, row), pending=pending)

    @post(
        "/extensions/{extension_id:uuid}/decline",
        summary="Decline the other person's proposal: the planned end stays",
        responses=pending_or(ExtensionOut),
        status_code=200,
    )
    async def decline(
        self, rel_id: Id, extension_id: Id, actor: Actor_, db: Db
    ) -> Response[ExtensionOut]:
        me = _member(actor)
        row = await decline_extension(db, me, rel_id, extension_id)
        pending = await _shared(db, me, rel_id, shared_extensions.decline_op(row))
        return _made(out(ExtensionOut, row), pending=pending)
