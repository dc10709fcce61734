"""This node as the other party: which organisations are here, and how an org ref reads.

Between two organisations of one node, the "peer" of a request or relationship is this node's
own id. Org refs (``orgs.pairing.sharing``) name an org here by its bare slug and one elsewhere
as ``slug@node``; :func:`ref_of` picks the right one, so a sharing policy that names ``harrow``
allows Harrow whether its cards came from a peer's feed or this node's own.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.trust import normalise_node_id
from orgs.models import Org
from orgs.pairing.sharing import org_ref


def is_here(node: str | None, here: str | None) -> bool:
    """Whether ``node`` is this node (``here``; None when the caller does not know it)."""
    if node is None or here is None:
        return False
    return normalise_node_id(node) == normalise_node_id(here)


def ref_of(slug: str, node: str, here: str | None) -> str:
    """The org ref of ``slug`` hosted by ``node``, as this node's sharing policies name it."""
    return org_ref(slug, None if is_here(node, here) else node)


async def hosted_here(session: AsyncSession) -> frozenset[str]:
    """The org slugs this node hosts: what its own in-process messages may speak for."""
    return frozenset((await session.scalars(select(Org.slug))).all())
