"""Trusted peers: nodes whose keys an operator pinned, and their latest node document."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import BigInteger, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from federation import wire
from federation.key_ring import PublicKey
from federation.node_documents import PeerDocument, pin_new_peer, refresh_peer
from federation.remote_cards import FeedState, RemoteCard
from federation.trust import PinnedKey, PinnedPeer, TrustStore, normalise_node_id
from orgs.db import Base, utcnow
from orgs.errors import AlreadyExists, NotFound


class Peer(Base):
    __tablename__ = "peers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    node_id: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Pinned keys as [{"kid", "public_key", "not_after"}], from the last verified document.
    keys: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    document_iat: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def pinned(self) -> PinnedPeer:
        return PinnedPeer(
            self.node_id,
            tuple(
                PinnedKey(
                    self.node_id, PublicKey.from_b64url(item["public_key"], item.get("not_after"))
                )
                for item in self.keys
            ),
            self.document_iat,
        )

    @property
    def hosted_orgs(self) -> list[dict[str, str]]:
        orgs: list[dict[str, str]] = self.document.get("orgs", [])
        return orgs

    @property
    def hosted_slugs(self) -> frozenset[str]:
        """The orgs this peer may speak for (``federation.tenancy``)."""
        return frozenset(org["slug"] for org in self.hosted_orgs)


def _apply(row: Peer, accepted: PeerDocument) -> None:
    row.name = accepted.document.name
    row.keys = [
        {"kid": k.kid, "public_key": k.key.to_b64url(), "not_after": k.key.not_after}
        for k in accepted.peer.keys
    ]
    row.document = msgspec.to_builtins(accepted.document)
    row.document_iat = accepted.document.iat
    row.refreshed_at = utcnow()


class PeerRegistry:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, node_id: str) -> Peer | None:
        return (
            await self.session.scalars(
                select(Peer).where(Peer.node_id == normalise_node_id(node_id))
            )
        ).first()

    async def get(self, node_id: str) -> Peer:
        peer = await self.find(node_id)
        if peer is None:
            raise NotFound(f"No peer {node_id!r}.")
        return peer

    async def add(self, document_token: str, *, url: str, fingerprint: str, now: int) -> Peer:
        """Pin a new peer from its signed node document and the operator's fingerprint."""
        if await self.find(url) is not None:
            raise AlreadyExists(f"{url} is already a peer; it refreshes itself.")
        accepted = pin_new_peer(document_token, url=url, fingerprint=fingerprint, now=now)
        if accepted.document.iss != accepted.peer.node_id:
            raise NotFound("The document names another node than the URL asked.")
        await self._refuse_shared_keys(accepted, accepted.peer.node_id)
        row = Peer(node_id=accepted.peer.node_id, document_iat=0)
        _apply(row, accepted)
        self.session.add(row)
        await self.session.flush()
        return row

    async def refresh(self, row: Peer, document_token: str, now: int) -> Peer:
        """Follow a newer document signed by a key already pinned (e.g. a rotation)."""
        accepted = refresh_peer(document_token, peer=row.pinned(), now=now)
        await self._refuse_shared_keys(accepted, row.node_id)
        _apply(row, accepted)
        return row

    async def sharing_keys(self, kids: set[str], other_than: str) -> list[Peer]:
        """Peers other than ``other_than`` that pin any of ``kids``."""
        return [
            row
            for row in await self.list()
            if row.node_id != other_than and kids & {k["kid"] for k in row.keys}
        ]

    async def _refuse_shared_keys(self, accepted: PeerDocument, node_id: str) -> None:
        # One key, two peers: a node that moved URL, or one impersonating another. Either way
        # we could not tell who signed a message, so the operator must remove one first.
        kids = {key.kid for key in accepted.peer.keys}
        clash = await self.sharing_keys(kids, other_than=node_id)
        if clash:
            raise AlreadyExists(
                f"Its keys are already pinned for {clash[0].node_id}; if that node moved, "
                f"remove it first (`mentornet peer remove {clash[0].node_id}`)."
            )

    async def list(self) -> Sequence[Peer]:
        return (await self.session.scalars(select(Peer).order_by(Peer.node_id))).all()

    async def remove(self, node_id: str) -> None:
        """Stop trusting a peer, and forget the cards and feed position we had from it."""
        row = await self.get(node_id)
        await self.session.execute(delete(RemoteCard).where(RemoteCard.peer == row.node_id))
        await self.session.execute(delete(FeedState).where(FeedState.peer == row.node_id))
        await self.session.delete(row)

    async def trust_store(self) -> TrustStore:
        return TrustStore(row.pinned() for row in await self.list())


def hosted_org(slug: str, name: str) -> wire.HostedOrg:
    return wire.HostedOrg(slug=slug, display_name=name)
