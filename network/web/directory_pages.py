"""The mentor directory for a mentee: every mentor they may ask, filtered (GET, so it works
without JavaScript) and in pages, beside the ranked suggestions; and a page per mentor, from
which the mentee asks that mentor with a message (the ordinary request form, ``/requests``).

Who is listed is who the suggestions may offer (``directory_listing``); what is shown is what
the suggestions show: a mentor of the mentee's own organisation by name and job title, a
mentor elsewhere by their card alone (organisation, node, band range, topics, meeting modes,
region, sector, languages, free places), never a name before acceptance.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from federation.candidate_cache import Suggestable
from federation.remote_cards import RemoteCards, candidate_id, split_candidate_id
from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.runtime import Runtime
from network.web.directory_listing import (
    FILTERS,
    listing,
    options_for,
    read_filters,
)
from network.web.directory_listing import (
    find as find_row,
)
from network.web.match_pages import _blocked, _mentee_schemes, ask_from_form
from network.web.pages import Errors, PageContext_, one, render, see_other, values_of
from orgs.db import utcnow
from orgs.errors import NotFound
from orgs.mentoring.mentoring_settings import mentoring_settings
from orgs.pairing.candidates import MenteeSide
from orgs.people.profiles import MentorProfileRow, MentorProfiles
from orgs.schemes.schemes import Scheme

FREE_SLOT_WORDS = {"1": "1 place", "2-3": "2 or 3 places", "4+": "4 places or more"}
NOT_LISTED = "This mentor is not in your directory: they may be full, paused or not open to you."


async def _prepared(
    request: Request[Any, Any, Any], viewer: PageContext_, db: AsyncSession, now: datetime
) -> tuple[list[Scheme], Scheme | None, MenteeSide | None, Suggestable | None]:
    """The viewer's schemes, the one chosen (``?scheme=``), and what suggestions rank over."""
    schemes = await _mentee_schemes(viewer, db)
    wanted = request.query_params.get("scheme")
    scheme = next((s for s in schemes if s.slug == wanted), schemes[0] if schemes else None)
    if scheme is None:
        return schemes, None, None, None
    cache = Runtime.of(request.app.state).candidates
    side, found = await cache.prepare(db, viewer.member, scheme.slug, now)
    return schemes, scheme, side, found


class DirectoryPages(Controller):
    path = "/orgs/{slug:str}/mentors"
    include_in_schema = False

    @get("/", name="web:directory")
    async def directory(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        return await self._list(request, viewer, db, Errors(), {})

    @get("/{member_id:uuid}", name="web:directory-mentor")
    async def local_mentor(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        member_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        return await self._mentor(request, viewer, db, str(member_id), Errors(), {})

    @get("/card/{handle:str}", name="web:directory-card")
    async def remote_mentor(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        handle: FromPath[str],
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        node = request.query_params.get("node") or ""
        return await self._mentor(request, viewer, db, candidate_id(node, handle), Errors(), {})

    @post("/ask", name="web:directory-ask")
    async def ask(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        """The request form of the list or of a mentor's page; refused, the same page again
        (the list keeps its filters and page: they are in this form's address)."""
        errors, form = await ask_from_form(request, viewer, db)
        if not errors:
            return see_other(f"{viewer.base}/requests?done=asked")
        values = values_of(form)
        if one(form, "from") == "mentor":
            return await self._mentor(request, viewer, db, one(form, "mentor"), errors, values)
        return await self._list(request, viewer, db, errors, values)

    async def _list(
        self,
        request: Request[Any, Any, Any],
        viewer: PageContext_,
        db: AsyncSession,
        errors: Errors,
        values: dict[str, Any],
    ) -> Response[Any]:
        schemes, scheme, side, found = await _prepared(request, viewer, db, utcnow())
        context: dict[str, Any] = {
            "schemes": schemes,
            "scheme": scheme,
            "scheme_options": [(s.slug, s.name) for s in schemes],
            "side": side,
        }
        if side is not None and found is not None and side.mentee is not None:
            options = options_for(side, found)
            chosen, page = read_filters(request.query_params, options, errors)
            base_query = {"scheme": scheme.slug} if scheme and len(schemes) > 1 else {}
            found_page = listing(side, found, chosen, page, base_query)
            # The request form posts with the list's filters and page in its address: refused,
            # the same list shows again (only the values that were accepted).
            kept = {k: v for k, v in {**base_query, **chosen}.items() if v}
            if found_page.page > 1:
                kept["page"] = str(found_page.page)
            context.update(
                options=options,
                chosen=chosen,
                found=found_page,
                filters_on=any(chosen.get(name) for name in FILTERS),
                blocked=await _blocked(viewer, db),
                settings=await mentoring_settings(db, viewer.member.org_id),
                ask_query=urlencode(kept),
            )
        return render(
            "directory/list.html",
            viewer,
            nav="directory",
            title="Mentor directory",
            errors=errors,
            values=values,
            **context,
        )

    async def _mentor(
        self,
        request: Request[Any, Any, Any],
        viewer: PageContext_,
        db: AsyncSession,
        candidate: str,
        errors: Errors,
        values: dict[str, Any],
    ) -> Response[Any]:
        now = utcnow()
        schemes, scheme, side, found = await _prepared(request, viewer, db, now)
        row = None
        if side is not None and found is not None and side.mentee is not None:
            row = find_row(side, found, candidate)
        if row is None:
            raise NotFound(NOT_LISTED)
        pen_picture = free_places = ""
        remote = split_candidate_id(candidate)
        if remote is None:
            profile = await MentorProfiles(db, viewer.member.org_id).find_one(
                MentorProfileRow.member_id == uuid.UUID(candidate)
            )
            # Their own organisation's mentee may read the pen picture (the profile page says
            # a mentee elsewhere sees it only after acceptance).
            pen_picture = profile.pen_picture if profile is not None else ""
        else:
            card = await RemoteCards(db).find(*remote, now)
            if card is None:  # expired between the listing and now
                raise NotFound(NOT_LISTED)
            free_places = FREE_SLOT_WORDS.get(card.as_card().free_slots, "")
        return render(
            "directory/mentor.html",
            viewer,
            nav="directory",
            title=row.title,
            errors=errors,
            values=values,
            schemes=schemes,
            scheme=scheme,
            row=row,
            blocked=await _blocked(viewer, db),
            pen_picture=pen_picture,
            free_places=free_places,
        )
