"""Carrying on past the planned end across two organisations on two real nodes (issue 19.4): a
Brent mentee on node A (the authority) and an NCH mentor on node B (the replica). A proposal and
its answer are ops of the shared record: whoever proposes, the other person sees it on their own
node (and is told), and only their agreement moves the planned end, on both nodes, recorded and
audited on each. Each node has its own PostgreSQL database; people sign in through real
sessions; messages cross real loopback HTTP through the outbox."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from orgs.audit import AuditEntry
from orgs.mentoring.extensions import Extension
from orgs.mentoring.relationships import Relationship
from orgs.people.members import Member
from tests.e2e.test_cross_node_request import as_member
from tests.e2e.test_shared_record import Pair, both_live, node_a, node_b, paired, ports
from tests.nodes import Node, changed

__all__ = ["node_a", "node_b", "ports"]  # the fixtures, from the shared record's test


async def planned_end(where: Node, rel_id: str) -> date:
    async with where.runtime.sessionmaker() as session:
        rel = await session.get(Relationship, uuid.UUID(rel_id))
        assert rel is not None
        return rel.planned_end_on


async def extensions(where: Node, rel_id: str) -> list[tuple[date, str, str]]:
    """(until, proposed by, state) of each extension row of this side, oldest first."""
    async with where.runtime.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(Extension)
                .where(Extension.relationship_id == uuid.UUID(rel_id))
                .order_by(Extension.proposed_at)
            )
        ).all()
    return [(r.until, r.proposed_by.value, r.state.value) for r in rows]


async def audit(where: Node, rel_id: str) -> list[tuple[str, str | None, str | None, str]]:
    """The extension entries of this side's audit trail: (action, from, to, reason)."""
    async with where.runtime.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.subject_id == uuid.UUID(rel_id),
                    AuditEntry.action.in_(("extension_proposed", "extended", "extension_declined")),
                )
                .order_by(AuditEntry.at)
            )
        ).all()
    return [(r.action, r.from_state, r.to_state, r.reason) for r in rows]


async def subjects(pair: Pair, side: str) -> list[str]:
    where, headers = (pair.a, pair.mentee) if side == "a" else (pair.b, pair.mentor)
    url = f"{where.settings.base_url}/api/v1/me/notifications"
    response = await pair.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return [n["subject"] for n in response.json()]


async def review_page(pair: Pair, side: str) -> str:
    """The relationship's review page, as its person on their own node sees it."""
    if side == "a":
        url = f"{pair.a.settings.base_url}/orgs/brent/relationships/{pair.rel_a}/review/"
        headers = pair.mentee
    else:
        url = f"{pair.b.settings.base_url}/orgs/nch/relationships/{pair.rel_b}/review/"
        headers = pair.mentor
    response = await pair.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


async def post(pair: Pair, side: str, path: str, body: Any = None) -> httpx.Response:
    url, headers = (pair.on_a, pair.mentee) if side == "a" else (pair.on_b, pair.mentor)
    return await pair.client.post(url + path, json=body, headers=headers)


