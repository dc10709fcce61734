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
from typing import Any

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
    keys = await keys_for(kid)
    try:
        decoded = jwt.decode(token, keys, algorithms=list(ALLOWED_ALGORITHMS))
    except BadSignatureError:
        raise _refuse("the ID token's signature is not valid") from None
    except (JoseError, ValueError, TypeError):
        raise _refuse("the ID token's signature could not be checked") from None
    claims: dict[str, Any] = dict(decoded.claims)

    if claims.get("iss") != issuer:
        raise _refuse("the ID token comes from another issuer")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        raise _refuse("the ID token is meant for another application")
    if any(audience != client_id for audience in audiences):
        raise _refuse("the ID token is also meant for an application we do not trust")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise _refuse("the ID token was issued to another application (azp)")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise _refuse("the ID token has no expiry")
    if exp <= now - LEEWAY_S:
        raise _refuse("the ID token has expired")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise _refuse("the ID token has no issue time")
    if iat > now + LEEWAY_S:
        raise _refuse("the ID token is dated in the future")
    if iat < now - MAX_AGE_S - LEEWAY_S:
        raise _refuse("the ID token is too old")
    nbf = claims.get("nbf")
    if nbf is not None and (not isinstance(nbf, int | float) or isinstance(nbf, bool)):
        raise _refuse("the ID token's not-before time is malformed")
    if nbf is not None and nbf > now + LEEWAY_S:
        raise _refuse("the ID token is not valid yet (nbf)")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(
        token_nonce.encode(), nonce.encode()
    ):
        raise _refuse("the ID token does not belong to this sign-in (nonce)")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 1 <= len(sub) <= 255:
        raise _refuse("the ID token names no subject")
    return claims
