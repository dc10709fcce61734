"""Network reports on the wire: a member node's figures arrive (``network.figures``) and are
kept for the network's report, only from a member of a network held here (tenancy checked by
the inbox: the sender hosts ``org``)."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.inbox import received_token
from orgs.records.network_reports import receive


async def figures_received(session: AsyncSession, message: wire.NetworkFigures) -> None:
    await receive(
        session,
        message.network_id,
        f"{message.org}@{message.iss}",
        datetime.fromtimestamp(message.as_of, UTC),
        msgspec.to_builtins(message.figures),
        received_token.get(),
    )
