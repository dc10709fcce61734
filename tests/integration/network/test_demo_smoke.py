"""The zero-setup demo path: SQLite, no Redis, two peered nodes, a real server answering."""

from __future__ import annotations

import asyncio
import json
import smtplib
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from federation.remote_cards import RemoteCards
from network.app import build_runtime
from network.cli.context import CliContext
from network.cli.demo_nodes import demo_nodes
from network.cli.main import cli
from network.config import Settings
from network.demo.checkins import MENTEE_POST, MENTOR_POST
from network.demo.events import NETWORK
from network.demo.mail import start_sink
from network.demo.seed import DEMO_ORGS
from network.federation.own_feed import refresh_here
from orgs.mentoring.checkins import UNHAPPY, Checkin, Checkins
from orgs.mentoring.oversight import scheme_health
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Relationships
from orgs.mentoring.review_points import ReviewPoint, ReviewPoints
from orgs.networks.replica import Replica
from orgs.people.members import MemberRepository
from orgs.records.network_reports import figures_report
from orgs.registry import OrgRegistry
from orgs.schemes.schemes import SchemeService
from tests.live import free_port, live_node

HARROW = "London Borough of Harrow"


def rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database_url.split(":///", 1)[1]) as connection:
        return connection.execute(sql).fetchall()


async def own_cards(settings: Settings) -> dict[str, int]:
    runtime = build_runtime(settings)
    try:
        await refresh_here(runtime)
        async with runtime.sessionmaker() as session:
            cards = await RemoteCards(session).live(datetime.now(UTC), settings.base_url)
        return dict(Counter(card.org for card in cards))
    finally:
        await runtime.close()


async def network_report(settings: Settings) -> dict[str, dict[str, int | None]]:
    """The demo network's report as this node shows it (what its page and API render)."""
    runtime = build_runtime(settings)
    try:
        async with runtime.sessionmaker() as session:
            [record] = [r for r in await Replica(session).all_current() if r.terms.name == NETWORK]
            report = await figures_report(session, record)
        return {line.org_ref.split("@")[0]: line.figures for line in report.lines if line.as_of}
    finally:
        await runtime.close()


@dataclass(frozen=True)
class PilotPair:
    """NCH's seeded relationship as its people and its coordinator see it."""

    posts: tuple[str, str]  # the mentee's and the mentor's demo_role
    state: RelationshipState
    started_days_ago: int
    checkins: list[tuple[str, int, bool]]  # (respondent's demo_role, round, answered)
    health_flags: tuple[str, ...]  # on the coordinator's health view of the pilot
    review_points: list[date]


async def nch_pair(settings: Settings) -> PilotPair:
    runtime = build_runtime(settings)
    try:
        async with runtime.sessionmaker() as session:
            nch = await OrgRegistry(session).get("nch")
            posts = {
                m.id: (m.attributes or {}).get("demo_role", "")
                for m in await MemberRepository(session, nch.id).list()
            }
            [rel] = await Relationships(session, nch.id).list()
            assert rel.mentee_id is not None
            assert rel.mentor_id is not None
            rows = await Checkins(session, nch.id).list(Checkin.relationship_id == rel.id)
            pilot = await SchemeService(session, nch.id).by_slug("pa-pilot")
            health = await scheme_health(session, nch.id, pilot.id, datetime.now(UTC))
            [row] = [r for r in health.rows if r.relationship_id == rel.id]
            points = await ReviewPoints(session, nch.id).list(ReviewPoint.relationship_id == rel.id)
            return PilotPair(
                posts=(posts[rel.mentee_id], posts[rel.mentor_id]),
                state=rel.state,
                started_days_ago=(datetime.now(UTC).date() - rel.started_at.date()).days,
                checkins=sorted(
                    (posts[c.respondent_id], c.round, c.answered_at is not None) for c in rows
                ),
                health_flags=row.checkin_flags,
                review_points=[p.on for p in points],
            )
    finally:
        await runtime.close()


