"""``mentornet application``: list, show, audit, and the reminder job."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import click
from sqlalchemy.ext.asyncio import AsyncSession

from network.cli.context import CliContext, pass_cli
from network.cli.staff_commands import org_id_of
from orgs.acting import Acting
from orgs.applications import ApplicationService, remind_overdue
from orgs.db import utcnow
from orgs.schemes import SchemeService


@click.group()
def application() -> None:
    """Applications to schemes and their approval."""


@application.command("list")
@click.option("--org", "slug", required=True)
@click.option("--scheme", "scheme_slug", required=True)
@pass_cli
def list_applications(cli: CliContext, slug: str, scheme_slug: str) -> None:
    """Applications to a scheme, with state and placement."""

    async def work(session: AsyncSession) -> list[str]:
        org_id = await org_id_of(session, slug)
        found = await SchemeService(session, org_id).by_slug(scheme_slug)
        service = ApplicationService(session, org_id)
        return [
            f"{a.id}  {a.role.value:<6} {a.state.value:<22} {a.placement.value:<8} {a.member_id}"
            for a in await service.for_scheme(Acting.operator(org_id), found)
        ]

    for line in cli.run(work):
        click.echo(line)


@application.command("audit")
@click.option("--org", "slug", required=True)
@click.argument("application_id", type=click.UUID)
@pass_cli
def audit(cli: CliContext, slug: str, application_id: uuid.UUID) -> None:
    """Every transition of an application: when, who, from, to, reason."""

    async def work(session: AsyncSession) -> list[str]:
        org_id = await org_id_of(session, slug)
        service = ApplicationService(session, org_id)
        return [
            f"{e.at:%Y-%m-%d %H:%M:%S}  {e.action:<10} {e.from_state or '-':>22} → "
            f"{e.to_state or '-':<22} by {e.actor_label}  {e.reason}"
            for e in await service.trail(Acting.operator(org_id), application_id)
        ]

    for line in cli.run(work):
        click.echo(line)


@application.command("remind")
@click.option("--now", "now_text", help="Pretend it is this UTC time (ISO 8601), for testing.")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def remind(cli: CliContext, now_text: str | None, as_json: bool) -> None:
    """Run the reminder job once: remind overdue approvers, escalate after a second period."""
    now = utcnow()
    if now_text:
        parsed = datetime.fromisoformat(now_text)
        now = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    async def work(session: AsyncSession) -> list[dict[str, str]]:
        return [
            {
                "application_id": str(n.application_id),
                "action": n.action,
                "approver_id": str(n.approver_id),
            }
            for n in await remind_overdue(session, now)
        ]

    nudges = cli.run(work)
    if as_json:
        click.echo(json.dumps(nudges))
        return
    for nudge in nudges:
        click.echo(f"{nudge['action']}: {nudge['application_id']} → {nudge['approver_id']}")
    click.echo(f"{len(nudges)} reminder(s) or escalation(s)")
