"""Refreshing the node's own feed for itself (``federation.own_feed``): with every feed pass,
and from ``mentornet federation pull``."""

from __future__ import annotations

from datetime import UTC, datetime

from federation.own_feed import refresh_own_feed
from network.federation.wiring import node_id, node_keys
from network.runtime import Runtime
from orgs.errors import NotFound


async def refresh_here(runtime: Runtime) -> int:
    """Cards of this node's orgs for its other orgs, as a pull would bring a peer's."""
    async with runtime.sessionmaker() as session, session.begin():
        try:
            secret = await node_keys(session, runtime.settings).handle_secret()
        except NotFound:  # no keys yet (`mentornet keys init`): no cards, here as for peers
            return 0
        return await refresh_own_feed(
            session, me=node_id(runtime.settings), secret=secret, now=datetime.now(UTC)
        )
