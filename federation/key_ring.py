"""Ed25519 node keys: ids, fingerprints, PEM storage and the rotating key ring.

- ``kid`` = base64url(SHA-256(raw 32-byte public key)[:16]) — 22 characters, derived, so a kid
  cannot be chosen to collide with another node's key.
- fingerprint = ``SHA256:`` + unpadded standard base64 of SHA-256(raw public key), as OpenSSH
  prints it. The kid is the first 16 bytes of the same digest, so a fingerprint names a kid
  (``kid_from_fingerprint``): ``peer add`` asks for the node document signed by exactly that key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, replace

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from federation.encoding import b64url_decode, b64url_encode

KID_BYTES = 16
FINGERPRINT_PREFIX = "SHA256:"


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _digest(raw_public: bytes) -> bytes:
    if len(raw_public) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return hashlib.sha256(raw_public).digest()


def kid_of(raw_public: bytes) -> str:
    return b64url_encode(_digest(raw_public)[:KID_BYTES])


def fingerprint_of(raw_public: bytes) -> str:
    return FINGERPRINT_PREFIX + base64.b64encode(_digest(raw_public)).rstrip(b"=").decode("ascii")


def _fingerprint_digest(fingerprint: str) -> bytes:
    body = fingerprint.removeprefix(FINGERPRINT_PREFIX)
    if body == fingerprint or len(body) != 43:
        raise ValueError("a fingerprint looks like SHA256: followed by 43 base64 characters")
    try:
        digest = base64.b64decode(body + "=", validate=True)
    except binascii.Error as error:
        raise ValueError("a fingerprint looks like SHA256: followed by base64") from error
    return digest


def kid_from_fingerprint(fingerprint: str) -> str:
    """The kid of the key a fingerprint names; ``ValueError`` if it is not a fingerprint."""
    return b64url_encode(_fingerprint_digest(fingerprint)[:KID_BYTES])


def fingerprint_matches(raw_public: bytes, fingerprint: str) -> bool:
    return hmac.compare_digest(_digest(raw_public), _fingerprint_digest(fingerprint))


@dataclass(frozen=True)
class PublicKey:
    """A node's public key as published in its node document."""

    raw: bytes
    not_after: int | None = None

    @property
    def kid(self) -> str:
        return kid_of(self.raw)

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.raw)

    def verifier(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)

    def to_b64url(self) -> str:
        return b64url_encode(self.raw)

    @classmethod
    def from_b64url(cls, text: str, not_after: int | None = None) -> PublicKey:
        raw = b64url_decode(text)
        Ed25519PublicKey.from_public_bytes(raw)  # refuses anything that is not a key
        return cls(raw, not_after)


@dataclass(frozen=True, eq=False)
class NodeKey:
    """One of this node's signing keys. ``not_after``: None while active; set when rotated out."""

    private: Ed25519PrivateKey
    created_at: int
    not_after: int | None = None

    @property
    def public(self) -> PublicKey:
        return PublicKey(raw_public_key(self.private.public_key()), self.not_after)

    @property
    def kid(self) -> str:
        return self.public.kid

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def is_valid(self, now: int) -> bool:
        return self.not_after is None or now < self.not_after

    def __repr__(self) -> str:  # never print key material
        return (
            f"NodeKey(kid={self.kid!r}, created_at={self.created_at}, not_after={self.not_after})"
        )


def generate_key(now: int) -> NodeKey:
    return NodeKey(Ed25519PrivateKey.generate(), created_at=now)


def key_from_seed(seed: bytes, now: int) -> NodeKey:
    """The key with this 32-byte RFC 8032 seed (test vectors; never for production keys)."""
    return NodeKey(Ed25519PrivateKey.from_private_bytes(seed), created_at=now)


def private_key_to_pem(key: NodeKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with the best available scheme when a password is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def private_key_from_pem(
    pem: bytes, *, created_at: int, not_after: int | None = None, password: bytes | None = None
) -> NodeKey:
    private = serialization.load_pem_private_key(pem, password=password)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return NodeKey(private, created_at=created_at, not_after=not_after)


@dataclass(frozen=True)
class KeyRing:
    """This node's keys: the active one signs; previous ones still verify until ``not_after``.

    ``previous`` is newest first. Every key still valid is published in the node document, so
    peers learn a new key while the old one is still accepted (the overlap).
    """

    active: NodeKey
    previous: tuple[NodeKey, ...] = ()

    def valid_keys(self, now: int) -> tuple[NodeKey, ...]:
        return (self.active, *(key for key in self.previous if key.is_valid(now)))

    def public_keys(self, now: int) -> tuple[PublicKey, ...]:
        return tuple(key.public for key in self.valid_keys(now))

    def key(self, kid: str, now: int) -> NodeKey | None:
        """A valid key of this ring by kid: lets a peer ask for the node document signed by a
        key it already pins (during an overlap that is the old key)."""
        return next((key for key in self.valid_keys(now) if key.kid == kid), None)


def rotate(ring: KeyRing, now: int, overlap: int, new_key: NodeKey | None = None) -> KeyRing:
    """A new ring whose active key is ``new_key`` (fresh if None). The old active key stays
    valid for ``overlap`` seconds; keys already past their ``not_after`` are dropped."""
    if overlap < 0:
        raise ValueError("overlap must be ≥ 0 seconds")
    incoming = new_key if new_key is not None else generate_key(now)
    if incoming.not_after is not None:
        raise ValueError("the new active key must not have a not_after")
    retiring = replace(ring.active, not_after=now + overlap)
    still_valid = tuple(key for key in ring.previous if key.is_valid(now))
    return KeyRing(active=incoming, previous=(retiring, *still_valid))


class StoredKey(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pem: str
    created_at: int
    not_after: int | None = None


class StoredKeyRing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """On-disk form of a ring (JSON of PKCS#8 PEMs); ``active`` first."""

    keys: tuple[StoredKey, ...]


def dump_ring(ring: KeyRing, password: bytes | None = None) -> bytes:
    stored = tuple(
        StoredKey(private_key_to_pem(key, password).decode("ascii"), key.created_at, key.not_after)
        for key in (ring.active, *ring.previous)
    )
    return msgspec.json.encode(StoredKeyRing(stored))


def load_ring(data: bytes, password: bytes | None = None) -> KeyRing:
    stored = msgspec.json.decode(data, type=StoredKeyRing)
    keys = [
        private_key_from_pem(
            item.pem.encode("ascii"),
            created_at=item.created_at,
            not_after=item.not_after,
            password=password,
        )
        for item in stored.keys
    ]
    if not keys or keys[0].not_after is not None:
        raise ValueError("a stored key ring starts with its active key (no not_after)")
    return KeyRing(active=keys[0], previous=tuple(keys[1:]))
