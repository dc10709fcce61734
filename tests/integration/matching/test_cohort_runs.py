"""Cohort runs through the API: the exact optimum (checked by brute force), hard constraints
and capacities never broken, pins and forbidden pairs honoured, waiting reasons, moves and
swaps re-checked, publishing as requests, tenancy and roles, and stable mode's promise."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.model import SchemeKind
from matching.scoring import DEFAULT_WEIGHTS, score_pair
from orgs.audit import AuditEntry
from orgs.models import TokenRole
from orgs.pairing.requests import MentoringRequest
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import (
    MenteeProfileRow,
    MentorProfileRow,
    ProfileService,
    to_mentee,
    to_mentor,
)
from orgs.schemes.applications import Application, ApplicationRepository, AppState, Placement
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeForm, SchemeService, SchemeSpec
from tests.conftest import Cli
from tests.integration.network.helpers import OrgWithToken, assert_problem, org_with_token
from tests.sessions import sign_in


@dataclass
class Org:
    handle: OrgWithToken
    scheme_id: uuid.UUID

    @property
    def id(self) -> uuid.UUID:
        return self.handle.org.id

    @property
    def runs(self) -> str:
        return f"/api/v1/orgs/{self.handle.org.slug}/schemes/{self.scheme_id}/cohort-runs"

    def run(self, run_id: str) -> str:
        return f"/api/v1/orgs/{self.handle.org.slug}/cohort-runs/{run_id}"


async def org(db: AsyncSession, slug: str, *, cohort: bool = False) -> Org:
    handle = await org_with_token(db, slug, TokenRole.COORDINATOR)
    spec = SchemeSpec(slug="mentoring", name="Mentoring")
    if cohort:
        spec = SchemeSpec(
            slug="cohort",
            name="Cohort",
            form=SchemeForm.COHORT,
            applications_open_on=date(2026, 1, 1),
            applications_close_on=date(2026, 1, 31),
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 8, 1),
            mentor_places=10,
            mentee_places=2,
        )
    scheme = await SchemeService(db, handle.org.id).create(spec)
    await db.commit()
    return Org(handle, scheme.id)


async def person(
    db: AsyncSession,
    where: Org,
    employee_id: str,
    *,
    manager: Member | None = None,
    mentee: dict[str, int] | None = None,
    mentor: dict[str, int] | None = None,
    capacity: int = 1,
    band: int = 5,
    approved: bool = True,
    applies_as_mentee: bool = False,
    placement: Placement = Placement.NONE,
) -> Member:
    member = MemberRepository(db, where.id).add(
        Member(
            employee_id=employee_id,
            given_name=employee_id.title(),
            family_name="Test",
            department="Housing",
            manager_id=manager.id if manager else None,
        )
    )
    await db.flush()
    profiles = ProfileService(db, member)
    roles = [SchemeRole.MENTEE] if applies_as_mentee else []
    if mentee is not None:
        await profiles.save_mentee(topics=mentee)
        roles.append(SchemeRole.MENTEE)
    if mentor is not None:
        await profiles.save_mentor(topics=mentor, capacity=capacity, seniority_band=band)
        roles.append(SchemeRole.MENTOR)
    for role in roles:
        ApplicationRepository(db, where.id).add(
            Application(
                scheme_id=where.scheme_id,
                member_id=member.id,
                role=role,
                state=AppState.APPROVED if approved else AppState.AWAITING_LINE_MANAGER,
                eligible=True,
                eligibility_reasons=[],
                placement=placement if role is SchemeRole.MENTEE else Placement.NONE,
            )
        )
    await db.commit()
    return member


async def as_member(db: AsyncSession, where: Org, member: Member | str) -> dict[str, str]:
    """``member``'s (or the member id's) browser: a session of their own; the coordinator's
    token is never a person."""
    if isinstance(member, str):
        member = await MemberRepository(db, where.id).get(uuid.UUID(member))
    [session] = await sign_in(where.handle.org.slug, [member])
    return session.headers


TOPICS = ("confidence", "leadership-management", "networks", "housing", "finance")


@dataclass
class Cohort:
    where: Org
    manager: Member  # a mentor, and line manager of mentees[0]
    director: Member  # a mentor, above the manager
    mentees: list[Member]
    mentors: list[Member]  # every mentor, manager and director included
    seats: dict[uuid.UUID, int]


async def cohort(db: AsyncSession, where: Org) -> Cohort:
    """Six mentees, four mentors with five seats: someone must wait; the first mentee's line
    manager and director are mentors who score highly for them."""
    director = await person(db, where, "dir", mentor={"confidence": 3, "networks": 3}, band=8)
    manager = await person(
        db, where, "mgr", manager=director, mentor={"confidence": 3, "housing": 2}, band=6
    )
    a1 = await person(
        db, where, "a1", mentor={"leadership-management": 3, "finance": 1}, capacity=2
    )
    a2 = await person(db, where, "a2", mentor={"networks": 2, "housing": 3, "confidence": 1})
    wants = [
        {"confidence": 5, "housing": 3},
        {"confidence": 4, "networks": 2},
        {"leadership-management": 5, "networks": 1},
        {"housing": 4, "finance": 2},
        {"networks": 5, "confidence": 2},
        {"leadership-management": 3, "confidence": 3},
    ]
    mentees = [
        await person(db, where, f"m{i}", manager=manager if i == 0 else None, mentee=topics)
        for i, topics in enumerate(wants)
    ]
    mentors = [director, manager, a1, a2]
    return Cohort(where, manager, director, mentees, mentors, {a1.id: 2})


async def scores_of(db: AsyncSession, c: Cohort) -> dict[tuple[str, str], int]:
    """Every (mentee, mentor) score, from the stored profiles, by the scalar scorer."""
    members = {m.id: m for m in [*c.mentees, *c.mentors]}
    mentee_rows = (await db.scalars(select(MenteeProfileRow))).all()
    mentor_rows = (await db.scalars(select(MentorProfileRow))).all()
    today = datetime.now(UTC).date()
    mentees = [to_mentee(r, members[r.member_id], None) for r in mentee_rows]
    mentors = [to_mentor(r, members[r.member_id], r.capacity, today) for r in mentor_rows]
    return {
        (e.id, r.id): score_pair(e, r, DEFAULT_WEIGHTS, SchemeKind.ONE_TO_ONE).total
        for e in mentees
        for r in mentors
    }


def brute_force(
    mentees: list[str],
    mentors: dict[str, int],
    scores: dict[tuple[str, str], int],
    banned: set[tuple[str, str]],
    pinned: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
    min_score: int = 0,
) -> tuple[int, int]:
    """(matched, total) of the best assignment, by trying every one."""
    best = (-1, -1)
    options = [None, *mentors]
    for choice in itertools.product(options, repeat=len(mentees)):
        pairs = {(e, r) for e, r in zip(mentees, choice, strict=True) if r is not None}
        if not pinned <= pairs or pairs & banned:
            continue
        if any(scores[p] < min_score for p in pairs - pinned):
            continue
        if any(sum(1 for r in choice if r == m) > seats for m, seats in mentors.items()):
            continue
        best = max(best, (len(pairs), sum(scores[p] for p in pairs)))
    return best


def chain_pairs(c: Cohort) -> set[tuple[str, str]]:
    first = str(c.mentees[0].id)
    return {(first, str(c.manager.id)), (first, str(c.director.id))}


async def run(client: AsyncTestClient[Litestar], where: Org, **body: Any) -> dict[str, Any]:
    response = await client.post(where.runs, json=body, headers=where.handle.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def check_invariants(body: dict[str, Any], c: Cohort) -> None:
    pairs = {(p["mentee"], p["mentor"]) for p in body["pairs"]}
    assert not pairs & chain_pairs(c), "a mentee was paired within their management chain"
    for mentor in c.mentors:
        taken = sum(1 for _, r in pairs if r == str(mentor.id))
        assert taken <= c.seats.get(mentor.id, 1)
    assert body["matched"] == len(body["pairs"])
    assert body["total_score"] == sum(p["score"] for p in body["pairs"])
    for p in body["pairs"]:
        assert sum(part["points"] for part in p["explanation"]) == p["score"]
        assert p["mentee_name"].endswith(" Test")
        assert p["mentor_name"].endswith(" Test")
    matched = {p["mentee"] for p in body["pairs"]}
    waiting = {w["mentee"] for w in body["waiting"]}
    assert matched | waiting == {str(m.id) for m in c.mentees}
    assert not matched & waiting


async def test_optimal_run_is_the_exact_optimum_and_never_breaks_a_constraint(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    where = await org(db, "brent")
    c = await cohort(db, where)
    scores = await scores_of(db, c)
    body = await run(client, where, mode="optimal")
    assert body["state"] == "draft"
    assert body["mode"] == "optimal"
    assert body["mentors"] == 4
    assert body["seats"] == 5
    check_invariants(body, c)
    seats = {str(m.id): c.seats.get(m.id, 1) for m in c.mentors}
    best = brute_force([str(m.id) for m in c.mentees], seats, scores, chain_pairs(c))
    assert (body["matched"], body["total_score"]) == best
    assert len(body["waiting"]) == 1
    assert "full" in body["waiting"][0]["reason"] or "scor" in body["waiting"][0]["reason"]
    # The first mentee's best-scoring mentors are their own managers: excluded, not traded.
    first = str(c.mentees[0].id)
    assert max(scores[(first, str(c.manager.id))], scores[(first, str(c.director.id))]) > max(
        scores[(first, str(m.id))] for m in c.mentors[2:]
    )
    # Stored and audited; listed for the scheme.
    listed = (await client.get(where.runs, headers=where.handle.headers)).json()
    assert [r["id"] for r in listed] == [body["id"]]
    audit = (
        await db.scalars(select(AuditEntry).where(AuditEntry.subject_id == uuid.UUID(body["id"])))
    ).all()
    assert [a.action for a in audit] == ["run"]


async def test_pinned_and_forbidden_pairs_and_a_minimum_score(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    where = await org(db, "brent")
    c = await cohort(db, where)
    scores = await scores_of(db, c)
    a1, a2 = c.mentors[2], c.mentors[3]
    ids = [str(m.id) for m in c.mentees]
    # Pin the pair the optimum would not choose; forbid one it would.
    pinned = (ids[1], str(a1.id))
    forbidden = (ids[2], str(a1.id))
    body = await run(
        client, where, mode="optimal", min_score=30, pinned=[pinned], forbidden=[forbidden]
    )
    check_invariants(body, c)
    pairs = {(p["mentee"], p["mentor"]): p for p in body["pairs"]}
    assert pinned in pairs
    assert pairs[pinned]["pinned"]
    assert forbidden not in pairs
    assert all(p["score"] >= 30 for key, p in pairs.items() if key != pinned)
    seats = {str(m.id): c.seats.get(m.id, 1) for m in c.mentors}
    best = brute_force(ids, seats, scores, chain_pairs(c) | {forbidden}, {pinned}, 30)
    assert (body["matched"], body["total_score"]) == best
    # A pinned pair inside a management chain is refused, naming the pair.
    bad = await client.post(
        where.runs,
        json={"pinned": [[ids[0], str(c.manager.id)]]},
        headers=where.handle.headers,
    )
    problem = assert_problem(bad, 422, "constraint-violation")
    assert problem["errors"][0]["field"] == "pinned[0]"
    assert ids[0] in problem["detail"]
    assert "management chain" in problem["detail"]
    # Two pinned to a mentor with one seat.
    full = await client.post(
        where.runs,
        json={"pinned": [[ids[1], str(a2.id)], [ids[2], str(a2.id)]]},
        headers=where.handle.headers,
    )
    assert assert_problem(full, 422, "constraint-violation")["errors"][0]["field"] == "pinned[1]"
    unknown = await client.post(
        where.runs, json={"pinned": [[str(uuid.uuid4()), str(a2.id)]]}, headers=where.handle.headers
    )
    assert assert_problem(unknown, 422, "invalid-input")["errors"][0]["field"] == "pinned[0][0]"


async def test_waiting_list_reasons_and_who_is_in_a_cohort_programme(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    where = await org(db, "camden", cohort=True)
    await person(db, where, "a1", mentor={"confidence": 3})
    offered = await person(db, where, "m1", mentee={"confidence": 5}, placement=Placement.OFFERED)
    no_profile = await person(db, where, "m2", applies_as_mentee=True, placement=Placement.OFFERED)
    waiting = await person(db, where, "m3", mentee={"confidence": 5}, placement=Placement.WAITING)
    await person(db, where, "m4", mentee={"confidence": 5}, approved=False)
    body = await run(client, where)
    assert [(p["mentee"], p["mentor_name"]) for p in body["pairs"]] == [
        (str(offered.id), "A1 Test")
    ]
    reasons = {w["mentee"]: w["reason"] for w in body["waiting"]}
    assert reasons == {
        str(no_profile.id): "no mentee profile yet",
        str(waiting.id): "not offered one of the cohort's places (on the scheme's waiting list)",
    }


async def test_moves_and_swaps_are_rechecked_and_rescored(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    where = await org(db, "brent")
    c = await cohort(db, where)
    scores = await scores_of(db, c)
    body = await run(client, where)
    moves = where.run(body["id"]) + "/moves"
    headers = where.handle.headers
    first = str(c.mentees[0].id)
    # Into the mentee's line manager: refused, naming the pair; nothing changes.
    refused = await client.post(
        moves, json={"moves": [{"mentee": first, "mentor": str(c.manager.id)}]}, headers=headers
    )
    problem = assert_problem(refused, 422, "constraint-violation")
    assert problem["errors"] == [{"field": "moves[0]", "message": problem["errors"][0]["message"]}]
    assert first in problem["detail"]
    assert str(c.manager.id) in problem["detail"]
    assert "management chain" in problem["detail"]
    # To a mentor whose seats are all taken: refused.
    pairs = {p["mentee"]: p["mentor"] for p in body["pairs"]}
    waiting = body["waiting"][0]["mentee"]
    full_mentor = str(c.mentors[3].id)  # one seat; every seat is taken (six mentees, five)
    assert full_mentor in pairs.values()
    full = await client.post(
        moves, json={"moves": [{"mentee": waiting, "mentor": full_mentor}]}, headers=headers
    )
    assert "full" in assert_problem(full, 422, "constraint-violation")["detail"]
    again = (await client.get(where.run(body["id"]), headers=headers)).json()
    assert again["pairs"] == body["pairs"]
    # Freeing the seat in the same request makes the move valid; scores recomputed.
    holder = next(e for e, r in pairs.items() if r == full_mentor)
    ok = await client.post(
        moves,
        json={
            "moves": [
                {"mentee": holder, "mentor": None},
                {"mentee": waiting, "mentor": full_mentor},
            ]
        },
        headers=headers,
    )
    assert ok.status_code == 200, ok.text
    moved = ok.json()
    check_invariants(moved, c)
    now = {p["mentee"]: p for p in moved["pairs"]}
    assert now[waiting]["mentor"] == full_mentor
    assert now[waiting]["moved"]
    assert now[waiting]["score"] == scores[(waiting, full_mentor)]
    assert {"mentee": holder, "reason": "moved to the waiting list by the coordinator"} == {
        k: v for k, v in moved["waiting"][-1].items() if k != "mentee_name"
    }
    # A swap that would put the first mentee with their director is refused…
    director_mentee = next(e for e, p in now.items() if p["mentor"] == str(c.director.id))
    assert director_mentee != first
    bad_swap = await client.post(moves, json={"swap": [first, director_mentee]}, headers=headers)
    problem = assert_problem(bad_swap, 422, "constraint-violation")
    assert problem["errors"][0]["field"] == "swap"
    assert "management chain" in problem["detail"]
    # …a harmless one goes through with both scores recomputed.
    x, y = [e for e in now if e != first and now[e]["mentor"] != now.get(first, {}).get("mentor")][
        :2
    ]
    swapped = await client.post(moves, json={"swap": [x, y]}, headers=headers)
    assert swapped.status_code == 200, swapped.text
    after = {p["mentee"]: p for p in swapped.json()["pairs"]}
    assert after[x]["mentor"] == now[y]["mentor"]
    assert after[y]["mentor"] == now[x]["mentor"]
    assert after[x]["score"] == scores[(x, after[x]["mentor"])]
    assert swapped.json()["total_score"] == sum(p["score"] for p in after.values())
    audit = (
        await db.scalars(select(AuditEntry).where(AuditEntry.subject_id == uuid.UUID(body["id"])))
    ).all()
    assert sorted(a.action for a in audit) == ["move", "move", "run"]


async def test_publish_sends_requests_on_the_mentees_behalf_then_the_run_is_frozen(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    where = await org(db, "brent")
    c = await cohort(db, where)
    body = await run(client, where)
    headers = where.handle.headers
    # One mentee already has a request waiting: their pair is reported, not dropped.
    busy = body["pairs"][0]
    other_mentor = next(
        m for m in c.mentors[2:] if str(m.id) != busy["mentor"] and m.id != c.manager.id
    )
    asked = await client.post(
        "/api/v1/me/requests",
        json={"scheme_id": str(where.scheme_id), "mentors": [{"member_id": str(other_mentor.id)}]},
        headers=await as_member(db, where, busy["mentee"]),
    )
    assert asked.status_code == 201, asked.text
    published = await client.post(where.run(body["id"]) + "/publish", headers=headers)
    assert published.status_code == 200, published.text
    out = published.json()
    assert out["state"] == "published"
    assert out["published_at"]
    by_mentee = {p["mentee"]: p for p in out["proposals"]}
    assert len(by_mentee) == len(body["pairs"])
    assert by_mentee[busy["mentee"]]["request_id"] is None
    assert "already have requests waiting" in by_mentee[busy["mentee"]]["problem"]
    sent = [p for p in out["proposals"] if p["request_id"]]
    assert len(sent) == len(body["pairs"]) - 1
    # The mentor sees the proposal, from the mentee, saying the coordinator proposed it.
    proposal = sent[0]
    mentor_view = await client.get(
        "/api/v1/me/requests", headers=await as_member(db, where, proposal["mentor"])
    )
    assert mentor_view.status_code == 200, mentor_view.text
    seen = {r["id"]: r for r in mentor_view.json()}
    assert proposal["request_id"] in seen
    row = await db.get(MentoringRequest, uuid.UUID(proposal["request_id"]))
    assert row is not None
    assert str(row.mentee_id) == proposal["mentee"]
    assert "coordinator proposed" in row.message
    # Frozen: no more moves, no second publish.
    frozen = await client.post(
        where.run(body["id"]) + "/moves",
        json={"moves": [{"mentee": proposal["mentee"], "mentor": None}]},
        headers=headers,
    )
    assert_problem(frozen, 409, "illegal-transition")
    assert_problem(
        await client.post(where.run(body["id"]) + "/publish", headers=headers),
        409,
        "illegal-transition",
    )


async def test_another_orgs_run_is_404_and_a_plain_member_is_403(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent")
    harrow = await org(db, "harrow")
    await person(db, brent, "a1", mentor={"confidence": 3})
    mentee = await person(db, brent, "m1", mentee={"confidence": 3})
    body = await run(client, brent)
    # Harrow's coordinator, Brent's run id (under Harrow's own slug): not there.
    for url in (harrow.run(body["id"]), harrow.run(body["id"]) + "/publish"):
        method = client.get if url.endswith(body["id"]) else client.post
        assert_problem(await method(url, headers=harrow.handle.headers), 404, "not-found")
    # Brent's scheme under Harrow: not there either; Brent's slug with Harrow's token: 404.
    wrong_scheme = f"/api/v1/orgs/harrow/schemes/{brent.scheme_id}/cohort-runs"
    assert_problem(
        await client.post(wrong_scheme, json={}, headers=harrow.handle.headers), 404, "not-found"
    )
    assert_problem(
        await client.get(brent.run(body["id"]), headers=harrow.handle.headers), 404, "not-found"
    )
    # A plain member of Brent: forbidden, for every route.
    member = await as_member(db, brent, mentee)
    assert_problem(await client.get(brent.run(body["id"]), headers=member), 403, "forbidden")
    assert_problem(await client.post(brent.runs, json={}, headers=member), 403, "forbidden")
    # Bad input: problem+json naming the field.
    bad = await client.post(brent.runs, json={"mode": "greedy"}, headers=brent.handle.headers)
    assert any(
        e["field"] == "mode" for e in assert_problem(bad, 400, "validation-failed")["errors"]
    )
    # And the route is documented.
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/orgs/{slug}/cohort-runs/{run_id}/moves" in schema["paths"]


async def test_stable_mode_leaves_no_blocking_pair(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    where = await org(db, "brent")
    c = await cohort(db, where)
    scores = await scores_of(db, c)
    body = await run(client, where, mode="stable")
    assert body["mode"] == "stable"
    check_invariants(body, c)
    mentor_of = {p["mentee"]: p["mentor"] for p in body["pairs"]}
    held: dict[str, list[str]] = {}
    for e, r in mentor_of.items():
        held.setdefault(r, []).append(e)
    banned = chain_pairs(c)
    for e in (str(m.id) for m in c.mentees):
        for mentor in c.mentors:
            r = str(mentor.id)
            if (e, r) in banned or mentor_of.get(e) == r:
                continue
            mentee_wants = e not in mentor_of or scores[(e, r)] > scores[(e, mentor_of[e])]
            mine = held.get(r, [])
            mentor_wants = len(mine) < c.seats.get(mentor.id, 1) or any(
                scores[(e, r)] > scores[(other, r)] for other in mine
            )
            assert not (mentee_wants and mentor_wants), f"blocking pair ({e}, {r})"


async def test_cli_runs_and_publishes(db: AsyncSession, mentornet: Cli) -> None:
    where = await org(db, "brent")
    c = await cohort(db, where)
    result = await asyncio.to_thread(
        mentornet,
        "cohort",
        "run",
        "--org",
        "brent",
        "--scheme",
        "mentoring",
        "--min-score",
        "10",
        "--json",
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    check_invariants(body, c)
    assert body["min_score"] == 10
    text = await asyncio.to_thread(
        mentornet, "cohort", "run", "--org", "brent", "--scheme", "mentoring", "--mode", "stable"
    )
    assert text.exit_code == 0, text.output
    assert "stable" in text.output
    assert "waiting:" in text.output
    published = await asyncio.to_thread(
        mentornet, "cohort", "publish", "--org", "brent", body["id"]
    )
    assert published.exit_code == 0, published.output
    assert f"{body['matched']} of {body['matched']} proposed" in published.output
    again = await asyncio.to_thread(mentornet, "cohort", "publish", "--org", "brent", body["id"])
    assert again.exit_code == 1
    assert "published" in again.output
    missing = await asyncio.to_thread(
        mentornet, "cohort", "run", "--org", "brent", "--scheme", "nope"
    )
    assert missing.exit_code == 1
