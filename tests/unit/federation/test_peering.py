"""Peering: pin a node by its fingerprint, follow its rotations, never trust anything else."""

from __future__ import annotations

import msgspec
import pytest

from federation import errors, wire
from federation.key_ring import KeyRing, NodeKey, rotate
from federation.node_documents import (
    build_node_document,
    document_signing_key,
    pin_new_peer,
    refresh_peer,
    sign_node_document,
)
from federation.replay import InMemoryReplayCache
from federation.signing import sign, verify_message
from federation.trust import PinnedKey, PinnedPeer, TrustStore, normalise_node_id

from .builders import NODE_A, NODE_B, NOW, SEED_A, SEED_A2, SEED_STRANGER, key, withdraw

OVERLAP = 7 * 86_400


def document(ring: KeyRing, now: int, **changes: object) -> wire.NodeDocument:
    made = build_node_document(
        ring=ring,
        node_id=NODE_A,
        name="Node A",
        orgs=(wire.HostedOrg(slug="brent", display_name="Brent Council"),),
        endpoints=wire.Endpoints(
            inbox=f"{NODE_A}/federation/v1/inbox", cards=f"{NODE_A}/federation/v1/cards"
        ),
        now=now,
    )
    return msgspec.structs.replace(made, **changes)


def add_peer(ring: KeyRing, signer: NodeKey | None = None) -> PinnedPeer:
    token = sign_node_document(document(ring, NOW), signer or ring.active)
    return pin_new_peer(
        token, url=NODE_A + "/", fingerprint=ring.active.public.fingerprint, now=NOW
    ).peer


async def accepted(token: str, peer: PinnedPeer, now: int) -> bool:
    try:
        await verify_message(
            token, trust=TrustStore([peer]), me=NODE_B, now=now, replay=InMemoryReplayCache()
        )
    except errors.FederationError:
        return False
    return True


def test_a_peer_is_pinned_by_the_fingerprint_an_operator_gives() -> None:
    peer = add_peer(KeyRing(key(SEED_A)))
    assert peer.node_id == NODE_A
    assert [k.kid for k in peer.keys] == [key(SEED_A).kid]


def test_another_fingerprint_is_refused() -> None:
    token = sign_node_document(document(KeyRing(key(SEED_A)), NOW), key(SEED_A))
    with pytest.raises(errors.FingerprintMismatch):
        pin_new_peer(token, url=NODE_A, fingerprint=key(SEED_STRANGER).public.fingerprint, now=NOW)


def test_a_document_listing_the_real_key_but_signed_by_another_is_refused() -> None:
    # A man in the middle lists the genuine key (fingerprints are public) next to its own.
    ring = KeyRing(key(SEED_STRANGER), previous=(key(SEED_A, not_after=NOW + 60),))
    token = sign_node_document(document(ring, NOW), key(SEED_STRANGER))
    with pytest.raises(errors.UnknownKey):
        pin_new_peer(token, url=NODE_A, fingerprint=key(SEED_A).public.fingerprint, now=NOW)


def test_a_document_of_another_node_is_refused() -> None:
    token = sign_node_document(document(KeyRing(key(SEED_A)), NOW), key(SEED_A))
    with pytest.raises(errors.WrongIssuer):
        pin_new_peer(
            token,
            url="https://elsewhere.example",
            fingerprint=key(SEED_A).public.fingerprint,
            now=NOW,
        )


def test_an_expired_document_is_refused() -> None:
    token = sign_node_document(document(KeyRing(key(SEED_A)), NOW - 8 * 86_400), key(SEED_A))
    with pytest.raises(errors.Expired):
        pin_new_peer(token, url=NODE_A, fingerprint=key(SEED_A).public.fingerprint, now=NOW)


def test_a_document_whose_kid_is_not_derived_from_its_key_is_refused() -> None:
    honest = document(KeyRing(key(SEED_A)), NOW)
    lying = msgspec.structs.replace(
        honest,
        keys=(
            *honest.keys,
            wire.PublishedKey(kid=key(SEED_A).kid, public_key=key(SEED_A2).public.to_b64url()),
        ),
    )
    with pytest.raises(errors.MalformedMessage, match="not derived"):
        pin_new_peer(
            sign(lying, key(SEED_A)),
            url=NODE_A,
            fingerprint=key(SEED_A).public.fingerprint,
            now=NOW,
        )


