"""Node documents: publishing ours, pinning a new peer's, and following a peer's rotations.

- ``peer add URL --fingerprint SHA256:…``: the fingerprint names one key (and its kid). The
  document must be signed by exactly that key, list it, and name ``URL`` as its issuer; then
  every key it lists is pinned.
- Refresh: a later document must be signed by a key already pinned and still valid, and be no
  older than the pinned one; its key list replaces the pinned one. That is how a rotation is
  announced: the new key arrives in a document signed by the old one.

A node serves ``/.well-known/mentornet-node?kid=<kid>`` signed by the key the caller asks for
(any valid key of its ring), so a peer that pins only the old key can still verify the document
that announces the new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from federation import wire
from federation.encoding import b64url_decode
from federation.errors import FingerprintMismatch, MalformedMessage, StaleDocument
from federation.key_ring import (
    KeyRing,
    NodeKey,
    PublicKey,
    fingerprint_matches,
    kid_from_fingerprint,
)
from federation.signing import (
    LEEWAY,
    MAX_DOCUMENT_LIFETIME,
    check_claims,
    new_jti,
    open_signed,
    sign,
)
from federation.trust import PinnedKey, PinnedPeer, normalise_node_id

DEFAULT_DOCUMENT_LIFETIME: Final = 7 * 24 * 3600


def build_node_document(
    *,
    ring: KeyRing,
    node_id: str,
    name: str,
    orgs: Sequence[wire.HostedOrg],
    endpoints: wire.Endpoints,
    now: int,
    lifetime: int = DEFAULT_DOCUMENT_LIFETIME,
) -> wire.NodeDocument:
    return wire.NodeDocument(
        iss=node_id,
        iat=now,
        exp=now + lifetime,
        jti=new_jti(),
        name=name,
        orgs=tuple(orgs),
        keys=tuple(
            wire.PublishedKey(kid=key.kid, public_key=key.to_b64url(), not_after=key.not_after)
            for key in ring.public_keys(now)
        ),
        endpoints=endpoints,
    )


def document_signing_key(ring: KeyRing, now: int, kid: str | None = None) -> NodeKey:
    """The key a peer asked for (``?kid=``) if this ring still has it, else the active key."""
    asked = ring.key(kid, now) if kid is not None else None
    return asked if asked is not None else ring.active


def sign_node_document(document: wire.NodeDocument, key: NodeKey) -> str:
    return sign(document, key)


@dataclass(frozen=True)
class PeerDocument:
    peer: PinnedPeer
    document: wire.NodeDocument


def pin_new_peer(
    token: str, *, url: str, fingerprint: str, now: int, leeway: int = LEEWAY
) -> PeerDocument:
    """Trust a peer for the first time, on an operator's word (its key fingerprint)."""
    node_id = normalise_node_id(url)
    try:
        kid = kid_from_fingerprint(fingerprint)
    except ValueError as error:
        raise FingerprintMismatch(str(error)) from None
    # Read the (not yet trusted) key list only to find the fingerprinted key; the document is
    # trusted only once its signature verifies with that key.
    listed = next((key for key in _unverified_keys(token) if key.kid == kid), None)
    if listed is None:
        raise FingerprintMismatch(f"the node document does not list key {kid}")
    candidate = PublicKey.from_b64url(listed.public_key, listed.not_after)
    if not fingerprint_matches(candidate.raw, fingerprint):
        raise FingerprintMismatch(f"key {kid} does not have fingerprint {fingerprint}")
    bootstrap = PinnedPeer(node_id, (PinnedKey(node_id, candidate),), document_iat=0)
    return _accept(token, trusted=bootstrap, now=now, leeway=leeway)


def refresh_peer(token: str, *, peer: PinnedPeer, now: int, leeway: int = LEEWAY) -> PeerDocument:
    """Follow a peer's new document (e.g. a rotation), trusting only keys already pinned."""
    return _accept(token, trusted=peer, now=now, leeway=leeway)


def _accept(token: str, *, trusted: PinnedPeer, now: int, leeway: int) -> PeerDocument:
    opened = open_signed(token, trusted, now)
    document = wire.decode_node_document(opened.payload)
    check_claims(
        document,
        signer=opened.signer,
        audience=None,
        now=now,
        max_lifetime=MAX_DOCUMENT_LIFETIME,
        leeway=leeway,
    )
    if document.iat < trusted.document_iat:
        raise StaleDocument(f"document of {document.iat} is older than the pinned one")
    keys = tuple(
        PinnedKey(trusted.node_id, key)
        for key in _published_keys(document)
        if key.not_after is None or now < key.not_after
    )
    return PeerDocument(PinnedPeer(trusted.node_id, keys, document.iat), document)


def _published_keys(document: wire.NodeDocument) -> list[PublicKey]:
    keys = []
    for published in document.keys:
        key = PublicKey.from_b64url(published.public_key, published.not_after)
        if key.kid != published.kid:
            raise MalformedMessage(f"kid {published.kid} is not derived from its key")
        keys.append(key)
    return keys


def _unverified_keys(token: str) -> tuple[wire.PublishedKey, ...]:
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedMessage("a token has three dot-separated parts")
    try:
        payload = b64url_decode(parts[1])
    except ValueError:
        raise MalformedMessage("token payload is not base64url") from None
    return wire.decode_node_document(payload).keys
