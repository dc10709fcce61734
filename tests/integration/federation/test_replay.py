"""Replays after the Redis replay cache is lost (FLUSHDB, or a Redis restarted empty), against a
live node: a signed feed request is refused, because its memory is in PostgreSQL; an inbox
message is harmless, because the inbox keeps every (sender, mid) it took."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.request_auth import sign_request
from federation.seen_requests import DurableReplayCache, SeenRequest
from network.federation.wiring import CARDS_PATH, INBOX_PATH, now_s
from tests import services
from tests.integration.federation.test_feed import consumer_org, publish_mentors
from tests.live import free_port, live_node
from tests.nodes import Identity, Node, changed, handle


async def flush_redis() -> None:
    """What a Redis restart without persistence does to every key, this node's jtis included."""
    client = aioredis.Redis.from_url(services.REDIS_URL)
    try:
        await client.flushdb()
        assert await client.dbsize() == 0
    finally:
        await client.aclose()


async def test_a_feed_request_replayed_after_the_redis_cache_is_flushed_is_refused(
    ours: Node, theirs: Node, peer_port: int
) -> None:
    await consumer_org(ours)
    await publish_mentors(theirs, [5, 5, 5, 5, 5])
    await theirs.pin(ours)
    await ours.pin(theirs)
    url = theirs.settings.base_url + CARDS_PATH
    query = urlencode({"cursor": ""})

    def signed() -> dict[str, str]:
        request = sign_request(
            key=ring.active,
            iss=ours.settings.base_url,
            aud=theirs.settings.base_url,
            path=CARDS_PATH,
            query=query,
            now=now_s(),
        )
        return {"Authorization": request.authorization}

    ring = await ours.ring()
    captured = signed()
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            served = await client.get(f"{url}?{query}", headers=captured)
            assert served.status_code == 200, served.text
            await flush_redis()
            before = await theirs.tables()
            replayed = await client.get(f"{url}?{query}", headers=captured)
            after = await theirs.tables()
            fresh = await client.get(f"{url}?{query}", headers=signed())
    assert replayed.status_code == 401, replayed.text
    assert replayed.json()["type"] == "urn:mentornet:problem:replayed"
    assert replayed.headers["content-type"] == "application/problem+json"  # not a page
    assert changed(before, after) == set()
    # The flush costs the peer nothing: a request signed now is served as before.
    assert fresh.status_code == 200, fresh.text


async def test_an_inbox_message_replayed_after_the_redis_cache_is_flushed_takes_no_effect(
    theirs: Node, peer_port: int
) -> None:
    """A request for a card the node never issued is declined through the outbox: applied a
    second time, it would queue a second decline."""
    peer = Identity(f"http://127.0.0.1:{free_port()}", ("brent",))
    await peer.pinned_by(theirs)
    now = now_s()
    message = peer.message(
        wire.RequestCreate,
        theirs,
        request_id=handle()[:32],
        card=handle(),
        mentee_org="brent",
        topics=(wire.TopicWant(topic="housing", importance=4),),
        meeting_modes=("remote",),
        answer_by=now + 86_400,
    )
    token = peer.sign(message)
    url = theirs.settings.base_url + INBOX_PATH
    with live_node(theirs.settings, port=peer_port):
        async with httpx.AsyncClient(timeout=10) as client:
            first = await client.post(url, content=token)
            assert first.json() == {"mid": message.mid, "duplicate": False}
            taken = await theirs.tables()
            assert len(taken["federation_outbox"]) == 1  # the decline
            await flush_redis()
            replayed = await client.post(url, content=token)
            after = await theirs.tables()
    # Past the emptied jti cache, the inbox knows the (sender, mid): acknowledged, not applied.
    assert replayed.status_code == 202, replayed.text
    assert replayed.json() == {"mid": message.mid, "duplicate": True}
    assert changed(taken, after) == set()


async def test_the_durable_memory_keeps_each_token_until_it_expires(db: AsyncSession) -> None:
    cache, now = DurableReplayCache(db), now_s()
    jti, other = "j" * 22, "k" * 22
    assert await cache.first_seen("http://a.example", jti, until=now + 60)
    assert not await cache.first_seen("http://a.example", jti, until=now + 60)
    assert await cache.first_seen("http://b.example", jti, until=now + 60)  # per issuer
    assert await cache.first_seen("http://a.example", other, until=now - 1)
    # Each use purges what has expired, so the table holds only live tokens.
    assert await cache.first_seen("http://a.example", "m" * 22, until=now + 60)
    rows = (await db.execute(select(SeenRequest.issuer, SeenRequest.jti))).all()
    assert sorted(rows) == [
        ("http://a.example", jti),
        ("http://a.example", "m" * 22),
        ("http://b.example", jti),
    ]
