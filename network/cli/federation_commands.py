"""``mentornet keys`` and ``mentornet peer``: this node's identity and the peers it trusts."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import click
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from federation.key_ring import kid_from_fingerprint
from federation.outbox import Outbox, OutboxStatus
from federation.peer_registry import PeerRegistry
from federation.remote_cards import RemoteCards
from federation.trust import normalise_node_id
from network.app import build_runtime
from network.cli.context import CliContext, fail, pass_cli
from network.federation.feed_pull import PullReport, pull_all, pull_feed
from network.federation.own_feed import refresh_here
from network.federation.wiring import NODE_DOCUMENT_PATH, node_keys, now_s
from orgs.errors import DomainError

DAY = 86_400


def _when(ts: int | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


@click.group()
def keys() -> None:
    """This node's Ed25519 signing keys."""


@keys.command("init")
@pass_cli
def keys_init(cli: CliContext) -> None:
    """Create the node's first key (once)."""

    async def work(session: AsyncSession) -> str:
        ring = await node_keys(session, cli.settings).init(now_s())
        return f"created key {ring.active.kid}  {ring.active.public.fingerprint}"

    click.echo(cli.run(work))


@keys.command("replace")
@click.option("--yes", is_flag=True, help="Confirm: peers must pin the new fingerprint.")
@pass_cli
def keys_replace(cli: CliContext, *, yes: bool) -> None:
    """Replace the node's keys and handle secret (the secret key is lost, or they leaked)."""
    if not yes:
        fail(
            "this gives the node a new identity: every peer's operator must pin the new "
            "fingerprint, and peers drop the cards they hold from this node; "
            "run again with --yes to go ahead"
        )

    async def work(session: AsyncSession) -> str:
        ring = await node_keys(session, cli.settings).replace(now_s())
        return (
            f"new key {ring.active.kid}  {ring.active.public.fingerprint}\n"
            "give this fingerprint to each peer's operator: "
            "mentornet peer add <this node's URL> --fingerprint <it>"
        )

    click.echo(cli.run(work))


@keys.command("rotate")
@click.option(
    "--overlap-days",
    default=7,
    show_default=True,
    type=click.IntRange(0, 90),
    help="How long the old key still verifies (longer than peers' refresh interval).",
)
@pass_cli
def keys_rotate(cli: CliContext, overlap_days: int) -> None:
    """Make a new active key; the old one stays valid for the overlap."""

    async def work(session: AsyncSession) -> str:
        ring = await node_keys(session, cli.settings).rotate(now_s(), overlap_days * DAY)
        return f"new active key {ring.active.kid}  {ring.active.public.fingerprint}"

    click.echo(cli.run(work))


@keys.command("list")
@pass_cli
def keys_list(cli: CliContext) -> None:
    """List the node's keys with fingerprints (give a fingerprint to peers' operators)."""

    async def work(session: AsyncSession) -> list[str]:
        ring = await node_keys(session, cli.settings).ring()
        now = now_s()
        return [
            f"{key.kid}  {key.public.fingerprint}  "
            + ("active" if key is ring.active else f"valid until {_when(key.not_after)}")
            for key in ring.valid_keys(now)
        ]

    for line in cli.run(work):
        click.echo(line)


@click.group()
def peer() -> None:
    """Other nodes this node trusts."""


async def fetch_node_document(url: str, kid: str | None) -> str:
    params = {"kid": kid} if kid else {}
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(normalise_node_id(url) + NODE_DOCUMENT_PATH, params=params)
    except httpx.HTTPError as exc:
        fail(f"cannot fetch {url}{NODE_DOCUMENT_PATH} ({type(exc).__name__}); is the URL right?")
    if response.status_code != 200:
        fail(f"{url}{NODE_DOCUMENT_PATH} answered {response.status_code}")
    return response.text


@peer.command("add")
@click.argument("url")
@click.option(
    "--fingerprint",
    required=True,
    help="The peer's key fingerprint, SHA256:…, from its operator (`mentornet keys list`).",
)
@pass_cli
def peer_add(cli: CliContext, url: str, fingerprint: str) -> None:
    """Trust the node at URL, pinning its keys once its document verifies."""
    try:
        kid = kid_from_fingerprint(fingerprint)
    except ValueError as exc:
        fail(f"--fingerprint: {exc}")

    async def work(session: AsyncSession) -> str:
        token = await fetch_node_document(url, kid)
        row = await PeerRegistry(session).add(token, url=url, fingerprint=fingerprint, now=now_s())
        orgs = ", ".join(o["slug"] for o in row.hosted_orgs) or "none"
        return f"added peer {row.node_id} ({row.name}); orgs: {orgs}; {len(row.keys)} key(s)"

    click.echo(cli.run(work))


