"""Networks on the wire: a member node's change arrives (``network.change``) and is applied to
the copy here by the same rule that made it (``orgs.networks``); a change made here leaves
through the outbox to every other node that holds a copy."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.errors import OrgNotHosted
from federation.inbox import received_token
from federation.peer_registry import PeerRegistry
from federation.relationship_outbox import outbox_sink
from orgs.errors import InvalidInput
from orgs.networks.record import Change, NetworkRecord
from orgs.networks.service import Networks


def networks(session: AsyncSession, me: str) -> Networks:
    """The networks of node ``me``, telling other nodes through the outbox."""
    return Networks(session, me, outbox_sink(session))


async def check_invitee(session: AsyncSession, me: str, node: str | None, org: str) -> None:
    """An org on another node is invited only on a peer pinned here that hosts it (its
    verified node document lists it), so the invitation can reach it and its answer be
    checked."""
    if node is None or node == me:
        return
    peer = await PeerRegistry(session).find(node)
    if peer is None:
        raise InvalidInput.on("node", f"{node} is not a peer of this node")
    if org not in peer.hosted_slugs:
        raise OrgNotHosted(f"{node} does not host {org}")


async def network_changed(session: AsyncSession, message: wire.NetworkChange) -> None:
    if message.record.network_id != message.network_id:
        raise InvalidInput.on("record.network_id", "is not the message's network_id")
    record = msgspec.convert(msgspec.to_builtins(message.record), NetworkRecord)
    change: Change = msgspec.convert(msgspec.to_builtins(message.change), Change)
    await networks(session, message.aud).apply_remote(
        record, change, f"{message.author_org}@{message.iss}", signed=received_token.get()
    )
