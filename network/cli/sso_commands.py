"""``mentornet org sso``: an organisation's single sign-on (its own OpenID Connect provider)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import click
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from network.cli.context import CliContext, fail, pass_cli
from network.sso.flow import post_logout_uri, redirect_uri
from network.sso.provider import IdpClient
from orgs.errors import DomainError
from orgs.people.roles import Role
from orgs.people.sso_config import ClaimMapping, LinkingPolicy, SsoConfigService, SsoSettings
from orgs.registry import OrgRegistry


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left.strip():
            fail(f"{option} takes NAME=VALUE, got {value!r}", 2)
        pairs.append((left.strip(), right.strip()))
    return pairs


@click.group()
def sso() -> None:
    """Single sign-on through the organisation's own identity provider."""


@sso.command("set")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option("--issuer", help="The IdP's issuer URL, exactly as its discovery document says.")
@click.option("--client-id", help="The client id MentorNet is registered with at the IdP.")
@click.option(
    "--client-secret-ref",
    help="Where the client secret is: env:NAME or file:/path (never the secret itself).",
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="A scope to ask for (repeat; default: openid email profile).",
)
@click.option(
    "--claim",
    "claims",
    multiple=True,
    metavar="FIELD=CLAIM",
    help="Which claim carries a field, e.g. employee_id=employeeNumber (repeat). Fields: "
    + ", ".join(ClaimMapping.__struct_fields__),
)
@click.option(
    "--group-role",
    "group_roles",
    multiple=True,
    metavar="GROUP=ROLE",
    help="Members of IdP group GROUP get ROLE (org_admin, coordinator, hr_director; repeat).",
)
@click.option("--clear-group-roles", is_flag=True, help="Drop every group → role mapping first.")
@click.option(
    "--link-by",
    type=click.Choice([p.value for p in LinkingPolicy]),
    help="How a first sign-in finds the HR record (default: employee_id).",
)
@click.option("--enable/--disable", "enabled", default=None, help="Allow sign-in (default on).")
@pass_cli
def set_sso(
    cli: CliContext,
    *,
    slug: str,
    issuer: str | None,
    client_id: str | None,
    client_secret_ref: str | None,
    scopes: tuple[str, ...],
    claims: tuple[str, ...],
    group_roles: tuple[str, ...],
    clear_group_roles: bool,
    link_by: str | None,
    enabled: bool | None,
) -> None:
    """Create or change the organisation's SSO settings (options not given stay as they are)."""
    settings = cli.settings

    async def work(session: AsyncSession) -> SsoSettings:
        org = await OrgRegistry(session).get(slug)
        service = SsoConfigService(session, org.id)
        existing = await service.find()
        current = existing.to_settings() if existing is not None else None
        if current is None and not (issuer and client_id and client_secret_ref):
            fail("a first `sso set` needs --issuer, --client-id and --client-secret-ref", 2)
        mapping = msgspec.to_builtins(current.claims if current else ClaimMapping())
        for field, claim in _pairs(claims, "--claim"):
            if field not in mapping:
                fail(f"--claim: unknown field {field!r}", 2)
            mapping[field] = claim
        roles: dict[str, list[str]] = (
            {} if clear_group_roles or current is None else
            {g: [r.value for r in rs] for g, rs in current.group_roles.items()}
        )  # fmt: skip
        for group, role in _pairs(group_roles, "--group-role"):
            if role not in {r.value for r in Role}:
                fail(f"--group-role: unknown role {role!r}", 2)
            roles.setdefault(group, []).append(role)
        try:
            new = msgspec.convert(
                {
                    "issuer": issuer or (current.issuer if current else ""),
                    "client_id": client_id or (current.client_id if current else ""),
                    "client_secret_ref": client_secret_ref
                    or (current.client_secret_ref if current else ""),
                    "scopes": list(scopes)
                    or (list(current.scopes) if current else None)
                    or ["openid", "email", "profile"],
                    "claims": mapping,
                    "group_roles": roles,
                    "linking": link_by or (current.linking if current else "employee_id"),
                    "enabled": enabled
                    if enabled is not None
                    else (current.enabled if current else True),
                },
                SsoSettings,
            )
        except msgspec.ValidationError as exc:
            fail(str(exc), 2)
        row = await service.set(new, allow_http_loopback=not settings.is_prod)
        return row.to_settings()

    saved = cli.run(work)
    click.echo(f"single sign-on for {slug}: {saved.issuer} (client {saved.client_id})")
    click.echo(f"register this redirect URI at the IdP: {redirect_uri(settings, slug)}", err=True)


@sso.command("show")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def show_sso(cli: CliContext, *, slug: str, as_json: bool) -> None:
    """Show the organisation's SSO settings (the secret reference, never a secret)."""
    settings = cli.settings

    async def work(session: AsyncSession) -> SsoSettings:
        org = await OrgRegistry(session).get(slug)
        return (await SsoConfigService(session, org.id).get()).to_settings()

    config = cli.run(work)
    doc = {
        **msgspec.to_builtins(config),
        "redirect_uri": redirect_uri(settings, slug),
        "post_logout_redirect_uri": post_logout_uri(settings, slug),
    }
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    for key, value in doc.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or "(none)"
        elif isinstance(value, list):
            value = " ".join(value)
        click.echo(f"{key:<26} {value}")


@sso.command("check")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@pass_cli
def check_sso(cli: CliContext, slug: str) -> None:
    """Fetch and validate the IdP's discovery document and keys now."""
    settings = cli.settings

    async def work(session: AsyncSession) -> SsoSettings:
        org = await OrgRegistry(session).get(slug)
        return (await SsoConfigService(session, org.id).get()).to_settings()

    config = cli.run(work)

    async def probe() -> str:
        client = IdpClient(clock=time.time, allow_http_loopback=not settings.is_prod)
        org_id = uuid.uuid4()
        doc = await client.discovery(org_id, config.issuer)
        keys = await client.keys_for(org_id, config.issuer, doc.jwks_uri, None)
        logout = "yes" if doc.end_session_endpoint else "no"
        return f"ok: {doc.issuer} — {len(keys.keys)} signing key(s), RP-initiated logout: {logout}"

    try:
        click.echo(asyncio.run(probe()))
    except DomainError as exc:
        fail(exc.detail)
