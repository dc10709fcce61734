"""Equality monitoring (issue 19): members answer with consent and may withdraw; a scheme's
pipeline by characteristic, seen only by coordinators and HR directors, every view audited,
small numbers hidden with secondary suppression so that nothing is recovered by subtraction."""

from __future__ import annotations

import itertools
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import AuditEntry
from orgs.people.equality import EqualityMonitoring
from orgs.people.members import Member, MemberRepository
from tests.integration.network.helpers import assert_problem
from tests.integration.orgs.builders import ApiOrg
from tests.integration.orgs.equality_builders import (
    API,
    ELIGIBLE,
    INELIGIBLE,
    OFFERED,
    WAITING,
    monitoring_org,
    population,
)

Client = AsyncTestClient[Litestar]
ME = f"{API}/me/equality"


async def test_answers_need_consent_take_prefer_not_to_say_and_can_be_withdrawn(
    client: Client, db: AsyncSession
) -> None:
    o = await monitoring_org(client, db)
    asked = (await client.get(f"{API}/equality/monitoring", headers=o.as_("MENTEE"))).json()
    assert asked["characteristics"] == ["ethnic_group", "disability", "sex"]
    assert all("prefer_not_to_say" in q["answers"] for q in asked["questions"])

    no_consent = {"consent": False, "answers": {"ethnic_group": "black_caribbean"}}
    refused = await client.put(ME, json=no_consent, headers=o.as_("MENTEE"))
    assert assert_problem(refused, 422, "invalid-input")["errors"][0]["field"] == "consent"
    unasked = {"consent": True, "answers": {"sexual_orientation": "bisexual"}}
    refused = await client.put(ME, json=unasked, headers=o.as_("MENTEE"))
    body = assert_problem(refused, 422, "invalid-input")
    assert body["errors"][0]["field"] == "answers.sexual_orientation"
    wrong = {"consent": True, "answers": {"disability": "maybe"}}
    body = assert_problem(
        await client.put(ME, json=wrong, headers=o.as_("MENTEE")), 422, "invalid-input"
    )
    assert body["errors"][0]["field"] == "answers.disability"
    assert (await client.get(ME, headers=o.as_("MENTEE"))).json()["answers"] == {}

    answers = {"ethnic_group": "black_caribbean", "disability": "prefer_not_to_say"}
    given = await client.put(
        ME, json={"consent": True, "answers": answers}, headers=o.as_("MENTEE")
    )
    assert given.status_code == 200, given.text
    assert given.json()["answers"] == answers
    changed = {"ethnic_group": "prefer_not_to_say", "sex": "female"}
    again = await client.put(
        ME, json={"consent": True, "answers": changed}, headers=o.as_("MENTEE")
    )
    assert again.json()["answers"] == changed  # the whole set is replaced
    # Another member sees only their own (nothing); the org's token is not a person.
    assert (await client.get(ME, headers=o.as_("COORD"))).json()["answers"] == {}
    assert_problem(await client.get(ME, headers=o.as_()), 403, "forbidden")

    assert (await client.delete(ME, headers=o.as_("MENTEE"))).status_code == 204
    after = (await client.get(ME, headers=o.as_("MENTEE"))).json()
    assert after["answers"] == {}
    assert [c["action"] for c in after["consents"]] == ["given", "given", "withdrawn"]
    assert_problem(await client.delete(ME, headers=o.as_("MENTEE")), 404, "not-found")


def grid(body: dict[str, Any]) -> dict[tuple[str, str], int | None]:
    return {(r["category"], c): v for r in body["rows"] for c, v in r["counts"].items()}


