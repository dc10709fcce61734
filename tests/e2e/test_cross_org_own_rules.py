"""Each organisation keeps its own rules for its own person in a cross-organisation pair (issue
16 items 2 and 5), on two real nodes: a Brent mentee (node A, a 12-hour scheme) and a
Nottingham City Homes mentor (node B, an 8-hour scheme), each acting through the HTTP API with
their own session.

- Before accepting, the mentor sees the topics wanted with their importance, the meeting modes
  and the mentee's message, in words, and the mentee's organisation by its name; no name or
  work email reaches node B before acceptance, and a mentor who was not asked sees nothing.
- Time release is counted on each side against its own organisation's budget and warnings.
- Each organisation asks its own person for evaluations with its own questionnaire (the jobs
  at the midpoint; the ending), and each coordinator sees their own person's relationship.
- Both HR exports and both mentoring records include the pair, the other person as introduced.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from network.config import Settings
from network.federation.delivery import deliver_due
from network.federation.feed_pull import pull_feed
from network.jobs import run_once
from orgs.mentoring.meetings import Meeting, MeetingMode, Meetings, MeetingState
from orgs.mentoring.relationships import Relationship
from orgs.pairing.requests import MentoringRequest
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.people.roles import MemberRole, Role
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec
from tests.live import free_port, live_node
from tests.nodes import Node, node
from tests.sessions import sign_in

BRENT, NCH = "London Borough of Brent", "Nottingham City Homes"
WORDS = "I would like to lead a housing team within two years."
AGREEMENT = {
    "frequency": "Monthly",
    "location": "Online",
    "length_minutes": 60,
    "contact_by": "mentee",
    "communication": "Email",
    "objectives": "Lead a team",
    "expected_outcomes": "A team leader post",
    "shadowing_wanted": False,
}
CONFIRM = {"accept_code_of_conduct": True, "accept_principles": True}


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
class Side:
    """One organisation on its node: its scheme, its coordinator, its people."""

    where: Node
    slug: str
    org_id: uuid.UUID
    scheme_id: uuid.UUID
    coordinator: Member

    @property
    def url(self) -> str:
        return self.where.settings.base_url

    async def as_(self, member: Member) -> dict[str, str]:
        [session] = await sign_in(self.slug, [member], runtime=self.where.runtime)
        return session.headers


async def side(where: Node, slug: str, name: str, policy: SharingPolicy, hours: int) -> Side:
    async with where.runtime.sessionmaker() as session, session.begin():
        org = await OrgRegistry(session).create(slug, name)
        await set_policy(session, org.id, policy)
        schemes = SchemeService(session, org.id)
        # A scheme the people are not in: the mentor's side must pick the one they mentor in.
        await schemes.create(SchemeSpec(slug="leaders", name="Leaders", time_release_hours=30))
        scheme = await schemes.create(
            SchemeSpec(
                slug="mentoring",
                name="Mentoring",
                time_release_hours=hours,
                max_months=6 if slug == "brent" else 9,
            )
        )
        coordinator = MemberRepository(session, org.id).add(
            Member(employee_id=f"{slug}-c", given_name="Cora", family_name="Ordinator")
        )
        await session.flush()
        session.add(MemberRole(org_id=org.id, member_id=coordinator.id, role=Role.COORDINATOR))
        return Side(where, slug, org.id, scheme.id, coordinator)


async def person(
    at: Side, employee_id: str, name: tuple[str, str], role: SchemeRole, topics: dict[str, int]
) -> Member:
    async with at.where.runtime.sessionmaker() as session, session.begin():
        member = MemberRepository(session, at.org_id).add(
            Member(
                employee_id=employee_id,
                given_name=name[0],
                family_name=name[1],
                email=f"{name[0].lower()}.{name[1].lower()}@{at.slug}.example",
            )
        )
        await session.flush()
        profiles = ProfileService(session, member)
        if role is SchemeRole.MENTEE:
            await profiles.save_mentee(topics=topics, open_to_other_orgs=True)
        else:
            await profiles.save_mentor(
                topics=topics, open_to_other_orgs=True, seniority_band=6, pen_picture="Lead"
            )
        ApplicationRepository(session, at.org_id).add(
            Application(
                scheme_id=at.scheme_id,
                member_id=member.id,
                role=role,
                state=AppState.APPROVED,
                eligible=True,
                eligibility_reasons=[],
            )
        )
        return member


async def own_rules(at: Side, client: httpx.AsyncClient, audiences: tuple[str, ...]) -> None:
    """The coordinator sets the scheme's terms (a midpoint evaluation) and questionnaires."""
    base = f"{at.url}/api/v1/orgs/{at.slug}/schemes/{at.scheme_id}"
    headers = await at.as_(at.coordinator)
    terms = {"code_of_conduct": f"{at.slug} code", "principles": ["Respect"]}
    response = await client.put(
        f"{base}/terms", json={**terms, "midpoint_evaluation": True}, headers=headers
    )
    assert response.status_code == 200, response.text
    for audience in audiences:
        for stage in ("midpoint", "end"):
            body = {
                "audience": audience,
                "stage": stage,
                "title": f"{at.slug} {audience} {stage}",
                "questions": [{"key": "useful", "text": "How useful?", "kind": "scale"}],
            }
            response = await client.put(f"{base}/questionnaires", json=body, headers=headers)
            assert response.status_code == 200, response.text


