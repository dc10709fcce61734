"""Outbox → inbox between real nodes: verified before anything runs, exactly once, nothing lost."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from federation import wire
from federation.key_ring import generate_key
from federation.outbox import Outbox, OutboxMessage, OutboxStatus
from federation.signing import new_jti, sign
from network.config import Settings
from network.federation.delivery import deliver_due
from orgs.errors import InvalidInput
from tests.conftest import Cli
from tests.live import live_node
from tests.nodes import Node, enqueue, handle


async def statuses(here: Node) -> list[OutboxStatus]:
    async with here.runtime.sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage.status)))


async def test_a_message_is_delivered_once_and_a_retry_takes_no_second_effect(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await theirs.pin(ours)
    await ours.pin(theirs)
    (mid,) = await enqueue(ours, theirs, 1)
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            report = await deliver_due(ours.runtime, datetime.now(UTC), client)
            assert (report.delivered, report.failed) == (1, 0), report.errors
            again = await deliver_due(ours.runtime, datetime.now(UTC), client)
            assert (again.delivered, again.failed) == (0, 0)
            # A sender that never heard the 202 re-signs the same mid: stored once.
            ring = await ours.ring()
            retry = wire.CardRevoke(
                iss=ours.settings.base_url,
                aud=theirs.settings.base_url,
                iat=int(time.time()),
                exp=int(time.time()) + 60,
                jti=new_jti(),
                mid=mid,
                handles=(handle(),),
            )
            answer = await client.post(
                f"{theirs.settings.base_url}/federation/v1/inbox",
                content=sign(retry, ring.active),
            )
    assert answer.status_code == 202
    assert answer.json() == {"mid": mid, "duplicate": True}
    assert await theirs.inbox_count(mid) == 1
    assert await statuses(ours) == [OutboxStatus.DELIVERED]


async def test_a_peer_down_for_ten_minutes_gets_every_message_exactly_once(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await theirs.pin(ours)
    await ours.pin(theirs)
    mids = await enqueue(ours, theirs, 3)
    start = datetime.now(UTC)
    async with httpx.AsyncClient(timeout=5) as client:
        # The peer is stopped: every pass in ten minutes fails, nothing is lost.
        for minute in range(0, 11):
            await deliver_due(ours.runtime, start + timedelta(minutes=minute), client)
        assert await statuses(ours) == [OutboxStatus.PENDING] * 3
        with live_node(theirs.settings, port=peer_port):
            delivered = 0
            for minute in range(11, 80):  # backoff and the breaker decide when each goes
                report = await deliver_due(ours.runtime, start + timedelta(minutes=minute), client)
                delivered += report.delivered
    assert delivered == 3
    assert await statuses(ours) == [OutboxStatus.DELIVERED] * 3
    for mid in mids:
        assert await theirs.inbox_count(mid) == 1


async def test_a_message_failing_past_the_retry_window_is_a_dead_letter_and_can_be_replayed(
    ours: Node, theirs: Node, settings: Settings, mentornet: Cli
) -> None:
    await ours.ring()
    await ours.pin(theirs)
    await enqueue(ours, theirs, 1)
    start = datetime.now(UTC)
    async with httpx.AsyncClient(timeout=5) as client:
        await deliver_due(ours.runtime, start, client)
        await deliver_due(ours.runtime, start + timedelta(hours=49), client)
    assert await statuses(ours) == [OutboxStatus.DEAD]
    # The CLI runs its own event loop: call it from a thread, as from another process.
    listed = await asyncio.to_thread(mentornet, "federation", "outbox", "--dead")
    assert listed.exit_code == 0, listed.output
    message_id = listed.stdout.split()[0]
    replayed = await asyncio.to_thread(mentornet, "federation", "replay", message_id)
    assert replayed.exit_code == 0, replayed.output
    assert await statuses(ours) == [OutboxStatus.PENDING]


async def _message(ours: Node, theirs: Node, **overrides: object) -> wire.CardRevoke:
    now = int(time.time())
    fields: dict[str, object] = {
        "iss": ours.settings.base_url,
        "aud": theirs.settings.base_url,
        "iat": now,
        "exp": now + 60,
        "jti": new_jti(),
        "mid": new_jti(),
        "handles": (handle(),),
        **overrides,
    }
    return wire.CardRevoke(**fields)  # type: ignore[arg-type]


async def test_forged_stale_misaddressed_and_replayed_messages_are_refused_with_401(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await theirs.pin(ours)
    ring = await ours.ring()
    stranger = generate_key(int(time.time()))
    now = int(time.time())
    good = sign(await _message(ours, theirs), ring.active)
    head, body, signature = good.split(".")
    tampered_body = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    cases = {
        "tampered body": f"{head}.{tampered_body}.{signature}",
        "wrong key": sign(await _message(ours, theirs), stranger),
        "unknown peer": sign(await _message(ours, theirs, iss="http://127.0.0.1:9"), ring.active),
        "another audience": sign(
            await _message(ours, theirs, aud="http://127.0.0.1:9"), ring.active
        ),
        "expired": sign(await _message(ours, theirs, iat=now - 400, exp=now - 100), ring.active),
    }
    url = f"{theirs.settings.base_url}/federation/v1/inbox"
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            for name, token in cases.items():
                response = await client.post(url, content=token)
                assert response.status_code == 401, (name, response.text)
                assert response.headers["content-type"] == "application/problem+json", name
            first = await client.post(url, content=good)
            replay = await client.post(url, content=good)
    assert first.status_code == 202
    assert replay.status_code == 401
    assert replay.json()["type"].endswith(":replayed")
    assert await theirs.inbox_count() == 1  # only the good one, once


async def test_garbage_is_a_400_problem_and_stores_nothing(theirs: Node, peer_port: int) -> None:
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                f"{theirs.settings.base_url}/federation/v1/inbox",
                content=b"\xff\xfe not a token",
            )
    assert response.status_code in (400, 401)
    assert response.headers["content-type"] == "application/problem+json"
    assert await theirs.inbox_count() == 0


async def test_a_body_that_cannot_be_sent_is_refused_when_queued_and_nothing_is_stored(
    ours: Node, theirs: Node
) -> None:
    async with ours.runtime.sessionmaker() as session:
        with pytest.raises(InvalidInput) as refused:
            Outbox(session).enqueue(
                theirs.settings.base_url,
                "request.accept",
                {"request_id": new_jti(), "mentor": {"name": "A", "work_email": "unknown@invalid"}},
            )
    assert refused.value.errors[0].field == "mentor.work_email"
    assert await statuses(ours) == []


async def test_an_undeliverable_row_does_not_stop_the_others_and_nothing_is_sent_twice(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await theirs.pin(ours)
    await ours.pin(theirs)
    good = await enqueue(ours, theirs, 2)
    async with ours.runtime.sessionmaker() as session, session.begin():
        # Inserted raw, as an old release could have: a body that no longer validates.
        session.add(
            OutboxMessage(
                mid=new_jti(),
                peer=theirs.settings.base_url,
                message_type="request.create",
                body={"topics": []},
            )
        )
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            first = await deliver_due(ours.runtime, datetime.now(UTC), client)
            again = await deliver_due(ours.runtime, datetime.now(UTC), client)
    assert (first.delivered, first.failed) == (2, 1)
    assert (again.delivered, again.failed) == (0, 0)
    assert sorted(await statuses(ours)) == sorted(
        [OutboxStatus.DELIVERED, OutboxStatus.DELIVERED, OutboxStatus.DEAD]
    )
    for mid in good:
        assert await theirs.inbox_count(mid) == 1
