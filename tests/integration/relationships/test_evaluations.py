"""Evaluation: questionnaires per scheme for mentee, mentor and the mentee's line manager,
falling due at the end (and the midpoint when the scheme asks); results per scheme with groups
under five suppressed; outcomes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from tests.integration.network.helpers import assert_problem
from tests.integration.relationships.builders import (
    Client,
    World,
    jobs,
    ok,
    paired,
    world,
)

QUESTIONS = [
    {"key": "useful", "text": "How useful was mentoring?", "kind": "scale"},
    {"key": "recommend", "text": "Would you recommend it?", "kind": "yes_no"},
    {"key": "comments", "text": "Anything else?", "kind": "text"},
]


async def define(client: Client, w: World, audience: str, stage: str = "end") -> dict[str, Any]:
    body = {
        "audience": audience,
        "stage": stage,
        "title": f"{audience} {stage}",
        "questions": QUESTIONS,
    }
    url = f"/api/v1/orgs/brent/schemes/{w.scheme_id}/questionnaires"
    result: dict[str, Any] = await ok(
        await client.put(url, json=body, headers=w.as_("coordinator"))
    )
    return result


async def pair_and_close(client: Client, w: World, mentor: str) -> None:
    rel = await paired(client, w, mentor)
    await ok(
        await client.post(
            f"/api/v1/relationships/{rel['id']}/end", json={"how": "close"}, headers=w.as_("mentee")
        ),
        201,
    )


async def answer(client: Client, w: World, who: str, useful: int) -> None:
    [due] = [
        e
        for e in await ok(await client.get("/api/v1/me/evaluations", headers=w.as_(who)))
        if e["submitted_at"] is None
    ]
    body = {"answers": {"useful": useful, "recommend": useful > 2, "comments": f"from {who}"}}
    await ok(
        await client.post(
            f"/api/v1/me/evaluations/{due['id']}/answers", json=body, headers=w.as_(who)
        ),
        201,
    )


async def test_end_questionnaires_fall_due_and_results_appear_only_from_five(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db, mentors=5)
    for audience in ("mentee", "mentor", "line_manager"):
        await define(client, w, audience)
    assert_problem(
        await client.put(
            f"/api/v1/orgs/brent/schemes/{w.scheme_id}/questionnaires",
            json={"audience": "mentee", "stage": "end", "title": "x", "questions": QUESTIONS},
            headers=w.as_("mentee"),
        ),
        403,
        "forbidden",
    )
    results_url = f"/api/v1/orgs/brent/schemes/{w.scheme_id}/evaluation-results"
    for i in range(1, 6):
        await pair_and_close(client, w, f"mentor{i}")
        await answer(client, w, f"mentor{i}", useful=i)
        results = await ok(await client.get(results_url, headers=w.as_("coordinator")))
        mentors = next(q for q in results["questionnaires"] if q["audience"] == "mentor")
        if i < 5:
            assert mentors == {**mentors, "suppressed": True, "responses": 0, "questions": []}
    assert mentors["suppressed"] is False
    assert mentors["responses"] == 5
    useful, recommend, _comments = mentors["questions"]
    assert useful["mean"] == 3.0
    assert recommend["yes"] == 3
    assert "from mentor" not in str(results)  # free text is never shown
    # The mentee's line manager was asked too; their group (one person) is suppressed.
    boss_due = await ok(await client.get("/api/v1/me/evaluations", headers=w.as_("boss")))
    assert len(boss_due) == 5
    manager = next(q for q in results["questionnaires"] if q["audience"] == "line_manager")
    assert manager["suppressed"] is True
    # Answers are checked, and given once.
    [first, *_] = await ok(await client.get("/api/v1/me/evaluations", headers=w.as_("mentee")))
    url = f"/api/v1/me/evaluations/{first['id']}/answers"
    bad = await client.post(url, json={"answers": {"useful": 9}}, headers=w.as_("mentee"))
    assert_problem(bad, 422, "invalid-input")
    good = {"answers": {"useful": 4, "recommend": True, "comments": ""}}
    await ok(await client.post(url, json=good, headers=w.as_("mentee")), 201)
    assert_problem(
        await client.post(url, json=good, headers=w.as_("mentee")), 409, "illegal-transition"
    )
    assert_problem(await client.post(url, json=good, headers=w.as_("mentor1")), 404, "not-found")


async def test_overdue_evaluations_and_outcomes_suppressed_under_five(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db, mentors=1)
    await define(client, w, "mentee")
    await pair_and_close(client, w, "mentor1")
    [health] = await ok(
        await client.get("/api/v1/orgs/brent/relationships", headers=w.as_("coordinator"))
    )
    assert health["overdue_evaluations"] == 0
    rel_id = health["relationship_id"]
    for _ in range(4):
        await ok(
            await client.post(
                "/api/v1/orgs/brent/outcomes",
                json={"relationship_id": rel_id, "kind": "promotion", "on": "2026-09-01"},
                headers=w.as_("coordinator"),
            ),
            201,
        )
    results_url = f"/api/v1/orgs/brent/schemes/{w.scheme_id}/evaluation-results"
    assert (await ok(await client.get(results_url, headers=w.as_("coordinator"))))["outcomes"][
        "promotion"
    ] is None
    await ok(
        await client.post(
            "/api/v1/orgs/brent/outcomes",
            json={"relationship_id": rel_id, "kind": "promotion", "on": "2026-10-01"},
            headers=w.as_("coordinator"),
        ),
        201,
    )
    outcomes = (await ok(await client.get(results_url, headers=w.as_("coordinator"))))["outcomes"]
    assert outcomes == {
        "promotion": 5,
        "acting_up": None,
        "new_role": None,
        "applied_for_management": None,
        "became_mentor": None,
    }


async def test_midpoint_evaluation_when_the_scheme_asks_for_it(
    client: Client, db: AsyncSession
) -> None:
    w = await world(db, mentors=1)
    await define(client, w, "mentee", stage="midpoint")
    terms = {
        "code_of_conduct": "Be kind.",
        "principles": ["Confidential"],
        "midpoint_evaluation": True,
    }
    saved = await ok(
        await client.put(
            f"/api/v1/orgs/brent/schemes/{w.scheme_id}/terms",
            json=terms,
            headers=w.as_("coordinator"),
        )
    )
    assert saved == {"scheme_id": str(w.scheme_id), **terms}
    rel = await paired(client, w)
    agreement = await ok(
        await client.get(f"/api/v1/relationships/{rel['id']}/agreement", headers=w.as_("mentee"))
    )
    assert (agreement["code_of_conduct"], agreement["principles"]) == ("Be kind.", ["Confidential"])
    now = utcnow()
    assert (await jobs(db, now + timedelta(days=80)))[0].midpoint_evaluations == 0
    assert (await jobs(db, now + timedelta(days=95)))[0].midpoint_evaluations == 1
    assert (await jobs(db, now + timedelta(days=96)))[0].midpoint_evaluations == 0
    [due] = await ok(await client.get("/api/v1/me/evaluations", headers=w.as_("mentee")))
    assert due["title"] == "mentee midpoint"