def test_demo_prepares_two_peered_nodes_and_a_real_server_answers_ready(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'demo.db'}")
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve"], obj=CliContext(preset=settings))
    assert first.exit_code == 0, first.output
    assert f"{len(DEMO_ORGS)} organisations added" in first.stdout
    again = runner.invoke(cli, ["demo", "--no-serve"], obj=CliContext(preset=settings))
    assert "0 organisations added" in again.stdout

    node_a, node_b = demo_nodes(settings, 8000)
    assert rows(node_a.settings.database_url, "SELECT slug FROM orgs ORDER BY slug") == [
        ("brent",),
        ("harrow",),
    ]
    assert rows(node_b.settings.database_url, "SELECT slug FROM orgs") == [("nch",)]
    assert rows(node_a.settings.database_url, "SELECT node_id FROM peers") == [(node_b.url,)]
    assert rows(node_b.settings.database_url, "SELECT node_id FROM peers") == [(node_a.url,)]
    mentors = rows(node_b.settings.database_url, "SELECT count(*) FROM mentor_profiles")
    assert mentors[0][0] >= 5  # enough for NCH's cards to pass k-anonymity (k = 5)
    # The network's shared workshop, held on both nodes, with a registration from each.
    workshop = "SELECT title, capacity FROM network_events"
    assert rows(node_a.settings.database_url, workshop) == [
        ("Mentor skills: a half-day workshop", 16)
    ]
    assert rows(node_b.settings.database_url, workshop) == rows(
        node_a.settings.database_url, workshop
    )
    registered = "SELECT attendee_org, state FROM network_event_registrations ORDER BY 1"
    assert rows(node_a.settings.database_url, registered) == [
        ("harrow", "confirmed"),
        ("nch", "confirmed"),
    ]
    assert rows(node_b.settings.database_url, "SELECT state FROM network_event_bookings") == [
        ("confirmed",)
    ]

    # Brent's cohort run with the network's mentors: a draft (run once however often the demo
    # is prepared), whose pair is with one of Harrow's cards on node A.
    [(state, inputs, result)] = rows(
        node_a.settings.database_url, "SELECT state, inputs, result FROM cohort_runs"
    )
    snapshot, outcome = json.loads(inputs), json.loads(result)
    assert (state, snapshot["include_network"]) == ("draft", True)
    harrow_cards = {e["candidate"] for e in snapshot["external"] if e["org_name"] == HARROW}
    assert len(harrow_cards) == 5
    external = [p for p in outcome["pairs"] if p["mentor"] in harrow_cards]
    assert len(external) >= 1
    assert all(p["mentor"].endswith("@" + node_a.url) for p in external)

    # The network report, on each node: one round of figures from each member, small counts
    # hidden at the sender (Brent and Harrow each have one mentee), the rest shown.
    for where in (node_a, node_b):
        report = asyncio.run(network_report(where.settings))
        assert set(report) == {"brent", "harrow", "nch"}
        assert {org: f["mentors"] for org, f in report.items()} == {
            "brent": 5,
            "harrow": 5,
            "nch": 5,
        }
        assert report["brent"]["mentees"] is None
        assert report["nch"]["mentees"] is not None
        assert report["nch"]["mentees"] >= 5
        assert report["brent"]["matches_total"] == 0  # zeros are shown
        assert report["nch"]["matches_total"] is None  # the pilot's one pair: fewer than five
    held = "SELECT org_ref FROM network_figures ORDER BY 1"
    assert rows(node_b.settings.database_url, held) == rows(node_a.settings.database_url, held)

    # NCH's pilot pair (issue 19), seeded once: active for 40 days, its first check-in sent by
    # the jobs pass to both, the mentor's answer flagging it to the coordinator, and the review
    # point they agreed ten days from now.
    pair = asyncio.run(nch_pair(node_b.settings))
    assert pair.posts == (MENTEE_POST, MENTOR_POST)
    assert (pair.state, pair.started_days_ago) == (RelationshipState.ACTIVE, 40)
    assert pair.checkins == [(MENTOR_POST, 1, True), (MENTEE_POST, 1, False)]
    assert pair.health_flags == (UNHAPPY,)
    assert [(on - datetime.now(UTC).date()).days for on in pair.review_points] == [10]
    assert rows(node_b.settings.database_url, "SELECT count(*) FROM mentoring_requests") == [(1,)]

    # Node A's own feed: Harrow's mentors for Brent's mentees, Brent's for Harrow's (the
    # same-node half of the demo, issue 16.7); nothing of an org for itself.
    assert asyncio.run(own_cards(node_a.settings)) == {"brent": 5, "harrow": 5}

    with live_node(node_a.settings) as node:
        ready = httpx.get(f"{node.url}/health/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["redis"] == "not configured"


def test_demo_refuses_prod(tmp_path: Path) -> None:
    settings = Settings(
        env="prod",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    )
    result = CliRunner().invoke(cli, ["demo", "--no-serve"], obj=CliContext(preset=settings))
    assert result.exit_code == 2
    assert "refuses" in result.stderr


def test_the_demo_smtp_sink_keeps_each_email_as_a_file(tmp_path: Path) -> None:
    port = free_port()
    sink = start_sink(tmp_path / "mail", port)
    try:
        message = EmailMessage()
        message["From"], message["To"] = "node@mentornet.example", "tara@brent.example"
        message["Subject"] = "A mentoring application needs your decision"
        message.set_content("Please decide.")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
    finally:
        sink.stop()
    (saved,) = (tmp_path / "mail").iterdir()
    assert saved.suffix == ".eml"
    assert b"Subject: A mentoring application needs your decision" in saved.read_bytes()