async def settle(a: Side, b: Side, client: httpx.AsyncClient) -> None:
    """Deliver what either node queued until nothing is left (answers may queue more)."""
    for _ in range(6):
        moved = 0
        for here in (a.where, b.where):
            report = await deliver_due(here.runtime, datetime.now(UTC), client)
            assert report.failed == 0, report.errors
            moved += report.delivered
        if not moved:
            return
    raise AssertionError("the nodes kept sending")


async def local_row(at: Side) -> Relationship:
    async with at.where.runtime.sessionmaker() as session:
        [row] = (await session.scalars(select(Relationship))).all()
        return row


async def backdate(at: Side, days: int) -> None:
    """The pair began ``days`` ago on this side (a held meeting may not precede it)."""
    async with at.where.runtime.sessionmaker() as session, session.begin():
        row = (await session.scalars(select(Relationship))).one()
        row.started_at -= timedelta(days=days)


async def replica_holds_meetings(source: Side, replica: Side) -> None:
    """The held meetings of the pair as the replica's tables hold them. The shared record
    (issue 16 item 1) replicates them; where it has not (yet), they are put there as it
    would, so that this side's rules are checked on the same meetings."""
    rel = await local_row(replica)
    async with replica.where.runtime.sessionmaker() as session, session.begin():
        repo = Meetings(session, replica.org_id)
        if await repo.list(Meeting.relationship_id == rel.id):
            return
        async with source.where.runtime.sessionmaker() as theirs:
            held = (
                await theirs.scalars(select(Meeting).where(Meeting.state == MeetingState.HELD))
            ).all()
        for meeting in held:
            repo.add(
                Meeting(
                    id=uuid.uuid4(),
                    relationship_id=rel.id,
                    state=MeetingState.HELD,
                    starts_at=meeting.starts_at,
                    duration_minutes=meeting.duration_minutes,
                    mode=MeetingMode(meeting.mode),
                )
            )


async def get(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def post(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], body: Any = None
) -> Any:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code < 300, response.text
    return response.json()


