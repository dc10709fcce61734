"""The durable replay memory of signed GET requests (the card feed), in PostgreSQL.

A replay cache in Redis forgets everything when Redis is flushed or restarted empty, and a
feed request replayed within its lifetime would then be served again: a page of cards to
whoever captured the header. This one is a row written in the request's own transaction, so
it is as durable as the page it authorises and no cache flush can reopen a token. Rows live
until the token expires (at most ``signing.MAX_REQUEST_LIFETIME``) and are purged as new ones
arrive, so the table stays at a few rows per peer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, utcnow


class SeenRequest(Base):
    __tablename__ = "federation_seen_requests"

    issuer: Mapped[str] = mapped_column(String(500), primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class DurableReplayCache:
    """A ``ReplayCache`` on the caller's session: commits (or rolls back) with it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_seen(self, issuer: str, jti: str, until: int) -> bool:
        await self.session.execute(delete(SeenRequest).where(SeenRequest.expires_at <= utcnow()))
        try:
            # A concurrent first use of the same token waits on the key and then fails here.
            async with self.session.begin_nested():
                self.session.add(
                    SeenRequest(
                        issuer=issuer, jti=jti, expires_at=datetime.fromtimestamp(until, UTC)
                    )
                )
        except IntegrityError:
            return False
        return True
