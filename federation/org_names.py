"""What a person is shown of another organisation before names cross: its display name, as the
node hosting it publishes it in its verified node document (pinned in ``peers``), or, for an
organisation on this very node, as its own record says."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.peer_registry import PeerRegistry
from orgs.models import Org


async def org_display_name(session: AsyncSession, node_id: str, slug: str) -> str:
    """The display name of ``slug`` hosted by ``node_id``; the slug itself when nobody says."""
    peer = await PeerRegistry(session).find(node_id)
    if peer is not None:
        names = {o.get("slug"): o.get("display_name", "") for o in peer.hosted_orgs}
        return str(names.get(slug) or slug)
    # Not a peer: the sender is this node (tenancy already checked it hosts ``slug``).
    name = await session.scalar(select(Org.name).where(Org.slug == slug))
    return str(name or slug)
