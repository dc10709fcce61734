"""``mentornet demo``: a working node with demo data and no external services."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from network import migrate
from network.cli.context import CliContext, fail, pass_cli
from network.cli.serve_command import serve
from network.demo import DEMO_ORGS, seed_demo
from network.sso.dev_idp import configure_dev_sso
from network.sso.dev_people import dev_people

#: Where the demo keeps its dev IdP client secrets (the database holds only file: references).
DEV_IDP_SECRETS = Path("var") / "dev-idp"


@click.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@click.pass_context
@pass_cli
def demo(cli: CliContext, ctx: click.Context, port: int, no_serve: bool) -> None:
    """Migrate the demo database, load demo organisations, and serve on 127.0.0.1."""
    if cli.settings.is_prod:
        fail("the demo loads sample data; it refuses to run with MENTORNET_ENV=prod", 2)
    migrate.upgrade(cli.settings)

    secrets_dir = DEV_IDP_SECRETS.resolve()

    async def work(session: AsyncSession) -> list[str]:
        created = await seed_demo(session)
        await configure_dev_sso(session, cli.settings, secrets_dir)  # sign-in via the dev IdPs
        return created

    created = cli.run(work)
    click.echo(f"demo data ready ({len(created)} organisations added)")
    if no_serve:
        return
    base = f"http://127.0.0.1:{port}"
    if cli.settings.base_url != base:
        click.echo(f"note: sign-in needs MENTORNET_BASE_URL={base} for this port", err=True)
    click.echo(
        "\n".join(
            [
                "",
                f"MentorNet demo node: {base}",
                f"  health:        {base}/health/ready",
                f"  API reference: {base}/schema",
                "  organisations: " + ", ".join(f"{o.slug} ({o.name})" for o in DEMO_ORGS),
                *(
                    f"  sign in ({o.slug}): {base}/orgs/{o.slug}/login  — as "
                    + ", ".join(p.kind for p in dev_people(o.slug))
                    for o in DEMO_ORGS
                ),
                "  an API token:  .venv/bin/mentornet org token create --org brent",
                "Press Ctrl+C to stop.",
                "",
            ]
        )
    )
    ctx.invoke(serve, host="127.0.0.1", port=port, workers=1)
