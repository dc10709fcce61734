"""``mentornet serve``: the node under Granian (see the README for why Granian)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

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

    from network.metrics import share_between_workers

    _ = cli.settings  # refuse to start (exit 2) on missing or weak settings, before forking
    # The workers' metrics, shared so that any of them answers a scrape for the node; a new
    # directory each start, since what a previous run left there would count again.
    metrics_dir = Path(tempfile.mkdtemp(prefix="mentornet-metrics-"))
    share_between_workers(metrics_dir)
    try:
        Granian(
            "network.app:create_app",
            factory=True,
            address=host,
            port=port,
            workers=workers,
            interface=Interfaces.ASGI,
            log_access=False,  # the app logs each request itself, with its request id
        ).serve()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
