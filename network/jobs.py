"""The mentoring jobs of a node: one pass (``run_once``) for the CLI and tests, and the
background loop each app worker may run. Every pass is given ``now``; the jobs commit in one
transaction and the emails are sent in another, so a slow mail server never holds up state
changes, and a failed send is retried by a later pass. Scheduled programme reports are sent
with the emails (their PDF and CSV attached). Last, message bodies past their
retention (``MENTORNET_MESSAGE_RETENTION_DAYS``) are emptied, and staff imports that ended
longer ago deleted, in a third."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.relationship_outbox import outbox_sink
from federation.retention import Purged, purge_bodies
from network.config import Settings
from network.faults import log_pass_failure
from network.logs import get_logger
from network.mail import SmtpMailer, default_sender
from network.metrics import EMAILS, mark_pass
from orgs.people.notifications import Mailer, SendReport, send_due_emails
from orgs.records.mentoring_jobs import JobReport, run_due_jobs
from orgs.records.network_reports import send_due as send_network_figures
from orgs.records.programme_reports import HIDDEN_NOTE, report_csv, report_pdf
from orgs.records.report_schedules import DueReport, claim_due, mark_sent, report_subject
from orgs.records.staff_import_jobs import forget_ended

log = get_logger("mentornet.jobs")


@dataclass(frozen=True)
class PassReport:
    jobs: JobReport
    emails: SendReport | None  # None: no SMTP configured, emails wait
    purged: Purged
    reports_sent: int = 0
    network_figures_sent: int = 0


def mailer_of(settings: Settings) -> Mailer | None:
    if settings.smtp_url is None:
        return None
    return SmtpMailer.from_url(
        settings.smtp_url, default_sender(settings.node_name, settings.base_url)
    )


async def run_jobs(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> JobReport:
    async with sessionmaker() as session, session.begin():
        return await run_due_jobs(session, now, outbox_sink(session))


async def send_figures(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> int:
    """Each member org's network figures, counted and sent once a day."""
    async with sessionmaker() as session, session.begin():
        return await send_network_figures(session, settings.base_url, now, outbox_sink(session))


async def send_emails(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, mailer: Mailer, base_url: str
) -> SendReport:
    """Send what is due; links in the emails are made absolute from ``base_url``, the node's
    public URL (``MENTORNET_BASE_URL``)."""
    async with sessionmaker() as session, session.begin():
        report = await send_due_emails(session, now, mailer, base_url)
    for outcome, count in (("sent", report.sent), ("failed", report.failed), ("dead", report.dead)):
        EMAILS.labels(outcome).inc(count)
    return report


def report_message(due: DueReport) -> EmailMessage:
    """The scheduled report as an email to its recipients, the PDF and the CSV attached."""
    report, schedule = due.report, due.schedule
    message = EmailMessage()
    message["To"] = ", ".join(schedule.recipients)
    message["Subject"] = report_subject(report.scheme, report.period)
    message.set_content(
        f"The {schedule.frequency.value} programme report of {report.scheme.name} for "
        f"{report.period.label} is attached as an accessible PDF and as CSV.\n\n{HIDDEN_NOTE}\n"
    )
    name = f"{report.scheme.slug}-{report.period.start or 'start'}-{report.period.end or 'now'}"
    message.add_attachment(
        report_pdf(report), maintype="application", subtype="pdf", filename=f"{name}.pdf"
    )
    message.add_attachment(
        report_csv(report).encode(), maintype="text", subtype="csv", filename=f"{name}.csv"
    )
    return message


async def send_reports(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, mailer: Mailer
) -> int:
    """Every scheduled report due; one that fails to send is tried again by a later pass."""
    sent = 0
    async with sessionmaker() as session, session.begin():
        for due in await claim_due(session, now):
            try:
                await mailer.send(await asyncio.to_thread(report_message, due))
            except Exception as exc:
                log_pass_failure(log, "report_send_failed", exc)
                continue
            mark_sent(session, due, now)
            sent += 1
    return sent


async def purge_messages(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, keep: timedelta
) -> Purged:
    async with sessionmaker() as session, session.begin():
        await forget_ended(session, now, keep)  # staff imports: their errors quote the file
        return await purge_bodies(session, now, keep)


async def run_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    now: datetime,
    mailer: Mailer | None = None,
) -> PassReport:
    jobs = await run_jobs(sessionmaker, now)
    figures = await send_figures(sessionmaker, settings, now)
    mailer = mailer or mailer_of(settings)
    emails = (
        await send_emails(sessionmaker, now, mailer, settings.base_url)
        if mailer is not None
        else None
    )
    reports = await send_reports(sessionmaker, now, mailer) if mailer is not None else 0
    keep = timedelta(days=settings.message_retention_days)
    purged = await purge_messages(sessionmaker, now, keep)
    return PassReport(jobs, emails, purged, reports, figures)


async def jobs_loop(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, interval_s: float = 60.0
) -> None:
    """A pass every ``interval_s`` (the first after one interval) until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            report = await run_once(sessionmaker, settings, datetime.now(UTC))
            mark_pass("jobs", ok=True)
            if report.emails is not None and report.emails.errors:
                log.warning("email_send_failed", failed=report.emails.failed)
        except Exception as exc:
            mark_pass("jobs", ok=False)
            log_pass_failure(log, "jobs_pass_failed", exc)
