"""A live node whose own Redis is flooded, restarted, stopped and frozen, seen from a peer
posting to its inbox: a burst waits for a pooled connection instead of failing, a restart is
never seen, and while Redis is down each message is refused with 503 and Retry-After, nothing
is stored, and the same message is accepted once Redis is back."""

from __future__ import annotations

import asyncio
import time

import httpx
from msgspec.structs import replace

from federation import wire
from federation.signing import new_jti, sign
from network.config import Settings
from tests.integration.faults.conftest import NodeLog
from tests.integration.faults.servers import OwnRedis
from tests.live import free_port, live_node
from tests.nodes import Node, handle, node

REPLAY_STORE_DOWN = "urn:mentornet:problem:replay-store-unavailable"


async def signed_revocation(sender: Node, receiver: Node) -> tuple[str, str]:
    """A valid message from ``sender`` to ``receiver``: its token and its mid."""
    now, mid = int(time.time()), new_jti()
    message = wire.CardRevoke(
        iss=sender.settings.base_url,
        aud=receiver.settings.base_url,
        iat=now,
        exp=now + 120,
        jti=new_jti(),
        mid=mid,
        handles=(handle(),),
    )
    return sign(message, (await sender.ring()).active), mid


async def post_all(client: httpx.AsyncClient, url: str, tokens: list[str]) -> list[int]:
    answers = await asyncio.gather(*(client.post(url, content=token) for token in tokens))
    refused = [answer.text for answer in answers if answer.status_code != 202]
    print(*refused, sep="\n")  # shown if the test fails: which store refused, and why
    return [answer.status_code for answer in answers]


async def refused_while_down(
    client: httpx.AsyncClient, sender: Node, receiver: Node, bound_s: float
) -> tuple[str, str]:
    """Post a fresh message while Redis is down: 503 with Retry-After within ``bound_s``, and
    nothing stored. Returns the message (token, mid) to send again later."""
    token, mid = await signed_revocation(sender, receiver)
    started = time.monotonic()
    answer = await client.post(f"{receiver.settings.base_url}/federation/v1/inbox", content=token)
    took = time.monotonic() - started
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == REPLAY_STORE_DOWN
    assert answer.headers["retry-after"] == "5"
    assert took < bound_s, took
    assert await receiver.inbox_count(mid) == 0  # refused means not stored
    return token, mid


async def test_a_restarted_stopped_or_frozen_redis_refuses_messages_with_503_and_loses_none(
    node_settings: Settings, own_rd: OwnRedis, ours: Node, node_log: NodeLog
) -> None:
    port = free_port()
    # Waits long enough that a burst on two busy shared cores is served, not refused.
    patient = replace(node_settings, db_pool_timeout_s=3.0, redis_timeout_s=2.0)
    receiver = node(patient, f"http://127.0.0.1:{port}")
    try:
        await _exercise(receiver, ours, own_rd, node_log, port)
    finally:
        await receiver.runtime.close()
    assert node_log.tracebacks() == []
    logged = node_log.events("store_unavailable")
    assert [record["store"] for record in logged] == ["redis", "redis"]


async def _exercise(
    receiver: Node, ours: Node, own_rd: OwnRedis, node_log: NodeLog, port: int
) -> None:
    node_settings = receiver.settings
    await receiver.pin(ours)
    inbox = f"{receiver.settings.base_url}/federation/v1/inbox"
    with live_node(node_settings, log=node_log.path, port=port):
        async with httpx.AsyncClient(timeout=30) as client:
            # A burst of four times the pool (4): each waits its turn, none is refused.
            burst = [(await signed_revocation(ours, receiver))[0] for _ in range(16)]
            assert await post_all(client, inbox, burst) == [202] * 16

            # Redis restarts: every pooled connection is stale; each is retried, never shown.
            await asyncio.to_thread(own_rd.restart)
            after_restart = [(await signed_revocation(ours, receiver))[0] for _ in range(8)]
            assert await post_all(client, inbox, after_restart) == [202] * 8
            assert (
                await client.get(f"{receiver.settings.base_url}/health/ready")
            ).status_code == 200

            # Stopped, then frozen: refused at once, or within Redis's timeout.
            bound_s = node_settings.redis_timeout_s + 1.5  # two shared cores
            await asyncio.to_thread(own_rd.stop)
            refused = [await refused_while_down(client, ours, receiver, bound_s)]
            await asyncio.to_thread(own_rd.start)
            own_rd.freeze()
            refused.append(await refused_while_down(client, ours, receiver, bound_s))
            own_rd.thaw()

            # Back: the very messages that were refused are accepted, once each.
            assert await post_all(client, inbox, [token for token, _ in refused]) == [202, 202]
    for _, mid in refused:
        assert await receiver.inbox_count(mid) == 1
    assert await receiver.inbox_count() == 16 + 8 + 2
