"""Known-answer vectors in tests/vectors/: Ed25519 is deterministic, so every byte is fixed.

A peer written in another language checks its implementation against the same files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from federation import wire
from federation.key_ring import key_from_seed
from federation.request_auth import query_sha256
from federation.signing import open_signed, sign_payload
from federation.trust import PinnedKey, PinnedPeer

VECTORS = Path(__file__).parents[2] / "vectors"
DECODERS: dict[str, Callable[[bytes], wire.Signed]] = {
    "request-create": wire.decode_message,
    "request-accept": wire.decode_message,
    "relationship-record": wire.decode_message,
    "relationship-change": wire.decode_message,
    "relationship-change-reschedule": wire.decode_message,
    "relationship-change-extension": wire.decode_message,
    "network-change": wire.decode_message,
    "event-publish": wire.decode_message,
    "event-register": wire.decode_message,
    "event-unregister": wire.decode_message,
    "event-place": wire.decode_message,
    "network-figures": wire.decode_message,
    "feed-page": wire.decode_feed_page,
    "http-request": wire.decode_request_token,
    "node-document": wire.decode_node_document,
}


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def test_every_vector_file_is_checked() -> None:
    on_disk = {path.stem for path in VECTORS.glob("*.json")}
    assert on_disk == {*DECODERS, "ed25519-rfc8032-test1"}


def test_the_ed25519_primitive_matches_rfc_8032() -> None:
    vector = load("ed25519-rfc8032-test1")
    signer = key_from_seed(bytes.fromhex(vector["seed_hex"]), 0)
    assert signer.public.raw.hex() == vector["public_key_hex"]
    assert signer.sign(bytes.fromhex(vector["message_hex"])).hex() == vector["signature_hex"]


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_signing_the_vector_payload_gives_the_vector_token(name: str) -> None:
    vector = load(name)
    signer = key_from_seed(bytes.fromhex(vector["seed_hex"]), 0)
    assert signer.public.to_b64url() == vector["public_key"]
    assert signer.kid == vector["kid"]
    assert signer.public.fingerprint == vector["fingerprint"]

    token = sign_payload(vector["payload"].encode("utf-8"), signer)
    assert token == vector["token"]
    assert token == f"{vector['signing_input']}.{vector['signature']}"


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_the_vector_token_verifies_and_decodes_back_to_the_same_bytes(name: str) -> None:
    vector = load(name)
    public = key_from_seed(bytes.fromhex(vector["seed_hex"]), 0).public
    issuer = json.loads(vector["payload"])["iss"]
    opened = open_signed(vector["token"], PinnedPeer(issuer, (PinnedKey(issuer, public),), 0), 0)
    assert opened.payload == vector["payload"].encode("utf-8")
    payload = DECODERS[name](opened.payload)
    assert wire.encode(payload) == opened.payload  # our encoder is stable: same struct, same bytes


def test_the_request_vector_hashes_its_query() -> None:
    vector = load("http-request")
    assert json.loads(vector["payload"])["query_sha256"] == query_sha256(vector["query"])


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_a_standard_jose_library_verifies_the_vectors(name: str) -> None:
    jws = pytest.importorskip("joserfc.jws")
    okp = pytest.importorskip("joserfc.jwk")
    vector = load(name)
    public = okp.OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": vector["public_key"]})
    verified = jws.deserialize_compact(vector["token"], public, algorithms=["Ed25519"])
    assert verified.payload == vector["payload"].encode("utf-8")
    assert verified.protected == {"alg": "Ed25519", "kid": vector["kid"], "typ": "mentornet+jws"}
