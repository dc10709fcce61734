"""ID token verification on its own: algorithm allow-list, keys, and each claim check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey

from network.sso.errors import SignInFailed
from network.sso.idtoken import verify_id_token

ISSUER = "https://login.brent.example"
CLIENT = "mentornet-brent"
NONCE = "n-0123456789"
NOW = time.time()

RSA = RSAKey.generate_key(2048, {"kid": "rsa-1"})
EC = ECKey.generate_key("P-256", {"kid": "ec-1"})
ED = OKPKey.generate_key("Ed25519", {"kid": "ed-1"})
PUBLIC = KeySet.import_key_set({"keys": [k.as_dict(private=False) for k in (RSA, EC, ED)]})


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": CLIENT,
        "iat": int(NOW),
        "exp": int(NOW) + 300,
        "nonce": NONCE,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


async def verify(token: str, keys: KeySet = PUBLIC) -> dict[str, Any]:
    async def keys_for(kid: str | None) -> KeySet:
        return keys

    return await verify_id_token(
        token, keys_for=keys_for, issuer=ISSUER, client_id=CLIENT, nonce=NONCE, now=NOW
    )


@pytest.mark.parametrize(
    ("alg", "key"), [("RS256", RSA), ("PS256", RSA), ("ES256", EC), ("Ed25519", ED)]
)
async def test_allowed_algorithms_verify(alg: str, key: Any) -> None:
    token = jwt.encode({"alg": alg, "kid": key.kid}, claims(), key, algorithms=[alg])
    assert (await verify(token))["sub"] == "alice"


def b64(value: dict[str, Any] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_alg_none_is_refused() -> None:
    token = f"{b64({'alg': 'none'})}.{b64(claims())}."
    with pytest.raises(SignInFailed, match="refused algorithm"):
        await verify(token)


async def test_hmac_signed_with_the_public_key_is_refused() -> None:
    """The classic confusion: HS256 whose 'secret' is the IdP's public RSA key."""
    signing_input = f"{b64({'alg': 'HS256', 'kid': 'rsa-1'})}.{b64(claims())}"
    mac = hmac.new(RSA.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64(mac)}"
    with pytest.raises(SignInFailed, match="refused algorithm"):
        await verify(token)


async def test_a_signature_by_another_key_with_a_known_kid_is_refused() -> None:
    impostor = RSAKey.generate_key(2048, {"kid": "rsa-1"})
    token = jwt.encode({"alg": "RS256", "kid": "rsa-1"}, claims(), impostor, algorithms=["RS256"])
    with pytest.raises(SignInFailed, match="signature"):
        await verify(token)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://evil.example"}, "another issuer"),
        ({"iss": ISSUER + "/"}, "another issuer"),  # exact match only
        ({"aud": "someone-else"}, "another application"),
        # OIDC Core 3.1.3.7 (3): we trust no audience but ourselves, whatever azp says.
        ({"aud": [CLIENT, "other"]}, "do not trust"),
        ({"aud": [CLIENT, "other"], "azp": "other"}, "do not trust"),
        ({"aud": [CLIENT, "other"], "azp": CLIENT}, "do not trust"),
        ({"azp": "other"}, "azp"),
        ({"exp": int(NOW) - 61}, "expired"),
        ({"exp": None}, "no expiry"),
        ({"iat": int(NOW) + 61}, "future"),
        ({"iat": None}, "no issue time"),
        ({"iat": int(NOW) - 3600}, "too old"),
        ({"nonce": "other"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"sub": None}, "no subject"),
    ],
)
async def test_each_claim_check_refuses(changes: dict[str, Any], reason: str) -> None:
    token = jwt.encode(
        {"alg": "RS256", "kid": "rsa-1"}, claims(**changes), RSA, algorithms=["RS256"]
    )
    with pytest.raises(SignInFailed, match=reason):
        await verify(token)


async def test_small_clock_skew_is_tolerated_and_azp_equal_to_us_is_fine() -> None:
    token = jwt.encode(
        {"alg": "RS256", "kid": "rsa-1"},
        claims(iat=int(NOW) + 30, aud=[CLIENT], azp=CLIENT),
        RSA,
        algorithms=["RS256"],
    )
    assert (await verify(token))["azp"] == CLIENT


async def test_malformed_tokens_are_refused() -> None:
    for token in ("", "a.b", "not-a-jwt", "a.b.c"):
        with pytest.raises(SignInFailed):
            await verify(token)