@peer.command("list")
@pass_cli
def peer_list(cli: CliContext) -> None:
    """List trusted peers."""

    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{row.node_id}  {row.name}  orgs: "
            + ", ".join(o["slug"] for o in row.hosted_orgs)
            + f"  keys: {', '.join(k['kid'] for k in row.keys)}"
            for row in await PeerRegistry(session).list()
        ]

    lines = cli.run(work)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no peers yet (add one with `mentornet peer add URL --fingerprint …`)", err=True)


@peer.command("refresh")
@click.argument("url")
@pass_cli
def peer_refresh(cli: CliContext, url: str) -> None:
    """Fetch a peer's newest document (signed by a key already pinned) and pin its keys."""

    async def work(session: AsyncSession) -> str:
        registry = PeerRegistry(session)
        row = await registry.get(url)
        # Ask for the document signed by a key we pin: during a rotation that is the old one.
        pinned_kid = row.keys[0]["kid"] if row.keys else None
        await registry.refresh(row, await fetch_node_document(url, pinned_kid), now_s())
        return f"refreshed {row.node_id}: keys {', '.join(k['kid'] for k in row.keys)}"

    click.echo(cli.run(work))


@peer.command("remove")
@click.argument("url")
@pass_cli
def peer_remove(cli: CliContext, url: str) -> None:
    """Stop trusting a peer."""

    async def work(session: AsyncSession) -> str:
        await PeerRegistry(session).remove(url)
        return f"removed {normalise_node_id(url)}"

    click.echo(cli.run(work))


@click.group()
def federation() -> None:
    """Messages to and from peers."""


@federation.command("outbox")
@click.option("--dead", is_flag=True, help="Only dead letters (failed past the retry window).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def outbox_list(cli: CliContext, *, dead: bool, as_json: bool) -> None:
    """List outgoing messages with their delivery state."""

    async def work(session: AsyncSession) -> list[dict[str, object]]:
        rows = await Outbox(session).list(OutboxStatus.DEAD if dead else None)
        return [
            {
                "id": str(row.id),
                "peer": row.peer,
                "type": row.message_type,
                "status": row.status.value,
                "attempts": row.attempts,
                "next_attempt_at": row.next_attempt_at.isoformat(),
                "last_error": row.last_error,
            }
            for row in rows
        ]

    rows = cli.run(work)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['id']}  {row['status']:<9} {row['type']:<18} {row['peer']}  "
            f"attempts {row['attempts']}  {row['last_error']}"
        )


@federation.command("replay")
@click.argument("message_id")
@pass_cli
def outbox_replay(cli: CliContext, message_id: str) -> None:
    """Give a dead letter a new retry window (it keeps its id: still delivered once)."""
    try:
        parsed = uuid.UUID(message_id)
    except ValueError:
        fail(f"{message_id!r} is not a message id (see `mentornet federation outbox --dead`)")

    async def work(session: AsyncSession) -> str:
        row = await Outbox(session).replay(parsed, datetime.now(UTC))
        return f"replaying {row.id} to {row.peer}"

    click.echo(cli.run(work))


@federation.command("pull")
@click.argument("url", required=False)
@pass_cli
def feed_pull(cli: CliContext, url: str | None) -> None:
    """Pull the card feed of one peer (or every peer) now."""
    settings = cli.settings

    async def go() -> list[PullReport]:
        runtime = build_runtime(settings)
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                if url is None:
                    await refresh_here(runtime)  # this node's own orgs, for each other
                    return await pull_all(runtime, client)
                return [await pull_feed(runtime, normalise_node_id(url), client)]
        finally:
            await runtime.close()

    try:
        reports = asyncio.run(go())
    except DomainError as exc:
        fail(exc.detail)
    for report in reports:
        outcome = f"refused: {report.error}" if report.error else "ok"
        click.echo(
            f"{report.peer}: {report.pages} page(s), {report.cards} card(s), "
            f"{report.tombstones} tombstone(s) — {outcome}"
        )
    if any(report.error for report in reports):
        raise SystemExit(1)


@federation.command("cards")
@pass_cli
def cards_list(cli: CliContext) -> None:
    """How many live cards this node holds from each peer."""

    async def work(session: AsyncSession) -> list[str]:
        live = await RemoteCards(session).live(datetime.now(UTC))
        counts: dict[str, int] = {}
        for row in live:
            counts[row.peer] = counts.get(row.peer, 0) + 1
        return [f"{peer}  {count} card(s)" for peer, count in sorted(counts.items())]

    for line in cli.run(work) or ["no live cards from any peer"]:
        click.echo(line)
