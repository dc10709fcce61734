"""Two organisations on the same node pair the same way as two nodes (issue 16 item 4): a Brent
mentee and a Harrow mentor, both on one real node (its own PostgreSQL, a live ``mentornet
serve`` with no delivery loop), each acting through the HTTP API with their own session.

The Harrow mentor is offered through the node's own feed, ranked with Brent's own mentors; the
request, acceptance, introduction and every change of the shared record are the same signed
wire messages as between nodes, taken by the node's own inbox in-process when the sending
transaction commits: recorded in the inbox by (sender, mid), audited, and never an HTTP request
to itself (the node's metrics count no inbox request). Each organisation keeps its own rules for
its own person: time release, evaluations, HR export and mentoring record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from msgspec.structs import replace
from sqlalchemy import func, select

from federation.erasure import erase_everywhere
from federation.inbox import InboxEntry
from federation.local_delivery import settle, wait_running
from federation.outbox import OutboxMessage, OutboxStatus
from network.config import Settings
from network.federation.own_feed import refresh_here
from network.jobs import run_once
from orgs.audit import ActorRef, AuditEntry
from orgs.db import utcnow
from orgs.mentoring.relationships import Relationship
from orgs.pairing.requests import Direction, MentoringRequest
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member
from orgs.redaction import ERASED_NAME
from orgs.schemes.eligibility import SchemeRole
from tests.e2e.test_cross_org_own_rules import Side, hr_rows, person, side
from tests.e2e.test_cross_org_own_rules import own_rules as set_own_rules
from tests.live import free_port, live_node
from tests.nodes import Node, changed, node

BRENT, HARROW = "London Borough of Brent", "London Borough of Harrow"
METRICS_TOKEN = "same-node-metrics-token-0123456789abcdef"
CONFIRM = {"accept_code_of_conduct": True, "accept_principles": True}
AGREEMENT = {
    "frequency": "monthly",
    "location": "Harrow Civic Centre",
    "length_minutes": 60,
    "contact_by": "mentee",
    "communication": "Teams",
}
WORDS = "I would like to lead a regeneration team."


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
async def node_a(settings: Settings, port: int) -> AsyncIterator[Node]:
    here = node(replace(settings, metrics_token=METRICS_TOKEN), f"http://127.0.0.1:{port}")
    yield here
    await here.runtime.close()


@dataclass
class Scene:
    where: Node
    client: httpx.AsyncClient
    brent: Side
    harrow: Side

    @property
    def url(self) -> str:
        return self.where.settings.base_url

    async def call(
        self, method: str, path: str, who: dict[str, str], body: Any = None, status: int = 0
    ) -> Any:
        response = await self.client.request(method, self.url + path, json=body, headers=who)
        if status:
            assert response.status_code == status, response.text
        else:
            assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def inbox_http_hits(self) -> float:
        """POSTs the node answered on its inbox route: none, when it only talks to itself."""
        response = await self.client.get(
            f"{self.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert response.status_code == 200, response.text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in response.text.splitlines()
            if line.startswith("mentornet_http_requests_total")
            and 'route="/federation/v1/inbox"' in line
        )


async def test_a_brent_mentee_and_a_harrow_mentor_on_one_node(node_a: Node, port: int) -> None:
    brent = await side(node_a, "brent", BRENT, SharingPolicy(cross_org=True), hours=12)
    harrow = await side(
        node_a,
        "harrow",
        HARROW,
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="local-government", region="london"
        ),
        hours=8,
    )
    topics = {"housing": 5}
    mentee = await person(brent, "b1", ("Amara", "Okafor"), SchemeRole.MENTEE, topics)
    local = await person(brent, "b2", ("Bola", "Brent"), SchemeRole.MENTOR, {"housing": 3})
    mentors = [
        await person(harrow, f"h{i}", (f"Mentor{i}", "Shah"), SchemeRole.MENTOR, {"housing": 3})
        for i in range(5)
    ]
    # The node's own feed: Harrow's cards for the other orgs here (Brent publishes none).
    await node_a.ring()
    assert await refresh_here(node_a.runtime) == 5
    with live_node(node_a.settings, port=port):
        async with httpx.AsyncClient(timeout=20) as client:
            for at in (brent, harrow):
                await set_own_rules(at, client, ("mentee", "mentor"))
            scene = Scene(node_a, client, brent, harrow)
            await journey(scene, mentee, local, mentors)
        # Erasing the mentee forgets her on Harrow's side too, and nothing of the mentor.
        async with node_a.runtime.sessionmaker() as session:
            async with session.begin():
                await erase_everywhere(
                    session, brent.org_id, mentee.id, by=ActorRef.system("test"), now=utcnow()
                )
            await settle(session)
        tables = await node_a.tables()
        everything = "\n".join(row for rows in tables.values() for row in rows)
        assert "Okafor" not in everything
        async with node_a.runtime.sessionmaker() as session:
            theirs = (
                await session.scalars(
                    select(Relationship).where(Relationship.mentor_id.is_not(None))
                )
            ).one()
        assert theirs.counterpart_name == ERASED_NAME
    await wait_running()
    async with node_a.runtime.sessionmaker() as session:
        # Every message went to this node's own inbox, once each, and none is left queued.
        queued = (await session.scalars(select(OutboxMessage))).all()
        assert queued
        assert {row.status for row in queued} == {OutboxStatus.DELIVERED}
        assert {row.peer for row in queued} == {node_a.settings.base_url}
        inbox = await session.scalar(select(func.count()).select_from(InboxEntry))
        assert inbox == len(queued)
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"shared_change", "shared_change_sent", "shared_record_applied"} <= actions


async def journey(scene: Scene, mentee: Member, local: Member, mentors: list[Member]) -> None:
    me = await scene.brent.as_(mentee)
    # --- suggestions: the Harrow mentors ranked with Brent's own ---------------------------
    found = (await scene.call("GET", "/api/v1/me/suggestions", me))["items"]
    ids = [item["candidate"]["id"] for item in found]
    assert str(local.id) in ids
    cards = [i for i in found if i["candidate"]["id"].endswith("@" + scene.url)]
    assert len(cards) == 5, ids
    handle, peer = cards[0]["candidate"]["id"].split("@", 1)

    # Refused: a card of an org Brent does not allow leaves nothing behind.
    before = await scene.where.tables()
    async with scene.where.runtime.sessionmaker() as session, session.begin():
        await set_policy(session, scene.brent.org_id, SharingPolicy(cross_org=True, partners=[]))
    policy_only = await scene.where.tables()
    ask = {
        "scheme_id": str(scene.brent.scheme_id),
        "mentors": [{"remote": {"peer": peer, "handle": handle}}],
        "message": WORDS,
    }
    refused = await scene.call("POST", "/api/v1/me/requests", me, ask, status=422)
    assert refused["errors"][0]["field"] == "mentors[0].remote"
    assert await scene.where.tables() == policy_only
    async with scene.where.runtime.sessionmaker() as session, session.begin():
        await set_policy(session, scene.brent.org_id, SharingPolicy(cross_org=True))
    assert changed(before, await scene.where.tables()) <= {"orgs", "candidate_stamps"}

    # --- the request: taken by the Harrow mentor's side before the answer returns ----------
    [sent] = await scene.call("POST", "/api/v1/me/requests", me, ask)
    assert sent["counterpart_org"] == HARROW
    asked, mine, incoming = None, {}, {}
    for mentor in mentors:
        headers = await scene.harrow.as_(mentor)
        waiting = await scene.call("GET", "/api/v1/me/requests", headers)
        if waiting:
            asked, mine, [incoming] = mentor, headers, waiting
    assert asked is not None
    assert incoming["counterpart"] == f"a mentee at {BRENT}"
    assert incoming["message"] == WORDS
    assert [t["topic"] for t in incoming["topics_wanted"]] == ["housing"]
    async with scene.where.runtime.sessionmaker() as session:
        sides = {r.direction for r in (await session.scalars(select(MentoringRequest))).all()}
    assert sides == {Direction.OUTGOING, Direction.INCOMING}  # one row per side, one database

    # Refused: another Harrow mentor can neither read nor accept it.
    stranger = await scene.harrow.as_(next(m for m in mentors if m is not asked))
    url = f"/api/v1/requests/{incoming['id']}"
    before = await scene.where.tables()
    await scene.call("GET", url, stranger, status=404)
    await scene.call("POST", f"{url}/accept", stranger, status=404)
    assert await scene.where.tables() == before

    # --- acceptance and introduction ---------------------------------------------------
    accepted = await scene.call("POST", f"{url}/accept", mine)
    rel_h = accepted["id"]
    [ours] = await scene.call("GET", "/api/v1/relationships/", me)
    rel_b = ours["id"]
    assert rel_b != rel_h
    on_b, on_h = f"/api/v1/relationships/{rel_b}", f"/api/v1/relationships/{rel_h}"
    assert (await scene.call("GET", on_b, me))["counterpart_org"] == HARROW
    assert (await scene.call("GET", on_h, mine))["counterpart_org"] == BRENT
    async with scene.where.runtime.sessionmaker() as session:
        rows = {str(r.id): r for r in (await session.scalars(select(Relationship))).all()}
    assert rows[rel_b].counterpart_name == f"{asked.given_name} Shah"
    assert rows[rel_h].counterpart_name == "Amara Okafor"
    assert rows[rel_b].remote_ref == rows[rel_h].remote_ref

    await shared_record(scene, me, mine, on_b, on_h)
    await own_rules(scene, me, mine, on_b, on_h, asked)
    assert await scene.inbox_http_hits() == 0


async def shared_record(
    scene: Scene, me: dict[str, str], mine: dict[str, str], on_b: str, on_h: str
) -> None:
    """Every module, edited from each side, seen by the other at once."""
    sides = ((on_b, me), (on_h, mine))
    await scene.call("PUT", f"{on_b}/agreement", me, AGREEMENT)
    theirs = await scene.call("GET", f"{on_h}/agreement", mine)
    assert theirs["location"] == "Harrow Civic Centre"
    # One agreement: each side's own code of conduct with the other organisation's.
    assert (theirs["code_of_conduct"], theirs["partner_code_of_conduct"]) == (
        "harrow code",
        "brent code",
    )
    await scene.call("PUT", f"{on_h}/agreement", mine, {**AGREEMENT, "frequency": "fortnightly"})
    assert (await scene.call("GET", f"{on_b}/agreement", me))["frequency"] == "fortnightly"
    # Both confirmations are needed.
    await scene.call("POST", f"{on_b}/agreement/confirm", me, CONFIRM)
    assert (await scene.call("GET", on_b, me))["state"] == "agreeing"
    assert (await scene.call("GET", on_h, mine))["state"] == "agreeing"
    await scene.call("POST", f"{on_h}/agreement/confirm", mine, CONFIRM)
    assert (await scene.call("GET", on_b, me))["state"] == "active"
    assert (await scene.call("GET", on_h, mine))["state"] == "active"
    a, b = (
        await scene.call("GET", f"{on_b}/agreement", me),
        await scene.call("GET", f"{on_h}/agreement", mine),
    )
    assert a["mentee_confirmed_sha256"] == a["mentor_confirmed_sha256"]
    assert a["mentor_confirmed_sha256"] == b["mentee_confirmed_sha256"]

    # Meetings: one scheduled by the mentor, one held recorded by the mentee.
    later = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    scheduled = await scene.call(
        "POST",
        f"{on_h}/meetings",
        mine,
        {"starts_at": later, "duration_minutes": 60, "mode": "remote"},
    )
    seen = {m["shared_ref"] for m in await scene.call("GET", f"{on_b}/meetings", me)}
    assert scheduled["meeting"]["shared_ref"] in seen

    # Objectives, from both sides.
    goal = await scene.call("POST", f"{on_b}/objectives", me, {"title": "Lead a team"})
    (mirror,) = await scene.call("GET", f"{on_h}/objectives", mine)
    assert mirror["shared_ref"] == goal["shared_ref"]
    await scene.call("PUT", f"{on_h}/objectives/{mirror['id']}", mine, {"title": "Lead a big team"})
    [goal_now] = await scene.call("GET", f"{on_b}/objectives", me)
    assert goal_now["title"] == "Lead a big team"

    # The learning log: shared is seen, unshared is gone, private never crosses.
    today = datetime.now(UTC).date().isoformat()
    shared = await scene.call(
        "POST",
        f"{on_b}/learning-log",
        me,
        {"entry_date": today, "learning": "Shared one", "shared": True},
    )
    await scene.call(
        "POST", f"{on_b}/learning-log", me, {"entry_date": today, "learning": "Mine only"}
    )
    assert [e["learning"] for e in await scene.call("GET", f"{on_h}/learning-log", mine)] == [
        "Shared one"
    ]
    await scene.call(
        "PUT", f"/api/v1/me/learning-log/{shared['id']}/sharing", me, {"shared": False}
    )
    assert await scene.call("GET", f"{on_h}/learning-log", mine) == []

    # Shadowing: the mentee proposes, the mentor cancels.
    proposed = await scene.call(
        "POST",
        f"{on_b}/shadowing",
        me,
        {"kind": "one_off", "host_name": "Harrow director", "dates": [today]},
    )
    (placement,) = await scene.call("GET", f"{on_h}/shadowing", mine)
    assert placement["shared_ref"] == proposed["shared_ref"]
    await scene.call("POST", f"{on_h}/shadowing/{placement['id']}/cancel", mine)
    [cancelled] = await scene.call("GET", f"{on_b}/shadowing", me)
    assert cancelled["state"] == "cancelled"

    # Carrying on past the planned end: the Harrow mentor proposes (202, Brent's side decides),
    # the Brent mentee agrees; both sides' planned ends move to the date they agreed.
    ends = [(await scene.call("GET", url, who))["planned_end_on"] for url, who in sides]
    until = (max(date.fromisoformat(end) for end in ends) + timedelta(days=30)).isoformat()
    await scene.call("POST", f"{on_h}/extensions", mine, {"until": until}, status=202)
    [offer] = await scene.call("GET", f"{on_b}/extensions", me)
    assert (offer["proposed_by"], offer["state"]) == ("mentor", "proposed")
    await scene.call("POST", f"{on_b}/extensions/{offer['id']}/agree", me, status=200)
    for url, who in sides:
        assert (await scene.call("GET", url, who))["planned_end_on"] == until
        [extension] = await scene.call("GET", f"{url}/extensions", who)
        assert extension["state"] == "agreed"

    # Refused: a stranger of either org cannot touch the other side's relationship.
    before = await scene.where.tables()
    await scene.call("PUT", f"{on_b}/agreement", mine, AGREEMENT, status=404)
    await scene.call("POST", f"{on_h}/objectives", me, {"title": "Not mine"}, status=404)
    assert await scene.where.tables() == before


async def own_rules(
    scene: Scene,
    me: dict[str, str],
    mine: dict[str, str],
    on_b: str,
    on_h: str,
    asked: Member,
) -> None:
    """Each organisation's own rules for its own person, on one node."""
    async with scene.where.runtime.sessionmaker() as session, session.begin():
        for row in (await session.scalars(select(Relationship))).all():
            row.started_at -= timedelta(days=1)
    held = {
        "starts_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "duration_minutes": 420,
        "mode": "in_person",
        "held": True,
    }
    await scene.call("POST", f"{on_b}/meetings", me, held)
    ours = await scene.call("GET", f"{on_b}/time-release", me)
    theirs = await scene.call("GET", f"{on_h}/time-release", mine)
    assert (ours["used_hours"], ours["budget_hours"]) == (7, 12)
    assert (theirs["used_hours"], theirs["budget_hours"]) == (7, 8)

    # The ending reaches the other side; each org asks its own person to evaluate.
    ended = await scene.call("POST", f"{on_b}/end", me, {"how": "close"})
    assert ended["state"] == "ended"
    theirs_now = await scene.call("GET", on_h, mine)
    assert (theirs_now["state"], theirs_now["end_kind"]) == ("ended", "completed")
    await run_once(scene.where.runtime.sessionmaker, scene.where.settings, datetime.now(UTC))
    await wait_running()
    for who, title in ((me, "brent mentee end"), (mine, "harrow mentor end")):
        forms = await scene.call("GET", "/api/v1/me/evaluations", who)
        assert title in {form["title"] for form in forms}

    # The HR export of each organisation has its own person's side of the pair.
    for at, name, counterpart, them in (
        (scene.brent, "Amara Okafor", f"{asked.given_name} Shah", HARROW),
        (scene.harrow, f"{asked.given_name} Shah", "Amara Okafor", BRENT),
    ):
        coordinator = await at.as_(at.coordinator)
        response = await scene.client.get(
            f"{scene.url}/api/v1/orgs/{at.slug}/hr-export.csv", headers=coordinator
        )
        assert response.status_code == 200, response.text
        [exported] = hr_rows(response.text)
        assert (exported["name"], exported["counterpart"]) == (name, counterpart)
        assert exported["counterpart_organisation"] == them
        assert (exported["cross_organisation"], exported["end_kind"]) == ("yes", "completed")
    for who, them in ((me, HARROW), (mine, BRENT)):
        record = await scene.call("GET", "/api/v1/me/mentoring-record.json", who)
        [rel] = record["relationships"]
        assert rel["counterpart_organisation"] == them
