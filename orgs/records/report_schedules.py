"""Programme reports sent on a schedule (Broadland and the 7-step guide: regular reporting to
leadership): monthly or quarterly, to named recipients by email, from the jobs loop. Each
report covers the calendar months since the last one; each send is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, JSONType, OrgOwned, enum_column, utcnow
from orgs.people.actor import Actor
from orgs.people.permissions import Action, authorize
from orgs.records.pipeline import Period
from orgs.records.programme_reports import ProgrammeReport, build_report
from orgs.repository import OrgRepository
from orgs.schemes.schemes import Scheme, SchemeRepository, add_months

Email = Annotated[
    str, msgspec.Meta(pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$", max_length=320)
]


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3}


class ScheduleIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    recipients: Annotated[list[Email], msgspec.Meta(min_length=1, max_length=20)]
    frequency: Frequency = Frequency.MONTHLY


class ReportSchedule(OrgOwned, Base):
    __tablename__ = "report_schedules"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schemes.id", ondelete="CASCADE"), index=True
    )
    recipients: Mapped[list[str]] = mapped_column(JSONType, default=list)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency))
    #: The first day of the month the next report is sent on; it covers the months before.
    next_send_on: Mapped[date]
    last_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Schedules(OrgRepository[ReportSchedule]):
    model = ReportSchedule
    noun = "report schedule"


def first_of_next_month(day: date) -> date:
    return add_months(day.replace(day=1), 1)


async def schedule_report(
    session: AsyncSession, who: Actor, scheme_id: uuid.UUID, data: ScheduleIn, now: datetime
) -> ReportSchedule:
    authorize(who, Action.SCHEDULE_REPORTS)
    scheme = await SchemeRepository(session, who.org_id).get(scheme_id)
    row = Schedules(session, who.org_id).add(
        ReportSchedule(
            scheme_id=scheme.id,
            recipients=list(dict.fromkeys(r.lower() for r in data.recipients)),
            frequency=data.frequency,
            next_send_on=first_of_next_month(now.date()),
            created_by=who.label[:200],
            created_at=now,
        )
    )
    await session.flush()
    AuditLog(session, who.org_id).record(
        "report_schedule", row.id, "scheduled", who.ref, reason=f"{data.frequency.value}", at=now
    )
    return row


async def schedules_of(
    session: AsyncSession, who: Actor, scheme_id: uuid.UUID
) -> list[ReportSchedule]:
    authorize(who, Action.SCHEDULE_REPORTS)
    scheme = await SchemeRepository(session, who.org_id).get(scheme_id)
    rows = await Schedules(session, who.org_id).list(ReportSchedule.scheme_id == scheme.id)
    return sorted(rows, key=lambda r: r.created_at)


async def _of_scheme(
    session: AsyncSession, who: Actor, scheme_id: uuid.UUID, schedule_id: uuid.UUID
) -> ReportSchedule:
    row = await Schedules(session, who.org_id).get(schedule_id)
    if row.scheme_id != scheme_id:
        await Schedules(session, who.org_id).get(uuid.uuid4())  # the same 404 as a missing one
    return row


async def update_schedule(
    session: AsyncSession,
    who: Actor,
    scheme_id: uuid.UUID,
    schedule_id: uuid.UUID,
    data: ScheduleIn,
) -> ReportSchedule:
    """New recipients or frequency; when it is next sent stays as it was."""
    authorize(who, Action.SCHEDULE_REPORTS)
    row = await _of_scheme(session, who, scheme_id, schedule_id)
    row.recipients = list(dict.fromkeys(r.lower() for r in data.recipients))
    row.frequency = data.frequency
    AuditLog(session, who.org_id).record(
        "report_schedule", row.id, "changed", who.ref, reason=f"{data.frequency.value}"
    )
    await session.flush()
    return row


async def cancel_schedule(
    session: AsyncSession, who: Actor, scheme_id: uuid.UUID, schedule_id: uuid.UUID
) -> None:
    authorize(who, Action.SCHEDULE_REPORTS)
    row = await _of_scheme(session, who, scheme_id, schedule_id)
    await session.delete(row)
    AuditLog(session, who.org_id).record("report_schedule", row.id, "cancelled", who.ref)
    await session.flush()


@dataclass(frozen=True)
class DueReport:
    schedule: ReportSchedule
    report: ProgrammeReport


async def claim_due(session: AsyncSession, now: datetime) -> list[DueReport]:
    """Every schedule due at ``now`` (any org), locked for this pass (another worker skips
    them), with its report for the months it covers. The caller sends, then calls
    :func:`mark_sent` in the same transaction; a failed send rolls back and is tried again."""
    query = (
        select(ReportSchedule)
        .where(ReportSchedule.next_send_on <= now.date())
        .with_for_update(skip_locked=True)
    )
    due = []
    for schedule in (await session.scalars(query)).all():
        scheme = await SchemeRepository(session, schedule.org_id).get(schedule.scheme_id)
        end = schedule.next_send_on - timedelta(days=1)
        start = add_months(schedule.next_send_on, -MONTHS[schedule.frequency])
        report = await build_report(session, scheme, Period(start, end), now)
        due.append(DueReport(schedule, report))
    return due


def mark_sent(session: AsyncSession, due: DueReport, now: datetime) -> None:
    schedule = due.schedule
    schedule.last_sent_at = now
    nxt = add_months(schedule.next_send_on, MONTHS[schedule.frequency])
    while nxt <= now.date():  # a node that was down for months sends one report, not many
        nxt = add_months(nxt, MONTHS[schedule.frequency])
    schedule.next_send_on = nxt
    AuditLog(session, schedule.org_id).record(
        "report_schedule",
        schedule.id,
        "sent",
        ActorRef.system("report schedule"),
        reason=f"{due.report.period.label} to {len(schedule.recipients)} recipient(s)",
        at=now,
    )


def report_subject(scheme: Scheme, period: Period) -> str:
    return f"Programme report: {scheme.name}, {period.label}"
