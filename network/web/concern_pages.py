"""Concerns, as the code of conduct promises: either party raises one, confidentially, from the
relationship page; the scheme coordinator's inbox lists them, oldest first, and moves each on
(in progress, then resolved with a note the person who raised it can read)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select

from network.http.dependencies import Db
from network.http.mentoring_out import ConcernOut
from network.http.path_params import Id, Slug
from network.web.pages import (
    Errors,
    PageContext,
    PageContext_,
    domain_errors,
    one,
    read_form,
    render,
    see_other,
    values_of,
)
from orgs.db import utcnow
from orgs.errors import DomainError
from orgs.mentoring import concerns
from orgs.mentoring.concerns import ConcernCategory, ConcernIn, ConcernState, ConcernUpdateIn
from orgs.mentoring.relationships import Relationship
from orgs.people.members import Member, MemberRepository
from orgs.people.permissions import Action, authorize
from orgs.structs import out

CATEGORIES = (
    (
        ConcernCategory.CONDUCT.value,
        "Someone's conduct",
        "Behaviour that breaks the code of conduct.",
    ),
    (ConcernCategory.SAFEGUARDING.value, "Safeguarding", "Someone may be at risk of harm."),
    (ConcernCategory.NOT_WORKING.value, "The mentoring is not working", ""),
    (ConcernCategory.OTHER.value, "Something else", ""),
)
CATEGORY_WORDS = {value: label for value, label, _ in CATEGORIES}
STATE_WORDS = {"open": "New", "in_progress": "Being looked at", "resolved": "Resolved"}


async def raise_from_form(
    request: Request[Any, Any, Any], viewer: PageContext, db: Db, rel_id: uuid.UUID
) -> tuple[Errors, dict[str, Any]]:
    """The relationship page's "Raise a concern" form; no errors means it was raised."""
    form = await read_form(request)
    errors = Errors()
    category, text = one(form, "category"), one(form, "concern_text")
    if category not in CATEGORY_WORDS:
        errors.add("category", "Choose what the concern is about")
    if not text:
        errors.add("concern_text", "Describe your concern")
    if not errors:
        try:
            async with db.begin_nested():
                await concerns.raise_concern(
                    db,
                    viewer.member,
                    rel_id,
                    ConcernIn(category=ConcernCategory(category), text=text),
                    utcnow(),
                )
        except DomainError as exc:
            domain_errors(exc, errors, ("category",), aliases={"text": "concern_text"})
    return errors, values_of(form)


async def mine_for(viewer: PageContext, db: Db, rel_id: uuid.UUID) -> list[ConcernOut]:
    return [
        out(ConcernOut, c)
        for c in await concerns.my_concerns(db, viewer.member)
        if c.relationship_id == rel_id
    ]


class ConcernInbox(Controller):
    path = "/orgs/{slug:str}/coordinate/concerns"
    include_in_schema = False

    async def _page(
        self,
        viewer: PageContext,
        db: Db,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        who = viewer.actor
        authorize(who, Action.COORDINATE)
        rows = await concerns.coordinator_list(db, who.org_id)
        rels = {
            r.id: r for r in await _relationships(db, who.org_id, {c.relationship_id for c in rows})
        }
        ids = {i for r in rels.values() for i in (r.mentee_id, r.mentor_id) if i is not None}
        names = (
            {
                m.id: m.display_name
                for m in await MemberRepository(db, who.org_id).list(Member.id.in_(ids))
            }
            if ids
            else {}
        )

        def pair(rel_id: uuid.UUID) -> str:
            rel = rels.get(rel_id)
            if rel is None:
                return "A relationship"
            mentee = (
                names.get(rel.mentee_id, rel.counterpart_name)
                if rel.mentee_id
                else rel.counterpart_name
            )
            mentor = (
                names.get(rel.mentor_id, rel.counterpart_name)
                if rel.mentor_id
                else rel.counterpart_name
            )
            return f"{mentee or 'A mentee'} with {mentor or 'a mentor'}"

        shown = [(out(ConcernOut, c), pair(c.relationship_id)) for c in rows]
        return render(
            "coordinator/concerns.html",
            viewer,
            nav="coordinate",
            title="Concerns",
            open=[s for s in shown if s[0].state is not ConcernState.RESOLVED],
            resolved=[s for s in shown if s[0].state is ConcernState.RESOLVED],
            categories=CATEGORY_WORDS,
            states=STATE_WORDS,
            errors=errors,
            values=values or {},
        )

    @get("/", name="web:concerns")
    async def inbox(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._page(viewer, db)

    @post("/{concern_id:uuid}", name="web:concern-update")
    async def update(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        concern_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who = viewer.actor
        authorize(who, Action.COORDINATE)
        form = await read_form(request)
        errors = Errors()
        state = one(form, f"state-{concern_id}")  # one form per concern on the page
        note = one(form, f"note-{concern_id}")
        field = f"note-{concern_id}"
        if state not in ("in_progress", "resolved"):
            errors.add(f"state-{concern_id}", "Choose what happens to the concern")
        elif state == "resolved" and not note:
            errors.add(field, "Enter how the concern was resolved")
        if not errors:
            try:
                async with db.begin_nested():
                    await concerns.update_concern(
                        db,
                        who.org_id,
                        concern_id,
                        ConcernUpdateIn(state=ConcernState(state), note=note),
                        who.ref,
                        utcnow(),
                    )
            except DomainError as exc:
                domain_errors(exc, errors, ())
            else:
                return see_other(f"{viewer.base}/coordinate/concerns/?done=concern-updated")
        return await self._page(viewer, db, errors, {**values_of(form), "for": str(concern_id)})


async def _relationships(db: Db, org_id: uuid.UUID, ids: set[uuid.UUID]) -> list[Relationship]:
    if not ids:
        return []
    query = select(Relationship).where(Relationship.org_id == org_id, Relationship.id.in_(ids))
    return list((await db.scalars(query)).all())
