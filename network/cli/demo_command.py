"""``mentornet demo``: two peered nodes with demo data and no external services."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import click
import httpx
from msgspec.structs import replace

from network.cli.context import CliContext, fail, pass_cli
from network.cli.demo_nodes import DemoNode, demo_nodes, migrate_nodes, prepare_nodes
from network.cli.serve_command import serve
from network.config import Settings, to_environ
from network.demo.mail import start_sink
from network.demo.people import dev_people
from network.demo.seed import DEMO_ORGS
from orgs.errors import DomainError

#: Where the demo keeps its dev IdP client secrets (the database holds only file: references).
DEV_IDP_SECRETS = Path("var") / "dev-idp"
#: Where the demo's SMTP sink keeps the emails the nodes send.
DEMO_MAIL = Path("var") / "demo-mail"


def node_environ(settings: Settings) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MENTORNET_")}
    return {**inherited, **to_environ(settings)}


def start_node_b(node: DemoNode) -> subprocess.Popen[bytes]:
    port = node.url.rsplit(":", 1)[1]
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "mentornet"), "serve", "--port", port],
        env=node_environ(node.settings),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"node B ({node.url}) did not start (exit {process.returncode})")
        try:
            if httpx.get(f"{node.url}/health/live", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # waiting for a process to listen
    process.terminate()
    fail(f"node B ({node.url}) did not start within a minute")


def banner(nodes: tuple[DemoNode, DemoNode]) -> str:
    lines = [""]
    for node in nodes:
        lines.append(f"{node.name}: {node.url}   (API reference: {node.url}/schema)")
        for slug in node.orgs:
            org = next(o for o in DEMO_ORGS if o.slug == slug)
            people = ", ".join(p.kind for p in dev_people(slug))
            lines.append(f"  {org.name}: sign in at {node.url}/orgs/{slug}/login  ({people})")
    lines += [
        "",
        f"Emails from both nodes arrive at the demo's SMTP sink and are kept in {DEMO_MAIL}/",
        "(sent by the jobs loop, within a minute).",
        "",
        "Try: sign in to Brent as the mentee, open your suggestions, and ask a Nottingham City",
        "Homes mentor (node B); then sign in to NCH as that mentor and accept. Or ask a Harrow",
        "mentor (node A too: the same messages, delivered in-process) and accept as that mentor.",
        "Press Ctrl+C to stop both nodes.",
        "",
    ]
    return "\n".join(lines)


@click.command()
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65534),
    help="Node A's port; node B listens on the next one.",
)
@click.option("--no-serve", is_flag=True, help="Prepare both databases and peering, then exit.")
@click.pass_context
@pass_cli
def demo(cli: CliContext, ctx: click.Context, *, port: int, no_serve: bool) -> None:
    """Two peered demo nodes: A (Brent, Harrow) on --port, B (Nottingham City Homes) on the
    next port, each with staff, schemes, mentors and dev sign-in."""
    if cli.settings.is_prod:
        fail("the demo loads sample data; it refuses to run with MENTORNET_ENV=prod", 2)
    try:
        nodes = demo_nodes(cli.settings, port)
        migrate_nodes(nodes)
        created = asyncio.run(prepare_nodes(nodes, DEV_IDP_SECRETS.resolve()))
    except DomainError as exc:
        fail(exc.detail)
    click.echo(f"demo data ready ({len(created)} organisations added); nodes peered")
    if no_serve:
        return
    smtp_port = port + 25
    sink = start_sink(DEMO_MAIL.resolve(), smtp_port)
    node_a, node_b = (
        DemoNode(n.name, n.orgs, replace(n.settings, smtp_url=f"smtp://127.0.0.1:{smtp_port}"))
        for n in nodes
    )
    nodes = (node_a, node_b)
    process = start_node_b(node_b)
    try:
        click.echo(banner(nodes))
        # Granian builds node A's app in its worker from the environment: set it for A.
        os.environ.update(node_environ(node_a.settings))
        ctx.invoke(serve, host="127.0.0.1", port=port, workers=1)
    finally:
        process.terminate()
        process.wait(timeout=15)
        sink.stop()
