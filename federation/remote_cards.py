"""The consumer's side of the card feed: peers' cards as last verified, until they expire.

A valid page (even an empty one) tells us the producer's feed is current: every card we hold
from that producer is kept until the page's ``expires_at``. Cards are dropped when a tombstone
names them, when a ``reset`` page replaces the lot, or when they expire unrenewed. An invalid
page never reaches this module: it is refused before anything here runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import msgspec
from sqlalchemy import String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from federation import wire
from matching.model import MeetingMode, MentorProfile
from orgs.db import Base, utcnow
from orgs.pairing.sharing import org_ref

FREE_SLOTS = {"1": 1, "2-3": 2, "4+": 4}  # the least each bucket promises


class RemoteCard(Base):
    __tablename__ = "federation_remote_cards"
    __table_args__ = (UniqueConstraint("peer", "handle"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    peer: Mapped[str] = mapped_column(String(500), index=True)
    handle: Mapped[str] = mapped_column(String(64))
    org: Mapped[str] = mapped_column(String(40))
    card: Mapped[dict[str, Any]] = mapped_column(default=dict)
    expires_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def candidate_id(self) -> str:
        return candidate_id(self.peer, self.handle)

    def as_card(self) -> wire.Card:
        return msgspec.convert(self.card, wire.Card)


class FeedState(Base):
    """Where we are in each peer's feed, and how the last pull went."""

    __tablename__ = "federation_feed_state"

    peer: Mapped[str] = mapped_column(String(500), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(128), default="")
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    #: When a pull last succeeded (the feed's age); a failed pull leaves it and sets last_error.
    last_pulled_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")


def candidate_id(peer: str, handle: str) -> str:
    """How a remote card is named among matching candidates (local ones are member ids)."""
    return f"{handle}@{peer}"


def split_candidate_id(value: str) -> tuple[str, str] | None:
    handle, sep, peer = value.partition("@")
    return (peer, handle) if sep and peer.startswith("http") else None


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class RemoteCards:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def state(self, peer: str) -> FeedState:
        found = await self.session.get(FeedState, peer)
        if found is None:
            found = FeedState(peer=peer, cursor="", last_error="")
            self.session.add(found)
        return found

    async def apply(self, peer: str, page: wire.FeedPage, now: datetime) -> None:
        """Take a verified page from ``peer``."""
        expires = at(page.exp)
        if page.reset:
            await self.session.execute(delete(RemoteCard).where(RemoteCard.peer == peer))
        dropped = [t.handle for t in page.tombstones] + [c.handle for c in page.cards]
        if dropped:
            await self.session.execute(
                delete(RemoteCard).where(RemoteCard.peer == peer, RemoteCard.handle.in_(dropped))
            )
        for card in page.cards:
            self.session.add(
                RemoteCard(
                    peer=peer,
                    handle=card.handle,
                    org=card.org,
                    card=msgspec.to_builtins(card),
                    expires_at=expires,
                    received_at=now,
                )
            )
        # The page vouches for the whole feed as it stands: renew what we keep.
        await self.session.execute(
            update(RemoteCard).where(RemoteCard.peer == peer).values(expires_at=expires)
        )
        state = await self.state(peer)
        state.cursor, state.expires_at = page.cursor, expires
        state.last_pulled_at, state.last_error = now, ""
        await self.session.flush()

    async def failed(self, peer: str, now: datetime, error: str) -> None:
        """A pull failed or a page was refused: note it, change no card (and not the time of the
        last good pull: the feed we hold is as old as that)."""
        state = await self.state(peer)
        state.last_error = error[:1000]

    async def live(self, now: datetime, peer: str | None = None) -> Sequence[RemoteCard]:
        query = select(RemoteCard).where(RemoteCard.expires_at > now)
        if peer is not None:
            query = query.where(RemoteCard.peer == peer)
        return (await self.session.scalars(query.order_by(RemoteCard.handle))).all()

    async def live_rows(self, now: datetime) -> Sequence[CardRow]:
        """Every live card as plain columns (no ORM objects: thousands are read at once)."""
        query = (
            select(
                RemoteCard.peer,
                RemoteCard.handle,
                RemoteCard.org,
                RemoteCard.card,
                RemoteCard.expires_at,
            )
            .where(RemoteCard.expires_at > now)
            .order_by(RemoteCard.handle)
        )
        return [CardRow(*row) for row in await self.session.execute(query)]

    async def find(self, peer: str, handle: str, now: datetime) -> RemoteCard | None:
        return await self.session.scalar(
            select(RemoteCard).where(
                RemoteCard.peer == peer, RemoteCard.handle == handle, RemoteCard.expires_at > now
            )
        )

    async def drop_expired(self, now: datetime) -> int:
        result = await self.session.execute(delete(RemoteCard).where(RemoteCard.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def revoke(self, peer: str, handles: Sequence[str]) -> None:
        await self.session.execute(
            delete(RemoteCard).where(RemoteCard.peer == peer, RemoteCard.handle.in_(handles))
        )


class CardRow(NamedTuple):
    peer: str
    handle: str
    org: str
    card: dict[str, Any]
    expires_at: datetime

    @property
    def candidate_id(self) -> str:
        return candidate_id(self.peer, self.handle)

    def as_card(self) -> wire.Card:
        return msgspec.convert(self.card, wire.Card)


def to_candidate(row: RemoteCard | CardRow) -> MentorProfile:
    """A remote card as a matching candidate: the same input type as a local mentor."""
    card = row.as_card()
    return MentorProfile(
        id=row.candidate_id,
        org_id=org_ref(card.org, row.peer),
        topics={offer.topic: offer.level for offer in card.topics},
        # A coarsened band is a range; its middle stands in for the mentor's band.
        seniority_band=(card.band.low + card.band.high) // 2,
        capacity=FREE_SLOTS[card.free_slots],
        meeting_modes=frozenset(MeetingMode(mode) for mode in card.meeting_modes),
        region=card.region,
        languages=frozenset(card.languages),
        sector=card.sector,
    )