def hr_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_each_organisation_keeps_its_own_rules_for_its_own_person(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    a = await side(node_a, "brent", BRENT, SharingPolicy(cross_org=True), hours=12)
    b = await side(
        node_b,
        "nch",
        NCH,
        SharingPolicy(
            cross_org=True, publish_cards=True, k=5, sector="housing", region="east-midlands"
        ),
        hours=8,
    )
    mentee = await person(a, "b1", ("Amara", "Okafor"), SchemeRole.MENTEE, {"housing": 5})
    mentors = [
        await person(b, f"n{i}", (f"Mentor{i}", "Shah"), SchemeRole.MENTOR, {"housing": 3})
        for i in range(5)
    ]
    await node_a.pin(node_b)
    await node_b.pin(node_a)
    with live_node(node_a.settings, port=ports[0]), live_node(node_b.settings, port=ports[1]):
        async with httpx.AsyncClient(timeout=20) as client:
            await own_rules(a, client, ("mentee", "mentor"))
            await own_rules(b, client, ("mentee", "mentor"))
            assert (await pull_feed(node_a.runtime, b.url, client)).cards == 5
            me = await a.as_(mentee)
            [best, *_] = (await get(client, f"{a.url}/api/v1/me/suggestions", me))["items"]
            handle, peer = best["candidate"]["id"].split("@", 1)
            [sent] = await post(
                client,
                f"{a.url}/api/v1/me/requests",
                me,
                {
                    "scheme_id": str(a.scheme_id),
                    "mentors": [{"remote": {"peer": peer, "handle": handle}}],
                    "message": WORDS,
                },
            )
            assert (sent["counterpart"], sent["counterpart_org"]) == (f"a mentor at {NCH}", NCH)
            await settle(a, b, client)

            # --- item 5: the mentor decides knowing what is asked, and nobody's name --------
            seen: dict[uuid.UUID, list[Any]] = {}
            for mentor in mentors:
                seen[mentor.id] = await get(
                    client, f"{b.url}/api/v1/me/requests", await b.as_(mentor)
                )
            [asked] = [m for m in mentors if seen[m.id]]
            others = [m for m in mentors if m is not asked]
            [incoming] = seen[asked.id]
            assert incoming["counterpart"] == f"a mentee at {BRENT}"
            assert incoming["counterpart_org"] == BRENT
            assert incoming["topics_wanted"] == [
                {
                    "topic": "housing",
                    "importance": 5,
                    "label": "Housing",
                    "importance_words": "essential (5 of 5)",
                }
            ]
            assert incoming["meeting_modes_words"] == "in person or remotely"
            assert incoming["message"] == WORDS
            page = await client.get(f"{b.url}/orgs/nch/requests", headers=await b.as_(asked))
            assert page.status_code == 200
            for shown in (f"a mentee at {BRENT}", "Housing: essential (5 of 5)", WORDS):
                assert shown in page.text
            assert "Would like to meet in person or remotely" in page.text
            before = await node_b.tables()
            for text in ("Amara", "Okafor", mentee.email):
                assert text not in str(before), f"{text} reached node B before acceptance"

            # Refused: a mentor who was not asked can neither read nor accept the request.
            stranger = await b.as_(others[0])
            url = f"{b.url}/api/v1/requests/{incoming['id']}"
            assert (await client.get(url, headers=stranger)).status_code == 404
            assert (await client.post(f"{url}/accept", headers=stranger)).status_code == 404
            assert await node_b.tables() == before
            assert (await get(client, url, await b.as_(asked)))["state"] == "open"

            # --- accepted: the pairing starts on both sides, names cross now --------------
            mine = await b.as_(asked)
            await post(client, f"{url}/accept", mine)
            await settle(a, b, client)
            a_rel, b_rel = await local_row(a), await local_row(b)
            for at, rel, who, them in ((a, a_rel, me, NCH), (b, b_rel, mine, BRENT)):
                page = await client.get(
                    f"{at.url}/orgs/{at.slug}/relationships/{rel.id}", headers=who
                )
                assert page.status_code == 200
                assert "Their organisation" in page.text
                assert them in page.text
            assert (a_rel.scheme_id, b_rel.scheme_id) == (a.scheme_id, b.scheme_id)
            async with node_b.runtime.sessionmaker() as session:
                req = (await session.scalars(select(MentoringRequest))).one()
                assert req.scheme_id == b.scheme_id  # the mentor's own scheme
            # One shared agreement (issue 16 item 1): the mentee writes and confirms it, the
            # mentor confirms the same text once it has reached their side.
            base = f"{a.url}/api/v1/relationships/{a_rel.id}/agreement"
            response = await client.put(base, json=AGREEMENT, headers=me)
            assert response.status_code < 300, response.text
            await post(client, f"{base}/confirm", me, CONFIRM)
            await settle(a, b, client)
            await post(
                client, f"{b.url}/api/v1/relationships/{b_rel.id}/agreement/confirm", mine, CONFIRM
            )
            await settle(a, b, client)
            for at, rel, who in ((a, a_rel, me), (b, b_rel, mine)):
                state = await get(client, f"{at.url}/api/v1/relationships/{rel.id}", who)
                assert state["state"] == "active"
            for at in (a, b):
                await backdate(at, days=1)

            # --- time release: each side against its own organisation's budget ------------
            held = {
                "starts_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
                "duration_minutes": 420,
                "mode": "in_person",
                "held": True,
            }
            made = await post(client, f"{a.url}/api/v1/relationships/{a_rel.id}/meetings", me, held)
            assert made["time_release"]["budget_hours"] == 12
            assert made["time_release"]["warning"] is False
            await settle(a, b, client)
            await replica_holds_meetings(a, b)
            ours = await get(client, f"{a.url}/api/v1/relationships/{a_rel.id}/time-release", me)
            theirs = await get(
                client, f"{b.url}/api/v1/relationships/{b_rel.id}/time-release", mine
            )
            assert (ours["used_hours"], ours["budget_hours"], ours["warning"]) == (7, 12, False)
            assert (theirs["used_hours"], theirs["budget_hours"], theirs["percent"]) == (7, 8, 88)
            assert theirs["warning"] is True

            # --- the jobs at the midpoint, on each node: its own person, its own form ------
            later = datetime.now(UTC) + timedelta(days=150)
            for at in (a, b):
                await run_once(at.where.runtime.sessionmaker, at.where.settings, later)
            await settle(a, b, client)
            mentee_forms = await get(client, f"{a.url}/api/v1/me/evaluations", me)
            mentor_forms = await get(client, f"{b.url}/api/v1/me/evaluations", mine)
            assert [e["title"] for e in mentee_forms] == ["brent mentee midpoint"]
            assert [e["title"] for e in mentor_forms] == ["nch mentor midpoint"]
            warned = await get(client, f"{b.url}/api/v1/me/notifications", mine)
            assert [n["subject"] for n in warned if n["kind"] == "budget"] == [
                "88% of your time release is used"
            ]
            ours_told = await get(client, f"{a.url}/api/v1/me/notifications", me)
            assert not [n for n in ours_told if n["kind"] == "budget"]  # 58 % of Brent's 12 h

            # Refused: an answer out of range names the field and leaves the form unanswered.
            [form] = mentor_forms
            answer = f"{b.url}/api/v1/me/evaluations/{form['id']}/answers"
            wrong = await client.post(answer, json={"answers": {"useful": 9}}, headers=mine)
            assert wrong.status_code == 422
            assert wrong.json()["errors"][0]["field"] == "answers.useful"
            [again] = await get(client, f"{b.url}/api/v1/me/evaluations", mine)
            assert again["submitted_at"] is None
            await post(client, answer, mine, {"answers": {"useful": 4}})

            # --- each coordinator sees their own person's relationship ---------------------
            a_health = await get(
                client, f"{a.url}/api/v1/orgs/brent/relationships", await a.as_(a.coordinator)
            )
            b_health = await get(
                client,
                f"{b.url}/api/v1/orgs/nch/relationships?scheme_id={b.scheme_id}",
                await b.as_(b.coordinator),
            )
            [ah], [bh] = a_health, b_health
            assert (ah["mentee"], ah["mentor"]) == ("Amara Okafor", f"{asked.given_name} Shah")
            assert (bh["mentee"], bh["mentor"]) == ("Amara Okafor", f"{asked.given_name} Shah")
            assert (ah["counterpart_org"], bh["counterpart_org"]) == (NCH, BRENT)
            assert (ah["hours_used"], ah["hours_budget"]) == (7, 12)
            assert (bh["hours_used"], bh["hours_budget"], bh["meetings_held"]) == (7, 8, 1)
            assert ah["cross_org"] is bh["cross_org"] is True

            # --- the mentee closes it: completed on both sides, both asked at the end ------
            await post(client, f"{a.url}/api/v1/relationships/{a_rel.id}/end", me, {"how": "close"})
            await settle(a, b, client)
            ended = await get(client, f"{b.url}/api/v1/relationships/{b_rel.id}", mine)
            assert (ended["state"], ended["end_kind"]) == ("ended", "completed")
            for at, who, titles in (
                (a, me, {"brent mentee midpoint", "brent mentee end"}),
                (b, mine, {"nch mentor midpoint", "nch mentor end"}),
            ):
                forms = await get(client, f"{at.url}/api/v1/me/evaluations", who)
                assert {e["title"] for e in forms} == titles
                assert len(forms) == len(titles)
            outcome = await post(
                client,
                f"{b.url}/api/v1/orgs/nch/outcomes",
                await b.as_(b.coordinator),
                {"relationship_id": str(b_rel.id), "kind": "promotion", "on": "2027-06-01"},
            )
            assert outcome["relationship_id"] == str(b_rel.id)

            # --- HR exports and mentoring records of both ----------------------------------
            exports = {}
            for at in (a, b):
                response = await client.get(
                    f"{at.url}/api/v1/orgs/{at.slug}/hr-export.csv",
                    headers=await at.as_(at.coordinator),
                )
                assert response.status_code == 200, response.text
                exports[at.slug] = hr_rows(response.text)
            [brent_row], [nch_row] = exports["brent"], exports["nch"]
            assert brent_row["name"] == "Amara Okafor"
            assert brent_row["counterpart"] == f"{asked.given_name} Shah"
            assert brent_row["counterpart_organisation"] == NCH
            assert nch_row["name"] == f"{asked.given_name} Shah"
            assert (nch_row["role"], nch_row["counterpart"]) == ("mentor", "Amara Okafor")
            assert nch_row["counterpart_organisation"] == BRENT
            assert nch_row["scheme_id"] == str(b.scheme_id)
            for row in (brent_row, nch_row):
                assert (row["cross_organisation"], row["hours"], row["end_kind"]) == (
                    "yes",
                    "7.00",
                    "completed",
                )
            records = {
                "brent": await get(client, f"{a.url}/api/v1/me/mentoring-record.json", me),
                "nch": await get(client, f"{b.url}/api/v1/me/mentoring-record.json", mine),
            }
            [brent_rel] = records["brent"]["relationships"]
            [nch_rel] = records["nch"]["relationships"]
            assert (brent_rel["counterpart"], brent_rel["counterpart_organisation"]) == (
                f"{asked.given_name} Shah",
                NCH,
            )
            assert (nch_rel["counterpart"], nch_rel["counterpart_organisation"]) == (
                "Amara Okafor",
                BRENT,
            )
            assert (brent_rel["hours_budget"], nch_rel["hours_budget"]) == (12, 8)
            assert brent_rel["cross_organisation"] is nch_rel["cross_organisation"] is True
            assert [len(r["relationships"][0]["meetings"]) for r in records.values()] == [1, 1]
