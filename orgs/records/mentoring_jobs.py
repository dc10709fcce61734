"""The mentoring jobs, one pass over every org of the node at the given ``now``: request
approval reminders and escalation, expiry (with cascading), ending the relationships of people who
left, meeting reminders, nudges, midpoint evaluations, end reminders, time-release warnings of
cross-organisation pairs, automatic closure, check-ins, review points, follow-ups months after
the end and daily digests. Sending emails is separate
(:func:`orgs.people.notifications.send_due_emails`), because it needs the node's mailer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.mentoring.checkins import open_due_checkins
from orgs.mentoring.ending import (
    auto_close_due,
    end_for_leavers,
    nudge_quiet,
    open_midpoint_evaluations,
    remind_end_approaching,
)
from orgs.mentoring.follow_ups import open_due_follow_ups
from orgs.mentoring.meetings import Meeting, MeetingState
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import Relationship
from orgs.mentoring.release_warnings import warn_time_release
from orgs.mentoring.remote_events import RemoteSink
from orgs.mentoring.review_points import remind_review_points
from orgs.pairing.requests import expire_due_requests
from orgs.people.notifications import NotificationKind, notify, queue_digests
from orgs.schemes.applications import remind_overdue

MEETING_REMINDER_AHEAD = timedelta(hours=24)


@dataclass(frozen=True)
class JobReport:
    expired_requests: int
    meeting_reminders: int
    nudges: int
    midpoint_evaluations: int
    end_reminders: int
    auto_closed: int
    digests: int
    approval_nudges: int = 0
    release_warnings: int = 0
    ended_for_leavers: int = 0
    checkins: int = 0
    review_reminders: int = 0
    follow_ups: int = 0


async def remind_meetings(session: AsyncSession, now: datetime) -> int:
    """Remind both parties of a meeting in the next day; never of a cancelled meeting or of one
    whose relationship has ended (ending cancels them; the join also covers meetings left
    scheduled by an ending before it did)."""
    rows = (
        await session.scalars(
            select(Meeting)
            .join(Relationship, Relationship.id == Meeting.relationship_id)
            .where(
                Relationship.state != RelationshipState.ENDED,
                Meeting.state == MeetingState.SCHEDULED,
                Meeting.reminded_at.is_(None),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + MEETING_REMINDER_AHEAD,
            )
        )
    ).all()
    for meeting in rows:
        meeting.reminded_at = now
        rel = await session.get(Relationship, meeting.relationship_id)
        if rel is None:
            continue
        for member_id in rel.local_party_ids:
            await notify(
                session,
                rel.org_id,
                member_id,
                NotificationKind.MEETING_REMINDER,
                "Mentoring meeting tomorrow",
                f"Your mentoring meeting is on {meeting.starts_at:%A %d %B at %H:%M} UTC "
                f"({meeting.duration_minutes} minutes).",
                now=now,
                link=f"/relationships/{rel.id}#meetings",
            )
    await session.flush()
    return len(rows)


async def run_due_jobs(session: AsyncSession, now: datetime, remote: RemoteSink) -> JobReport:
    approval_nudges = len(await remind_overdue(session, now))
    expired = await expire_due_requests(session, now, remote)
    # Ending first: a relationship ended in this pass gets no meeting reminder or nudge.
    left = await end_for_leavers(session, now, remote)
    closed = await auto_close_due(session, now, remote)
    reminders = await remind_meetings(session, now)
    nudges = await nudge_quiet(session, now)
    midpoint = await open_midpoint_evaluations(session, now)
    end_reminders = await remind_end_approaching(session, now)
    release_warnings = await warn_time_release(session, now)
    checkins = await open_due_checkins(session, now)
    review_reminders = await remind_review_points(session, now)
    follow_ups = await open_due_follow_ups(session, now)
    digests = await queue_digests(session, now)
    return JobReport(
        expired,
        reminders,
        nudges,
        midpoint,
        end_reminders,
        closed,
        digests,
        approval_nudges,
        release_warnings,
        left,
        checkins,
        review_reminders,
        follow_ups,
    )
