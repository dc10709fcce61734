"""The database moves an org's candidate stamps itself: at commit, once per transaction, for a
watched column of a watched table only, and not at all for a rolled-back write."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation import wire
from federation.remote_cards import RemoteCard
from network.db import create_sessionmaker
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.pairing.stamps import NODE, WATCHED, Stamps, read_stamps, trigger_name, watched
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import MentorProfileRow
from orgs.registry import OrgRegistry


async def setup(db: AsyncSession) -> tuple[uuid.UUID, list[Member]]:
    org = await OrgRegistry(db).create("brent", "Brent")
    people = [
        MemberRepository(db, org.id).add(Member(employee_id=f"e{k}", given_name=f"P{k}"))
        for k in range(3)
    ]
    await db.flush()
    for member in people:
        db.add(MentorProfileRow(org_id=org.id, member_id=member.id, topics={"confidence": 2}))
    await db.commit()
    return org.id, people


async def stamps(engine: AsyncEngine, org_id: uuid.UUID) -> Stamps:
    """Read from a session of its own, as another worker would."""
    async with create_sessionmaker(engine)() as other:
        return await read_stamps(other, org_id)


async def test_writes_move_the_stamps_at_commit_once_per_transaction(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    org_id, people = await setup(db)
    before = await stamps(engine, org_id)
    await db.execute(
        update(MentorProfileRow).where(MentorProfileRow.org_id == org_id).values(capacity=2)
    )
    for member in people:
        member.job_title = "Manager"
    await db.flush()
    assert await stamps(engine, org_id) == before  # not before commit
    await db.commit()
    after = await stamps(engine, org_id)
    assert (after.people, after.mentees) == (before.people + 1, before.mentees + 1)
    assert (after.capacity, after.remote) == (before.capacity, before.remote)

    db.add(
        Relationship(
            org_id=org_id,
            mentor_id=people[0].id,
            state=RelationshipState.AGREEING,
            planned_end_on=(datetime.now(UTC) + timedelta(days=180)).date(),
        )
    )
    await db.commit()
    assert await stamps(engine, org_id) == Stamps(
        people=after.people, capacity=after.capacity + 1, mentees=after.mentees, remote=0
    )


async def test_a_rolled_back_write_or_an_unwatched_column_moves_nothing(
    engine: AsyncEngine, db: AsyncSession
) -> None:
    org_id, people = await setup(db)
    before = await stamps(engine, org_id)
    people[0].job_title = "Director"
    await db.flush()
    await db.rollback()
    assert await stamps(engine, org_id) == before
    # Emails and HR attributes are no part of a candidate (members' sign-ins write them).
    await db.execute(
        update(Member).where(Member.org_id == org_id).values(email="x@b.example", grade="G7")
    )
    await db.commit()
    assert await stamps(engine, org_id) == before


async def test_a_card_moves_the_nodes_remote_stamp(engine: AsyncEngine, db: AsyncSession) -> None:
    org_id, _ = await setup(db)
    card = wire.Card(
        handle="H" * 43,
        org="nch",
        topics=(wire.TopicOffer(topic="confidence", level=2),),
        band=wire.BandRange(low=3, high=5),
        region="east-midlands",
        sector="housing",
        meeting_modes=("remote",),
        free_slots="1",
    )
    db.add(
        RemoteCard(
            peer="http://127.0.0.1:9001",
            handle=card.handle,
            org="nch",
            card=msgspec.to_builtins(card),
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    await db.commit()
    assert (await stamps(engine, org_id)).remote == 1
    stored = await db.scalar(
        text("SELECT version FROM candidate_stamps WHERE org_id = :n"), {"n": NODE}
    )
    assert stored == 1


async def test_every_watched_table_has_its_deferred_trigger(db: AsyncSession) -> None:
    assert await watched(db)
    for table, watch in WATCHED.items():
        definition = await db.scalar(
            text(
                "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = :name AND c.relname = :t"
            ),
            {"name": trigger_name(table), "t": table},
        )
        assert definition is not None, table
        assert "DEFERRABLE INITIALLY DEFERRED" in definition
        update_of = "UPDATE" if watch.columns is None else "UPDATE OF " + ", ".join(watch.columns)
        assert f"INSERT OR DELETE OR {update_of} ON public.{table}" in definition
        arguments = ", ".join(f"'{a}'" for a in (watch.org_column or "", *watch.kinds))
        assert definition.endswith(f"candidate_stamp_bump({arguments})"), definition
