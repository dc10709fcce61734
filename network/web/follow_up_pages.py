"""The follow-up questionnaire months after a relationship ended (issue 19 item 5), reached from
its notification and email: what has happened since, or "no thanks". Only its respondent sees
it; to anyone else it does not exist (404)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post

from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.web.pages import (
    Errors,
    PageContext,
    PageContext_,
    domain_errors,
    read_form,
    render,
    see_other,
)
from orgs.db import utcnow
from orgs.errors import DomainError
from orgs.mentoring.evaluations import OutcomeKind
from orgs.mentoring.follow_ups import (
    FollowUpAnswersIn,
    answer_follow_up,
    answered_on,
    decline_follow_up,
    my_follow_up,
)

#: The questions, in the words of the page (value, label, hint).
HAPPENED = (
    (OutcomeKind.PROMOTION.value, "I was promoted", ""),
    (OutcomeKind.ACTING_UP.value, "I acted up into a more senior role", "Even for a while."),
    (OutcomeKind.NEW_ROLE.value, "I moved to a new role", "At the same level or another."),
    (
        OutcomeKind.APPLIED_FOR_MANAGEMENT.value,
        "I applied for a management post",
        "Whether or not you got it.",
    ),
)
WORDS = {value: label for value, label, _ in HAPPENED}


class FollowUpPages(Controller):
    path = "/orgs/{slug:str}/follow-ups"
    include_in_schema = False

    async def _page(
        self,
        viewer: PageContext,
        db: Db,
        follow_up_id: Id,
        errors: Errors | None = None,
        chosen: tuple[str, ...] = (),
    ) -> Response[Any]:
        row = await my_follow_up(db, viewer.member, follow_up_id)
        return render(
            "follow_up.html",
            viewer,
            title="What has happened since your mentoring?",
            follow_up=row,
            happened=[WORDS[k.value] for k in answered_on(row)],
            questions=HAPPENED,
            chosen=chosen,
            errors=errors,
        )

    @get("/{follow_up_id:uuid}", name="web:follow-up")
    async def show(
        self, slug: Slug, follow_up_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        return await self._page(viewer, db, follow_up_id)

    @post("/{follow_up_id:uuid}", name="web:follow-up-answer")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        follow_up_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        form = await read_form(request)
        chosen = tuple(v for v in form.get("happened", []) if v in WORDS)
        errors = Errors()
        today = utcnow().date()
        try:
            async with db.begin_nested():
                await answer_follow_up(
                    db,
                    viewer.member,
                    follow_up_id,
                    FollowUpAnswersIn(happened={OutcomeKind(k): today for k in chosen}),
                )
        except DomainError as exc:
            domain_errors(exc, errors, ())
            return await self._page(viewer, db, follow_up_id, errors, chosen)
        return see_other(f"{viewer.base}/follow-ups/{follow_up_id}?done=saved")

    @post("/{follow_up_id:uuid}/decline", name="web:follow-up-decline")
    async def decline(
        self, slug: Slug, follow_up_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        errors = Errors()
        try:
            async with db.begin_nested():
                await decline_follow_up(db, viewer.member, follow_up_id)
        except DomainError as exc:
            domain_errors(exc, errors, ())
            return await self._page(viewer, db, follow_up_id, errors)
        return see_other(f"{viewer.base}/follow-ups/{follow_up_id}?done=saved")
