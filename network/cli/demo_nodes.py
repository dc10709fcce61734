"""The demo federation: two nodes on this machine, peered with each other.

Node A (port P) hosts Brent and Harrow; node B (port P + 1) hosts Nottingham City Homes. Each
has its own SQLite database (B's sits beside A's), its own keys and its dev IdPs; each pins
the other's keys, as operators would with ``mentornet peer add``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from msgspec.structs import replace

from federation.key_ring import kid_from_fingerprint
from federation.peer_registry import PeerRegistry
from network import migrate
from network.app import build_runtime
from network.config import Settings
from network.demo.checkins import seed_demo_checkins
from network.demo.events import seed_demo_workshop
from network.demo.network_work import seed_demo_cohort_run, seed_demo_figures
from network.demo.seed import seed_demo
from network.federation.own_feed import refresh_here
from network.federation.wiring import node_keys, now_s, signed_node_document
from network.http.dev_idp import configure_dev_sso
from orgs.errors import InvalidInput


@dataclass(frozen=True)
class DemoNode:
    name: str
    orgs: tuple[str, ...]
    settings: Settings

    @property
    def url(self) -> str:
        return self.settings.base_url


def demo_nodes(base: Settings, port: int) -> tuple[DemoNode, DemoNode]:
    if not base.uses_sqlite:
        raise InvalidInput.on("MENTORNET_DATABASE_URL", "the demo runs on SQLite files")
    prefix, path = base.database_url.split(":///", 1)
    b_path = Path(path).with_name(Path(path).stem + "-node-b" + Path(path).suffix)
    a = DemoNode(
        "MentorNet London",
        ("brent", "harrow"),
        replace(base, base_url=f"http://127.0.0.1:{port}", node_name="MentorNet London"),
    )
    b = DemoNode(
        "MentorNet East Midlands",
        ("nch",),
        replace(
            base,
            database_url=f"{prefix}:///{b_path}",
            base_url=f"http://127.0.0.1:{port + 1}",
            node_name="MentorNet East Midlands",
        ),
    )
    return a, b


async def _prepare(node: DemoNode, secrets_dir: Path) -> list[str]:
    runtime = build_runtime(node.settings)
    try:
        async with runtime.sessionmaker() as session, session.begin():
            created = await seed_demo(session, node.orgs)
            await configure_dev_sso(session, node.settings, secrets_dir)
            await node_keys(session, node.settings).ensure(now_s())
        # after the seed is committed: it runs the node's jobs pass, in its own transactions
        await seed_demo_checkins(runtime, node.orgs)
        return created
    finally:
        await runtime.close()


async def _document(node: DemoNode) -> tuple[str, str]:
    runtime = build_runtime(node.settings)
    try:
        async with runtime.sessionmaker() as session:
            ring = await node_keys(session, node.settings).ring()
            token = await signed_node_document(session, node.settings, None, now_s())
            return token, ring.active.public.fingerprint
    finally:
        await runtime.close()


async def _pin(node: DemoNode, other: DemoNode) -> None:
    token, fingerprint = await _document(other)
    runtime = build_runtime(node.settings)
    try:
        async with runtime.sessionmaker() as session, session.begin():
            registry = PeerRegistry(session)
            kid = kid_from_fingerprint(fingerprint)
            for moved in await registry.sharing_keys({kid}, other_than=other.url):
                await registry.remove(moved.node_id)  # the demo ran before on other ports
            await session.flush()
            existing = await registry.find(other.url)
            if existing is None:
                await registry.add(token, url=other.url, fingerprint=fingerprint, now=now_s())
            else:
                await registry.refresh(existing, token, now_s())  # new orgs, same keys
    finally:
        await runtime.close()


def migrate_nodes(nodes: tuple[DemoNode, ...]) -> None:
    for node in nodes:
        migrate.upgrade(node.settings)


async def prepare_nodes(nodes: tuple[DemoNode, DemoNode], secrets_dir: Path) -> list[str]:
    """Seed both nodes and peer them; returns the organisations added."""
    created = [slug for node in nodes for slug in await _prepare(node, secrets_dir)]
    a, b = nodes
    await _pin(a, b)
    await _pin(b, a)
    runtimes = build_runtime(a.settings), build_runtime(b.settings)
    try:  # the network of the three demo orgs, its shared workshop, a cohort run across
        # brent and harrow and the network report's figures (issue 18)
        await seed_demo_workshop(runtimes[0], a.url, runtimes[1], b.url)
        await refresh_here(runtimes[0])  # harrow's cards for brent, from A's own feed
        await seed_demo_cohort_run(runtimes[0], a.url)
        await seed_demo_figures(runtimes[0], a.url, runtimes[1], b.url)
    finally:
        for runtime in runtimes:
            await runtime.close()
    return created
