"""``GET /api/v1/me/suggestions``: ranked mentors, local and from other nodes, each with the
score's explanation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from litestar import get
from litestar.params import FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.remote_candidates import remote_pool, with_remote_orgs
from matching.ranking import CandidateIndex, suggest
from matching.taxonomy import TAXONOMY_VERSION
from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.problems import API_PROBLEMS
from network.http.profiles_api import member_of
from orgs.pairing.candidates import local_pool
from orgs.people.members import Member


class CandidateOut(msgspec.Struct, frozen=True):
    id: str
    kind: Literal["local", "remote"]
    organisation: str
    node: str | None = None  # the other node's name, for remote candidates
    name: str | None = None  # only for a mentor of the member's own organisation
    job_title: str | None = None


class ExplanationOut(msgspec.Struct, frozen=True):
    factor: str
    points: int
    sentence: str


class SuggestionOut(msgspec.Struct, frozen=True):
    candidate: CandidateOut
    score: int
    explanation: list[ExplanationOut]


class SuggestionsOut(msgspec.Struct, frozen=True):
    items: list[SuggestionOut]
    shortfall: str | None
    taxonomy_version: str = TAXONOMY_VERSION


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
    limit: FromQuery[Limit] = 10,
    scheme: Annotated[str | None, QueryParameter(max_length=60)] = None,
) -> SuggestionsOut:
    return await build_suggestions(db, member_of(actor), scheme, limit, datetime.now(UTC))


async def build_suggestions(
    db: AsyncSession, member: Member, scheme: str | None, limit: int, now: datetime
) -> SuggestionsOut:
    """Local mentors and remote cards ranked together; the API and the web pages both call this."""
    pool = await local_pool(db, member, scheme, now.date())
    if pool.mentee is None or pool.blocked is not None:
        return SuggestionsOut([], pool.blocked)
    remote = await remote_pool(db, pool.mentee, pool.policy, now)
    rules = with_remote_orgs(pool.rules, pool.mentee, remote)
    index = CandidateIndex.build([*pool.mentors, *remote.mentors], scheme=pool.scheme_kind)
    ranked = suggest(index, pool.mentee, rules, k=limit)
    items = []
    for item in ranked.items:
        local = pool.views.get(item.mentor_id)
        if local is not None:
            candidate = CandidateOut(
                id=item.mentor_id,
                kind="local",
                organisation=local.org_name,
                name=local.name,
                job_title=local.job_title,
            )
        else:
            view = remote.views[item.mentor_id]
            candidate = CandidateOut(
                id=item.mentor_id, kind="remote", organisation=view.org_name, node=view.node_name
            )
        items.append(
            SuggestionOut(
                candidate=candidate,
                score=item.score.total,
                explanation=[
                    ExplanationOut(p.factor, p.points, p.sentence) for p in item.score.parts
                ],
            )
        )
    return SuggestionsOut(items, ranked.shortfall)
