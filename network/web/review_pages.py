"""Pages for what the two people of a relationship agree between them (issue 19 item 4): the
check-in each answers when it falls due (reached from its notification and email), and the
relationship's review page: the review points they agreed (either records one), and carrying
on past the planned end (one proposes, the other agrees or declines; across organisations the
edit goes to the other node as part of the shared record, and the page says while it waits).
Only the two of them see these; to anyone else they do not exist (404)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post

from federation.relationship_outbox import outbox_sink
from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.web.pages import (
    Errors,
    PageContext,
    PageContext_,
    date_parts,
    domain_errors,
    one,
    read_date,
    read_form,
    render,
    see_other,
    values_of,
)
from network.web.uk_time import DateParts
from orgs.db import utcnow
from orgs.errors import DomainError
from orgs.mentoring import shared_extensions, shared_record
from orgs.mentoring.checkins import CheckinAnswerIn, answer_checkin, my_checkin
from orgs.mentoring.extensions import (
    ExtensionIn,
    agree_extension,
    decline_extension,
    extensions_of,
    propose_extension,
)
from orgs.mentoring.relationships import for_party
from orgs.mentoring.review_points import ReviewPointIn, add_review_point, review_points_of

GOING = (
    ("5", "Very well", ""),
    ("4", "Well", ""),
    ("3", "All right", ""),
    ("2", "Not well", ""),
    ("1", "Badly", ""),
)
YES_NO = (("yes", "Yes", ""), ("no", "No", ""))


class CheckinPages(Controller):
    path = "/orgs/{slug:str}/checkins"
    include_in_schema = False

    async def _page(
        self,
        viewer: PageContext,
        db: Db,
        checkin_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        row = await my_checkin(db, viewer.member, checkin_id)
        return render(
            "checkin.html",
            viewer,
            title="How is your mentoring going?",
            checkin=row,
            going=GOING,
            yes_no=YES_NO,
            going_words={int(v): label for v, label, _ in GOING},
            errors=errors,
            values=values or {},
        )

    @get("/{checkin_id:uuid}", name="web:checkin")
    async def show(self, slug: Slug, checkin_id: Id, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._page(viewer, db, checkin_id)

    @post("/{checkin_id:uuid}", name="web:checkin-answer")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        checkin_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        going, regular = one(form, "going"), one(form, "meeting_regularly")
        if going not in {v for v, _, _ in GOING}:
            errors.add("going", "Choose how your mentoring is going")
        if regular not in ("yes", "no"):
            errors.add("meeting_regularly", "Say whether you are meeting regularly")
        if not errors:
            try:
                async with db.begin_nested():
                    data = CheckinAnswerIn(going=int(going), meeting_regularly=regular == "yes")
                    await answer_checkin(db, viewer.member, checkin_id, data)
            except DomainError as exc:
                domain_errors(exc, errors, ())
            else:
                return see_other(f"{viewer.base}/checkins/{checkin_id}?done=saved")
        return await self._page(viewer, db, checkin_id, errors, values_of(form))


async def _shared(db: Db, viewer: PageContext, rel_id: uuid.UUID, op: dict[str, Any]) -> None:
    """The other node of a cross-organisation pair hears of the edit, as through the API."""
    item = shared_extensions.EXTENSION_ITEM
    await shared_record.after_edit(db, viewer.member, rel_id, op, item, utcnow(), outbox_sink(db))


class ReviewPages(Controller):
    path = "/orgs/{slug:str}/relationships/{rel_id:uuid}/review"
    include_in_schema = False

    async def _page(
        self,
        viewer: PageContext,
        db: Db,
        rel_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        rel, party = await for_party(db, viewer.member, rel_id)
        values = values or {}
        waiting = [
            c
            for c in (await shared_record.in_flight(db, rel)).pending
            if c.item_ref == shared_extensions.EXTENSION_ITEM
        ]
        return render(
            "review.html",
            viewer,
            title="Reviews and carrying on",
            rel=rel,
            party=party,
            points=await review_points_of(db, viewer.member, rel_id),
            extensions=await extensions_of(db, viewer.member, rel_id),
            extension_waiting=[shared_record.CHANGE_WORDS.get(c.op, c.op) for c in waiting],
            on_parts=values.get("on_parts", DateParts()),
            until_parts=values.get("until_parts", DateParts()),
            errors=errors,
            values=values,
        )

    @get("/", name="web:review")
    async def show(self, slug: Slug, rel_id: Id, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._page(viewer, db, rel_id)

    @post("/points", name="web:review-point-add")
    async def add_point(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        on = read_date(form, "on", "The review date", errors)
        if on is not None and not errors:
            try:
                async with db.begin_nested():
                    data = ReviewPointIn(on=on, note=one(form, "note")[:500])
                    await add_review_point(db, viewer.member, rel_id, data)
            except DomainError as exc:
                domain_errors(exc, errors, ("on",), labels={"on": "The review date"})
            else:
                return see_other(f"{viewer.base}/relationships/{rel_id}/review/?done=saved")
        values = {**values_of(form), "on_parts": date_parts(form, "on")}
        return await self._page(viewer, db, rel_id, errors, values)

    @post("/extensions", name="web:extension-propose")
    async def propose(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        form = await read_form(request)
        errors = Errors()
        until = read_date(form, "until", "The new end date", errors)
        if until is not None and not errors:
            try:
                async with db.begin_nested():
                    data = ExtensionIn(until=until, reason=one(form, "reason")[:500])
                    row = await propose_extension(db, viewer.member, rel_id, data)
                    await _shared(db, viewer, rel_id, shared_extensions.propose_op(row))
            except DomainError as exc:
                domain_errors(exc, errors, ("until",), labels={"until": "The new end date"})
            else:
                return see_other(f"{viewer.base}/relationships/{rel_id}/review/?done=saved")
        values = {**values_of(form), "until_parts": date_parts(form, "until")}
        return await self._page(viewer, db, rel_id, errors, values)

    @post("/extensions/{extension_id:uuid}/agree", name="web:extension-agree")
    async def agree(
        self, slug: Slug, rel_id: Id, extension_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        errors = Errors()
        try:
            async with db.begin_nested():
                row = await agree_extension(db, viewer.actor, rel_id, extension_id)
                await _shared(db, viewer, rel_id, shared_extensions.agree_op(row))
        except DomainError as exc:
            domain_errors(exc, errors, ())
            return await self._page(viewer, db, rel_id, errors)
        return see_other(f"{viewer.base}/relationships/{rel_id}/review/?done=saved")

    @post("/extensions/{extension_id:uuid}/decline", name="web:extension-decline")
    async def decline(
        self, slug: Slug, rel_id: Id, extension_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        errors = Errors()
        try:
            async with db.begin_nested():
                row = await decline_extension(db, viewer.member, rel_id, extension_id)
                await _shared(db, viewer, rel_id, shared_extensions.decline_op(row))
        except DomainError as exc:
            domain_errors(exc, errors, ())
            return await self._page(viewer, db, rel_id, errors)
        return see_other(f"{viewer.base}/relationships/{rel_id}/review/?done=saved")
