"""``mentornet application``: list, show, audit, and the reminder job."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from network.cli.context import CliContext, pass_cli
from network.cli.staff_commands import member_by_employee, org_id_of
from orgs.db import utcnow
from orgs.people.actor import Actor
from orgs.people.roles import roles_of
from orgs.schemes.applications import (
    Application,
    ApplicationIn,
    ApplicationService,
    ExceptionDecision,
    ManagerDecision,
    remind_overdue,
)
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService


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
            for a in await service.for_scheme(Actor.operator(org_id), found)
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
            for e in await service.trail(Actor.operator(org_id), application_id)
        ]

    for line in cli.run(work):
        click.echo(line)


@application.command("remind")
@click.option("--now", "now_text", help="Pretend it is this UTC time (ISO 8601), for testing.")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def remind(cli: CliContext, *, now_text: str | None, as_json: bool) -> None:
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


# --- acting for a member ------------------------------------------------------------------
# The node operator may act for a named member (e.g. for someone without SSO yet). Every such
# action is audited as "operator (cli) as member <id>".


async def _as_member(session: AsyncSession, slug: str, employee: str) -> tuple[Actor, Any]:
    org_id = await org_id_of(session, slug)
    member = await member_by_employee(session, org_id, employee)
    roles = await roles_of(session, member)
    return Actor(org_id, member, roles, f"operator (cli) as member {member.id}"), org_id


def _line(app: Application) -> str:
    return f"{app.id}  {app.role.value}  {app.state.value}"


AS = click.option("--as", "employee", required=True, help="Employee id of the member acting.")
ORG = click.option("--org", "slug", required=True)


@application.command("apply")
@ORG
@AS
@click.option("--scheme", "scheme_slug", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in SchemeRole]))
@click.option("--career-to-date", default="")
@click.option("--hoped-gains", default="")
@click.option("--offer", default="", help="What a mentor offers.")
@pass_cli
def apply(
    cli: CliContext,
    slug: str,
    employee: str,
    scheme_slug: str,
    role: str,
    career_to_date: str,
    hoped_gains: str,
    offer: str,
) -> None:
    """Apply to a scheme for a member."""

    async def work(session: AsyncSession) -> str:
        acting, org_id = await _as_member(session, slug, employee)
        found = await SchemeService(session, org_id).by_slug(scheme_slug)
        app = await ApplicationService(session, org_id).apply(
            acting,
            ApplicationIn(
                scheme_id=found.id,
                role=SchemeRole(role),
                career_to_date=career_to_date,
                hoped_gains=hoped_gains,
                offer=offer,
            ),
        )
        return "\n".join([_line(app), *(f"  - {r}" for r in app.eligibility_reasons)])

    click.echo(cli.run(work))


@application.command("decide")
@ORG
@AS
@click.argument("application_id", type=click.UUID)
@click.option("--approve/--decline", required=True)
@click.option("--reason", default="")
@click.option("--service-delivery-considered", is_flag=True)
@pass_cli
def decide(
    cli: CliContext,
    *,
    slug: str,
    employee: str,
    application_id: uuid.UUID,
    approve: bool,
    reason: str,
    service_delivery_considered: bool,
) -> None:
    """The line manager's decision (a decline needs a reason and the service-delivery flag)."""

    async def work(session: AsyncSession) -> str:
        acting, org_id = await _as_member(session, slug, employee)
        decision = ManagerDecision(
            approve=approve, reason=reason, service_delivery_considered=service_delivery_considered
        )
        return _line(
            await ApplicationService(session, org_id).decide(acting, application_id, decision)
        )

    click.echo(cli.run(work))


@application.command("request-exception")
@ORG
@AS
@click.argument("application_id", type=click.UUID)
@click.option("--reason", required=True)
@pass_cli
def request_exception(
    cli: CliContext, slug: str, employee: str, application_id: uuid.UUID, reason: str
) -> None:
    """Ask the HR director for an exception (after a decline or ineligibility)."""

    async def work(session: AsyncSession) -> str:
        acting, org_id = await _as_member(session, slug, employee)
        service = ApplicationService(session, org_id)
        return _line(await service.request_exception(acting, application_id, reason))

    click.echo(cli.run(work))


@application.command("decide-exception")
@ORG
@AS
@click.argument("application_id", type=click.UUID)
@click.option("--grant/--refuse", required=True)
@click.option("--reason", required=True)
@pass_cli
def decide_exception(
    cli: CliContext,
    *,
    slug: str,
    employee: str,
    application_id: uuid.UUID,
    grant: bool,
    reason: str,
) -> None:
    """An HR director grants or refuses an exception."""

    async def work(session: AsyncSession) -> str:
        acting, org_id = await _as_member(session, slug, employee)
        service = ApplicationService(session, org_id)
        decision = ExceptionDecision(grant=grant, reason=reason)
        return _line(await service.decide_exception(acting, application_id, decision))

    click.echo(cli.run(work))


@application.command("withdraw")
@ORG
@AS
@click.argument("application_id", type=click.UUID)
@click.option("--reason", default="")
@pass_cli
def withdraw(
    cli: CliContext, slug: str, employee: str, application_id: uuid.UUID, reason: str
) -> None:
    """Withdraw a member's own application."""

    async def work(session: AsyncSession) -> str:
        acting, org_id = await _as_member(session, slug, employee)
        return _line(
            await ApplicationService(session, org_id).withdraw(acting, application_id, reason)
        )

    click.echo(cli.run(work))
