"""``mentornet serve``: the node under Granian (see the README for why Granian)."""

from __future__ import annotations

import click

from network.cli.context import CliContext, pass_cli


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@pass_cli
def serve(cli: CliContext, host: str, port: int, workers: int) -> None:
    """Serve the node's HTTP API and pages."""
    from granian import Granian
    from granian.constants import Interfaces

    _ = cli.settings  # refuse to start (exit 2) on missing or weak settings, before forking
    Granian(
        "network.app:create_app",
        factory=True,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        log_access=False,  # the app logs each request itself, with its request id
    ).serve()
