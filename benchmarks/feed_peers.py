"""Many simulated peers' card feeds in one process, for ``bench_feed``: peer ``i`` lives under
``/p{i}`` with its own Ed25519 key (from a seed the benchmark shares, so it can pin each one
as an operator would) and hosts one org, ``org{i}``. ``GET /p{i}/federation/v1/cards`` answers
a page signed by that key for whoever asked: ``CARDS`` cards and ``reset`` for an empty cursor,
an empty page (nothing changed) for any other. ``GET /stats`` tells how many pages it signed.

Served by Granian: ``granian --interface asgi benchmarks.feed_peers:app``. It does not verify
the request's signature (what a producer costs is measured with a real node); what is measured
here is the consumer following many peers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from functools import cache
from typing import Any

from litestar import Litestar, Request, Response, get

from federation import wire
from federation.key_ring import KeyRing, NodeKey, key_from_seed
from federation.node_documents import build_node_document, sign_node_document
from federation.signing import new_jti, sign

CARDS = int(os.environ.get("FEED_PEERS_CARDS", "10"))
SERVED = {"pages": 0}


def peer_key(index: int) -> NodeKey:
    return key_from_seed(hashlib.sha256(f"bench-feed-peer-{index}".encode()).digest(), 0)


def peer_document(base: str, index: int) -> str:
    """The node document of simulated peer ``index`` served from ``base``, signed."""
    node = f"{base}/p{index}"
    key = peer_key(index)
    document = build_node_document(
        ring=KeyRing(key),
        node_id=node,
        name=f"Simulated peer {index}",
        orgs=[wire.HostedOrg(slug=f"org{index}", display_name=f"Org {index}")],
        endpoints=wire.Endpoints(
            inbox=f"{node}/federation/v1/inbox", cards=f"{node}/federation/v1/cards"
        ),
        now=int(time.time()),
    )
    return sign_node_document(document, key)


@cache
def cards_of(index: int) -> tuple[wire.Card, ...]:
    return tuple(
        wire.Card(
            handle=f"{index:06d}{n:037d}",
            org=f"org{index}",
            topics=(wire.TopicOffer(topic="housing", level=2),),
            band=wire.BandRange(low=4, high=6),
            region="england",
            sector="housing",
            meeting_modes=("remote",),
            free_slots="1",
        )
        for n in range(CARDS)
    )


def _claims(authorization: str) -> dict[str, Any]:
    part = authorization.split(" ", 1)[1].split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


@get("/{peer:str}/federation/v1/cards", media_type="application/jose")
async def cards(peer: str, request: Request[Any, Any, Any], cursor: str = "") -> Response[str]:
    index = int(peer.removeprefix("p"))
    claims = _claims(request.headers.get("authorization", ""))
    now = int(time.time())
    fresh = cursor == ""
    page = wire.FeedPage(
        iss=claims["aud"],
        aud=claims["iss"],
        iat=now,
        exp=now + 6 * 3600,
        jti=new_jti(),
        request_jti=claims["jti"],
        cards=cards_of(index) if fresh else (),
        tombstones=(),
        cursor="1",
        reset=fresh,
    )
    SERVED["pages"] += 1
    return Response(sign(page, peer_key(index)), media_type="application/jose")


@get("/stats")
async def stats() -> dict[str, int]:
    return SERVED


app = Litestar([cards, stats])
