"""The producer's side of the card feed: what each consumer node has been told, versioned.

Each pull recomputes the consumer's cards (``cards.build_cards``) and diffs them against what
that consumer was last sent. Changed or new cards get the next version number; cards that
disappeared (paused, full, withdrawn, erased) become tombstones with the next version. A cursor
is the last version a consumer has seen; an empty cursor gets a full snapshot with ``reset``.
The rows also map each handle back to its mentor (resolving requests) and record which handles
went to which peer (for erasure).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import BigInteger, Index, String, UniqueConstraint, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from federation import wire
from federation.anonymise import MentorFacts
from federation.cards import CardSet, MentorOffer
from federation.this_node import is_here, ref_of
from matching.model import MeetingMode
from orgs.db import Base, utcnow
from orgs.models import Org
from orgs.pairing.candidates import approved_members
from orgs.pairing.sharing import policy_of
from orgs.people.members import Member, MemberStatus
from orgs.people.profiles import MentorProfileRow, MentorProfiles
from orgs.schemes.eligibility import SchemeRole

PAGE_SIZE = 500
LANGUAGE_TAG = wire.LanguageTag


class FeedEntry(Base):
    __tablename__ = "federation_feed_entries"
    __table_args__ = (
        UniqueConstraint("consumer", "handle"),
        Index("ix_federation_feed_entries_consumer_version", "consumer", "version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    consumer: Mapped[str] = mapped_column(String(500))
    handle: Mapped[str] = mapped_column(String(64))
    mentor_id: Mapped[uuid.UUID] = mapped_column()
    card: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def tombstone(self) -> bool:
        return self.card is None


@dataclass(frozen=True)
class Offers:
    offers: tuple[MentorOffer, ...]
    k_by_org: Mapping[str, int]


_TAG = msgspec.json.Decoder(LANGUAGE_TAG)


def _language_tags(values: Sequence[str]) -> frozenset[str]:
    tags = set()
    for value in values:
        try:
            tags.add(_TAG.decode(msgspec.json.encode(value)))
        except msgspec.ValidationError:
            continue  # not a BCP 47 tag: left off the card rather than leaking free text
    return frozenset(tags)


async def offers_for(
    session: AsyncSession,
    *,
    consumer: str,
    consumer_orgs: Sequence[str],
    taken: Mapping[uuid.UUID, int],
    today: date,
    here: str | None = None,
) -> Offers:
    """Opted-in mentors of every org here that publishes and allows an org of ``consumer``,
    each cleared to mentor (``approved_members``: an accepted application in a scheme that has
    not ended). A mentor who stops being cleared drops out here, so the next ``Feed.sync``
    turns their card into a tombstone."""
    offers: list[MentorOffer] = []
    k_by_org: dict[str, int] = {}
    for org in (await session.scalars(select(Org).order_by(Org.slug))).all():
        policy = policy_of(org)
        # For this node's own feed (``consumer`` is ``here``) the orgs are named by slug, and
        # an org does not publish to itself: its members see its mentors directly.
        if not policy.publish_cards or not any(
            policy.allows(ref_of(slug, consumer, here))
            for slug in consumer_orgs
            if slug != org.slug or not is_here(consumer, here)
        ):
            continue
        k_by_org[org.slug] = policy.k
        cleared = await approved_members(session, org.id, SchemeRole.MENTOR, None, today=today)
        rows = await session.execute(
            MentorProfiles(session, org.id)
            .select(MentorProfileRow.open_to_other_orgs.is_(True))
            .join(Member, Member.id == MentorProfileRow.member_id)
            .where(
                Member.org_id == org.id,
                Member.status == MemberStatus.ACTIVE,
                Member.id.in_(cleared),
            )
            .add_columns(Member.id)
        )
        for profile, member_id in rows:
            free = 0 if profile.paused_on(today) else profile.capacity - taken.get(member_id, 0)
            modes = frozenset(
                m for m in profile.meeting_modes if m in (MeetingMode.IN_PERSON, MeetingMode.REMOTE)
            )
            if not profile.topics or not modes:
                continue
            offers.append(
                MentorOffer(
                    mentor_id=str(member_id),
                    facts=MentorFacts(
                        org=org.slug,
                        band=profile.seniority_band,
                        region=policy.region,
                        sector=policy.sector,
                    ),
                    topics={k: int(v) for k, v in profile.topics.items()},
                    meeting_modes=modes,
                    free_slots=max(free, 0),
                    languages=_language_tags(profile.languages),
                )
            )
    return Offers(tuple(offers), k_by_org)


@dataclass(frozen=True)
class Page:
    cards: tuple[wire.Card, ...]
    tombstones: tuple[wire.Tombstone, ...]
    cursor: str
    reset: bool
    has_more: bool


class Feed:
    def __init__(self, session: AsyncSession, consumer: str) -> None:
        self.session = session
        self.consumer = consumer

    async def sync(self, current: CardSet, mentors_by_handle: Mapping[str, str]) -> None:
        """Record what changed since the consumer's last build, each change a new version: one
        read of the stored entries and at most one INSERT and one UPDATE, whatever the size."""
        rows = (
            await self.session.execute(
                select(FeedEntry.id, FeedEntry.handle, FeedEntry.card, FeedEntry.version).where(
                    FeedEntry.consumer == self.consumer
                )
            )
        ).all()
        entries = {handle: (entry_id, card) for entry_id, handle, card, _ in rows}
        version = max((row[3] for row in rows), default=0)
        # Through JSON, so each card compares equal to its stored form (lists, not tuples).
        now_cards = dict(
            zip(
                (card.handle for card in current.cards),
                msgspec.json.decode(msgspec.json.encode(current.cards)),
                strict=True,
            )
        )
        added: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for handle, card in sorted(now_cards.items()):
            found = entries.get(handle)
            if found is not None and found[1] == card:
                continue
            version += 1
            if found is None:
                added.append(
                    {
                        "consumer": self.consumer,
                        "handle": handle,
                        "mentor_id": uuid.UUID(mentors_by_handle[handle]),
                        "card": card,
                        "version": version,
                    }
                )
            else:
                changed.append({"id": found[0], "card": card, "version": version})
        for handle, (entry_id, card) in sorted(entries.items()):
            if handle not in now_cards and card is not None:
                version += 1
                changed.append({"id": entry_id, "card": None, "version": version})
        if added:
            await self.session.execute(insert(FeedEntry), added)
        if changed:
            await self.session.execute(update(FeedEntry), changed)

    async def page(self, cursor: str, limit: int = PAGE_SIZE) -> Page:
        """Changes after ``cursor`` (a version number); everything, with ``reset``, when the
        cursor is empty or not one of ours. One query, of plain columns."""
        parsed = _parse_cursor(cursor)
        reset = parsed is None
        after = parsed or 0
        rows = (
            await self.session.execute(
                select(FeedEntry.handle, FeedEntry.card, FeedEntry.version)
                .where(FeedEntry.consumer == self.consumer, FeedEntry.version > after)
                .order_by(FeedEntry.version)
                .limit(limit + 1)
            )
        ).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1].version if rows else after
        return Page(
            cards=tuple(
                msgspec.convert(row.card, wire.Card) for row in rows if row.card is not None
            ),
            tombstones=tuple(wire.Tombstone(handle=row.handle) for row in rows if row.card is None),
            cursor=str(last),
            reset=reset,
            has_more=has_more,
        )

    async def mentor_for(self, handle: str) -> uuid.UUID | None:
        """The mentor behind a handle this consumer was given (and only this consumer)."""
        return await self.session.scalar(
            select(FeedEntry.mentor_id).where(
                FeedEntry.consumer == self.consumer, FeedEntry.handle == handle
            )
        )


async def withdraw_cards(session: AsyncSession, mentor_id: uuid.UUID) -> int:
    """Turn every card of ``mentor_id`` into a tombstone now (erasure), each with the next
    version of its consumer's feed, rather than at that consumer's next pull. The tombstone
    (handle, no card) stays so that a consumer that missed ``member.erase`` still drops the
    card; it names nobody without this node's handle secret."""
    entries = await session.scalars(select(FeedEntry).where(FeedEntry.mentor_id == mentor_id))
    rows = [entry for entry in entries.all() if not entry.tombstone]  # JSON null, not SQL NULL
    for entry in rows:
        latest = await session.scalar(
            select(func.max(FeedEntry.version)).where(FeedEntry.consumer == entry.consumer)
        )
        entry.card, entry.version = None, int(latest or 0) + 1
        await session.flush()
    return len(rows)


def _parse_cursor(cursor: str) -> int | None:
    return int(cursor) if cursor.isdigit() and len(cursor) < 19 else None
