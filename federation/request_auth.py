"""Signed GET requests between nodes: ``Authorization: MentorNet <compact JWS>``.

The token (``wire.RequestToken``) binds iss/aud/iat/exp/jti to the method, the path and a
SHA-256 of the raw query string, so it authenticates exactly one request and cannot be reused
for another page of the feed or replayed. The feed is served only after this verifies, which is
also how the producer knows whose pseudonymous handles to put in the page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from federation import wire
from federation.encoding import b64url_encode
from federation.errors import Replayed, RequestMismatch, Unauthenticated
from federation.key_ring import NodeKey
from federation.replay import ReplayCache
from federation.signing import (
    LEEWAY,
    MAX_REQUEST_LIFETIME,
    KeyLookup,
    check_claims,
    new_jti,
    open_signed,
    sign,
)

SCHEME: Final = "MentorNet"
DEFAULT_LIFETIME: Final = 60


def query_sha256(raw_query: str) -> str:
    """Hash of the query string exactly as sent (without the ``?``), e.g. ``cursor=abc``."""
    return b64url_encode(hashlib.sha256(raw_query.encode("utf-8")).digest())


@dataclass(frozen=True)
class SignedRequest:
    authorization: str  # the whole header value
    jti: str  # a feed page answering this request must carry it as request_jti


def sign_request(
    *,
    key: NodeKey,
    iss: str,
    aud: str,
    path: str,
    query: str,
    now: int,
    lifetime: int = DEFAULT_LIFETIME,
) -> SignedRequest:
    token = wire.RequestToken(
        iss=iss,
        aud=aud,
        iat=now,
        exp=now + lifetime,
        jti=new_jti(),
        method="GET",
        path=path,
        query_sha256=query_sha256(query),
    )
    return SignedRequest(authorization=f"{SCHEME} {sign(token, key)}", jti=token.jti)


async def verify_request(
    authorization: str | None,
    *,
    trust: KeyLookup,
    me: str,
    method: str,
    path: str,
    query: str,
    now: int,
    replay: ReplayCache,
    leeway: int = LEEWAY,
) -> wire.RequestToken:
    """The verified token of a peer's GET request (``iss`` is the peer); raises a
    ``FederationError`` — ``Unauthenticated`` when there is no MentorNet credential at all."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != SCHEME or not token:
        raise Unauthenticated(f"send Authorization: {SCHEME} <signed request token>")
    opened = open_signed(token, trust, now)
    claims = wire.decode_request_token(opened.payload)
    check_claims(
        claims,
        signer=opened.signer,
        audience=me,
        now=now,
        max_lifetime=MAX_REQUEST_LIFETIME,
        leeway=leeway,
    )
    if (claims.method, claims.path, claims.query_sha256) != (method, path, query_sha256(query)):
        raise RequestMismatch("the signed request is for another method, path or query")
    if not await replay.first_seen(claims.iss, claims.jti, until=claims.exp):
        raise Replayed(f"jti {claims.jti} from {claims.iss} already seen")
    return claims
