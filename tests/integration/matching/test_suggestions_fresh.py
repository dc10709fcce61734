"""Candidates are kept between requests, never stale: whatever changes what a suggestion is
built from (capacity, a profile, an approval, a member, the mentee's side, a card, a policy),
whoever writes it and however, shows in the very next request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.candidate_cache import CandidateCache
from federation.remote_cards import RemoteCard
from network.db import create_sessionmaker
from network.http.suggestions_api import build_suggestions
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import NeverAgainPair, Relationship
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member, MemberStatus
from orgs.people.profiles import MenteeProfileRow, MentorProfileRow
from orgs.schemes.applications import Application, AppState
from orgs.schemes.eligibility import SchemeRole
from tests.integration.matching.test_suggestions import (
    PEER,
    URL,
    Org,
    acting,
    org,
    person,
    remote_card,
)

TOPICS = {"confidence": 3}


async def suggested(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> set[str]:
    response = await client.get(URL, params={"limit": 50}, headers=headers)
    assert response.status_code == 200, response.text
    return {item["candidate"]["id"] for item in response.json()["items"]}


async def relationship(db: AsyncSession, where: Org, mentor: Member) -> Relationship:
    rel = Relationship(
        org_id=where.id,
        mentor_id=mentor.id,
        remote_peer="http://127.0.0.1:9002",
        remote_ref="r1",
        state=RelationshipState.ACTIVE,
        planned_end_on=(datetime.now(UTC) + timedelta(days=180)).date(),
    )
    db.add(rel)
    await db.commit()
    return rel


async def test_capacity_profiles_approvals_and_members_show_in_the_next_request(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    mentee = await person(db, brent, "m1", mentee_topics={"confidence": 5})
    a, b, c = [await person(db, brent, f"a{k}", mentor_topics=TOPICS) for k in range(3)]
    headers = await acting(brent, mentee)
    everyone = {str(a.id), str(b.id), str(c.id)}
    assert await suggested(client, headers) == everyone

    rel = await relationship(db, brent, a)  # a's one seat is taken
    assert await suggested(client, headers) == everyone - {str(a.id)}
    rel.state = RelationshipState.ENDED
    await db.commit()
    assert await suggested(client, headers) == everyone

    profile = await db.scalar(select(MentorProfileRow).where(MentorProfileRow.member_id == b.id))
    assert profile is not None
    profile.paused_until = (datetime.now(UTC) + timedelta(days=7)).date()
    await db.commit()
    assert await suggested(client, headers) == everyone - {str(b.id)}

    await db.execute(
        update(Application).where(Application.member_id == c.id).values(state=AppState.WITHDRAWN)
    )
    await db.commit()
    assert await suggested(client, headers) == {str(a.id)}

    d = await person(db, brent, "a3", mentor_topics=TOPICS)  # newly approved
    assert await suggested(client, headers) == {str(a.id), str(d.id)}
    d.status = MemberStatus.LEFT
    await db.commit()
    assert await suggested(client, headers) == {str(a.id)}

    # Written by hand, past every service: the database still notices.
    await db.execute(
        text("UPDATE mentor_profiles SET capacity = 0 WHERE member_id = :id"), {"id": a.id}
    )
    await db.commit()
    assert await suggested(client, headers) == set()


async def test_the_mentees_own_side_shows_in_the_next_request(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    mentee = await person(db, brent, "m1", mentee_topics={"confidence": 5})
    a, b, c = [await person(db, brent, f"a{k}", mentor_topics=TOPICS) for k in range(3)]
    headers = await acting(brent, mentee)
    assert await suggested(client, headers) == {str(a.id), str(b.id), str(c.id)}

    ended = await relationship(db, brent, a)
    ended.state = RelationshipState.ENDED
    db.add(
        NeverAgainPair(
            org_id=brent.id, relationship_id=ended.id, mentee_id=mentee.id, mentor_id=a.id
        )
    )
    await db.commit()
    assert await suggested(client, headers) == {str(b.id), str(c.id)}

    # b becomes the mentee's line manager (as an HR import would record it).
    await db.execute(update(Member).where(Member.id == mentee.id).values(manager_id=b.id))
    await db.commit()
    assert await suggested(client, headers) == {str(c.id)}

    # The mentee wants other topics now: c offers none of them, and is still the only one.
    await db.execute(
        update(MenteeProfileRow)
        .where(MenteeProfileRow.member_id == mentee.id)
        .values(topics={"networks": 4})
    )
    await db.commit()
    response = await client.get(URL, headers=headers)
    [item] = response.json()["items"]
    assert "Networks" not in " ".join(p["sentence"] for p in item["explanation"])
    assert "Confidence" not in " ".join(p["sentence"] for p in item["explanation"])

    await db.execute(
        update(Application)
        .where(Application.member_id == mentee.id, Application.role == SchemeRole.MENTEE)
        .values(state=AppState.WITHDRAWN)
    )
    await db.commit()
    body = (await client.get(URL, headers=headers)).json()
    assert body["items"] == []
    assert "approved application" in body["shortfall"]


async def test_cards_and_the_orgs_policy_show_in_the_next_request(
    client: AsyncTestClient[Litestar], engine: AsyncEngine, db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=True)
    mentee = await person(db, brent, "m1", mentee_topics={"leadership-management": 4})
    headers = await acting(brent, mentee)
    await remote_card(db, "A" * 43)
    first = f"{'A' * 43}@{PEER}"
    assert await suggested(client, headers) == {first}

    await remote_card(db, "B" * 43)
    second = f"{'B' * 43}@{PEER}"
    assert await suggested(client, headers) == {first, second}
    await db.execute(text("DELETE FROM federation_remote_cards WHERE handle = :h"), {"h": "A" * 43})
    await db.commit()
    assert await suggested(client, headers) == {second}

    # A card is dropped when it expires, with no write at all (a cache of this test's own, as
    # the app's runs in the test client's event loop).
    cache = CandidateCache(create_sessionmaker(engine))
    expires = await db.scalar(select(RemoteCard.expires_at).where(RemoteCard.handle == "B" * 43))
    assert expires is not None
    for now, wanted in ((expires - timedelta(seconds=1), 1), (expires, 0)):
        found = await build_suggestions(db, cache, mentee, None, 10, now)
        assert len(found.items) == wanted, now

    await set_policy(db, brent.id, SharingPolicy(cross_org=False))
    await db.commit()
    assert await suggested(client, headers) == set()


async def test_an_uncommitted_write_never_enters_the_kept_candidates(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    mentee = await person(db, brent, "m1", mentee_topics={"confidence": 5})
    mentor = await person(db, brent, "a1", mentor_topics=TOPICS)
    sessions = create_sessionmaker(engine)
    cache = CandidateCache(sessions)
    now = datetime.now(UTC)
    async with sessions() as session:
        await session.execute(
            update(MentorProfileRow)
            .where(MentorProfileRow.member_id == mentor.id)
            .values(paused_until=(now + timedelta(days=7)).date())
        )
        await build_suggestions(session, cache, mentee, None, 10, now)
        await session.rollback()  # the pause never happened
    async with sessions() as session:
        found = await build_suggestions(session, cache, mentee, None, 10, now)
    assert [i.candidate.id for i in found.items] == [str(mentor.id)]
