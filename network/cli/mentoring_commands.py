"""``mentornet jobs`` and ``mentornet mentoring``: the mentoring jobs and what admins need."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from network.cli.context import CliContext, fail, pass_cli
from network.cli.staff_commands import org_id_of
from network.db import create_engine, create_sessionmaker
from network.import_worker import ImportsReport, run_queued
from network.jobs import PassReport, run_once
from orgs.mentoring.mentoring_settings import (
    MentoringSettings,
    RequestMode,
    mentoring_settings,
    save_mentoring_settings,
)
from orgs.records.records_export import hr_export
from orgs.records.staff_import_jobs import ImportState


@click.group()
def jobs() -> None:
    """Background jobs: request expiry, reminders, nudges, auto-closure, digests, emails."""


@jobs.command("run-once")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Run as if it were this UTC time (ISO 8601), e.g. to catch up; default: now.",
)
@pass_cli
def run_once_command(cli: CliContext, now_text: str | None) -> None:
    """Run every mentoring job once, then send the emails that are due, then run the staff
    imports that wait (in this process: no web worker waits on them)."""
    try:
        now = datetime.fromisoformat(now_text) if now_text else datetime.now(UTC)
    except ValueError:
        fail("--now: give an ISO 8601 time, e.g. 2026-05-01T09:00:00+00:00")
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    settings = cli.settings

    async def go() -> tuple[PassReport, ImportsReport]:
        engine = create_engine(settings, statement_timeout=False)
        try:
            sessionmaker = create_sessionmaker(engine)
            return await run_once(sessionmaker, settings, now), await run_queued(sessionmaker)
        finally:
            await engine.dispose()

    report, imports = asyncio.run(go())
    j = report.jobs
    click.echo(
        f"expired requests: {j.expired_requests}; meeting reminders: {j.meeting_reminders}; "
        f"nudges: {j.nudges}; midpoint evaluations: {j.midpoint_evaluations}; "
        f"end reminders: {j.end_reminders}; auto-closed: {j.auto_closed}; digests: {j.digests}; "
        f"time-release warnings: {j.release_warnings}"
    )
    if report.emails is None:
        click.echo("emails: not sent (MENTORNET_SMTP_URL is not set); they wait in the outbox")
    else:
        e = report.emails
        click.echo(f"emails sent: {e.sent}; to retry: {e.failed}; given up: {e.dead}")
    p = report.purged
    click.echo(
        f"bodies emptied after {settings.message_retention_days} days: inbox {p.inbox}; "
        f"outbox {p.outbox}; emails {p.emails}"
    )
    click.echo(
        f"staff imports: {imports.count(ImportState.DONE)} done, "
        f"{imports.count(ImportState.FAILED)} failed"
    )


@click.group()
def mentoring() -> None:
    """Mentoring relationships: org settings and the HR export."""


@mentoring.command("settings")
@click.option("--org", "slug", required=True)
@click.option("--max-ranked", type=click.IntRange(1, 10), help="Mentors a mentee may rank.")
@click.option("--mode", type=click.Choice([m.value for m in RequestMode]))
@click.option("--expiry-days", type=click.IntRange(1, 60))
@click.option("--nudge-weeks", type=click.IntRange(1, 26))
@pass_cli
def settings_command(
    cli: CliContext,
    slug: str,
    max_ranked: int | None,
    mode: str | None,
    expiry_days: int | None,
    nudge_weeks: int | None,
) -> None:
    """Show the org's mentoring settings, changing those given."""

    async def work(session: AsyncSession) -> MentoringSettings:
        org_id = await org_id_of(session, slug)
        current = await mentoring_settings(session, org_id)
        changes: dict[str, object] = {}
        if max_ranked is not None:
            changes["max_ranked_requests"] = max_ranked
        if mode is not None:
            changes["request_mode"] = RequestMode(mode)
        if expiry_days is not None:
            changes["request_expiry_days"] = expiry_days
        if nudge_weeks is not None:
            changes["nudge_after_weeks"] = nudge_weeks
        if not changes:
            return current
        import msgspec

        return await save_mentoring_settings(
            session, org_id, msgspec.structs.replace(current, **changes)
        )

    result = cli.run(work)
    for name in result.__struct_fields__:
        click.echo(f"{name}: {getattr(result, name)}")


@mentoring.command("hr-export")
@click.option("--org", "slug", required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_cli
def hr_export_command(cli: CliContext, slug: str, out: Path) -> None:
    """Write completed relationships and hours as CSV for the HR system."""

    async def work(session: AsyncSession) -> str:
        return await hr_export(session, await org_id_of(session, slug))

    text = cli.run(work)
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {max(0, text.count(chr(10)) - 1)} rows to {out}")
