"""Suggestions through the API: approved people only, hard constraints never traded, both
orgs consenting across organisations, explanations that add up, and reasons for shortfalls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.peer_registry import Peer, PeerRegistry
from federation.remote_cards import RemoteCard
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec
from tests.integration.network.helpers import OrgWithToken, org_with_token
from tests.sessions import sign_in

URL = "/api/v1/me/suggestions"


@dataclass
class Org:
    handle: OrgWithToken
    scheme_id: uuid.UUID

    @property
    def id(self) -> uuid.UUID:
        return self.handle.org.id


async def org(db: AsyncSession, slug: str, *, cross_org: bool) -> Org:
    handle = await org_with_token(db, slug)
    scheme = await SchemeService(db, handle.org.id).create(
        SchemeSpec(slug="mentoring", name="Mentoring")
    )
    await set_policy(db, handle.org.id, SharingPolicy(cross_org=cross_org))
    await db.commit()
    return Org(handle, scheme.id)


async def person(
    db: AsyncSession,
    where: Org,
    employee_id: str,
    *,
    manager: Member | None = None,
    mentee_topics: dict[str, int] | None = None,
    mentor_topics: dict[str, int] | None = None,
    approved: bool = True,
    open_to_other_orgs: bool = True,
    department: str = "Housing",
) -> Member:
    member = MemberRepository(db, where.id).add(
        Member(
            employee_id=employee_id,
            given_name=employee_id.title(),
            family_name="Test",
            job_title="Officer",
            department=department,
            manager_id=manager.id if manager else None,
        )
    )
    await db.flush()
    profiles = ProfileService(db, member)
    roles = []
    if mentee_topics is not None:
        await profiles.save_mentee(topics=mentee_topics, open_to_other_orgs=open_to_other_orgs)
        roles.append(SchemeRole.MENTEE)
    if mentor_topics is not None:
        await profiles.save_mentor(topics=mentor_topics, open_to_other_orgs=open_to_other_orgs)
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
            )
        )
    await db.commit()
    return member


async def acting(where: Org, member: Member) -> dict[str, str]:
    """``member``'s browser: a session of their own (the org's token is never a person)."""
    [session] = await sign_in(where.handle.org.slug, [member])
    return session.headers


async def test_ranked_by_importance_weighted_topics_with_explanations_that_add_up(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    mentee = await person(db, brent, "m1", mentee_topics={"confidence": 5, "housing": 1})
    strong = await person(db, brent, "a1", mentor_topics={"confidence": 3})
    weak = await person(db, brent, "a2", mentor_topics={"housing": 3})
    response = await client.get(URL, headers=await acting(brent, mentee))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["candidate"]["id"] for i in items] == [str(strong.id), str(weak.id)]
    for item in items:
        assert sum(part["points"] for part in item["explanation"]) == item["score"]
    assert items[0]["candidate"]["name"] == "A1 Test"  # same organisation: named
    assert "Confidence" in " ".join(p["sentence"] for p in items[0]["explanation"])


async def test_the_mentees_line_manager_and_anyone_above_are_never_suggested(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    director = await person(db, brent, "d1", mentor_topics={"confidence": 3})
    manager = await person(db, brent, "l1", manager=director, mentor_topics={"confidence": 3})
    mentee = await person(db, brent, "m1", manager=manager, mentee_topics={"confidence": 5})
    other = await person(db, brent, "o1", mentor_topics={"confidence": 1})
    body = (await client.get(URL, headers=await acting(brent, mentee))).json()
    assert [i["candidate"]["id"] for i in body["items"]] == [str(other.id)]
    assert "management chain" in body["shortfall"]


async def test_an_approval_in_a_scheme_that_has_ended_clears_nobody(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    mentee = await person(db, brent, "m1", mentee_topics={"confidence": 5})
    current = await person(db, brent, "a1", mentor_topics={"confidence": 3})
    past = Org(
        brent.handle,
        (
            await SchemeService(db, brent.id).create(
                SchemeSpec(slug="pilot-2025", name="Pilot 2025")
            )
        ).id,
    )
    await person(db, past, "a2", mentor_topics={"confidence": 3})
    before = (await client.get(URL, headers=await acting(brent, mentee))).json()["items"]
    assert len(before) == 2
    pilot = await SchemeService(db, brent.id).by_slug("pilot-2025")
    pilot.ends_on = datetime.now(UTC).date() - timedelta(days=1)
    await db.commit()
    items = (await client.get(URL, headers=await acting(brent, mentee))).json()["items"]
    assert [i["candidate"]["id"] for i in items] == [str(current.id)]


async def test_unapproved_mentors_are_left_out_and_an_unapproved_mentee_is_told_why(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    mentee = await person(db, brent, "m1", mentee_topics={"confidence": 5})
    await person(db, brent, "a1", mentor_topics={"confidence": 3}, approved=False)
    assert (await client.get(URL, headers=await acting(brent, mentee))).json()["items"] == []
    waiting = await person(db, brent, "m2", mentee_topics={"confidence": 5}, approved=False)
    body = (await client.get(URL, headers=await acting(brent, waiting))).json()
    assert body["items"] == []
    assert "approved application" in body["shortfall"]


PEER = "http://127.0.0.1:9001"


async def remote_card(db: AsyncSession, handle: str, org_slug: str = "nch") -> None:
    """A card as if pulled from a peer's verified feed, and that peer."""
    if await PeerRegistry(db).find(PEER) is None:
        db.add(
            Peer(
                node_id=PEER,
                name="MentorNet East Midlands",
                keys=[],
                document={"orgs": [{"slug": "nch", "display_name": "Nottingham City Homes"}]},
                document_iat=0,
            )
        )
    card = wire.Card(
        handle=handle,
        org=org_slug,
        topics=(wire.TopicOffer(topic="leadership-management", level=3),),
        band=wire.BandRange(low=4, high=6),
        region="east-midlands",
        sector="housing",
        meeting_modes=("remote",),
        free_slots="1",
    )
    db.add(
        RemoteCard(
            peer=PEER,
            handle=handle,
            org=org_slug,
            card=msgspec.to_builtins(card),
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    await db.commit()


async def test_other_organisations_only_when_our_org_allows_theirs_and_without_names(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=True)
    harrow = await org(db, "harrow", cross_org=True)
    mentee = await person(db, brent, "m1", mentee_topics={"leadership-management": 4})
    # A consenting org on this node is reached through federation, not suggested directly.
    await person(db, harrow, "h1", mentor_topics={"leadership-management": 3})
    await remote_card(db, "N" * 43)
    items = (await client.get(URL, headers=await acting(brent, mentee))).json()["items"]
    assert [i["candidate"]["id"] for i in items] == [f"{'N' * 43}@{PEER}"]
    assert items[0]["candidate"]["kind"] == "remote"
    assert items[0]["candidate"]["organisation"] == "Nottingham City Homes"
    assert items[0]["candidate"]["node"] == "MentorNet East Midlands"
    assert items[0]["candidate"]["name"] is None

    # Brent lists its partners, and NCH is not one of them: the card is not suggested.
    await set_policy(db, brent.id, SharingPolicy(cross_org=True, partners=["harrow"]))
    await db.commit()
    assert (await client.get(URL, headers=await acting(brent, mentee))).json()["items"] == []
    await set_policy(db, brent.id, SharingPolicy(cross_org=True, partners=[f"nch@{PEER}"]))
    await db.commit()
    assert len((await client.get(URL, headers=await acting(brent, mentee))).json()["items"]) == 1
    # A mentee who wants a mentor from their own organisation sees no card.
    closed = await person(
        db, brent, "m2", mentee_topics={"leadership-management": 4}, open_to_other_orgs=False
    )
    assert (await client.get(URL, headers=await acting(brent, closed))).json()["items"] == []


async def test_limit_and_deterministic_ties(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    mentee = await person(db, brent, "m1", mentee_topics={"networks": 3})
    mentors = [await person(db, brent, f"a{i}", mentor_topics={"networks": 2}) for i in range(4)]
    first = (await client.get(URL, params={"limit": 3}, headers=await acting(brent, mentee))).json()
    again = (await client.get(URL, params={"limit": 3}, headers=await acting(brent, mentee))).json()
    ids = [i["candidate"]["id"] for i in first["items"]]
    assert ids == [i["candidate"]["id"] for i in again["items"]]
    assert ids == sorted(str(m.id) for m in mentors)[:3]  # equal scores: ids break the tie
    bad = await client.get(URL, params={"limit": 0}, headers=await acting(brent, mentee))
    assert bad.status_code == 400
