"""Node keys: kid and fingerprint derivation, PEM storage, rotation of the ring."""

from __future__ import annotations

import hashlib

import pytest

from federation.encoding import b64url_encode
from federation.key_ring import (
    KeyRing,
    PublicKey,
    dump_ring,
    fingerprint_matches,
    kid_from_fingerprint,
    load_ring,
    private_key_from_pem,
    private_key_to_pem,
    rotate,
)

from .builders import NOW, SEED_A, SEED_A2, SEED_B, key


def test_kid_is_the_base64url_of_the_first_16_bytes_of_the_key_digest() -> None:
    raw = key(SEED_A).public.raw
    assert key(SEED_A).kid == b64url_encode(hashlib.sha256(raw).digest()[:16])
    assert len(key(SEED_A).kid) == 22


def test_a_fingerprint_names_its_key_and_its_kid() -> None:
    public = key(SEED_A).public
    assert public.fingerprint.startswith("SHA256:")
    assert fingerprint_matches(public.raw, public.fingerprint)
    assert not fingerprint_matches(key(SEED_B).public.raw, public.fingerprint)
    assert kid_from_fingerprint(public.fingerprint) == public.kid


@pytest.mark.parametrize("text", ["", "SHA256:", "MD5:abc", "SHA256:" + "!" * 43, "SHA256:abc"])
def test_a_malformed_fingerprint_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="fingerprint"):
        kid_from_fingerprint(text)


def test_a_public_key_round_trips_as_base64url() -> None:
    public = key(SEED_A).public
    assert PublicKey.from_b64url(public.to_b64url()).raw == public.raw


@pytest.mark.parametrize("password", [None, b"correct horse"])
def test_a_private_key_round_trips_as_pkcs8_pem(password: bytes | None) -> None:
    pem = private_key_to_pem(key(SEED_A), password)
    assert pem.startswith(
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----" if password else b"-----BEGIN PRIVATE KEY-----"
    )
    assert private_key_from_pem(pem, created_at=NOW, password=password).kid == key(SEED_A).kid


def test_key_material_is_never_in_a_repr() -> None:
    pem_body = private_key_to_pem(key(SEED_A)).decode().splitlines()[1]
    assert pem_body not in repr(key(SEED_A))
    assert SEED_A.hex() not in repr(key(SEED_A))


def test_rotation_makes_a_new_active_key_and_keeps_the_old_one_for_the_overlap() -> None:
    ring = rotate(KeyRing(key(SEED_A)), NOW, overlap=3600, new_key=key(SEED_A2))
    assert ring.active.kid == key(SEED_A2).kid
    assert [k.kid for k in ring.previous] == [key(SEED_A).kid]
    assert ring.previous[0].not_after == NOW + 3600
    assert [k.kid for k in ring.public_keys(NOW + 3599)] == [key(SEED_A2).kid, key(SEED_A).kid]
    assert [k.kid for k in ring.public_keys(NOW + 3600)] == [key(SEED_A2).kid]


def test_rotating_again_drops_keys_already_past_their_overlap() -> None:
    ring = rotate(KeyRing(key(SEED_A)), NOW, overlap=60, new_key=key(SEED_A2))
    ring = rotate(ring, NOW + 61, overlap=60, new_key=key(SEED_B))
    assert [k.kid for k in ring.previous] == [key(SEED_A2).kid]


def test_rotation_without_a_given_key_generates_one() -> None:
    ring = rotate(KeyRing(key(SEED_A)), NOW, overlap=60)
    assert ring.active.kid not in {key(SEED_A).kid}
    assert ring.active.created_at == NOW


def test_a_negative_overlap_is_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        rotate(KeyRing(key(SEED_A)), NOW, overlap=-1)


def test_a_ring_can_hand_out_any_still_valid_key_by_kid() -> None:
    ring = rotate(KeyRing(key(SEED_A)), NOW, overlap=60, new_key=key(SEED_A2))
    found = ring.key(key(SEED_A).kid, NOW + 59)
    assert found is not None
    assert found.kid == key(SEED_A).kid
    assert ring.key(key(SEED_A).kid, NOW + 60) is None


@pytest.mark.parametrize("password", [None, b"s3cret"])
def test_a_ring_survives_storage(password: bytes | None) -> None:
    ring = rotate(KeyRing(key(SEED_A)), NOW, overlap=60, new_key=key(SEED_A2))
    loaded = load_ring(dump_ring(ring, password), password)
    assert loaded.active.kid == ring.active.kid
    assert [(k.kid, k.not_after) for k in loaded.previous] == [(key(SEED_A).kid, NOW + 60)]
