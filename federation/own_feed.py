"""The node's own feed for itself: cards of its organisations' mentors for its other
organisations, so a Brent mentee is offered a Harrow mentor on the same node, ranked with every
other candidate and asked through the same card path as a mentor on another node.

The producer's half is the same as for a peer (``offers_for`` with each org's sharing policy
and k-anonymity, ``build_cards``, ``Feed`` versions), with this node as the consumer; the
consumer's half takes the pages into ``RemoteCards`` under this node's id, as a pulled page
would be. Nothing is signed or sent: there is nobody to convince but ourselves. An org never
publishes to itself (its mentors are local candidates already), and which of the other orgs
here may see a card is decided when suggesting (``remote_candidates.allowed_pool``), with both
orgs' policies.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.cards import build_cards
from federation.feed import Feed, offers_for
from federation.handles import card_handle
from federation.remote_cards import RemoteCards
from federation.signing import new_jti
from federation.this_node import hosted_here

#: As long as a peer's page lives (``feed_pages.PAGE_LIFETIME``): refreshed with every pull.
OWN_PAGE_LIFETIME = timedelta(hours=6)
MAX_PAGES = 50


async def refresh_own_feed(session: AsyncSession, *, me: str, secret: bytes, now: datetime) -> int:
    """Bring this node's cards for itself up to date; how many cards changed."""
    offers = await offers_for(
        session,
        consumer=me,
        consumer_orgs=sorted(await hosted_here(session)),
        taken={},
        today=now.date(),
        here=me,
    )
    card_set = build_cards(
        offers.offers, consumer=me, handle_secret=secret, k_by_org=offers.k_by_org
    )
    feed = Feed(session, me)
    await feed.sync(
        card_set, {card_handle(secret, me, o.mentor_id): o.mentor_id for o in offers.offers}
    )
    cards = RemoteCards(session)
    cursor = (await cards.state(me)).cursor
    stamp = int(now.timestamp())
    changed = 0
    for _ in range(MAX_PAGES):
        page = await feed.page(cursor)
        await cards.apply(
            me,
            wire.FeedPage(
                iss=me,
                aud=me,
                iat=stamp,
                exp=stamp + int(OWN_PAGE_LIFETIME.total_seconds()),
                jti=new_jti(),
                request_jti=new_jti(),
                cards=page.cards,
                tombstones=page.tombstones,
                cursor=page.cursor,
                reset=page.reset,
                has_more=page.has_more,
            ),
            now,
        )
        changed += len(page.cards) + len(page.tombstones)
        cursor = page.cursor
        if not page.has_more:
            break
    return changed
