"""The consumer's side of the card feed: peers' cards as last verified, until they expire.

A valid page (even an empty one) tells us the producer's feed is current: every card we hold
from that producer is kept until the page's ``expires_at``. Cards are dropped when a tombstone
names them, when a ``reset`` page replaces the lot, or when they expire unrenewed. An invalid
page never reaches this module: it is refused before anything here runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import msgspec
from sqlalchemy import (
    ARRAY,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from federation import wire
from matching.model import MeetingMode, MentorProfile
from orgs.db import Base, UTCDateTime, utcnow
from orgs.pairing.sharing import org_ref

FREE_SLOTS = {"1": 1, "2-3": 2, "4+": 4}  # the least each bucket promises
#: How far a held card's expiry may lag its peer's last page before it is renewed.
RENEW_SLACK = timedelta(hours=1)


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
    #: When a pull was last started by the node's schedule (``feed_schedule``), ok or not.
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)


_CARD_JSON = msgspec.json.Encoder()

#: A page's cards in one statement: arrays, one element per card, unnested into rows.
_UPSERT = text(
    """
    INSERT INTO federation_remote_cards (id, peer, handle, org, card, expires_at, received_at)
    SELECT t.id, :peer, t.handle, t.org, CAST(t.card AS jsonb), :expires, :now
    FROM unnest(
        CAST(:ids AS uuid[]), CAST(:handles AS text[]), CAST(:orgs AS text[]),
        CAST(:cards AS text[])
    ) AS t(id, handle, org, card)
    ON CONFLICT (peer, handle) DO UPDATE SET
        org = excluded.org,
        card = excluded.card,
        expires_at = excluded.expires_at,
        received_at = excluded.received_at
    """
).bindparams(
    bindparam("ids", type_=ARRAY(Uuid())),
    bindparam("handles", type_=ARRAY(Text())),
    bindparam("orgs", type_=ARRAY(Text())),
    bindparam("cards", type_=ARRAY(Text())),
    bindparam("expires", type_=UTCDateTime()),
    bindparam("now", type_=UTCDateTime()),
)


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
        """Take a verified page from ``peer`` as a whole pull of one page."""
        await self.ingest(peer, page, now)
        await self.finish(peer, page.cursor, at(page.exp), now)

    async def ingest(self, peer: str, page: wire.FeedPage, now: datetime) -> None:
        """Apply one verified page: one DELETE (what its tombstones name, or everything on a
        ``reset``) and one INSERT of its cards (an upsert), whatever the page's size. Held
        cards are renewed once per pull, by :meth:`finish`."""
        expires = at(page.exp)
        dropped = [t.handle for t in page.tombstones]
        if page.reset:
            await self.session.execute(delete(RemoteCard).where(RemoteCard.peer == peer))
        elif dropped:
            await self.session.execute(
                delete(RemoteCard).where(RemoteCard.peer == peer, RemoteCard.handle.in_(dropped))
            )
        # The last of a handle wins (a page should name each once; a bad one must not fail).
        cards = {card.handle: card for card in page.cards}
        if not cards:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                _UPSERT,
                {
                    "peer": peer,
                    "ids": [uuid.uuid4() for _ in cards],
                    "handles": list(cards),
                    "orgs": [card.org for card in cards.values()],
                    "cards": [_CARD_JSON.encode(card).decode() for card in cards.values()],
                    "expires": expires,
                    "now": now,
                },
            )
            return
        await self.session.execute(
            delete(RemoteCard).where(RemoteCard.peer == peer, RemoteCard.handle.in_(list(cards)))
        )
        await self.session.execute(
            insert(RemoteCard),
            [
                {
                    "peer": peer,
                    "handle": handle,
                    "org": card.org,
                    "card": msgspec.to_builtins(card),
                    "expires_at": expires,
                    "received_at": now,
                }
                for handle, card in cards.items()
            ],
        )

    async def finish(self, peer: str, cursor: str, expires: datetime, now: datetime) -> None:
        """The end of a pull whose last page said ``cursor`` and vouched for the feed until
        ``expires``: renew the cards held from ``peer`` (once, not per page) and note where
        we are. A card is renewed only once its expiry lags the page's by ``RENEW_SLACK``:
        an unchanged feed pulled every few minutes then rewrites its cards about once an hour,
        not at every pull (each rewrite is a row per card, and moves the suggestions' stamp)."""
        await self.session.execute(
            update(RemoteCard)
            .where(RemoteCard.peer == peer, RemoteCard.expires_at < expires - RENEW_SLACK)
            .values(expires_at=expires)
        )
        state = await self.state(peer)
        state.cursor, state.expires_at = cursor, expires
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