def hidden(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {cell for cell, v in grid(body).items() if v is None}


def recoverable_by_subtraction(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The attack: every relation the page's figures obey (a column's categories add up to its
    total; shortlisted = placed + waiting in every row) with one hidden cell gives it away."""
    cells = grid(body)
    rows = [r["category"] for r in body["rows"] if r["category"] != "total"]
    relations = [[*((r, c) for r in rows), ("total", c)] for c in body["columns"]]
    relations += [[(r, "shortlisted"), (r, "placed"), (r, "waiting")] for r in [*rows, "total"]]
    return [
        cell
        for relation in relations
        for cell in relation
        if cells[cell] is None and sum(cells[c] is None for c in relation) == 1
    ]


def solutions(body: dict[str, Any]) -> dict[tuple[str, str], set[int]]:
    """Brute force: every assignment of the hidden cells (0 up to the largest count shown)
    that agrees with all the figures shown; what each hidden cell could be."""
    cells = grid(body)
    span = max(v for v in cells.values() if v is not None)
    unknown = sorted(c for c, v in cells.items() if v is None)
    rows = [r["category"] for r in body["rows"] if r["category"] != "total"]
    seen: dict[tuple[str, str], set[int]] = {c: set() for c in unknown}
    for combo in itertools.product(range(span + 1), repeat=len(unknown)):
        full = {**cells, **dict(zip(unknown, combo, strict=True))}
        if any(sum(full[(r, c)] for r in rows) != full[("total", c)] for c in body["columns"]):  # type: ignore[misc]
            continue
        if any(
            full[(r, "shortlisted")] != full[(r, "placed")] + full[(r, "waiting")]  # type: ignore[operator]
            for r in [*rows, "total"]
        ):
            continue
        for cell, value in zip(unknown, combo, strict=True):
            seen[cell].add(value)
    return seen


async def pipeline(client: Client, o: ApiOrg, who: str = "COORD", **query: str) -> Any:
    url = f"{API}/schemes/{o.scheme_id}/equality/pipeline"
    response = await client.get(
        url, params={"characteristic": "ethnic_group", **query}, headers=o.as_(who)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_small_group_is_hidden_with_its_complement_and_cannot_be_subtracted(
    client: Client, db: AsyncSession
) -> None:
    o = await monitoring_org(client, db)
    await population(
        db,
        o,
        [
            ("asian_indian", 5, ELIGIBLE),
            ("asian_pakistani", 1, INELIGIBLE),
            ("black_african", 3, ELIGIBLE),
            ("white_british", 6, ELIGIBLE),
            ("white_irish", 2, INELIGIBLE),
        ],
    )
    body = await pipeline(client, o)
    cells = grid(body)
    # Known table: applied asian 6, black 3, white 8 (total 17); eligible 5, 3, 6 (total 14).
    # Black (3) is hidden in both columns; so is the smallest other count of each column.
    assert hidden(body) == {
        ("black", "applied"),
        ("asian", "applied"),
        ("black", "eligible"),
        ("asian", "eligible"),
    }
    assert (cells[("white", "applied")], cells[("total", "applied")]) == (8, 17)
    assert (cells[("white", "eligible")], cells[("total", "eligible")]) == (6, 14)
    assert cells[("mixed", "applied")] == 0
    assert cells[("not_declared", "applied")] == 0
    assert body["hidden"] == 4
    # The attack: no relation has a single hidden cell, and every hidden cell has more than
    # one value consistent with everything shown.
    assert recoverable_by_subtraction(body) == []
    assert all(len(values) > 1 for values in solutions(body).values())
    # Rates and shares only where both counts are shown.
    white = next(r for r in body["rows"] if r["category"] == "white")
    assert white["rates"]["applied_to_eligible"] == 75.0
    black = next(r for r in body["rows"] if r["category"] == "black")
    assert black["rates"]["applied_to_eligible"] is None
    assert black["share_of_applied"] is None


async def test_a_row_that_adds_up_needs_a_third_hidden_cell(
    client: Client, db: AsyncSession
) -> None:
    o = await monitoring_org(client, db)
    await population(
        db,
        o,
        [
            ("asian_chinese", 7, OFFERED),
            ("asian_bangladeshi", 3, WAITING),
            ("white_other", 6, OFFERED),
            ("white_roma", 4, WAITING),
        ],
    )
    body = await pipeline(client, o)
    # waiting: asian 3, white 4 are small. Within the asian row, shortlisted 10 = placed 7 +
    # waiting, so placed must go too, and then white placed for the placed column.
    assert hidden(body) == {
        ("asian", "waiting"),
        ("white", "waiting"),
        ("asian", "placed"),
        ("white", "placed"),
    }
    assert grid(body)[("asian", "shortlisted")] == 10
    assert grid(body)[("total", "waiting")] == 7
    assert recoverable_by_subtraction(body) == []
    possible = solutions(body)
    # One degree of freedom is left: asian waiting could be anything from 0 to 7.
    assert possible[("asian", "waiting")] == set(range(8))
    assert possible[("asian", "placed")] == set(range(3, 11))

    # Withdrawing consent takes a person out of every figure from then on: five of the asian
    # group withdraw, and are counted as not declared.
    leaving = await MemberRepository(db, o.org.id).list(Member.employee_id.like("P0-%"))
    for member in leaving[:5]:
        await EqualityMonitoring(db, o.org.id).withdraw(member)
    await db.commit()
    later = grid(await pipeline(client, o))
    assert later[("asian", "applied")] == 5
    assert later[("not_declared", "applied")] == 5
    assert later[("total", "applied")] == 20


async def audited(db: AsyncSession) -> list[tuple[str, str, str]]:
    db.expire_all()
    rows = await db.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == "equality_figures")
        .order_by(AuditEntry.at)
    )
    return [(e.action, e.actor_label, e.reason) for e in rows]


async def test_only_coordinators_and_hr_directors_see_figures_and_every_view_is_audited(
    client: Client, db: AsyncSession
) -> None:
    o = await monitoring_org(client, db)
    await population(db, o, [("white_british", 6, ELIGIBLE)])
    urls = [
        f"{API}/schemes/{o.scheme_id}/equality/pipeline?characteristic=ethnic_group",
        f"{API}/schemes/{o.scheme_id}/reports/programme.csv",
    ]
    coord, hrd = f"member {o.id('COORD')}", f"member {o.id('HRD')}"
    total = await db.scalar(select(func.count()).select_from(AuditEntry))
    for who in ("MENTEE", "ADMIN", "MGR", None):
        for url in urls:
            response = await client.get(url, headers=o.as_(who))
            assert_problem(response, 403, "forbidden")
    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(AuditEntry)) == total
    assert await audited(db) == []

    for who in ("COORD", "HRD"):
        await pipeline(client, o, who)
    csv = await client.get(urls[1], headers=o.as_("HRD"))
    assert csv.status_code == 200
    seen = await audited(db)
    assert [(a, label) for a, label, _ in seen] == [
        ("viewed", coord),
        ("viewed", hrd),
        ("viewed", hrd),
    ]
    assert "pipeline by ethnic_group (mentee)" in seen[0][2]
    assert "programme report (csv)" in seen[2][2]

    # A characteristic the org does not monitor is refused, naming the parameter; nothing
    # is audited for it.
    url = f"{API}/schemes/{o.scheme_id}/equality/pipeline?characteristic=religion_or_belief"
    body = assert_problem(await client.get(url, headers=o.as_("COORD")), 422, "invalid-input")
    assert body["errors"][0]["field"] == "characteristic"
    assert len(await audited(db)) == 3


async def test_the_workforce_profile_is_counts_only_and_compared_with_the_pipeline(
    client: Client, db: AsyncSession
) -> None:
    o = await monitoring_org(client, db)
    await population(db, o, [("white_british", 6, ELIGIBLE), ("asian_indian", 5, ELIGIBLE)])
    url = f"{API}/equality/workforce"
    bad = {"counts": {"ethnic_group": {"martian": 3}}}
    body = assert_problem(
        await client.put(url, json=bad, headers=o.as_("ADMIN")), 422, "invalid-input"
    )
    assert body["errors"][0]["field"] == "counts.ethnic_group.martian"
    assert_problem(await client.put(url, json=bad, headers=o.as_("COORD")), 403, "forbidden")
    profile = {"counts": {"ethnic_group": {"white": 60, "asian": 25, "black": 15}}}
    assert (await client.put(url, json=profile, headers=o.as_("ADMIN"))).status_code == 200
    body = await pipeline(client, o)
    assert body["columns"][-1] == "workforce"
    rows = {r["category"]: r for r in body["rows"]}
    assert rows["asian"]["counts"]["workforce"] == 25
    assert rows["asian"]["share_of_workforce"] == 25.0
    assert rows["asian"]["share_of_applied"] == round(100 * 5 / 11, 1)


async def test_the_coordinator_s_page_shows_the_same_hidden_figures_and_is_audited(
    client: Client, db: AsyncSession
) -> None:
    o = await monitoring_org(client, db)
    await population(db, o, [("white_british", 6, ELIGIBLE), ("black_african", 2, ELIGIBLE)])
    page = f"/orgs/brent/coordinate/schemes/{o.scheme_id}/equality"
    for who in ("MENTEE", "ADMIN"):
        refused = await client.get(page, headers=o.as_(who))
        assert refused.status_code == 403
    assert await audited(db) == []
    shown = await client.get(
        page, params={"characteristic": "ethnic_group"}, headers=o.as_("COORD")
    )
    assert shown.status_code == 200, shown.text
    assert "Mentees at each stage, by ethnic group" in shown.text
    assert "[hidden]" in shown.text
    assert "programme.pdf" in shown.text
    assert "Applicant" not in shown.text  # nobody is named
    assert [a for a, _, _ in await audited(db)] == ["viewed"]
