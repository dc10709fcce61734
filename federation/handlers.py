"""What each inbox message type does on arrival. Filled in by the features that own them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.inbox import Handler
from federation.remote_cards import RemoteCards


async def revoke_cards(session: AsyncSession, message: wire.CardRevoke) -> None:
    """A producer withdrew cards before their page expired: forget them now."""
    await RemoteCards(session).revoke(message.iss, message.handles)


#: message type -> handler; a type without a handler is stored (and so acknowledged) only.
HANDLERS: dict[str, Handler] = {
    "card.revoke": revoke_cards,
}
