"""``mentornet org import-staff``, ``org settings``, ``org role`` and ``org chain``."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from network.cli.context import CliContext, fail, pass_cli
from orgs.errors import NotFound
from orgs.org_settings import STAFF_FIELDS, OrgSettings, read_settings, update_settings
from orgs.people.actor import Actor
from orgs.people.chains import ManagementChains
from orgs.people.members import Member, MemberRepository
from orgs.people.role_grants import RoleGrants
from orgs.people.roles import Role
from orgs.records.staff_import import ImportReport, StaffImporter, StaffImportFailed
from orgs.registry import OrgRegistry


async def org_id_of(session: AsyncSession, slug: str) -> uuid.UUID:
    return (await OrgRegistry(session).get(slug)).id


async def member_by_employee(session: AsyncSession, org_id: uuid.UUID, employee: str) -> Member:
    member = await MemberRepository(session, org_id).find_one(Member.employee_id == employee)
    if member is None:
        raise NotFound(f"No member with employee id {employee!r}.")
    return member


@click.command("import-staff")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option("--dry-run", is_flag=True, help="Validate and count; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def import_staff(cli: CliContext, *, slug: str, dry_run: bool, as_json: bool, file: Path) -> None:
    """Import staff from an HR export (CSV). All or nothing; exit 0 only if nothing failed.

    Default columns: employee_id, email, given_name, family_name, department, job_title,
    grade, location, manager_employee_id, employment_type, school_based, start_date; other
    columns are kept as attributes for rules. Set other headers with `org settings --column`.
    People missing from the file are marked as leavers, never deleted.
    """
    content = file.read_bytes()

    async def work(session: AsyncSession) -> ImportReport:
        org_id = await org_id_of(session, slug)
        settings = await read_settings(session, org_id)
        try:
            return await StaffImporter(session, org_id).run(
                content, settings.staff_columns, dry_run=dry_run
            )
        except StaffImportFailed as failed:
            return failed.report

    report = cli.run(work)
    if as_json:
        body = msgspec.to_builtins(report)
        body.pop("dry_run")
        click.echo(json.dumps(body))
    else:
        for error in report.errors:
            click.echo(f"row {error.row}, column {error.column or '-'}: {error.message}", err=True)
        if report.ok:
            prefix = "dry run: would have " if dry_run else ""
            click.echo(
                f"{prefix}created {report.created}, updated {report.updated}, "
                f"unchanged {report.unchanged}, left {report.left}"
            )
    if not report.ok:
        if not as_json:
            click.echo(f"error: {len(report.errors)} error(s); nothing was imported", err=True)
        sys.exit(1)


@click.command("settings")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option("--grades", help="Grades from lowest to highest, comma-separated.")
@click.option("--reminder-days", type=click.IntRange(1, 60), help="Working days before a reminder.")
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=HEADER",
    help=f"Map a field to the export's header; fields: {', '.join(STAFF_FIELDS)}.",
)
@click.option("--clear-columns", is_flag=True, help="Forget the column mapping.")
@pass_cli
def org_settings(
    cli: CliContext,
    *,
    slug: str,
    grades: str | None,
    reminder_days: int | None,
    columns: tuple[str, ...],
    clear_columns: bool,
) -> None:
    """Show or change an organisation's staff-data and approval settings."""
    mapping: dict[str, str] = {}
    for item in columns:
        field, sep, header = item.partition("=")
        if not sep:
            fail(f"--column {item!r}: use FIELD=HEADER")
        mapping[field.strip()] = header.strip()

    async def work(session: AsyncSession) -> OrgSettings:
        org_id = await org_id_of(session, slug)
        current = await read_settings(session, org_id)
        if grades is None and reminder_days is None and not mapping and not clear_columns:
            return current
        new_columns = {} if clear_columns else dict(current.staff_columns)
        new_columns.update(mapping)
        changed = msgspec.structs.replace(
            current,
            staff_columns=new_columns,
            grade_order=[g.strip() for g in grades.split(",") if g.strip()]
            if grades is not None
            else current.grade_order,
            approval_reminder_working_days=reminder_days or current.approval_reminder_working_days,
        )
        return await update_settings(session, org_id, changed)

    click.echo(json.dumps(msgspec.to_builtins(cli.run(work)), indent=2))


@click.group("role")
def role_group() -> None:
    """Org roles: org_admin, coordinator, hr_director (line manager is derived)."""


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        fail(f"{value!r} is not a role; use one of {', '.join(r.value for r in Role)}")


@role_group.command("grant")
@click.option("--org", "slug", required=True)
@click.option("--employee", required=True, help="The member's employee id.")
@click.option("--role", "role_name", required=True, help="org_admin, coordinator or hr_director.")
@pass_cli
def grant(cli: CliContext, slug: str, employee: str, role_name: str) -> None:
    """Grant a role to a member."""
    role = _role(role_name)

    async def work(session: AsyncSession) -> str:
        org_id = await org_id_of(session, slug)
        member = await member_by_employee(session, org_id, employee)
        await RoleGrants(session, org_id).grant(member.id, role, Actor.operator(org_id).ref)
        return f"{member.display_name} ({employee}) is {role.value}"

    click.echo(cli.run(work))


@role_group.command("revoke")
@click.option("--org", "slug", required=True)
@click.option("--employee", required=True, help="The member's employee id.")
@click.option("--role", "role_name", required=True)
@pass_cli
def revoke(cli: CliContext, slug: str, employee: str, role_name: str) -> None:
    """Revoke a role from a member."""
    role = _role(role_name)

    async def work(session: AsyncSession) -> bool:
        org_id = await org_id_of(session, slug)
        member = await member_by_employee(session, org_id, employee)
        return await RoleGrants(session, org_id).revoke(member.id, role, Actor.operator(org_id).ref)

    click.echo("revoked" if cli.run(work) else "that member did not hold that role")


@role_group.command("list")
@click.option("--org", "slug", required=True)
@pass_cli
def list_roles(cli: CliContext, slug: str) -> None:
    """Who holds which role."""

    async def work(session: AsyncSession) -> list[str]:
        org_id = await org_id_of(session, slug)
        return [
            f"{r.role.value:<12} {m.employee_id or '-':<12} {m.display_name}"
            for r, m in await RoleGrants(session, org_id).holders()
        ]

    for line in cli.run(work):
        click.echo(line)


@click.command("chain")
@click.option("--org", "slug", required=True)
@click.option("--employee", required=True, help="The member's employee id.")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def chain(cli: CliContext, *, slug: str, employee: str, as_json: bool) -> None:
    """Everyone above and below a member in the management chain."""

    async def work(session: AsyncSession) -> dict[str, list[str]]:
        org_id = await org_id_of(session, slug)
        member = await member_by_employee(session, org_id, employee)
        chains = ManagementChains(session, org_id)
        found = await chains.chain(member.id)
        ids = found.above | found.below
        people = {m.id: m for m in await chains.list(Member.id.in_(ids))} if ids else {}

        def names(group: frozenset[uuid.UUID]) -> list[str]:
            return sorted(f"{people[i].employee_id} {people[i].display_name}" for i in group)

        return {"above": names(found.above), "below": names(found.below)}

    result = cli.run(work)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo("above: " + (", ".join(result["above"]) or "nobody"))
    click.echo("below: " + (", ".join(result["below"]) or "nobody"))
