"""The inbox's verification: every refusal, and what it must not do (consume a jti early)."""

from __future__ import annotations

import msgspec
import pytest

from federation import errors, wire
from federation.encoding import b64url_decode, b64url_encode
from federation.replay import InMemoryReplayCache
from federation.signing import LEEWAY, MAX_REQUEST_LIFETIME, sign_payload, verify_message
from federation.trust import TrustStore

from .builders import (
    NODE_A,
    NODE_B,
    NODE_C,
    NOW,
    SEED_A,
    SEED_C,
    SEED_STRANGER,
    key,
    pinned,
    signed_withdraw,
    trust_store,
    withdraw,
)


async def verify(token: str, *, now: int = NOW, trust: TrustStore | None = None) -> wire.Message:
    verified = await verify_message(
        token, trust=trust or trust_store(), me=NODE_B, now=now, replay=InMemoryReplayCache()
    )
    return verified.message


def _with_payload(token: str, payload: bytes) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64url_encode(payload)}.{signature}"


async def test_a_well_formed_message_from_a_pinned_peer_is_accepted() -> None:
    assert await verify(signed_withdraw()) == withdraw()


async def test_a_tampered_body_is_refused() -> None:
    token = signed_withdraw()
    payload = b64url_decode(token.split(".")[1]).replace(
        b"req-0000000000000001", b"req-0000000000000002"
    )
    with pytest.raises(errors.BadSignature):
        await verify(_with_payload(token, payload))


async def test_a_tampered_signature_is_refused() -> None:
    header, payload, signature = signed_withdraw().split(".")
    flipped = bytearray(b64url_decode(signature))
    flipped[0] ^= 1
    with pytest.raises(errors.BadSignature):
        await verify(f"{header}.{payload}.{b64url_encode(bytes(flipped))}")


async def test_a_key_nobody_pinned_is_refused_and_never_fetched() -> None:
    with pytest.raises(errors.UnknownKey):
        await verify(signed_withdraw(key(SEED_STRANGER)))


async def test_a_signature_by_another_key_under_a_pinned_kid_is_refused() -> None:
    genuine_header = signed_withdraw().split(".")[0]
    _, payload, forged_signature = signed_withdraw(key(SEED_STRANGER)).split(".")
    with pytest.raises(errors.BadSignature):
        await verify(f"{genuine_header}.{payload}.{forged_signature}")


async def test_a_peer_cannot_speak_for_another_peer() -> None:
    # C is pinned, but signs a message claiming to come from A.
    with pytest.raises(errors.WrongIssuer):
        await verify(signed_withdraw(key(SEED_C)))


async def test_a_key_past_its_not_after_is_refused() -> None:
    retired = key(SEED_A, not_after=NOW)
    with pytest.raises(errors.KeyRetired):
        await verify(signed_withdraw(retired), trust=TrustStore([pinned(NODE_A, retired)]))


async def test_a_message_for_another_node_is_refused() -> None:
    with pytest.raises(errors.WrongAudience):
        await verify(signed_withdraw(aud=NODE_C))


async def test_an_expired_message_is_refused() -> None:
    with pytest.raises(errors.Expired):
        await verify(signed_withdraw(iat=NOW - 200, exp=NOW))


async def test_a_message_in_its_last_second_is_accepted() -> None:
    await verify(signed_withdraw(iat=NOW - 200, exp=NOW + 1))


async def test_a_message_from_the_future_beyond_the_leeway_is_refused() -> None:
    with pytest.raises(errors.NotYetValid):
        await verify(signed_withdraw(iat=NOW + LEEWAY + 1, exp=NOW + LEEWAY + 61))


async def test_a_clock_ahead_within_the_leeway_is_tolerated() -> None:
    await verify(signed_withdraw(iat=NOW + LEEWAY, exp=NOW + LEEWAY + 60))


async def test_a_lifetime_over_300_seconds_is_refused() -> None:
    with pytest.raises(errors.LifetimeTooLong):
        await verify(signed_withdraw(exp=NOW + MAX_REQUEST_LIFETIME + 1))


async def test_a_lifetime_of_exactly_300_seconds_is_accepted() -> None:
    await verify(signed_withdraw(exp=NOW + MAX_REQUEST_LIFETIME))


async def test_a_replay_is_refused() -> None:
    cache, token = InMemoryReplayCache(), signed_withdraw()
    await verify_message(token, trust=trust_store(), me=NODE_B, now=NOW, replay=cache)
    with pytest.raises(errors.Replayed):
        await verify_message(token, trust=trust_store(), me=NODE_B, now=NOW + 1, replay=cache)


async def test_a_retry_is_a_new_token_with_the_same_mid() -> None:
    cache = InMemoryReplayCache()
    first = await verify_message(
        signed_withdraw(), trust=trust_store(), me=NODE_B, now=NOW, replay=cache
    )
    retry = await verify_message(
        signed_withdraw(jti="jti-0000000000000002", iat=NOW + 30, exp=NOW + 150),
        trust=trust_store(),
        me=NODE_B,
        now=NOW + 30,
        replay=cache,
    )
    assert first.message.mid == retry.message.mid


