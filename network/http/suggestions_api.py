"""``GET /api/v1/me/suggestions``: ranked mentors, local and from other nodes, each with the
score's explanation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import get
from litestar.datastructures import State
from litestar.params import FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.candidate_cache import CandidateCache
from federation.remote_candidates import with_remote_orgs
from matching.ranking import suggest
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.pairing_out import CandidateOut, ExplanationOut, SuggestionOut, SuggestionsOut
from network.http.problems import API_PROBLEMS
from network.http.profiles_api import member_of
from network.runtime import Runtime
from orgs.people.members import Member
from orgs.structs import out

Limit = Annotated[int, QueryParameter(ge=1, le=50)]


@get(
    "/api/v1/me/suggestions",
    tags=["matching"],
    summary="My best mentor suggestions, with why each matches",
    responses=API_PROBLEMS,
)
async def suggestions(
    actor: Actor_,
    db: Db,
    state: State,
    limit: FromQuery[Limit] = 10,
    scheme: Annotated[str | None, QueryParameter(max_length=60)] = None,
) -> SuggestionsOut:
    cache = Runtime.of(state).candidates
    return await build_suggestions(db, cache, member_of(actor), scheme, limit, datetime.now(UTC))


async def build_suggestions(
    db: AsyncSession,
    cache: CandidateCache,
    member: Member,
    scheme: str | None,
    limit: int,
    now: datetime,
) -> SuggestionsOut:
    """Local mentors and remote cards ranked together; the API and the web pages both call this.
    A constant number of queries whatever the number of candidates (``docs/matching.md``)."""
    side, found = await cache.prepare(db, member, scheme, now)
    if side.mentee is None or found is None:
        return SuggestionsOut([], side.blocked)
    rules = with_remote_orgs(side.rules, side.mentee, found.remote)
    ranked = suggest(found.index, side.mentee, rules, k=limit)
    items = []
    for item in ranked.items:
        local = found.local.get(item.mentor_id)
        if local is not None:
            candidate = CandidateOut(
                id=item.mentor_id,
                kind="local",
                organisation=side.org_name,
                name=local.name,
                job_title=local.job_title,
            )
        else:
            view = found.remote.views[item.mentor_id]
            candidate = CandidateOut(
                id=item.mentor_id, kind="remote", organisation=view.org_name, node=view.node_name
            )
        items.append(
            SuggestionOut(
                candidate=candidate,
                score=item.score.total,
                explanation=[out(ExplanationOut, p) for p in item.score.parts],
            )
        )
    return SuggestionsOut(items, ranked.shortfall)
