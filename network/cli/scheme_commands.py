"""``mentornet scheme``: schemes, training sessions, attendance and shortlists."""

from __future__ import annotations

import uuid
from datetime import date

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from network.cli.context import CliContext, fail, pass_cli
from network.cli.staff_commands import member_by_employee, org_id_of
from orgs.people.actor import Actor
from orgs.schemes.applications import ApplicationService
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeForm, SchemeKind, SchemeService, SchemeSpec

ROLE = click.Choice([r.value for r in SchemeRole])
DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: object) -> date | None:
    return value.date() if hasattr(value, "date") else None


@click.group()
def scheme() -> None:
    """Mentoring schemes: open (always on) or cohort programmes."""


@scheme.command("create")
@click.option("--org", "slug", required=True)
@click.option("--slug", "scheme_slug", required=True, help="Short id, e.g. 'mymentor'.")
@click.option("--name", required=True)
@click.option("--description", default="")
@click.option("--kind", type=click.Choice([k.value for k in SchemeKind]), default="one_to_one")
@click.option("--form", type=click.Choice([f.value for f in SchemeForm]), default="open")
@click.option("--opens", type=DATE, help="Applications open (cohort).")
@click.option("--closes", type=DATE, help="Applications close (cohort).")
@click.option("--starts", type=DATE)
@click.option("--ends", type=DATE)
@click.option("--max-months", type=int, default=9, show_default=True)
@click.option("--mentor-places", type=int)
@click.option("--mentee-places", type=int)
@click.option("--time-release-hours", type=int, default=12, show_default=True)
@click.option("--recommended-sessions", type=int, default=6, show_default=True)
@pass_cli
def create(
    cli: CliContext,
    slug: str,
    scheme_slug: str,
    name: str,
    description: str,
    kind: str,
    form: str,
    opens: object,
    closes: object,
    starts: object,
    ends: object,
    max_months: int,
    mentor_places: int | None,
    mentee_places: int | None,
    time_release_hours: int,
    recommended_sessions: int,
) -> None:
    """Create a scheme."""
    try:
        spec = msgspec.convert(
            {
                "slug": scheme_slug,
                "name": name,
                "description": description,
                "kind": kind,
                "form": form,
                "applications_open_on": _day(opens),
                "applications_close_on": _day(closes),
                "starts_on": _day(starts),
                "ends_on": _day(ends),
                "max_months": max_months,
                "mentor_places": mentor_places,
                "mentee_places": mentee_places,
                "time_release_hours": time_release_hours,
                "recommended_sessions": recommended_sessions,
            },
            SchemeSpec,
        )
    except msgspec.ValidationError as exc:
        fail(str(exc))

    async def work(session: AsyncSession) -> str:
        org_id = await org_id_of(session, slug)
        created = await SchemeService(session, org_id).create(spec)
        return f"created scheme {created.slug} ({created.id})"

    click.echo(cli.run(work))


@scheme.command("list")
@click.option("--org", "slug", required=True)
@pass_cli
def list_schemes(cli: CliContext, slug: str) -> None:
    """List an organisation's schemes."""

    async def work(session: AsyncSession) -> list[str]:
        org_id = await org_id_of(session, slug)
        lines = []
        for s in await SchemeService(session, org_id).list():
            places = (
                f" places {s.mentor_places}/{s.mentee_places}"
                if s.form is SchemeForm.COHORT
                else ""
            )
            lines.append(f"{s.slug:<24} {s.form.value:<7} {s.kind.value:<11}{places}  {s.name}")
        return lines

    for line in cli.run(work):
        click.echo(line)


@scheme.command("add-training")
@click.option("--org", "slug", required=True)
@click.option("--scheme", "scheme_slug", required=True)
@click.option("--role", required=True, type=ROLE)
@click.option("--title", required=True)
@click.option("--key", "training_key", required=True, help="Name rules use, e.g. mentor-training.")
@click.option("--held-on", type=DATE)
@pass_cli
def add_training(
    cli: CliContext,
    slug: str,
    scheme_slug: str,
    role: str,
    title: str,
    training_key: str,
    held_on: object,
) -> None:
    """Add a required training session for the scheme's mentors or mentees."""

    async def work(session: AsyncSession) -> str:
        org_id = await org_id_of(session, slug)
        service = SchemeService(session, org_id)
        training = await service.add_training(
            await service.by_slug(scheme_slug), SchemeRole(role), title, training_key, _day(held_on)
        )
        return f"training {training.id} added"

    click.echo(cli.run(work))


@scheme.command("attendance")
@click.option("--org", "slug", required=True)
@click.option("--training", "training_id", required=True, type=click.UUID)
@click.option("--employee", required=True)
@click.option("--attended/--absent", default=True)
@pass_cli
def attendance(
    cli: CliContext, *, slug: str, training_id: uuid.UUID, employee: str, attended: bool
) -> None:
    """Record a member's attendance at a training session."""

    async def work(session: AsyncSession) -> str:
        org_id = await org_id_of(session, slug)
        member = await member_by_employee(session, org_id, employee)
        await SchemeService(session, org_id).record_attendance(
            training_id, member.id, attended=attended, who=Actor.operator(org_id).ref
        )
        return f"{employee}: {'attended' if attended else 'absent'}"

    click.echo(cli.run(work))


@scheme.command("shortlist")
@click.option("--org", "slug", required=True)
@click.option("--scheme", "scheme_slug", required=True)
@click.option("--role", required=True, type=ROLE)
@click.argument("application_ids", nargs=-1, type=click.UUID)
@pass_cli
def shortlist(
    cli: CliContext, slug: str, scheme_slug: str, role: str, application_ids: tuple[uuid.UUID, ...]
) -> None:
    """Offer places to these applications; other approved applicants join the waiting list."""

    async def work(session: AsyncSession) -> list[str]:
        org_id = await org_id_of(session, slug)
        found = await SchemeService(session, org_id).by_slug(scheme_slug)
        service = ApplicationService(session, org_id)
        apps = await service.shortlist(
            Actor.operator(org_id), found, SchemeRole(role), list(application_ids)
        )
        lines = []
        for app in apps:
            position = await service.waiting_position(app)
            where = f"waiting #{position}" if position else app.placement.value
            lines.append(f"{app.id}  {where}")
        return lines

    for line in cli.run(work):
        click.echo(line)
