"""Moving a meeting of a cross-node pair in place (``meeting.reschedule``, issue 16): the same
meeting on both nodes, a new slot, and on each node its own person's calendar invitation sent
again (METHOD:REQUEST, same UID, higher SEQUENCE). Refused moves change nothing on either node.
Two live nodes, own databases, real sessions (the pair of ``test_shared_record``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import icalendar
from sqlalchemy import select

from federation import wire
from federation.signing import new_jti, sign
from network.federation.wiring import INBOX_PATH, now_s
from orgs.mentoring.meetings import Meeting
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.shared_record import SharedChange
from orgs.people.notifications import OutgoingEmail
from tests.e2e.test_shared_record import Pair, both_live, node_a, node_b, paired, ports
from tests.nodes import Node, changed

__all__ = ["node_a", "node_b", "ports"]  # the fixtures, from the shared record's test

MOVED = "A mentoring meeting was moved"


async def invitations(where: Node, subject: str) -> list[icalendar.Component]:
    """The calendar events of the emails with ``subject`` queued on ``where``, oldest first."""
    async with where.runtime.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(OutgoingEmail)
                .where(OutgoingEmail.subject == subject)
                .order_by(OutgoingEmail.created_at)
            )
        ).all()
    events = []
    for row in rows:
        cal = icalendar.Calendar.from_ical(row.calendar)
        assert cal["METHOD"] == "REQUEST"
        [event] = cal.walk("VEVENT")
        events.append(event)
    return events


async def slot(where: Node, rel_id: str) -> tuple[datetime, int, str, int]:
    async with where.runtime.sessionmaker() as session:
        (row,) = (
            await session.scalars(
                select(Meeting).where(Meeting.relationship_id == uuid.UUID(rel_id))
            )
        ).all()
        return row.starts_at, row.duration_minutes, row.mode.value, row.sequence


def at(days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


async def test_a_meeting_moved_on_either_side_moves_on_both_with_a_higher_sequence(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            first = at(7)
            made = await pair.mentee_does(
                "POST",
                "/meetings",
                {"starts_at": first.isoformat(), "duration_minutes": 60, "mode": "remote"},
            )
            await pair.settle()
            (theirs,) = await pair.mentor_does("GET", "/meetings")
            assert theirs["shared_ref"] == made["meeting"]["shared_ref"]

            # The mentor (the replica's side) moves it: the authority applies the op.
            second = at(9)
            await pair.mentor_does(
                "POST",
                f"/meetings/{theirs['id']}/reschedule",
                {"starts_at": second.isoformat(), "duration_minutes": 45, "mode": "phone"},
            )
            await pair.settle()
            assert await slot(node_a, pair.rel_a) == (second, 45, "phone", 1)
            assert await slot(node_b, pair.rel_b) == (second, 45, "phone", 1)

            # The mentee (the authority's side) moves it again: the record carries it over.
            third = at(10)
            await pair.mentee_does(
                "POST",
                f"/meetings/{made['meeting']['id']}/reschedule",
                {"starts_at": third.isoformat(), "duration_minutes": 30, "mode": "in_person"},
            )
            await pair.settle()
            assert await slot(node_a, pair.rel_a) == (third, 30, "in_person", 2)
            assert await slot(node_b, pair.rel_b) == (third, 30, "in_person", 2)
            # Still one meeting on each side: moved in place, not cancelled and added.
            for side in (
                await pair.mentee_does("GET", "/meetings"),
                await pair.mentor_does("GET", "/meetings"),
            ):
                assert [(m["state"], m["shared_ref"]) for m in side] == [
                    ("scheduled", made["meeting"]["shared_ref"])
                ]

    # Each node sent its own person an UPDATE of the event it sent first: same UID, SEQUENCE up.
    for where in (node_a, node_b):
        moves = await invitations(where, MOVED)
        assert [e.decoded("SEQUENCE") for e in moves] == [1, 2]
        assert len({str(e["UID"]) for e in moves}) == 1
        assert [e.decoded("DTSTART") for e in moves] == [second, third]
    (scheduled,) = await invitations(node_a, "A mentoring meeting was scheduled")
    assert str(scheduled["UID"]) == str((await invitations(node_a, MOVED))[0]["UID"])
    assert scheduled.decoded("SEQUENCE") == 0


def _reschedule(
    pair: Pair, *, base: int, ref: str, starts_at: datetime, change_id: str | None = None
) -> wire.RelationshipChange:
    now = now_s()
    return wire.RelationshipChange(
        iss=pair.b.settings.base_url,
        aud=pair.a.settings.base_url,
        iat=now,
        exp=now + 60,
        jti=new_jti(),
        mid=new_jti(),
        request_id=pair.request_id,
        org="nch",
        change_id=change_id or new_jti(),
        base_version=base,
        op=wire.RescheduleMeeting(
            ref=ref, starts_at=int(starts_at.timestamp()), duration_minutes=60, mode="remote"
        ),
    )


async def test_refused_and_stale_moves_change_nothing(
    node_a: Node, node_b: Node, ports: tuple[int, int]
) -> None:
    with both_live((node_a, node_b), ports):
        async with httpx.AsyncClient(timeout=15) as client:
            pair = await paired(node_a, node_b, client)
            made = await pair.mentee_does(
                "POST",
                "/meetings",
                {"starts_at": at(7).isoformat(), "duration_minutes": 60, "mode": "remote"},
            )
            await pair.settle()
            (theirs,) = await pair.mentor_does("GET", "/meetings")
            ref = made["meeting"]["shared_ref"]

            # On the mentor's own node: a time already past is refused, nothing changes.
            before_b = await node_b.tables()
            past = await client.post(
                f"{pair.on_b}/meetings/{theirs['id']}/reschedule",
                json={
                    "starts_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                    "duration_minutes": 60,
                    "mode": "remote",
                },
                headers=pair.mentor,
            )
            assert past.status_code == 422, past.text
            assert past.json()["errors"][0]["field"] == "starts_at"
            assert changed(before_b, await node_b.tables()) == set()

            async with node_a.runtime.sessionmaker() as session:
                rel = await session.get(Relationship, uuid.UUID(pair.rel_a))
                assert rel is not None
                base = rel.version
            # The mentee moves it (version base+1); a move by the mentor made against the
            # version before is stale: the authority keeps the mentee's slot.
            mentees = at(8)
            await pair.mentee_does(
                "POST",
                f"/meetings/{made['meeting']['id']}/reschedule",
                {"starts_at": mentees.isoformat(), "duration_minutes": 60, "mode": "remote"},
            )
            key = (await node_b.ring()).active
            inbox = node_a.settings.base_url + INBOX_PATH

            async def post(message: wire.RelationshipChange) -> int:
                response = await client.post(
                    inbox, content=sign(message, key), headers={"Content-Type": "application/jose"}
                )
                return response.status_code

            before_slot = await slot(node_a, pair.rel_a)
            stale = _reschedule(pair, base=base, ref=ref, starts_at=at(12))
            assert await post(stale) == 202
            assert await slot(node_a, pair.rel_a) == before_slot
            # An unknown meeting: refused, answered, nothing moved.
            unknown = _reschedule(pair, base=base + 1, ref=uuid.uuid4().hex, starts_at=at(12))
            assert await post(unknown) == 202
            assert await slot(node_a, pair.rel_a) == before_slot
            # The mentee cancels it; a move of a cancelled meeting is refused.
            await pair.mentee_does("POST", f"/meetings/{made['meeting']['id']}/cancel")
            async with node_a.runtime.sessionmaker() as session:
                rel = await session.get(Relationship, uuid.UUID(pair.rel_a))
                assert rel is not None
                latest = rel.version
            before_a = await node_a.tables()
            cancelled = _reschedule(pair, base=latest, ref=ref, starts_at=at(12))
            assert await post(cancelled) == 202
            after_a = await node_a.tables()
            # Only the bookkeeping of the answer changed (its change row, audit, outbox).
            assert "mentoring_meetings" not in changed(before_a, after_a)
            await pair.settle()
            (mine,) = await pair.mentee_does("GET", "/meetings")
            (seen,) = await pair.mentor_does("GET", "/meetings")
    assert mine["state"] == seen["state"] == "cancelled"
    assert mine["starts_at"] == seen["starts_at"]
    assert datetime.fromisoformat(mine["starts_at"]) == mentees
    async with node_a.runtime.sessionmaker() as session:
        outcomes = {
            c.change_id: c.outcome.value
            for c in await session.scalars(
                select(SharedChange).where(
                    SharedChange.op == "meeting.reschedule", SharedChange.change_id.is_not(None)
                )
            )
        }
    assert outcomes == {
        stale.change_id: "stale",
        unknown.change_id: "refused",
        cancelled.change_id: "refused",
    }
