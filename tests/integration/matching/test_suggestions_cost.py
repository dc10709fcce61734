"""What a signed-in suggestions request costs: the same SQL statements at 1,000 mentors as at
10 (no query per mentor), and, once the candidates are read, none of them read again until
something they are built from changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from matching.taxonomy import TOPICS
from network.runtime import Runtime
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.people.members import Member
from orgs.people.profiles import MentorProfileRow
from orgs.schemes.applications import Application, AppState
from orgs.schemes.eligibility import SchemeRole
from tests.integration.matching.test_suggestions import URL, Org, acting, org, person, remote_card

#: Tables only the candidate index is read from: a warm request reads none of them.
CANDIDATE_TABLES = ("mentor_profiles", "mentoring_relationships", "federation_remote_cards")


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine (the app's own PostgreSQL one included) sends."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


async def mentors(db: AsyncSession, where: Org, count: int) -> list[Member]:
    """``count`` approved mentors in a few departments, a third of them with a live mentee."""
    topics = sorted(TOPICS)
    people = [
        Member(
            org_id=where.id,
            employee_id=f"x{k}",
            given_name=f"Mentor{k}",
            family_name="Test",
            job_title="Officer",
            department=f"Dept {k % 7}",
        )
        for k in range(count)
    ]
    db.add_all(people)
    await db.flush()
    for k, member in enumerate(people):
        wanted = {topics[k % len(topics)]: 1 + k % 3, "confidence": 1 + k % 2}
        db.add(MentorProfileRow(org_id=where.id, member_id=member.id, topics=wanted, capacity=1))
        db.add(
            Application(
                org_id=where.id,
                scheme_id=where.scheme_id,
                member_id=member.id,
                role=SchemeRole.MENTOR,
                state=AppState.APPROVED,
                eligible=True,
                eligibility_reasons=[],
            )
        )
        if k % 3 == 0:
            db.add(
                Relationship(
                    org_id=where.id,
                    mentor_id=member.id,
                    remote_peer="http://127.0.0.1:9002",
                    remote_ref=f"r{k}",
                    state=RelationshipState.ACTIVE,
                    planned_end_on=(datetime.now(UTC) + timedelta(days=180)).date(),
                )
            )
    await db.commit()
    return people


def shape(statement: str) -> str:
    """A statement without its bound values' count (``IN (…)`` lists vary with the data)."""
    return re.sub(r"\(\$\d+(::\w+)?(, \$\d+(::\w+)?)*\)", "(…)", statement)


async def test_a_request_sends_the_same_statements_at_1000_mentors_as_at_10(
    client: AsyncTestClient[Litestar], db: AsyncSession, statements: list[str]
) -> None:
    first = await org(db, "first", cross_org=True)
    small = await org(db, "small", cross_org=True)
    large = await org(db, "large", cross_org=True)
    await remote_card(db, "C" * 43)
    await mentors(db, small, 10)
    await mentors(db, large, 1000)
    # The first request of a worker also checks the database keeps stamps and reads the
    # node's remote cards: made here, so that both measured orgs start alike.
    starter = await person(db, first, "s1", mentee_topics={"confidence": 3})
    assert (await client.get(URL, headers=await acting(first, starter))).status_code == 200

    sent: dict[str, tuple[list[str], list[str]]] = {}
    for where in (small, large):
        boss = await person(db, where, "b1", mentor_topics={"confidence": 3})
        mentee = await person(db, where, "m1", manager=boss, mentee_topics={"confidence": 5})
        headers = await acting(where, mentee)
        statements.clear()
        cold = await client.get(URL, params={"limit": 5}, headers=headers)
        cold_sent = list(statements)
        statements.clear()
        warm = await client.get(URL, params={"limit": 5}, headers=headers)
        sent[where.handle.org.slug] = (cold_sent, list(statements))
        assert cold.status_code == warm.status_code == 200, cold.text
        assert cold.json() == warm.json()
        items = warm.json()["items"]
        assert len(items) == 5
        assert str(boss.id) not in {i["candidate"]["id"] for i in items}  # the chain, still

    (small_cold, small_warm), (large_cold, large_warm) = sent["small"], sent["large"]
    assert [shape(s) for s in large_cold] == [shape(s) for s in small_cold]
    assert [shape(s) for s in large_warm] == [shape(s) for s in small_warm]
    assert len(large_warm) < len(large_cold)
    assert not [s for s in large_warm if any(table in s for table in CANDIDATE_TABLES)]


async def test_a_change_reads_again_only_the_part_it_touches(
    client: AsyncTestClient[Litestar], app: Litestar, db: AsyncSession
) -> None:
    brent = await org(db, "brent", cross_org=False)
    [mentor] = await mentors(db, brent, 1)
    mentee = await person(db, brent, "m1", mentee_topics={"confidence": 5})
    headers = await acting(brent, mentee)
    cache = Runtime.of(app.state).candidates
    assert (await client.get(URL, headers=headers)).json()["items"] == []  # the one is full
    read = cache.reads
    assert (await client.get(URL, headers=headers)).json()["items"] == []
    assert cache.reads == read  # nothing changed: nothing read

    ended = await db.scalar(select(Relationship).where(Relationship.mentor_id == mentor.id))
    assert ended is not None
    ended.state = RelationshipState.ENDED
    await db.commit()
    items = (await client.get(URL, headers=headers)).json()["items"]
    assert [i["candidate"]["id"] for i in items] == [str(mentor.id)]
    assert cache.reads == read + 1  # the live counts alone, not the mentors or the mentee
