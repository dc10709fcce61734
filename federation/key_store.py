"""This node's signing keys and card-handle secret, kept in the database.

The key ring is stored as PKCS#8 PEMs encrypted with a password the caller derives from the
node's secret key, so a database dump alone does not give away the node's identity.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from federation.handles import new_handle_secret
from federation.key_ring import KeyRing, dump_ring, generate_key, load_ring, rotate
from orgs.db import Base, utcnow
from orgs.errors import AlreadyExists, NotFound, Unavailable

SINGLETON = 1

UNREADABLE = (
    "This node's keys cannot be decrypted with MENTORNET_SECRET_KEY: start it with the secret "
    "key they were made with, or, if that key is lost, run `mentornet keys replace --yes` and "
    "ask each peer's operator to pin the new fingerprint."
)


class NodeIdentity(Base):
    """One row per node: its key ring and the secret behind per-peer card handles."""

    __tablename__ = "node_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=SINGLETON)
    key_ring: Mapped[bytes] = mapped_column(LargeBinary)
    handle_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)


class NodeKeys:
    def __init__(self, session: AsyncSession, password: bytes) -> None:
        self.session = session
        self.password = password

    async def _row(self) -> NodeIdentity | None:
        return await self.session.get(NodeIdentity, SINGLETON)

    async def init(self, now: int) -> KeyRing:
        """Create the node's first key; refuse if it has one (rotate instead)."""
        if await self._row() is not None:
            raise AlreadyExists("This node already has keys; use `mentornet keys rotate`.")
        ring = KeyRing(active=generate_key(now))
        self.session.add(
            NodeIdentity(key_ring=dump_ring(ring, self.password), handle_secret=new_handle_secret())
        )
        await self.session.flush()
        return ring

    async def ensure(self, now: int) -> KeyRing:
        """The ring, created on first use (the demo and tests need no setup step)."""
        row = await self._row()
        return await self.init(now) if row is None else self._load(row)

    async def ring(self) -> KeyRing:
        row = await self._row()
        if row is None:
            raise NotFound("This node has no keys yet; run `mentornet keys init`.")
        return self._load(row)

    def _load(self, row: NodeIdentity) -> KeyRing:
        try:
            return load_ring(row.key_ring, self.password)
        except (ValueError, TypeError):  # cryptography's answer to a wrong password
            raise Unavailable(UNREADABLE) from None

    async def replace(self, now: int) -> KeyRing:
        """A new key ring and handle secret in place of ones that can no longer be used (the
        secret key that encrypts them is lost, or they leaked): a new identity for peers."""
        row = await self._row()
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()
        return await self.init(now)

    async def handle_secret(self) -> bytes:
        row = await self._row()
        if row is None:
            raise NotFound("This node has no keys yet; run `mentornet keys init`.")
        return row.handle_secret

    async def rotate(self, now: int, overlap: int) -> KeyRing:
        row = await self._row()
        if row is None:
            raise NotFound("This node has no keys yet; run `mentornet keys init`.")
        ring = rotate(self._load(row), now, overlap)
        row.key_ring = dump_ring(ring, self.password)
        row.rotated_at = utcnow()
        return ring