async def test_rotation_with_overlap_end_to_end() -> None:
    old_ring = KeyRing(key(SEED_A))
    peer = add_peer(old_ring)
    ring = rotate(old_ring, NOW + 100, overlap=OVERLAP, new_key=key(SEED_A2))

    # B asks for the document signed by the key it pins; it announces the new key.
    signer = document_signing_key(ring, NOW + 200, kid=peer.keys[0].kid)
    assert signer.kid == key(SEED_A).kid
    peer = refresh_peer(
        sign_node_document(document(ring, NOW + 200), signer), peer=peer, now=NOW + 200
    ).peer
    assert {k.kid for k in peer.keys} == {key(SEED_A).kid, key(SEED_A2).kid}

    by_new = sign(withdraw(iat=NOW + 300, exp=NOW + 400), key(SEED_A2))
    assert await accepted(by_new, peer, NOW + 300)

    retiring = NOW + 100 + OVERLAP
    by_old = sign(withdraw(iat=retiring - 10, exp=retiring + 100), key(SEED_A))
    assert await accepted(by_old, peer, retiring - 1)
    assert not await accepted(by_old, peer, retiring)

    # After the overlap the document lists only the new key; the old one is gone entirely.
    later = retiring + 10
    peer = refresh_peer(
        sign_node_document(document(ring, later), document_signing_key(ring, later)),
        peer=peer,
        now=later,
    ).peer
    assert [k.kid for k in peer.keys] == [key(SEED_A2).kid]


def test_a_new_key_cannot_announce_itself() -> None:
    peer = add_peer(KeyRing(key(SEED_A)))
    ring = rotate(KeyRing(key(SEED_A)), NOW + 100, overlap=OVERLAP, new_key=key(SEED_A2))
    with pytest.raises(errors.UnknownKey):
        refresh_peer(
            sign_node_document(document(ring, NOW + 200), key(SEED_A2)), peer=peer, now=NOW + 200
        )


def test_an_older_document_cannot_roll_the_keys_back() -> None:
    ring = KeyRing(key(SEED_A))
    peer = refresh_peer(
        sign_node_document(document(ring, NOW + 500), key(SEED_A)),
        peer=add_peer(ring),
        now=NOW + 600,
    ).peer
    with pytest.raises(errors.StaleDocument):
        refresh_peer(
            sign_node_document(document(ring, NOW + 400), key(SEED_A)), peer=peer, now=NOW + 600
        )


def test_a_ring_signs_with_its_active_key_when_asked_for_a_key_it_no_longer_has() -> None:
    ring = rotate(KeyRing(key(SEED_A)), NOW, overlap=60, new_key=key(SEED_A2))
    assert document_signing_key(ring, NOW + 61, kid=key(SEED_A).kid).kid == key(SEED_A2).kid


@pytest.mark.parametrize(
    ("url", "node_id"),
    [
        ("HTTPS://Node-A.Example/", "https://node-a.example"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("https://x.example/mentornet/", "https://x.example/mentornet"),
    ],
)
def test_node_ids_are_normalised_base_urls(url: str, node_id: str) -> None:
    assert normalise_node_id(url) == node_id


@pytest.mark.parametrize(
    "url", ["ftp://x.example", "https://x.example/?a=1", "https://u:p@x.example", "x.example"]
)
def test_anything_but_a_base_url_is_not_a_node_id(url: str) -> None:
    with pytest.raises(ValueError, match=r"base URL|node id"):
        normalise_node_id(url)


def test_one_key_cannot_be_pinned_for_two_peers() -> None:
    node_a = add_peer(KeyRing(key(SEED_A)))
    impostor = "https://node-x.example"
    same_key = PinnedPeer(impostor, (PinnedKey(impostor, key(SEED_A).public),), NOW)
    with pytest.raises(ValueError, match="two peers"):
        TrustStore([node_a, same_key])
