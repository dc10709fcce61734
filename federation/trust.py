"""Pinned peers: the only keys this node ever verifies a peer's signature with.

Keys arrive here only from a node document verified by ``federation.node_documents`` (an operator's
fingerprint for the first one, an already pinned key for every later one). A message naming an
unknown ``kid`` is refused, never a reason to fetch anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from federation.key_ring import PublicKey


def normalise_node_id(url: str) -> str:
    """A node id from a base URL: lower-case scheme and host, no trailing slash, no query,
    fragment or credentials. ``ValueError`` for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"https", "http"} or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) base URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{url!r}: a node id has no query, fragment or credentials")
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}{port}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class PinnedKey:
    peer: str
    key: PublicKey

    @property
    def kid(self) -> str:
        return self.key.kid

    def verifier(self) -> Ed25519PublicKey:
        return self.key.verifier()

    def is_valid(self, now: int) -> bool:
        return self.key.not_after is None or now < self.key.not_after


@dataclass(frozen=True)
class PinnedPeer:
    """A trusted peer: its node id, pinned keys, and the ``iat`` of the document they came
    from (a later document may only be newer: no rollback to a retired key set)."""

    node_id: str
    keys: tuple[PinnedKey, ...]
    document_iat: int

    def __post_init__(self) -> None:
        if any(key.peer != self.node_id for key in self.keys):
            raise ValueError("every pinned key belongs to its peer")

    def key_for(self, kid: str) -> PinnedKey | None:
        return next((key for key in self.keys if key.kid == kid), None)


class TrustStore:
    """All pinned keys of all peers, by kid. Satisfies ``signing.KeyLookup``."""

    def __init__(self, peers: Iterable[PinnedPeer]) -> None:
        self._peers: dict[str, PinnedPeer] = {}
        self._keys: dict[str, PinnedKey] = {}
        for peer in peers:
            if peer.node_id in self._peers:
                raise ValueError(f"peer {peer.node_id} pinned twice")
            self._peers[peer.node_id] = peer
            for key in peer.keys:
                if key.kid in self._keys:  # one key, two peers: refuse to guess who signed
                    raise ValueError(f"key {key.kid} is pinned for two peers")
                self._keys[key.kid] = key

    def key_for(self, kid: str) -> PinnedKey | None:
        return self._keys.get(kid)

    def peer(self, node_id: str) -> PinnedPeer | None:
        return self._peers.get(node_id)
