"""One relationship across two organisations on two real nodes (issue 16): a Brent mentee on
node A (the authority) and a Nottingham City Homes mentor on node B (the replica) work on one
shared record through the HTTP API, each on their own node, signed in through real sessions.
Each node has its own PostgreSQL database; messages cross real loopback HTTP via the outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from federation import wire
from federation.signing import new_jti, sign
from network.config import Settings
from network.federation.delivery import deliver_due
from network.federation.feed_pull import pull_feed
from network.federation.wiring import INBOX_PATH, now_s
from network.sso.sessions import CSRF_HEADER
from orgs.audit import AuditEntry
from orgs.mentoring.agreements import SchemeTermsIn, set_terms
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.shared_record import ChangeOutcome, SharedChange
from orgs.pairing.sharing import SharingPolicy
from tests.e2e.test_cross_node_request import approved_person, as_member, setup_org
from tests.live import free_port, live_node
from tests.nodes import Identity, Node, changed, node

BRENT_CODE = "Brent: we keep to the council's code of conduct for employees."
NCH_CODE = "NCH: we keep to Nottingham City Homes' standards of behaviour."
CONFIRM = {"accept_code_of_conduct": True, "accept_principles": True}
AGREEMENT = {
    "frequency": "monthly",
    "location": "Brent Civic Centre",
    "length_minutes": 60,
    "contact_by": "mentee",
    "communication": "Teams",
}
PRIVATE = ("PRIVATE-NOTE-mentee", "PRIVATE-NOTE-mentor", "UNSHARED-LOG", "CONCERN-TEXT")
#: Shared, then unshared: it crossed while shared and must be gone from the mentor's node after.
WITHDRAWN = "WITHDRAWN-LOG: delegation matters."


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
async def node_a(settings: Settings, ports: tuple[int, int]) -> AsyncIterator[Node]:
    here = node(settings, f"http://127.0.0.1:{ports[0]}")
    yield here
    await here.runtime.close()


@pytest.fixture
async def node_b(peer_settings: Settings, ports: tuple[int, int]) -> AsyncIterator[Node]:
    there = node(peer_settings, f"http://127.0.0.1:{ports[1]}")
    yield there
    await there.runtime.close()


@dataclass
class Pair:
    """The two nodes, the two people (their session headers) and the relationship on each."""

    a: Node
    b: Node
    client: httpx.AsyncClient
    mentee: dict[str, str]
    mentor: dict[str, str]
    rel_a: str
    rel_b: str
    request_id: str

    @property
    def on_a(self) -> str:
        return f"{self.a.settings.base_url}/api/v1/relationships/{self.rel_a}"

    @property
    def on_b(self) -> str:
        return f"{self.b.settings.base_url}/api/v1/relationships/{self.rel_b}"

    async def mentee_does(self, method: str, path: str, json: Any = None) -> Any:
        return await self._do(self.on_a + path, method, self.mentee, json, (200, 201))

    async def mentor_does(self, method: str, path: str, json: Any = None) -> Any:
        """On the replica an edit of the shared record is 202: pending until the authority
        answers (``test_shared_pending``); a private note or a concern is 201."""
        return await self._do(self.on_b + path, method, self.mentor, json, (200, 201, 202))

    async def _do(
        self, url: str, method: str, headers: dict[str, str], json: Any, ok: tuple[int, ...]
    ) -> Any:
        response = await self.client.request(method, url, json=json, headers=headers)
        assert response.status_code in ok, response.text
        return response.json()

    async def settle(self) -> int:
        """Deliver both outboxes until neither has anything left: how many messages crossed."""
        total = 0
        for _ in range(20):
            moved = 0
            for here in (self.a, self.b):
                report = await deliver_due(here.runtime, datetime.now(UTC), self.client)
                assert report.failed == 0, report.errors
                moved += report.delivered
            total += moved
            if moved == 0:
                return total
        raise AssertionError("the two nodes never settled")


@contextmanager
def both_live(pair_nodes: tuple[Node, Node], ports: tuple[int, int]) -> Iterator[None]:
    with (
        live_node(pair_nodes[0].settings, port=ports[0]),
        live_node(pair_nodes[1].settings, port=ports[1]),
    ):
        yield


async def paired(a: Node, b: Node, client: httpx.AsyncClient) -> Pair:
    """Brent (A) and NCH (B), each with its own code of conduct; a Brent mentee asks an NCH
    mentor through a card, the mentor accepts; the nodes settle."""
    brent_id, brent_scheme = await setup_org(
        a, "brent", "London Borough of Brent", SharingPolicy(cross_org=True)
    )
    nch_id, nch_scheme = await setup_org(
        b,
        "nch",
        "Nottingham City Homes",
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="housing", region="east-midlands"
        ),
    )
    for where, org_id, scheme_id, code in (
        (a, brent_id, brent_scheme, BRENT_CODE),
        (b, nch_id, nch_scheme, NCH_CODE),
    ):
        async with where.runtime.sessionmaker() as session, session.begin():
            await set_terms(
                session, org_id, scheme_id, SchemeTermsIn(code_of_conduct=code, principles=["Ok"])
            )
    mentee = await approved_person(
        a, brent_id, brent_scheme, "b1", ("Amara", "Okafor"), mentee={"housing": 5}
    )
    mentors = [
        await approved_person(
            b, nch_id, nch_scheme, f"n{i}", (f"Mentor{i}", "Shah"), mentor={"housing": 3}
        )
        for i in range(5)
    ]
    await a.pin(b)
    await b.pin(a)
    a_url, b_url = a.settings.base_url, b.settings.base_url
    assert (await pull_feed(a.runtime, b_url, client)).cards == 5
    mentee_h = await as_member(a, "brent", mentee)
    found = (await client.get(f"{a_url}/api/v1/me/suggestions", headers=mentee_h)).json()
    handle, peer = found["items"][0]["candidate"]["id"].split("@", 1)
    sent = await client.post(
        f"{a_url}/api/v1/me/requests",
        json={
            "scheme_id": str(brent_scheme),
            "mentors": [{"remote": {"peer": peer, "handle": handle}}],
        },
        headers=mentee_h,
    )
    assert sent.status_code == 201, sent.text
    assert (await deliver_due(a.runtime, datetime.now(UTC), client)).delivered == 1
    for candidate in mentors:
        headers = await as_member(b, "nch", candidate)
        mine = (await client.get(f"{b_url}/api/v1/me/requests", headers=headers)).json()
        if mine:
            mentor_h, incoming = headers, mine[0]
    accepted = await client.post(
        f"{b_url}/api/v1/requests/{incoming['id']}/accept", headers=mentor_h
    )
    assert accepted.status_code in (200, 201), accepted.text
    pair = Pair(a, b, client, mentee_h, mentor_h, "", accepted.json()["id"], "")
    await pair.settle()
    (ours,) = (await client.get(f"{a_url}/api/v1/relationships/", headers=mentee_h)).json()
    pair.rel_a = ours["id"]
    async with a.runtime.sessionmaker() as session:
        rel = await session.get(Relationship, uuid.UUID(ours["id"]))
        assert rel is not None
        assert rel.remote_ref is not None
        pair.request_id = rel.remote_ref
    return pair


def titles(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {r["shared_ref"]: r["title"] for r in rows}


async def test_every_module_edited_from_each_side_is_seen_by_the_other(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)

            # The agreement both confirm holds both organisations' codes of conduct.
            await pair.mentee_does("PUT", "/agreement", AGREEMENT)
            await pair.settle()
            theirs = await pair.mentor_does("GET", "/agreement")
            ours = await pair.mentee_does("GET", "/agreement")
            assert theirs["location"] == "Brent Civic Centre"
            assert {ours["code_of_conduct"], ours["partner_code_of_conduct"]} == {
                BRENT_CODE,
                NCH_CODE,
            }
            assert (theirs["code_of_conduct"], theirs["partner_code_of_conduct"]) == (
                NCH_CODE,
                BRENT_CODE,
            )
            # The mentor changes a term; the mentee sees it.
            await pair.mentor_does("PUT", "/agreement", {**AGREEMENT, "frequency": "fortnightly"})
            await pair.settle()
            assert (await pair.mentee_does("GET", "/agreement"))["frequency"] == "fortnightly"

            # One confirmation is not enough, on either side.
            await pair.mentee_does("POST", "/agreement/confirm", CONFIRM)
            await pair.settle()
            assert (await pair.mentee_does("GET", ""))["state"] == "agreeing"
            assert (await pair.mentor_does("GET", ""))["state"] == "agreeing"
            confirmed = await pair.mentor_does("POST", "/agreement/confirm", CONFIRM)
            await pair.settle()
            assert (await pair.mentee_does("GET", ""))["state"] == "active"
            assert (await pair.mentor_does("GET", ""))["state"] == "active"
            final_a = await pair.mentee_does("GET", "/agreement")
            final_b = await pair.mentor_does("GET", "/agreement")
            # Each confirmation records the hash of what was confirmed: the same text on both.
            sha = confirmed["mentor_confirmed_sha256"]
            assert len(sha) == 43
            for side in (final_a, final_b):
                assert side["mentee_confirmed_sha256"] == side["mentor_confirmed_sha256"] == sha

            # Meetings: the mentor schedules one, the mentee records one held with a summary.
            later = (datetime.now(UTC) + timedelta(days=7)).isoformat()
            earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
            scheduled = await pair.mentor_does(
                "POST",
                "/meetings",
                {"starts_at": later, "duration_minutes": 60, "mode": "remote"},
            )
            held = await pair.mentee_does(
                "POST",
                "/meetings",
                {
                    "starts_at": earlier,
                    "duration_minutes": 45,
                    "mode": "in_person",
                    "held": True,
                    "summary": "We talked about housing allocations.",
                },
            )
            await pair.settle()
            seen_a = {m["shared_ref"]: m for m in await pair.mentee_does("GET", "/meetings")}
            seen_b = {m["shared_ref"]: m for m in await pair.mentor_does("GET", "/meetings")}
            assert (
                set(seen_a)
                == set(seen_b)
                == {
                    scheduled["meeting"]["shared_ref"],
                    held["meeting"]["shared_ref"],
                }
            )
            assert seen_b[held["meeting"]["shared_ref"]]["summary"].startswith("We talked")
            assert seen_a[scheduled["meeting"]["shared_ref"]]["mode"] == "remote"
            # The mentee cancels the mentor's meeting; the mentor writes the meeting record.
            await pair.mentee_does(
                "POST", f"/meetings/{seen_a[scheduled['meeting']['shared_ref']]['id']}/cancel"
            )
            await pair.mentor_does(
                "PATCH",
                f"/meetings/{seen_b[held['meeting']['shared_ref']]['id']}",
                {"mentor_record": "Good first session."},
            )
            await pair.settle()
            for side in (
                await pair.mentee_does("GET", "/meetings"),
                await pair.mentor_does("GET", "/meetings"),
            ):
                by_ref = {m["shared_ref"]: m for m in side}
                assert by_ref[scheduled["meeting"]["shared_ref"]]["state"] == "cancelled"
                assert by_ref[held["meeting"]["shared_ref"]]["mentor_record"] == (
                    "Good first session."
                )

            # Private notes on the held meeting: each stays with its author.
            await pair.mentee_does(
                "POST",
                f"/meetings/{seen_a[held['meeting']['shared_ref']]['id']}/notes",
                {"text": PRIVATE[0]},
            )
            await pair.mentor_does(
                "POST",
                f"/meetings/{seen_b[held['meeting']['shared_ref']]['id']}/notes",
                {"text": PRIVATE[1]},
            )

            # Objectives and their actions, from both sides.
            goal = await pair.mentee_does(
                "POST", "/objectives", {"title": "Lead a team", "actions": [{"text": "Read"}]}
            )
            await pair.settle()
            (mirror,) = await pair.mentor_does("GET", "/objectives")
            assert mirror["shared_ref"] == goal["shared_ref"]
            await pair.mentor_does(
                "PUT",
                f"/objectives/{mirror['id']}",
                {
                    "title": "Lead a team",
                    "actions": [{"text": "Read", "done": True}, {"text": "Shadow a director"}],
                },
            )
            await pair.mentor_does("POST", "/objectives", {"title": "Present to the board"})
            await pair.settle()
            mentee_goals = await pair.mentee_does("GET", "/objectives")
            mentor_goals = await pair.mentor_does("GET", "/objectives")
            assert titles(mentee_goals) == titles(mentor_goals)
            assert len(mentee_goals) == 2
            lead = next(g for g in mentee_goals if g["shared_ref"] == goal["shared_ref"])
            assert [a["text"] for a in lead["actions"]] == ["Read", "Shadow a director"]
            assert lead["actions"][0]["done"] is True

            # The learning log: the mentor sees what the mentee shares, until it is unshared.
            today = datetime.now(UTC).date().isoformat()
            shared = await pair.mentee_does(
                "POST",
                "/learning-log",
                {"entry_date": today, "learning": WITHDRAWN, "shared": True},
            )
            await pair.mentee_does(
                "POST", "/learning-log", {"entry_date": today, "learning": PRIVATE[2]}
            )
            await pair.settle()
            (entry,) = await pair.mentor_does("GET", "/learning-log")
            assert entry["learning"] == WITHDRAWN
            read = await client.get(
                f"{node_b.settings.base_url}/api/v1/me/learning-log/{entry['id']}",
                headers=pair.mentor,
            )
            assert read.status_code == 200
            unshare = await client.put(
                f"{node_a.settings.base_url}/api/v1/me/learning-log/{shared['id']}/sharing",
                json={"shared": False},
                headers=pair.mentee,
            )
            assert unshare.status_code == 200, unshare.text
            await pair.settle()
            assert await pair.mentor_does("GET", "/learning-log") == []
            kept = await pair.mentee_does(
                "POST",
                "/learning-log",
                {"entry_date": today, "learning": "Ask for feedback.", "shared": True},
            )
            await pair.settle()
            (entry,) = await pair.mentor_does("GET", "/learning-log")
            assert (entry["shared_ref"], entry["learning"]) == (
                kept["shared_ref"],
                kept["learning"],
            )

            # Shadowing: the mentee proposes, the mentor sees it and cancels it.
            proposed = await pair.mentee_does(
                "POST",
                "/shadowing",
                {"kind": "one_off", "host_name": "NCH director", "dates": [today]},
            )
            await pair.settle()
            (placement,) = await pair.mentor_does("GET", "/shadowing")
            assert (placement["shared_ref"], placement["state"]) == (
                proposed["shared_ref"],
                "proposed",
            )
            await pair.mentor_does("POST", f"/shadowing/{placement['id']}/cancel")
            await pair.settle()
            ((mine),) = await pair.mentee_does("GET", "/shadowing")
            assert mine["state"] == "cancelled"

            # A concern and special-category data, on the mentee's node only.
            await pair.mentee_does("POST", "/concerns", {"category": "other", "text": PRIVATE[3]})
            declared = await client.put(
                f"{node_a.settings.base_url}/api/v1/orgs/brent/me/special-category",
                json={"consent": True, "ethnicity": "white_gypsy_traveller", "disability": True},
                headers=pair.mentee,
            )
            assert declared.status_code == 200, declared.text
            await pair.settle()

            # The ending: the record carries the state to the other side too.
            ended = await pair.mentee_does("POST", "/end", {"how": "close"})
            assert ended["state"] == "ended"
            await pair.settle()
            assert (await pair.mentor_does("GET", ""))["state"] == "ended"

    # Both sides audited the shared changes.
    for where, actions in (
        (node_a, {"shared_change"}),
        (node_b, {"shared_change_sent", "shared_record_applied", "shared_change_applied"}),
    ):
        async with where.runtime.sessionmaker() as session:
            done = set(await session.scalars(select(AuditEntry.action)))
        assert actions <= done

    # Privacy: the other node's database holds nothing that stays with its author.
    a_tables, b_tables = await node_a.tables(), await node_b.tables()
    everything_b = "\n".join(row for rows in b_tables.values() for row in rows)
    everything_a = "\n".join(row for rows in a_tables.values() for row in rows)
    for secret in (PRIVATE[0], PRIVATE[2], PRIVATE[3], WITHDRAWN):
        assert secret in everything_a  # the test wrote them: they are where they belong
        assert secret not in everything_b
    assert PRIVATE[1] in everything_b
    assert PRIVATE[1] not in everything_a
    assert "white_gypsy_traveller" in everything_a
    assert "white_gypsy_traveller" not in everything_b
    assert not b_tables["special_category_declarations"]
    assert not b_tables["special_category_consents"]
    assert not b_tables["concerns"]


async def test_the_other_node_down_while_both_edit(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        with both_live((node_a, node_b), ports):
            pair = await paired(node_a, node_b, client)
            contested = await pair.mentee_does("POST", "/objectives", {"title": "Contested"})
            await pair.settle()
            (contested_b,) = await pair.mentor_does("GET", "/objectives")
            # From here nothing is delivered: both people edit their own side.
            await pair.mentee_does(
                "PUT", f"/objectives/{contested['id']}", {"title": "Contested: mentee's"}
            )
            await pair.mentee_does("POST", "/objectives", {"title": "Mentee one"})
            own = await pair.mentor_does("POST", "/objectives", {"title": "Mentor draft"})
            await pair.mentor_does("PUT", f"/objectives/{own['id']}", {"title": "Mentor final"})
            await pair.mentor_does(
                "PUT", f"/objectives/{contested_b['id']}", {"title": "Contested: mentor's"}
            )
            await pair.mentor_does(
                "POST",
                "/meetings",
                {
                    "starts_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
                    "duration_minutes": 30,
                    "mode": "phone",
                },
            )
        # Both processes are down now; node A starts again, B stays down.
        with live_node(node_a.settings, port=ports[0]):
            await pair.mentee_does("POST", "/objectives", {"title": "Mentee two"})
            tried = await deliver_due(node_a.runtime, datetime.now(UTC), client)
            assert (tried.delivered, tried.failed) == (0, 1)  # B is down: all stays queued
        with both_live((node_a, node_b), ports):
            crossed = await pair.settle()
            assert crossed >= 5
            mentee_goals = await pair.mentee_does("GET", "/objectives")
            mentor_goals = await pair.mentor_does("GET", "/objectives")
            notices = await client.get(
                f"{node_b.settings.base_url}/api/v1/me/notifications", headers=pair.mentor
            )
            meetings_a = await pair.mentee_does("GET", "/meetings")
            meetings_b = await pair.mentor_does("GET", "/meetings")
    # No lost update: every edit of a different item survives, the mentor's two edits of their
    # own objective applied in order; the contested one is the mentee's (made first, on the
    # authority), the mentor's stale edit refused with the current record.
    expected = {"Contested: mentee's", "Mentee one", "Mentee two", "Mentor final"}
    assert set(titles(mentee_goals).values()) == expected
    assert titles(mentor_goals) == titles(mentee_goals)
    assert len(meetings_a) == len(meetings_b) == 1
    assert meetings_a[0]["shared_ref"] == meetings_b[0]["shared_ref"]
    told = [n for n in notices.json() if n["subject"] == "Changed by the other party meanwhile"]
    assert len(told) == 1
    # Exactly once: each of the mentor's changes has one outcome on the authority.
    async with node_a.runtime.sessionmaker() as session:
        answered = (
            await session.scalars(select(SharedChange).where(SharedChange.change_id.is_not(None)))
        ).all()
    async with node_b.runtime.sessionmaker() as session:
        sent = (await session.scalars(select(SharedChange))).all()
    assert sorted(str(c.change_id) for c in answered) == sorted(str(c.change_id) for c in sent)
    outcomes = sorted(c.outcome.value for c in answered if c.op == "objective.save")
    assert outcomes == ["applied", "applied", "stale"]  # draft, final; the contested one
    assert {c.change_id: c.outcome for c in sent} == {c.change_id: c.outcome for c in answered}
    assert all(c.outcome is not ChangeOutcome.PENDING for c in sent)
    # In order: the authority applied the mentor's changes in the order they were made.
    applied = sorted((c for c in answered if c.version is not None), key=lambda c: c.version or 0)
    made = sorted(sent, key=lambda c: c.created_at)
    order = [c.change_id for c in made]
    assert [c.change_id for c in applied] == [
        i for i in order if i in {c.change_id for c in applied}
    ]


def _change(
    sender: str, to: Node, request_id: str, *, org: str, base: int, title: str
) -> wire.RelationshipChange:
    now = now_s()
    return wire.RelationshipChange(
        iss=sender,
        aud=to.settings.base_url,
        iat=now,
        exp=now + 60,
        jti=new_jti(),
        mid=new_jti(),
        request_id=request_id,
        org=org,
        change_id=new_jti(),
        base_version=base,
        op=wire.SaveObjective(objective=wire.SharedObjective(ref=uuid.uuid4().hex, title=title)),
    )


async def test_refused_changes_change_nothing(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    stranger = Identity("http://127.0.0.1:9", ("nch",))
    impostor = Identity("http://127.0.0.1:8", ("harrow",))
    await stranger.pinned_by(node_a)
    await impostor.pinned_by(node_a)
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            inbox = node_a.settings.base_url + INBOX_PATH
            async with node_a.runtime.sessionmaker() as session:
                version = int(
                    await session.scalar(
                        select(SharedChange.version).order_by(SharedChange.version.desc())
                    )
                    or 0
                )
            b_key = (await node_b.ring()).active

            async def post(token: str) -> int:
                response = await client.post(
                    inbox, content=token, headers={"Content-Type": "application/jose"}
                )
                return response.status_code

            before = await node_a.tables()
            # A peer that is not the other party of this relationship (it does host nch).
            not_party = _change(
                stranger.node_id, node_a, pair.request_id, org="nch", base=version, title="X"
            )
            assert await post(stranger.sign(not_party)) == 404
            # A peer speaking for an organisation it does not host.
            foreign = _change(
                impostor.node_id, node_a, pair.request_id, org="nch", base=version, title="X"
            )
            assert await post(impostor.sign(foreign)) == 403
            # The real other party, with a version from the future.
            future = _change(
                node_b.settings.base_url,
                node_a,
                pair.request_id,
                org="nch",
                base=version + 5,
                title="X",
            )
            assert await post(sign(future, b_key)) == 409
            assert changed(before, await node_a.tables()) == set()

            # A good change takes effect once; replayed (same token, then a fresh token with
            # the same mid) it takes none.
            good = _change(
                node_b.settings.base_url,
                node_a,
                pair.request_id,
                org="nch",
                base=version,
                title="Once",
            )
            token = sign(good, b_key)
            assert await post(token) == 202
            once = await node_a.tables()
            assert await post(token) == 401
            again = wire.RelationshipChange(
                **{
                    **{f: getattr(good, f) for f in good.__struct_fields__},
                    "jti": new_jti(),
                    "iat": now_s(),
                    "exp": now_s() + 60,
                }
            )
            assert await post(sign(again, b_key)) == 202
            assert changed(once, await node_a.tables()) == set()
            # The same change sent again under another mid: answered again, applied once.
            resent = wire.RelationshipChange(
                **{
                    **{f: getattr(again, f) for f in again.__struct_fields__},
                    "jti": new_jti(),
                    "mid": new_jti(),
                }
            )
            assert await post(sign(resent, b_key)) == 202
            goals = await pair.mentee_does("GET", "/objectives")
    assert [g["title"] for g in goals] == ["Once"]
    async with node_a.runtime.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(SharedChange).where(SharedChange.change_id == good.change_id)
            )
        ).all()
        rel = await session.get(Relationship, uuid.UUID(pair.rel_a))
    assert [(r.outcome, r.version) for r in rows] == [(ChangeOutcome.APPLIED, version + 1)]
    assert rel is not None
    assert rel.version == version + 1


async def test_the_pages_show_the_shared_record_to_both_people(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    """The organisation's own pages (HTML forms, session cookie and CSRF token as a browser
    sends them) act on the shared record like the API."""
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            a_page = f"{node_a.settings.base_url}/orgs/brent/relationships/{pair.rel_a}"
            b_page = f"{node_b.settings.base_url}/orgs/nch/relationships/{pair.rel_b}"
            await pair.mentee_does("PUT", "/agreement", AGREEMENT)
            await pair.settle()
            posted = await client.post(
                f"{b_page}/objectives",
                data={"title": "Chair a housing panel", "csrf_token": pair.mentor[CSRF_HEADER]},
                headers=pair.mentor,
                follow_redirects=False,
            )
            assert posted.status_code == 303, posted.text
            await pair.settle()
            mentee_sees = await client.get(a_page, headers=pair.mentee)
            mentor_sees = await client.get(b_page, headers=pair.mentor)
    assert mentee_sees.status_code == mentor_sees.status_code == 200
    for page in (mentee_sees.text, mentor_sees.text):
        assert "Chair a housing panel" in page
        assert "Brent Civic Centre" in page
        # Both codes of conduct, on both organisations' pages (as HTML escapes them).
        assert "code of conduct for employees" in page
        assert "standards of behaviour" in page
