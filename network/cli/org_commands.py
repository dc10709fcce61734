"""``mentornet org``: organisations hosted on this node and their API tokens."""

from __future__ import annotations

import json

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from federation.card_facts import check_card_facts
from federation.erasure import erase_everywhere
from network.cli.context import CliContext, fail, pass_cli
from network.cli.sso_commands import sso
from orgs.db import utcnow
from orgs.errors import NotFound
from orgs.models import TokenRole
from orgs.pairing.sharing import SharingPolicy, read_policy, set_policy
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberRepository
from orgs.registry import OrgRegistry
from orgs.tokens import TokenService, parse_role, parse_token_id


@click.group()
def org() -> None:
    """Organisations on this node."""


@org.command("create")
@click.option("--slug", required=True, help="Short id used in URLs, e.g. 'brent'.")
@click.option("--name", required=True, help="Display name, e.g. 'London Borough of Brent'.")
@pass_cli
def create(cli: CliContext, slug: str, name: str) -> None:
    """Add an organisation to this node."""

    async def work(session: AsyncSession) -> str:
        created = await OrgRegistry(session).create(slug, name)
        return f"created {created.slug} ({created.name})"

    click.echo(cli.run(work))


@org.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_cli
def list_orgs(cli: CliContext, *, as_json: bool) -> None:
    """List the organisations on this node."""

    async def work(session: AsyncSession) -> list[dict[str, str]]:
        return [
            {"slug": o.slug, "name": o.name, "created_at": o.created_at.isoformat()}
            for o in await OrgRegistry(session).list()
        ]

    rows = cli.run(work)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['slug']:<20} {row['name']}")
    if not rows:
        click.echo("no organisations yet (add one with `mentornet org create`)", err=True)


org.add_command(sso)


@org.group()
def token() -> None:
    """API tokens for an organisation's admin scripts."""


@token.command("create")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option(
    "--role",
    default=TokenRole.ADMIN.value,
    show_default=True,
    help="admin, coordinator or hr_director.",
)
@click.option("--label", default="", help="What the token is for.")
@pass_cli
def create_token(cli: CliContext, slug: str, role: str, label: str) -> None:
    """Create a token and print it once; only its hash is kept."""

    async def work(session: AsyncSession) -> tuple[str, str]:
        found = await OrgRegistry(session).get(slug)
        plain, record = await TokenService(session).create(found, parse_role(role), label)
        return plain, str(record.id)

    plain, token_id = cli.run(work)
    click.echo(plain)
    click.echo(f"token id {token_id}: store the token now; it cannot be shown again", err=True)


@token.command("list")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@pass_cli
def list_tokens(cli: CliContext, slug: str) -> None:
    """List an organisation's tokens (never the tokens themselves)."""

    async def work(session: AsyncSession) -> list[str]:
        found = await OrgRegistry(session).get(slug)
        return [
            f"{t.id}  {t.role:<12} {'revoked' if t.revoked_at else 'active':<8} {t.label}"
            for t in await TokenService(session).list(found)
        ]

    for line in cli.run(work):
        click.echo(line)


@token.command("revoke")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.argument("token_id")
@pass_cli
def revoke_token(cli: CliContext, slug: str, token_id: str) -> None:
    """Revoke a token by its id (from `token list`)."""

    async def work(session: AsyncSession) -> str:
        found = await OrgRegistry(session).get(slug)
        record = await TokenService(session).revoke(found, parse_token_id(token_id))
        return f"revoked {record.id}"

    click.echo(cli.run(work))


@org.group()
def sharing() -> None:
    """Cross-organisation pairing and card publishing (both orgs must consent)."""


@sharing.command("show")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@pass_cli
def sharing_show(cli: CliContext, slug: str) -> None:
    """Print the organisation's sharing policy as JSON."""

    async def work(session: AsyncSession) -> dict[str, object]:
        found = await OrgRegistry(session).get(slug)
        return msgspec.to_builtins(await read_policy(session, found.id))  # type: ignore[no-any-return]

    click.echo(json.dumps(cli.run(work), indent=2))


@sharing.command("set")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option("--cross-org/--no-cross-org", default=False, help="Allow pairs across orgs.")
@click.option(
    "--partner",
    "partners",
    multiple=True,
    help="An org its members may pair with: 'slug' here, 'slug@https://node' elsewhere. "
    "Repeat for several; give none to allow any org that consents too.",
)
@click.option("--publish-cards/--no-publish-cards", default=False, help="Publish to peers.")
@click.option("--k", default=5, show_default=True, type=click.IntRange(2, 100))
@click.option("--sector", default="", help="Sector id for cards, e.g. local-government.")
@click.option("--region", default="", help="Region id for cards, e.g. london.")
@pass_cli
def sharing_set(
    cli: CliContext,
    *,
    slug: str,
    cross_org: bool,
    partners: tuple[str, ...],
    publish_cards: bool,
    k: int,
    sector: str,
    region: str,
) -> None:
    """Replace the organisation's sharing policy."""
    policy = SharingPolicy(
        cross_org=cross_org,
        partners=list(partners) or None,
        publish_cards=publish_cards,
        k=k,
        sector=sector,
        region=region,
    )

    async def work(session: AsyncSession) -> str:
        found = await OrgRegistry(session).get(slug)
        check_card_facts(policy)
        await set_policy(session, found.id, policy)
        return f"sharing policy of {slug} updated"

    click.echo(cli.run(work))


@org.command("erase-member")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option("--employee", "employee_id", required=True, help="The member's employee id.")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@pass_cli
def erase_member_command(cli: CliContext, *, slug: str, employee_id: str, yes: bool) -> None:
    """Erase a member here and tell every peer that received data about them."""
    if not yes:
        fail("erasure cannot be undone: run again with --yes to confirm")

    async def work(session: AsyncSession) -> str:
        found = await OrgRegistry(session).get(slug)
        member = await MemberRepository(session, found.id).find_one(
            Member.employee_id == employee_id
        )
        if member is None:
            raise NotFound(f"No member with employee id {employee_id!r} in {slug!r}.")
        _, peers = await erase_everywhere(
            session, found.id, member.id, by=Actor.operator(found.id).ref, now=utcnow()
        )
        told = ", ".join(f"{peer} ({count} ids)" for peer, count in peers.items()) or "no peer"
        return f"erased member {member.id}; told {told}"

    click.echo(cli.run(work))
