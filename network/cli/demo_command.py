"""``mentornet demo``: a working node with demo data and no external services."""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from network import migrate
from network.cli.context import CliContext, fail, pass_cli
from network.cli.serve_command import serve
from network.demo import DEMO_ORGS, seed_demo


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

    async def work(session: AsyncSession) -> list[str]:
        return await seed_demo(session)

    created = cli.run(work)
    click.echo(f"demo data ready ({len(created)} organisations added)")
    if no_serve:
        return
    base = f"http://127.0.0.1:{port}"
    click.echo(
        "\n".join(
            [
                "",
                f"MentorNet demo node: {base}",
                f"  health:        {base}/health/ready",
                f"  API reference: {base}/schema",
                "  organisations: " + ", ".join(f"{o.slug} ({o.name})" for o in DEMO_ORGS),
                "  an API token:  .venv/bin/mentornet org token create --org brent",
                "Press Ctrl+C to stop.",
                "",
            ]
        )
    )
    ctx.invoke(serve, host="127.0.0.1", port=port, workers=1)
