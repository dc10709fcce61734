"""A stand-in for many peers' inboxes in one process, for ``bench_outbox``: ``POST
/<peer>/federation/v1/inbox`` takes any signed message with 202 and remembers, per peer, how
many arrived, how many were repeats (same ``mid``) and how many came out of queue order (the
sequence number the benchmark put in each message's first handle). ``GET /stats`` tells.

Served by Granian: ``granian --interface asgi benchmarks.inbox_sink:app``. It does not verify
signatures: what a receiver costs is measured elsewhere; here only the sender is.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, get, post


@dataclass
class PeerInbox:
    mids: set[str] = field(default_factory=set)
    last_seq: int = -1
    repeats: int = 0
    out_of_order: int = 0


INBOXES: dict[str, PeerInbox] = {}


def _payload(token: bytes) -> dict[str, Any]:
    part = token.split(b".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4)))
    return decoded


@post("/{peer:str}/federation/v1/inbox", status_code=202)
async def inbox(peer: str, request: Request[Any, Any, Any]) -> dict[str, Any]:
    message = _payload(await request.body())
    box = INBOXES.setdefault(peer, PeerInbox())
    mid = message["mid"]
    if mid in box.mids:
        box.repeats += 1
        return {"mid": mid, "duplicate": True}
    box.mids.add(mid)
    seq = int(message["handles"][0].lstrip("0") or "0")
    if seq < box.last_seq:
        box.out_of_order += 1
    box.last_seq = max(box.last_seq, seq)
    return {"mid": mid, "duplicate": False}


@get("/stats")
async def stats() -> dict[str, dict[str, int]]:
    return {
        peer: {"taken": len(b.mids), "repeats": b.repeats, "out_of_order": b.out_of_order}
        for peer, b in INBOXES.items()
    }


app = Litestar([inbox, stats], debug=False)
