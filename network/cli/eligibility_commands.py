"""``mentornet eligibility``: set, show, check and preview a scheme's rules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from network.cli.context import CliContext, fail, pass_cli
from network.cli.staff_commands import member_by_employee, org_id_of
from orgs.errors import DomainError
from orgs.people.actor import Actor
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.eligibility_checks import EligibilityChecks
from orgs.schemes.rules_store import RulesStore
from orgs.schemes.schemes import SchemeService

ROLE = click.Choice([r.value for r in SchemeRole])


@click.group()
def eligibility() -> None:
    """Eligibility rules of schemes: who may join as mentor or mentee."""


@eligibility.command("set")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option("--scheme", "scheme_slug", required=True, help="The scheme's slug.")
@click.option(
    "--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--note", default="", help="Why the rules changed (kept with the version).")
@pass_cli
def set_rules(cli: CliContext, slug: str, scheme_slug: str, path: Path, note: str) -> None:
    """Set a scheme's rules from a YAML file (adds a version; see docs/organisations.md)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        fail(f"{path}: not valid YAML ({exc})")

    async def work(session: AsyncSession) -> str:
        org_id = await org_id_of(session, slug)
        scheme = await SchemeService(session, org_id).by_slug(scheme_slug)
        try:
            row, new = await RulesStore(session, org_id).set(
                scheme, document, Actor.operator(org_id).ref, note
            )
        except DomainError as exc:
            for error in exc.errors:
                click.echo(f"{error.field}: {error.message}", err=True)
            raise
        return f"{'set' if new else 'unchanged:'} version {row.version} of {scheme.slug}'s rules"

    click.echo(cli.run(work))


@eligibility.command("show")
@click.option("--org", "slug", required=True)
@click.option("--scheme", "scheme_slug", required=True)
@click.option("--versions", is_flag=True, help="List every version: who, when, note.")
@pass_cli
def show(cli: CliContext, *, slug: str, scheme_slug: str, versions: bool) -> None:
    """Print the rules in force (YAML), or the version history."""

    async def work(session: AsyncSession) -> str:
        org_id = await org_id_of(session, slug)
        scheme = await SchemeService(session, org_id).by_slug(scheme_slug)
        store = RulesStore(session, org_id)
        if versions:
            return "\n".join(
                f"v{r.version}  {r.created_at:%Y-%m-%d %H:%M}  {r.created_by}  {r.note}"
                for r in await store.versions(scheme)
            )
        current = await store.current(scheme)
        if current is None:
            return "# no rules yet: open to all staff"
        header = f"# version {current.version}, set by {current.created_by}\n"
        return header + yaml.safe_dump(current.document, sort_keys=False, allow_unicode=True)

    click.echo(cli.run(work))


@eligibility.command("check")
@click.option("--org", "slug", required=True)
@click.option("--employee", required=True, help="The member's employee id.")
@click.option("--role", required=True, type=ROLE)
@click.option("--scheme", "scheme_slug", help="One scheme (default: every scheme).")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def check(
    cli: CliContext,
    *,
    slug: str,
    employee: str,
    role: str,
    scheme_slug: str | None,
    as_json: bool,
) -> None:
    """Print a member's eligibility and the reasons, naming each rule."""

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        org_id = await org_id_of(session, slug)
        member = await member_by_employee(session, org_id, employee)
        schemes = SchemeService(session, org_id)
        chosen = [await schemes.by_slug(scheme_slug)] if scheme_slug else list(await schemes.list())
        checks = EligibilityChecks(session, org_id)
        results = []
        for scheme in chosen:
            decision = await checks.check(scheme, member, SchemeRole(role))
            results.append(
                {
                    "scheme": scheme.slug,
                    "employee_id": employee,
                    "role": role,
                    "eligible": decision.eligible,
                    "reasons": list(decision.reasons),
                }
            )
        return results

    results = cli.run(work)
    if as_json:
        click.echo(json.dumps(results[0] if scheme_slug else results, indent=2))
        return
    if not results:
        click.echo("no schemes yet", err=True)
    for result in results:
        verdict = "eligible" if result["eligible"] else "NOT eligible"
        click.echo(f"{result['scheme']}: {employee} is {verdict} as {role}")
        for reason in result["reasons"]:
            click.echo(f"  - {reason}")


@eligibility.command("preview")
@click.option("--org", "slug", required=True)
@click.option("--scheme", "scheme_slug", required=True)
@click.option("--role", required=True, type=ROLE)
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def preview(cli: CliContext, *, slug: str, scheme_slug: str, role: str, as_json: bool) -> None:
    """How many current staff each rule admits and excludes."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        org_id = await org_id_of(session, slug)
        scheme = await SchemeService(session, org_id).by_slug(scheme_slug)
        found = await EligibilityChecks(session, org_id).preview(scheme, SchemeRole(role))
        return {
            "scheme": scheme.slug,
            "role": role,
            "version": found.version,
            "staff": found.staff,
            "eligible": found.eligible,
            "rules": [
                {"rule": r.rule, "admits": r.admits, "excludes": r.excludes} for r in found.rules
            ],
        }

    result = cli.run(work)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{result['eligible']} of {result['staff']} staff are eligible as {role}")
    for rule in result["rules"]:
        click.echo(
            f"  {rule['rule']:<30} admits {rule['admits']:>6}  excludes {rule['excludes']:>6}"
        )
    sys.stdout.flush()