async def test_the_mentee_proposes_on_a_the_mentor_agrees_on_b_and_both_ends_move(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            end_a = await planned_end(node_a, pair.rel_a)
            end_b = await planned_end(node_b, pair.rel_b)
            until = max(end_a, end_b) + timedelta(days=60)

            asked = {"until": until.isoformat(), "reason": "To see the interview through"}
            proposed = await post(pair, "a", "/extensions", asked)
            assert proposed.status_code == 201, proposed.text  # the authority: made at once
            assert await pair.settle() >= 1
            # The mentor sees it on their own node, and is told there.
            (theirs,) = await pair.mentor_does("GET", "/extensions")
            assert (theirs["until"], theirs["proposed_by"], theirs["state"]) == (
                until.isoformat(),
                "mentee",
                "proposed",
            )
            assert theirs["reason"] == "To see the interview through"
            assert "Carry on with your mentoring?" in await subjects(pair, "b")
            assert "Carry on with your mentoring?" not in await subjects(pair, "a")
            page = await review_page(pair, "b")
            assert f"Agree to carry on until {until:%d %B %Y}" in page
            assert f"Decline carrying on until {until:%d %B %Y}" in page
            assert "Agree to carry on" not in await review_page(pair, "a")  # her own

            agreed = await post(pair, "b", f"/extensions/{theirs['id']}/agree")
            assert agreed.status_code == 202, agreed.text  # waits for the authority
            mine = await pair.mentor_does("GET", "")
            assert [(c["op"], c["outcome"]) for c in mine["pending_changes"]] == [
                ("extension.agree", "pending")
            ]
            assert "waiting for the other organisation to confirm" in await review_page(pair, "b")
            # Nothing moves on either node before the authority has the agreement.
            assert await planned_end(node_a, pair.rel_a) == end_a
            assert await planned_end(node_b, pair.rel_b) == end_b

            await pair.settle()
            assert (await pair.mentor_does("GET", ""))["pending_changes"] == []
            for where, rel_id in ((node_a, pair.rel_a), (node_b, pair.rel_b)):
                assert await planned_end(where, rel_id) == until
                assert await extensions(where, rel_id) == [(until, "mentee", "agreed")]
            ours = await pair.mentee_does("GET", "")
            assert ours["planned_end_on"] == until.isoformat()
            assert (await pair.mentor_does("GET", ""))["planned_end_on"] == until.isoformat()
            (on_a,) = await pair.mentee_does("GET", "/extensions")
            (on_b,) = await pair.mentor_does("GET", "/extensions")
            assert on_a["agreed_at"] is not None
            # The authority's time on both (the wire carries it to the second).
            assert on_b["agreed_at"][:19] == on_a["agreed_at"][:19]
            assert "Carrying on with your mentoring" in await subjects(pair, "a")
            for side in ("a", "b"):
                page = await review_page(pair, side)
                assert f"Carrying on past {until:%d %B %Y}" in page
                assert "Agreed." in page
                assert "waiting for the other organisation" not in page
            audit_a = await audit(node_a, pair.rel_a)
            audit_b = await audit(node_b, pair.rel_b)
    # Both agreements recorded in each side's audit trail, each from its own planned end.
    for trail, end in ((audit_a, end_a), (audit_b, end_b)):
        assert trail == [
            ("extension_proposed", None, until.isoformat(), "proposed by the mentee"),
            (
                "extended",
                end.isoformat(),
                until.isoformat(),
                "proposed by the mentee, agreed by the mentor",
            ),
        ]


async def test_the_other_side_declines_and_nothing_moves(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            end_a = await planned_end(node_a, pair.rel_a)
            end_b = await planned_end(node_b, pair.rel_b)
            first = max(end_a, end_b) + timedelta(days=30)
            second = first + timedelta(days=30)

            # The mentor proposes on B: made there, sent to A, where the mentee is told.
            proposed = await post(pair, "b", "/extensions", {"until": first.isoformat()})
            assert proposed.status_code == 202, proposed.text
            assert (await pair.mentee_does("GET", "/extensions")) == []  # not at A yet
            await pair.settle()
            (seen,) = await pair.mentee_does("GET", "/extensions")
            assert (seen["proposed_by"], seen["state"]) == ("mentor", "proposed")
            assert "Carry on with your mentoring?" in await subjects(pair, "a")
            # The mentee declines on A: made there, and B hears of it.
            declined = await post(pair, "a", f"/extensions/{seen['id']}/decline")
            assert declined.status_code == 200, declined.text
            await pair.settle()
            assert "Not carrying on past the planned end" in await subjects(pair, "b")

            # The mentee proposes again; this time the mentor declines, on B.
            await post(pair, "a", "/extensions", {"until": second.isoformat()})
            await pair.settle()
            mine = await pair.mentor_does("GET", "/extensions")
            (open_one,) = [e for e in mine if e["state"] == "proposed"]
            refused = await post(pair, "b", f"/extensions/{open_one['id']}/decline")
            assert refused.status_code == 202, refused.text
            await pair.settle()
            assert "Not carrying on past the planned end" in await subjects(pair, "a")

            assert await planned_end(node_a, pair.rel_a) == end_a
            assert await planned_end(node_b, pair.rel_b) == end_b
            for where, rel_id in ((node_a, pair.rel_a), (node_b, pair.rel_b)):
                assert await extensions(where, rel_id) == [
                    (first, "mentor", "declined"),
                    (second, "mentee", "declined"),
                ]
                actions = [a for a, *_ in await audit(where, rel_id)]
                assert actions == [
                    "extension_proposed",
                    "extension_declined",
                    "extension_proposed",
                    "extension_declined",
                ]
            # A declined proposal cannot be agreed afterwards, on either node.
            late = await post(pair, "b", f"/extensions/{open_one['id']}/agree")
            assert late.status_code == 409, late.text
            assert (await pair.mentor_does("GET", ""))["pending_changes"] == []


async def test_refusals_name_the_field_and_change_nothing_on_either_node(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            end_b = await planned_end(node_b, pair.rel_b)
            end_a = await planned_end(node_a, pair.rel_a)
            # A proposal of the mentee's to answer, and one of the mentor's.
            until = max(end_a, end_b) + timedelta(days=20)
            await post(pair, "a", "/extensions", {"until": until.isoformat()})
            await pair.settle()
            (open_one,) = await pair.mentor_does("GET", "/extensions")
            a_id = (await pair.mentee_does("GET", "/extensions"))[0]["id"]
            before_a, before_b = await node_a.tables(), await node_b.tables()

            for side, end in (("a", end_a), ("b", end_b)):
                for bad in (end, end + timedelta(days=400)):
                    refused = await post(pair, side, "/extensions", {"until": bad.isoformat()})
                    assert refused.status_code == 422, refused.text
                    body = refused.json()
                    assert body["type"].endswith("invalid-input")
                    assert [e["field"] for e in body["errors"]] == ["until"]
            # Their own proposal is not theirs to agree; the mentor cannot agree it on A's ids.
            own = await post(pair, "a", f"/extensions/{a_id}/agree")
            assert own.status_code == 409, own.text
            assert (await post(pair, "b", f"/extensions/{a_id}/agree")).status_code == 404
            # Someone who is not a party: another NCH member on B.
            other_mentor = await _another_member(pair)
            stranger = await client.post(
                f"{pair.on_b}/extensions/{open_one['id']}/agree", headers=other_mentor
            )
            assert stranger.status_code == 404, stranger.text
            assert await pair.settle() == 0  # nothing crossed
            after_a, after_b = await node_a.tables(), await node_b.tables()
            assert changed(before_a, after_a) == set()
            assert changed(before_b, after_b) == set()

            # Ended: neither side may propose or answer any more.
            ended = await post(pair, "a", "/end", {"how": "no_fit"})
            assert ended.status_code in (200, 201), ended.text
            await pair.settle()
            assert (await pair.mentor_does("GET", ""))["state"] == "ended"
            before_a, before_b = await node_a.tables(), await node_b.tables()
            later = (max(end_a, end_b) + timedelta(days=40)).isoformat()
            for side in ("a", "b"):
                refused = await post(pair, side, "/extensions", {"until": later})
                assert refused.status_code == 409, refused.text
            gone = await post(pair, "b", f"/extensions/{open_one['id']}/agree")
            assert gone.status_code == 409, gone.text
            assert await pair.settle() == 0
            assert changed(before_a, await node_a.tables()) == set()
            assert changed(before_b, await node_b.tables()) == set()
    assert await planned_end(node_a, pair.rel_a) == end_a
    assert await planned_end(node_b, pair.rel_b) == end_b


async def _another_member(pair: Pair) -> dict[str, str]:
    """A session of an NCH member on B who is not this relationship's mentor."""
    async with pair.b.runtime.sessionmaker() as session:
        rel = await session.get(Relationship, uuid.UUID(pair.rel_b))
        assert rel is not None
        someone = await session.scalar(
            select(Member).where(Member.org_id == rel.org_id, Member.id != rel.mentor_id)
        )
        assert someone is not None
    return await as_member(pair.b, "nch", someone)


async def test_a_proposal_the_authority_refuses_is_taken_away_on_the_replica(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    """Each side checks the date against its own planned end: one in range on B but not after
    A's planned end is refused by A, and once A's answer arrives B no longer shows it (the
    mentor sees why); nothing changed on A."""
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            end_b = await planned_end(node_b, pair.rel_b)
            until = end_b + timedelta(days=30)
            async with node_a.runtime.sessionmaker() as session, session.begin():
                rel = await session.get(Relationship, uuid.UUID(pair.rel_a))
                assert rel is not None
                rel.planned_end_on = until + timedelta(days=10)  # A's own scheme ends later
            end_a = await planned_end(node_a, pair.rel_a)

            proposed = await post(pair, "b", "/extensions", {"until": until.isoformat()})
            assert proposed.status_code == 202, proposed.text
            assert await extensions(node_b, pair.rel_b) == [(until, "mentor", "proposed")]
            before_a = await node_a.tables()
            await pair.settle()
            after_a = await node_a.tables()
            mine = await pair.mentor_does("GET", "")
    # On A only the answer is recorded (the shared change, its audit entry, the messages).
    assert changed(before_a, after_a) == {
        "shared_record_changes",
        "audit_entries",
        "federation_inbox",
        "federation_outbox",
    }
    assert await extensions(node_a, pair.rel_a) == []
    assert await extensions(node_b, pair.rel_b) == []
    assert await planned_end(node_a, pair.rel_a) == end_a
    assert await planned_end(node_b, pair.rel_b) == end_b
    [not_made] = mine["changes_not_made"]
    assert (not_made["op"], not_made["outcome"]) == ("extension.propose", "refused")
    assert "until" in not_made["message"] or "planned end" in not_made["message"]
