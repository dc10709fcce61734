"""The one signing scheme of protocol v1: JWS compact serialisation (RFC 7515) signed with
Ed25519 (RFC 8037), written directly on ``cryptography``. The ``alg`` is the fully specified
``Ed25519`` of RFC 9864, which deprecates the polymorphic ``EdDSA`` (it could also mean Ed448).

    signing_input = b64url(header) "." b64url(payload)
    token = signing_input "." b64url(Ed25519-sign(key, ASCII(signing_input)))
    header = {"alg":"Ed25519","kid":<kid>,"typ":"mentornet+jws"}   (exactly these three members)

The signature covers the exact ASCII text that travels; the receiver verifies that text before
it decodes the payload into a Struct, so no canonical JSON is needed anywhere. Only the small,
fixed-shape header is read before verification, to choose the pinned key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

import msgspec
from cryptography.exceptions import InvalidSignature

from federation import wire
from federation.encoding import b64url_decode, b64url_encode
from federation.errors import (
    BadSignature,
    Expired,
    KeyRetired,
    LifetimeTooLong,
    MalformedMessage,
    NotYetValid,
    Replayed,
    RequestMismatch,
    UnknownKey,
    UnsupportedAlgorithm,
    WrongAudience,
    WrongIssuer,
)
from federation.key_ring import NodeKey
from federation.replay import ReplayCache
from federation.trust import PinnedKey, PinnedPeer

ALG: Final = "Ed25519"
TYP: Final = "mentornet+jws"
MAX_HEADER_CHARS: Final = 512
MAX_TOKEN_CHARS: Final = 4 * 1024 * 1024

LEEWAY: Final = 60  # seconds a peer's clock may run ahead of ours
MAX_REQUEST_LIFETIME: Final = 300  # inbox messages and signed GET requests
MAX_FEED_LIFETIME: Final = 24 * 3600
MAX_DOCUMENT_LIFETIME: Final = 30 * 24 * 3600


class _Header(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    alg: str
    kid: str
    typ: str


_header_decoder = msgspec.json.Decoder(_Header)


class KeyLookup(Protocol):
    def key_for(self, kid: str) -> PinnedKey | None: ...


@dataclass(frozen=True)
class Opened:
    """A token whose signature verified with ``signer``; ``payload`` is not yet decoded."""

    signer: PinnedKey
    payload: bytes


def new_jti() -> str:
    return secrets.token_urlsafe(16)


def sign_payload(payload: bytes, key: NodeKey) -> str:
    header = msgspec.json.encode(_Header(alg=ALG, kid=key.kid, typ=TYP))
    signing_input = f"{b64url_encode(header)}.{b64url_encode(payload)}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def sign(payload: wire.Signed, key: NodeKey) -> str:
    """Sign a wire Struct, after checking it against the schema a receiver will apply (msgspec
    does not validate constraints on construction), so a bad value fails here, not remotely."""
    data = wire.encode(payload)
    _DECODERS[type(payload)](data)
    return sign_payload(data, key)


def open_signed(token: str | bytes, keys: KeyLookup, now: int) -> Opened:
    """Verify a compact JWS against pinned keys; the payload bytes, undecoded."""
    text = _ascii(token)
    parts = text.split(".")
    if len(parts) != 3:
        raise MalformedMessage("a token has three dot-separated parts")
    header_b64, payload_b64, signature_b64 = parts
    if len(header_b64) > MAX_HEADER_CHARS:
        raise MalformedMessage("token header too long")
    header = _read_header(header_b64)
    signer = keys.key_for(header.kid)
    if signer is None:
        raise UnknownKey(f"key {header.kid} is not pinned")
    if not signer.is_valid(now):
        raise KeyRetired(f"key {header.kid} was retired at {signer.key.not_after}")
    try:
        signature = b64url_decode(signature_b64)
        signer.verifier().verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
        payload = b64url_decode(payload_b64)
    except (ValueError, InvalidSignature):
        raise BadSignature(f"signature by key {header.kid} does not verify") from None
    return Opened(signer=signer, payload=payload)


def _ascii(token: str | bytes) -> str:
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedMessage("token too long")
    try:
        return token.decode("ascii") if isinstance(token, bytes) else token.encode("ascii").decode()
    except UnicodeError:
        raise MalformedMessage("a token is ASCII") from None


def _read_header(header_b64: str) -> _Header:
    try:
        header = _header_decoder.decode(b64url_decode(header_b64))
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise MalformedMessage("token header is not {alg, kid, typ}") from None
    if header.alg != ALG:
        raise UnsupportedAlgorithm(f"only {ALG} is accepted")
    if header.typ != TYP:
        raise MalformedMessage(f"token typ must be {TYP}")
    return header


def check_claims(
    claims: wire.Signed,
    *,
    signer: PinnedKey,
    audience: str | None,
    now: int,
    max_lifetime: int,
    leeway: int = LEEWAY,
) -> None:
    """The checks every verified payload passes, in the order a reader would ask them."""
    if claims.iss != signer.peer:
        raise WrongIssuer(f"iss {claims.iss} signed with a key of {signer.peer}")
    if audience is not None and getattr(claims, "aud", None) != audience:
        raise WrongAudience(f"message is for {getattr(claims, 'aud', None)}, not {audience}")
    if claims.iat > now + leeway:
        raise NotYetValid(f"issued at {claims.iat}, now is {now}")
    if claims.exp <= now:
        raise Expired(f"expired at {claims.exp}, now is {now}")
    if claims.exp - claims.iat > max_lifetime:
        raise LifetimeTooLong(f"lifetime {claims.exp - claims.iat} s > {max_lifetime} s")


@dataclass(frozen=True)
class VerifiedMessage:
    message: wire.Message
    kid: str

    @property
    def peer(self) -> str:
        return self.message.iss


async def verify_message(
    token: str | bytes,
    *,
    trust: KeyLookup,
    me: str,
    now: int,
    replay: ReplayCache,
    leeway: int = LEEWAY,
) -> VerifiedMessage:
    """Everything the inbox checks before any handler runs; raises a ``FederationError``.

    The replay check comes last so that a forged or stale token never consumes a jti.
    """
    opened = open_signed(token, trust, now)
    message = wire.decode_message(opened.payload)
    check_claims(
        message,
        signer=opened.signer,
        audience=me,
        now=now,
        max_lifetime=MAX_REQUEST_LIFETIME,
        leeway=leeway,
    )
    if not await replay.first_seen(message.iss, message.jti, until=message.exp):
        raise Replayed(f"jti {message.jti} from {message.iss} already seen")
    return VerifiedMessage(message=message, kid=opened.signer.kid)


def verify_feed_page(
    token: str | bytes,
    *,
    producer: PinnedPeer,
    me: str,
    request_jti: str,
    now: int,
    leeway: int = LEEWAY,
) -> wire.FeedPage:
    """A feed page fetched from ``producer`` in answer to our request ``request_jti``."""
    opened = open_signed(token, producer, now)
    page = wire.decode_feed_page(opened.payload)
    check_claims(
        page,
        signer=opened.signer,
        audience=me,
        now=now,
        max_lifetime=MAX_FEED_LIFETIME,
        leeway=leeway,
    )
    if page.request_jti != request_jti:
        raise RequestMismatch("feed page answers another request")
    return page


_DECODERS: dict[type[wire.Signed], Callable[[bytes], wire.Signed]] = {
    **dict.fromkeys(wire.MESSAGE_TYPES, wire.decode_message),
    wire.NodeDocument: wire.decode_node_document,
    wire.FeedPage: wire.decode_feed_page,
    wire.RequestToken: wire.decode_request_token,
}
