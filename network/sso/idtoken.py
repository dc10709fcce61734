"""ID token verification (OpenID Connect Core §3.1.3.7), strictly, with joserfc.

Checked in this order, each refusal with its own message:
algorithm on the allow-list (no ``none``, no HMAC) → key from the org's JWKS only (one refetch
on an unknown ``kid``) → signature → ``iss`` exactly the issuer this sign-in started with →
``aud`` contains our client id and no other (we trust no other audience, §3.1.3.7 item 3)
→ ``azp``, if present, is our client id → ``exp`` in the future → ``iat`` and ``nbf`` (if
present) not in the future, with the same leeway → ``nonce`` equals ours → ``sub``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet

from network.sso.errors import SignInFailed
from network.sso.provider import ALLOWED_ALGORITHMS

#: Clock skew tolerated between us and the IdP.
LEEWAY_S = 60
#: An ID token issued longer ago than this is refused even if not yet expired.
MAX_AGE_S = 10 * 60

KeyLookup = Callable[[str | None], Awaitable[KeySet]]


def _refuse(why: str) -> SignInFailed:
    return SignInFailed(f"The sign-in could not be verified ({why}). Please start again.")


async def verify_id_token(
    token: str,
    *,
    keys_for: KeyLookup,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float,
) -> dict[str, Any]:
    """The verified claims of ``token``; ``SignInFailed`` on any doubt."""
    kid = _key_id(token)
    claims = _signed_claims(token, await keys_for(kid))
    if claims.get("iss") != issuer:
        raise _refuse("the ID token comes from another issuer")
    _check_audience(claims, client_id)
    _check_times(claims, now)
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(
        token_nonce.encode(), nonce.encode()
    ):
        raise _refuse("the ID token does not belong to this sign-in (nonce)")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 1 <= len(sub) <= 255:
        raise _refuse("the ID token names no subject")
    return claims


def _key_id(token: str) -> str | None:
    """The ``kid`` of a token whose header names an allowed algorithm (read unverified)."""
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError, TypeError):
        raise _refuse("the ID token is malformed") from None
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise _refuse(f"the ID token uses a refused algorithm {str(alg)[:20]!r}")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise _refuse("the ID token names its key wrongly")
    return kid


def _signed_claims(token: str, keys: KeySet) -> dict[str, Any]:
    try:
        decoded = jwt.decode(token, keys, algorithms=list(ALLOWED_ALGORITHMS))
    except BadSignatureError:
        raise _refuse("the ID token's signature is not valid") from None
    except (JoseError, ValueError, TypeError):
        raise _refuse("the ID token's signature could not be checked") from None
    return dict(decoded.claims)


def _check_audience(claims: dict[str, Any], client_id: str) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        raise _refuse("the ID token is meant for another application")
    if any(audience != client_id for audience in audiences):
        raise _refuse("the ID token is also meant for an application we do not trust")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise _refuse("the ID token was issued to another application (azp)")


def _is_time(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_times(claims: dict[str, Any], now: float) -> None:
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    if not _is_time(exp):
        raise _refuse("the ID token has no expiry")
    if exp <= now - LEEWAY_S:
        raise _refuse("the ID token has expired")
    if not _is_time(iat):
        raise _refuse("the ID token has no issue time")
    if iat > now + LEEWAY_S:
        raise _refuse("the ID token is dated in the future")
    if iat < now - MAX_AGE_S - LEEWAY_S:
        raise _refuse("the ID token is too old")
    if nbf is not None and not _is_time(nbf):
        raise _refuse("the ID token's not-before time is malformed")
    if nbf is not None and nbf > now + LEEWAY_S:
        raise _refuse("the ID token is not valid yet (nbf)")
