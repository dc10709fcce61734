"""An edit on the mentor's side of a cross-node pair is honest about where it stands (issue 16):
the replica answers 202 Accepted and lists the change as pending (API: the relationship's
``pending_changes``; page: "Waiting for the other organisation to confirm") until the
authority's record arrives; a stale one shows "changed by the other party meanwhile" with the
current record, and the authority's record is unchanged by it. Two live nodes, real sessions."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from network.federation.delivery import deliver_due
from tests.e2e.test_shared_record import (
    AGREEMENT,
    CONFIRM,
    Pair,
    both_live,
    node_a,
    node_b,
    paired,
    ports,
)
from tests.nodes import Node, changed

__all__ = ["node_a", "node_b", "ports"]  # the fixtures, from the shared record's test

WAITING = "Waiting for the other organisation to confirm"


async def deliver(where: Node, client: httpx.AsyncClient) -> int:
    report = await deliver_due(where.runtime, datetime.now(UTC), client)
    assert report.failed == 0, report.errors
    return report.delivered


async def page_of(pair: Pair, side: str) -> str:
    if side == "b":
        url = f"{pair.b.settings.base_url}/orgs/nch/relationships/{pair.rel_b}"
        headers = pair.mentor
    else:
        url = f"{pair.a.settings.base_url}/orgs/brent/relationships/{pair.rel_a}"
        headers = pair.mentee
    response = await pair.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


async def test_a_replica_edit_is_202_and_pending_until_the_authority_answers(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            assert (await pair.mentor_does("GET", ""))["pending_changes"] == []

            made = await client.post(
                f"{pair.on_b}/objectives", json={"title": "Chair a panel"}, headers=pair.mentor
            )
            assert made.status_code == 202, made.text
            ref = made.json()["shared_ref"]
            mine = await pair.mentor_does("GET", "")
            assert [(c["op"], c["item_ref"], c["outcome"]) for c in mine["pending_changes"]] == [
                ("objective.save", ref, "pending")
            ]
            assert mine["pending_changes"][0]["message"] == WAITING
            assert WAITING in await page_of(pair, "b")
            # Not on the mentee's side yet: the authority has not seen it.
            assert await pair.mentee_does("GET", "/objectives") == []
            assert (await pair.mentee_does("GET", ""))["pending_changes"] == []
            assert WAITING not in await page_of(pair, "a")

            await pair.settle()
            assert (await pair.mentor_does("GET", ""))["pending_changes"] == []
            assert WAITING not in await page_of(pair, "b")
            (theirs,) = await pair.mentee_does("GET", "/objectives")
            assert (theirs["shared_ref"], theirs["title"]) == (ref, "Chair a panel")

            # The mentee's edits on the authority are not pending: 200/201 as before.
            edited = await client.put(f"{pair.on_a}/agreement", json=AGREEMENT, headers=pair.mentee)
            assert edited.status_code == 200, edited.text
            await pair.settle()
            # The mentor's confirmation: 202, and the relationship stays agreeing on both sides
            # until the authority has both confirmations.
            await pair.mentee_does("POST", "/agreement/confirm", CONFIRM)
            await pair.settle()
            confirmed = await client.post(
                f"{pair.on_b}/agreement/confirm", json=CONFIRM, headers=pair.mentor
            )
            assert confirmed.status_code == 202, confirmed.text
            assert (await pair.mentor_does("GET", ""))["state"] == "agreeing"
            assert [
                c["item_ref"] for c in (await pair.mentor_does("GET", ""))["pending_changes"]
            ] == ["agreement"]
            await pair.settle()
            for side in (await pair.mentee_does("GET", ""), await pair.mentor_does("GET", "")):
                assert side["state"] == "active"
                assert side["pending_changes"] == side["changes_not_made"] == []


async def test_a_stale_replica_edit_shows_the_current_record_and_changes_nothing(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            goal = await pair.mentee_does("POST", "/objectives", {"title": "Lead a team"})
            await pair.settle()
            (mirror,) = await pair.mentor_does("GET", "/objectives")

            # Both edit the same objective before either node hears of the other's edit.
            await pair.mentee_does(
                "PUT", f"/objectives/{goal['id']}", {"title": "Lead a team of five"}
            )
            theirs = await client.put(
                f"{pair.on_b}/objectives/{mirror['id']}",
                json={"title": "Lead a team of ten"},
                headers=pair.mentor,
            )
            assert theirs.status_code == 202, theirs.text
            # The mentor's change reaches the authority first: made against the version before
            # the mentee's edit, it is stale; the authority's tables keep the mentee's.
            before = await node_a.tables()
            assert await deliver(node_b, client) == 1
            after = await node_a.tables()
            assert "mentoring_objectives" not in changed(before, after)
            (kept,) = await pair.mentee_does("GET", "/objectives")
            assert kept["title"] == "Lead a team of five"

            await pair.settle()
            mine = await pair.mentor_does("GET", "")
            (seen,) = await pair.mentor_does("GET", "/objectives")
            page = await page_of(pair, "b")
    assert mine["pending_changes"] == []
    [not_made] = mine["changes_not_made"]
    assert (not_made["op"], not_made["item_ref"], not_made["outcome"]) == (
        "objective.save",
        goal["shared_ref"],
        "stale",
    )
    assert not_made["message"].startswith("Changed by the other party meanwhile")
    # The current record, never a silent overwrite of either side.
    assert seen["title"] == "Lead a team of five"
    assert "Changed by the other party meanwhile" in page
    assert "Lead a team of five" in page
    assert "Lead a team of ten" not in page
