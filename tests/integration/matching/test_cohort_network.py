"""A cohort run with the network's mentors, at the service (issue 18, point 5): on a contended
instance mixing the scheme's own mentors and cards of two other organisations (different topics
and seats), the result is the exact optimum found by trying every assignment; the management
chain, a mentee who wants a mentor of their own organisation, a card's seats and a card without
seats are all honoured; and the option without the network's pool is refused with nothing
written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.model import MentorProfile, SchemeKind
from matching.scoring import DEFAULT_WEIGHTS, score_pair
from orgs.errors import ConstraintViolation, InvalidInput
from orgs.pairing.cohort_external import ExternalMentor, NetworkPool, PoolEntry
from orgs.pairing.cohort_runs import CohortRun, CohortRunService, MovesIn, RunIn
from orgs.people.actor import Actor
from orgs.people.members import Member
from orgs.people.profiles import MenteeProfileRow, to_mentee
from tests.integration.matching.test_cohort_runs import (
    brute_force,
    chain_pairs,
    cohort,
    org,
    scores_of,
)

PEER = "https://harrow.example"
CARDS = (  # (org, topics, seats)
    (f"harrow@{PEER}", {"confidence": 3, "housing": 3}, 1),
    (f"harrow@{PEER}", {"leadership-management": 3, "networks": 2}, 2),
    (f"ealing@{PEER}", {"networks": 3, "finance": 3}, 1),
    (f"ealing@{PEER}", {"confidence": 3, "leadership-management": 3}, 0),  # full: not in the run
)


def pool() -> NetworkPool:
    entries = []
    for i, (org_ref, topics, seats) in enumerate(CARDS):
        handle = f"{i}" * 43
        profile = MentorProfile(
            id=f"{handle}@{PEER}", org_id=org_ref, topics=topics, seniority_band=6, capacity=4
        )
        name = "London Borough of " + org_ref.split("@")[0].title()
        entries.append(PoolEntry(profile, seats, ExternalMentor(profile.id, PEER, handle, name)))
    return NetworkPool(tuple(entries))


@pytest.mark.parametrize("mode_min", [0, 30])
async def test_a_run_over_own_mentors_and_network_cards_is_the_exact_optimum(
    db: AsyncSession, mode_min: int
) -> None:
    where = await org(db, "brent")
    c = await cohort(db, where)
    # Every mentee but the last is open to other organisations.
    rows = (await db.scalars(select(MenteeProfileRow))).all()
    closed = str(c.mentees[-1].id)
    for row in rows:
        row.open_to_other_orgs = str(row.member_id) != closed
    await db.commit()
    service = CohortRunService(db, where.id)
    run = await service.run(
        Actor.operator(where.id),
        where.scheme_id,
        RunIn(include_network=True, min_score=mode_min),
        datetime.now(UTC),
        pool(),
    )
    await db.commit()
    body = await service.view(run)

    scores = await scores_of(db, c)
    members = {m.id: m for m in c.mentees}
    mentees = [to_mentee(r, members[r.member_id], None) for r in rows]
    cards = [e for e in pool().entries if e.seats > 0]
    for e in mentees:
        for card in cards:
            scores[(e.id, card.profile.id)] = score_pair(
                e, card.profile, DEFAULT_WEIGHTS, SchemeKind.ONE_TO_ONE
            ).total
    seats = {str(m.id): c.seats.get(m.id, 1) for m in c.mentors}
    seats |= {card.profile.id: card.seats for card in cards}
    banned = chain_pairs(c) | {(closed, card.profile.id) for card in cards}
    best = brute_force([str(m.id) for m in c.mentees], seats, scores, banned, min_score=mode_min)
    assert (body.matched, body.total_score) == best
    assert (body.mentors, body.external_mentors, body.seats) == (7, 3, 5 + 4)
    pairs = {(p.mentee, p.mentor) for p in body.pairs}
    assert not {(str(a), b) for a, b in pairs} & banned
    for mentor, n in seats.items():
        assert sum(1 for _, r in pairs if r == mentor) <= n
    external = [p for p in body.pairs if p.external]
    assert external, "the instance is built so the optimum uses the network's mentors"
    for p in external:
        assert p.mentor_name.startswith("a mentor at London Borough of ")
        assert sum(part.points for part in p.explanation) == p.score
        assert "different_unit" in {part.factor for part in p.explanation}

    # A swap giving the mentee who wants their own organisation an external mentor is refused
    # by the same org rule, and the run stays as it was.
    # The other half of the swap (the external pair's mentee taking the closed mentee's mentor)
    # must itself be allowed, or the refusal would name that instead.
    run_id, before = run.id, dict(run.result)
    closed_mentor = next(p.mentor for p in body.pairs if str(p.mentee) == closed)
    other = next(p for p in external if (str(p.mentee), closed_mentor) not in banned)
    swap = (uuid.UUID(closed), other.mentee)
    with pytest.raises(ConstraintViolation) as refused:
        await service.move(Actor.operator(where.id), run_id, MovesIn(swap=swap))
    assert refused.value.errors[0].field == "swap"
    assert "wants a mentor from their own organisation" in refused.value.errors[0].message
    await db.rollback()
    assert (await service.get(run_id)).result == before


async def test_the_option_without_the_networks_pool_is_refused_and_nothing_is_written(
    db: AsyncSession,
) -> None:
    where = await org(db, "brent")
    await cohort(db, where)
    service = CohortRunService(db, where.id)
    with pytest.raises(InvalidInput) as refused:
        await service.run(Actor.operator(where.id), where.scheme_id, RunIn(include_network=True))
    assert [e.field for e in refused.value.errors] == ["include_network"]
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(CohortRun)) == 0
    assert await db.scalar(select(func.count()).select_from(Member)) == 10
