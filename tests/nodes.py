"""Nodes for tests that cross real HTTP: one driven in-process (explicit clock), peers live."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, TypeVar

from msgspec.structs import replace
from sqlalchemy import func, select

from federation import wire
from federation.inbox import InboxEntry
from federation.key_ring import KeyRing, NodeKey, generate_key
from federation.node_documents import build_node_document, sign_node_document
from federation.outbox import Outbox
from federation.peer_registry import PeerRegistry
from federation.signing import new_jti, sign
from network.app import build_runtime
from network.config import Settings
from network.federation.wiring import (
    CARDS_PATH,
    INBOX_PATH,
    node_keys,
    now_s,
    signed_node_document,
)
from network.models import metadata
from network.runtime import Runtime

M = TypeVar("M", bound=wire.InboxMessage)


def handle() -> str:
    return secrets.token_urlsafe(32)[:43].ljust(43, "A")


@dataclass
class Node:
    settings: Settings
    runtime: Runtime

    async def ring(self) -> KeyRing:
        async with self.runtime.sessionmaker() as session, session.begin():
            return await node_keys(session, self.settings).ensure(now_s())

    async def document(self) -> str:
        async with self.runtime.sessionmaker() as session, session.begin():
            await node_keys(session, self.settings).ensure(now_s())
            return await signed_node_document(session, self.settings, None, now_s())

    async def pin(self, other: Node) -> None:
        """Trust ``other`` as the operator would, with its fingerprint."""
        await self.ring()  # a node that peers has keys of its own
        token = await other.document()
        fingerprint = (await other.ring()).active.public.fingerprint
        async with self.runtime.sessionmaker() as session, session.begin():
            await PeerRegistry(session).add(
                token, url=other.settings.base_url, fingerprint=fingerprint, now=now_s()
            )

    async def tables(self) -> dict[str, list[str]]:
        """Every row of every table, as text: all the state a request could change."""
        async with self.runtime.sessionmaker() as session:
            return {
                table.name: sorted(repr(tuple(row)) for row in await session.execute(select(table)))
                for table in metadata.sorted_tables
            }

    async def inbox_count(self, mid: str | None = None) -> int:
        query = select(func.count()).select_from(InboxEntry)
        if mid is not None:
            query = query.where(InboxEntry.mid == mid)
        async with self.runtime.sessionmaker() as session:
            return int(await session.scalar(query) or 0)


def changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> set[str]:
    """The tables whose rows differ between two ``Node.tables()`` snapshots."""
    return {name for name in before if before[name] != after[name]}


def node(settings: Settings, base_url: str) -> Node:
    configured = replace(settings, base_url=base_url, outbox_worker=False)
    return Node(configured, build_runtime(configured))


async def enqueue(here: Node, peer: Node, count: int) -> list[str]:
    """Queue ``count`` card revocations from ``here`` to ``peer``; their mids, in queue order."""
    async with here.runtime.sessionmaker() as session, session.begin():
        outbox = Outbox(session)
        rows = [
            outbox.enqueue(peer.settings.base_url, "card.revoke", {"handles": [handle()]})
            for _ in range(count)
        ]
    return [row.mid for row in rows]


@dataclass
class Identity:
    """A peer that exists only as a signing identity: its own Ed25519 key and a node document
    it signs, pinned by a real node the way an operator pins any peer. Lets a test speak as a
    third node without running one."""

    node_id: str
    orgs: tuple[str, ...]
    key: NodeKey = field(default_factory=lambda: generate_key(now_s()))

    def document(self) -> str:
        document = build_node_document(
            ring=KeyRing(self.key),
            node_id=self.node_id,
            name=f"Node of {', '.join(self.orgs) or 'nobody'}",
            orgs=[wire.HostedOrg(slug=slug, display_name=slug.title()) for slug in self.orgs],
            endpoints=wire.Endpoints(
                inbox=self.node_id + INBOX_PATH, cards=self.node_id + CARDS_PATH
            ),
            now=now_s(),
        )
        return sign_node_document(document, self.key)

    async def pinned_by(self, node: Node) -> None:
        await node.ring()
        async with node.runtime.sessionmaker() as session, session.begin():
            await PeerRegistry(session).add(
                self.document(),
                url=self.node_id,
                fingerprint=self.key.public.fingerprint,
                now=now_s(),
            )

    def message(self, kind: type[M], to: Node, **fields: Any) -> M:
        now = now_s()
        return kind(
            iss=self.node_id,
            aud=to.settings.base_url,
            iat=now,
            exp=now + 60,
            jti=new_jti(),
            mid=new_jti(),
            **fields,
        )

    def sign(self, message: wire.Signed) -> str:
        return sign(message, self.key)
