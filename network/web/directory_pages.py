"""The mentor directory for a mentee: every mentor they may ask, filtered (GET, so it works
without JavaScript) and in pages, beside the ranked suggestions; and a page per mentor, from
which the mentee asks that mentor with a message (the ordinary request form, ``/requests``).

Who is listed is who the suggestions may offer (``directory_listing``); what is shown is what
the suggestions show: a mentor of the mentee's own organisation by name and job title, a
mentor elsewhere by their card alone (organisation, node, band range, topics, meeting modes,
region, sector, languages, free places), never a name before acceptance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from federation.candidate_cache import Suggestable
from federation.remote_cards import RemoteCards, candidate_id
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
from network.web.match_pages import _blocked, _mentee_schemes
from network.web.pages import Errors, PageContext_, render
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
        schemes, scheme, side, found = await _prepared(request, viewer, db, utcnow())
        errors = Errors()
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
            context.update(
                options=options,
                chosen=chosen,
                found=listing(side, found, chosen, page, base_query),
                filters_on=any(chosen.get(name) for name in FILTERS),
                blocked=await _blocked(viewer, db),
                settings=await mentoring_settings(db, viewer.member.org_id),
            )
        return render(
            "directory/list.html",
            viewer,
            nav="directory",
            title="Mentor directory",
            errors=errors,
            **context,
        )

    async def _mentor_page(
        self,
        request: Request[Any, Any, Any],
        viewer: PageContext_,
        db: AsyncSession,
        candidate: str,
        now: datetime,
    ) -> tuple[dict[str, Any], Any]:
        schemes, scheme, side, found = await _prepared(request, viewer, db, now)
        row = None
        if side is not None and found is not None and side.mentee is not None:
            row = find_row(side, found, candidate)
        if row is None:
            raise NotFound(NOT_LISTED)
        context = {
            "schemes": schemes,
            "scheme": scheme,
            "row": row,
            "blocked": await _blocked(viewer, db),
        }
        return context, row

    @get("/{member_id:uuid}", name="web:directory-mentor")
    async def local_mentor(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        member_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        context, row = await self._mentor_page(request, viewer, db, str(member_id), utcnow())
        profile = await MentorProfiles(db, viewer.member.org_id).find_one(
            MentorProfileRow.member_id == member_id
        )
        return render(
            "directory/mentor.html",
            viewer,
            nav="directory",
            title=row.title,
            # Their own organisation's mentee may read the pen picture (the profile page says a
            # mentee elsewhere sees it only after acceptance).
            pen_picture=profile.pen_picture if profile is not None else "",
            free_places="",
            **context,
        )

    @get("/card/{handle:str}", name="web:directory-card")
    async def remote_mentor(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        handle: FromPath[str],
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        now = utcnow()
        node = request.query_params.get("node") or ""
        context, row = await self._mentor_page(request, viewer, db, candidate_id(node, handle), now)
        card = await RemoteCards(db).find(node, handle, now)
        if card is None:  # expired between the listing and now
            raise NotFound(NOT_LISTED)
        return render(
            "directory/mentor.html",
            viewer,
            nav="directory",
            title=row.title,
            pen_picture="",
            free_places=FREE_SLOT_WORDS.get(card.as_card().free_slots, ""),
            **context,
        )
