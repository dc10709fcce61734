"""What each inbox message type does on arrival. Filled in by the features that own them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation import (
    event_handlers,
    network_handlers,
    network_report_handlers,
    relationship_handlers,
    request_handlers,
    wire,
)
from federation.inbox import Handler
from federation.remote_cards import RemoteCards


async def revoke_cards(session: AsyncSession, message: wire.CardRevoke) -> None:
    """A producer withdrew cards before their page expired: forget them now."""
    await RemoteCards(session).revoke(message.iss, message.handles)


#: message type -> handler; a type without a handler is stored (and so acknowledged) only.
HANDLERS: dict[str, Handler] = {
    "card.revoke": revoke_cards,
    "request.create": request_handlers.receive_request,
    "request.accept": request_handlers.accepted,
    "request.introduce": request_handlers.introduced,
    "request.decline": request_handlers.declined,
    "request.withdraw": request_handlers.withdrawn,
    "relationship.end": request_handlers.ended,
    "relationship.record": relationship_handlers.record_received,
    "relationship.change": relationship_handlers.change_received,
    "member.erase": request_handlers.erased,
    "network.change": network_handlers.network_changed,
    "event.publish": event_handlers.event_published,
    "event.register": event_handlers.registered,
    "event.unregister": event_handlers.unregistered,
    "event.place": event_handlers.place_changed,
    "network.figures": network_report_handlers.figures_received,
}
