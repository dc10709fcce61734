"""A consumer's card set kept between pulls, and built again only when what it is built from
changed (issue 15.3).

Building a consumer's cards reads every opted-in mentor, their clearance and their org's
policy, then k-anonymises them all: far too much to do for every page. PostgreSQL moves a
node-wide ``feed`` stamp at commit whenever a table a card is built from changes (migration
0021, with the functions of 0013's candidate stamps): mentors, profiles, applications,
schemes, orgs (policy and k), peers (which orgs a consumer hosts) and the node's identity
(the handle secret). ``FeedBuild`` records the stamp and the day each consumer's set was last
built at; a page is served from the stored feed entries while both still hold, so an
unchanged feed costs a few statements and no card is computed. The stamp is read before the
mentors, so a build is at least as new as the stamp it records: a change committed later
moves the stamp past it. Where there are no triggers (SQLite, the demo) every page builds
the set afresh.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy import BigInteger, Date, String, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from federation.feed import Feed, Page
from orgs.db import Base
from orgs.pairing.stamps import NODE, CandidateStamp

#: The ``candidate_stamps`` kind the feed triggers bump (node-wide: ``NODE``).
FEED_KIND = "feed"

Rebuild = Callable[[Feed], Awaitable[None]]


class FeedBuild(Base):
    """When a consumer's card set was last built: at which stamp, on which day."""

    __tablename__ = "federation_feed_builds"

    consumer: Mapped[str] = mapped_column(String(500), primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)
    built_on: Mapped[date] = mapped_column(Date)


async def current_page(
    session: AsyncSession, consumer: str, cursor: str, *, today: date, rebuild: Rebuild
) -> Page:
    """The consumer's page after ``cursor``, its card set built again (``rebuild``) first only
    if the feed stamp moved or the day changed since its last build (a scheme may have ended,
    a pause begun)."""
    feed = Feed(session, consumer)
    if session.get_bind().dialect.name != "postgresql":
        await rebuild(feed)  # no stamps to trust
        return await feed.page(cursor)
    stamp = (
        select(CandidateStamp.version)
        .where(CandidateStamp.kind == FEED_KIND, CandidateStamp.org_id == NODE)
        .scalar_subquery()
    )
    mine = FeedBuild.consumer == consumer
    built = select(FeedBuild.stamp).where(mine).scalar_subquery()
    built_on = select(FeedBuild.built_on).where(mine).scalar_subquery()
    found = (await session.execute(select(stamp, built, built_on))).one()
    version = int(found[0] or 0)
    if found[1] != version or found[2] != today:
        await rebuild(feed)
        await session.execute(
            insert(FeedBuild)
            .values(consumer=consumer, stamp=version, built_on=today)
            .on_conflict_do_update(
                index_elements=[FeedBuild.consumer], set_={"stamp": version, "built_on": today}
            )
        )
    return await feed.page(cursor)