async def test_a_refused_message_does_not_use_up_its_jti() -> None:
    cache = InMemoryReplayCache()
    with pytest.raises(errors.WrongAudience):
        await verify_message(
            signed_withdraw(aud=NODE_C), trust=trust_store(), me=NODE_B, now=NOW, replay=cache
        )
    await verify_message(signed_withdraw(), trust=trust_store(), me=NODE_B, now=NOW, replay=cache)


async def test_jtis_are_remembered_per_issuer() -> None:
    cache = InMemoryReplayCache()
    assert await cache.first_seen(NODE_C, "same-jti-000000001", NOW + 60)
    assert await cache.first_seen(NODE_A, "same-jti-000000001", NOW + 60)
    assert not await cache.first_seen(NODE_A, "same-jti-000000001", NOW + 60)


async def test_an_unknown_version_is_refused_clearly() -> None:
    payload = wire.encode(withdraw()).replace(b'"v":1', b'"v":2')
    with pytest.raises(errors.UnsupportedVersion, match="version 2 is not supported"):
        await verify(sign_payload(payload, key(SEED_A)))


async def test_an_unknown_field_is_refused() -> None:
    payload = wire.encode(withdraw()).replace(b'"mid"', b'"note":"hi","mid"')
    with pytest.raises(errors.MalformedMessage, match="note"):
        await verify(sign_payload(payload, key(SEED_A)))


async def test_an_unknown_message_type_is_refused() -> None:
    payload = wire.encode(withdraw()).replace(b"request.withdraw", b"request.teleport")
    with pytest.raises(errors.MalformedMessage, match=r"request\.teleport"):
        await verify(sign_payload(payload, key(SEED_A)))


KID_A = key(SEED_A).kid


@pytest.mark.parametrize(
    ("header", "error"),
    [
        ({"alg": "none", "kid": KID_A, "typ": "mentornet+jws"}, errors.UnsupportedAlgorithm),
        ({"alg": "HS256", "kid": KID_A, "typ": "mentornet+jws"}, errors.UnsupportedAlgorithm),
        ({"alg": "EdDSA", "kid": KID_A, "typ": "mentornet+jws"}, errors.UnsupportedAlgorithm),
        ({"alg": "Ed25519", "kid": KID_A, "typ": "JWT"}, errors.MalformedMessage),
        (
            {"alg": "Ed25519", "kid": KID_A, "typ": "mentornet+jws", "jku": "https://evil.example"},
            errors.MalformedMessage,
        ),
        ({"alg": "Ed25519", "typ": "mentornet+jws"}, errors.MalformedMessage),
    ],
)
async def test_only_the_one_fixed_header_shape_is_accepted(
    header: dict[str, str], error: type[errors.FederationError]
) -> None:
    _, payload, signature = signed_withdraw().split(".")
    with pytest.raises(error):
        await verify(f"{b64url_encode(msgspec.json.encode(header))}.{payload}.{signature}")


async def test_an_oversized_header_is_refused_before_any_parsing() -> None:
    header = {"alg": "Ed25519", "kid": KID_A, "typ": "mentornet+jws", "x": "y" * 600}
    _, payload, signature = signed_withdraw().split(".")
    with pytest.raises(errors.MalformedMessage, match="header too long"):
        await verify(f"{b64url_encode(msgspec.json.encode(header))}.{payload}.{signature}")


@pytest.mark.parametrize(
    "token",
    ["", "a.b", "a.b.c.d", "é.b.c", "not base64!.b.c"],
)
async def test_garbage_is_malformed(token: str) -> None:
    with pytest.raises(errors.MalformedMessage):
        await verify(token)


async def test_padded_base64_is_not_the_signed_text() -> None:
    header, payload, signature = signed_withdraw().split(".")
    with pytest.raises(errors.BadSignature):
        await verify(f"{header}.{payload}.{signature}==")


def test_error_codes_are_stable_and_distinct() -> None:
    # The protocol's own errors (the node adds its own, e.g. a replay store that is down).
    codes = {
        cls.__name__: cls.code
        for cls in errors.FederationError.__subclasses__()
        if cls.__module__ == errors.__name__
    }
    assert codes == {
        "MalformedMessage": "malformed-message",
        "UnsupportedVersion": "unsupported-version",
        "UnsupportedAlgorithm": "unsupported-algorithm",
        "Unauthenticated": "unauthenticated",
        "UnknownKey": "unknown-key",
        "KeyRetired": "key-retired",
        "BadSignature": "bad-signature",
        "WrongIssuer": "wrong-issuer",
        "WrongAudience": "wrong-audience",
        "NotYetValid": "not-yet-valid",
        "Expired": "expired",
        "LifetimeTooLong": "lifetime-too-long",
        "Replayed": "replayed",
        "RequestMismatch": "request-mismatch",
        "FingerprintMismatch": "fingerprint-mismatch",
        "StaleDocument": "stale-document",
        "OrgNotHosted": "org-not-hosted",
    }
