"""Time-release warnings for cross-organisation pairs, from each organisation's own budget.

In a pair of two organisations each side counts the held meetings its node holds (recorded
here, or replicated from the other side) against its own organisation's budget (the mentor's
time is the mentor's organisation's to give). A meeting the other person recorded never passed
through this side's answer (where a local pair sees ``warning: true``), so the jobs tell the
local person once when their own budget reaches 80 % and once when it is used up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.mentoring.meetings import WARN_AT, TimeRelease, time_release
from orgs.mentoring.relationships import LIVE, Relationship
from orgs.people.notifications import NotificationKind, notify

USED_UP = 100


def reached(release: TimeRelease) -> int:
    """The highest threshold (0, 80, 100 per cent) ``release`` has reached."""
    if release.used_minutes >= release.budget_minutes:
        return USED_UP
    return round(WARN_AT * 100) if release.warning else 0


def _text(release: TimeRelease, level: int) -> tuple[str, str]:
    if level == USED_UP:
        return (
            "Your time release is used up",
            f"Your mentoring meetings have used all {release.budget_hours:g} hours of time "
            "release your organisation gives. Ask your scheme coordinator before holding more.",
        )
    return (
        f"{release.percent}% of your time release is used",
        f"{release.used_hours:g} of your {release.budget_hours:g} hours of time release are used.",
    )


async def warn_time_release(session: AsyncSession, now: datetime) -> int:
    """Warn the local party of each live cross-organisation relationship that reached a new
    threshold of its organisation's budget; the number of relationships warned."""
    rows = (
        await session.scalars(
            select(Relationship).where(
                Relationship.remote_peer.is_not(None), Relationship.state.in_(LIVE)
            )
        )
    ).all()
    warned = 0
    for rel in rows:
        release = await time_release(session, rel)
        level = reached(release)
        if level <= rel.release_warned_percent:
            continue
        rel.release_warned_percent = level
        warned += 1
        subject, text = _text(release, level)
        for member_id in rel.local_party_ids:
            await notify(
                session,
                rel.org_id,
                member_id,
                NotificationKind.BUDGET,
                subject,
                text,
                now=now,
                link=f"/relationships/{rel.id}",
            )
    await session.flush()
    return warned
