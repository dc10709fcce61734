"""What each inbox message type does on arrival. Filled in by the features that own them."""

from __future__ import annotations

from federation.inbox import Handler

#: message type -> handler; a type without a handler is stored (and so acknowledged) only.
HANDLERS: dict[str, Handler] = {}
