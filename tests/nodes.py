"""Nodes for tests that cross real HTTP: one driven in-process (explicit clock), peers live."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from msgspec.structs import replace
from sqlalchemy import func, select

from federation.inbox import InboxEntry
from federation.keys import KeyRing
from federation.outbox import Outbox
from federation.peers import PeerRegistry
from network.app import build_runtime
from network.config import Settings
from network.federation.wiring import node_keys, now_s, signed_node_document
from network.runtime import Runtime


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

    async def inbox_count(self, mid: str | None = None) -> int:
        query = select(func.count()).select_from(InboxEntry)
        if mid is not None:
            query = query.where(InboxEntry.mid == mid)
        async with self.runtime.sessionmaker() as session:
            return int(await session.scalar(query) or 0)


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
