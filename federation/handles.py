"""Per-consumer pseudonymous handles for mentors' cards.

    handle = base64url(HMAC-SHA256(node_secret, JSON["mentornet-card-handle/1", consumer, mentor]))

Stable for one consumer (its cards update in place, its requests name the same mentor), and
unlinkable across consumers without the secret, so two peers comparing feeds cannot tell which
cards are the same person. The secret is the node's own (32 random bytes), separate from its
signing keys: rotating keys must not change handles; rotating the secret changes all of them
(announce it with a feed ``reset``).

Reverse lookup: the producer maps handle → mentor either by recomputing over its own mentors
(``resolve_handle``, fine for thousands) or by storing the (consumer, handle, mentor) rows it
computed when publishing (``handle_index``), which is what a large node should do. Either way,
a handle is resolved with the *authenticated sender* as consumer, so a peer cannot use a handle
that was issued to another peer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Final

import msgspec

from federation.encoding import b64url_encode

SECRET_BYTES: Final = 32
_DOMAIN: Final = "mentornet-card-handle/1"


def new_handle_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def card_handle(secret: bytes, consumer: str, mentor_id: str) -> str:
    if len(secret) < SECRET_BYTES:
        raise ValueError(f"the handle secret must be at least {SECRET_BYTES} bytes")
    # JSON framing keeps (consumer, mentor) unambiguous: ("a", "bc") never hashes as ("ab", "c").
    message = msgspec.json.encode([_DOMAIN, consumer, mentor_id])
    return b64url_encode(hmac.new(secret, message, hashlib.sha256).digest())


def handle_index(secret: bytes, consumer: str, mentor_ids: Iterable[str]) -> dict[str, str]:
    """handle → mentor id, for one consumer."""
    return {card_handle(secret, consumer, mentor_id): mentor_id for mentor_id in mentor_ids}


def resolve_handle(
    secret: bytes, consumer: str, handle: str, mentor_ids: Iterable[str]
) -> str | None:
    """The mentor behind ``handle`` as issued to ``consumer``, or None."""
    for mentor_id in mentor_ids:
        if hmac.compare_digest(card_handle(secret, consumer, mentor_id), handle):
            return mentor_id
    return None
