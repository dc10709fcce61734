"""What a local action must tell another node: the hook between ``orgs`` and ``federation``.

``orgs`` never imports ``federation``. Services take a :data:`RemoteSink` and call it with a
:class:`RemoteEvent` whose ``body`` already has the wire message's own fields (no envelope);
``federation.relationship_outbox.outbox_sink`` enqueues it in the same transaction. Tests and
the CLI may pass :class:`CollectingSink` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

RemoteKind = Literal[
    "request.create",
    "request.accept",
    "request.introduce",
    "request.decline",
    "request.withdraw",
    "relationship.end",
    "relationship.record",  # the shared record, authority -> replica (orgs.mentoring.shared_record)
    "relationship.change",  # one edit, replica -> authority
    "network.change",
    "event.publish",  # a network's shared events (orgs.networks.events)
    "event.register",
    "event.unregister",
    "event.place",
    "network.figures",  # one org's aggregate figures (orgs.records.network_reports)
]


@dataclass(frozen=True)
class RemoteEvent:
    kind: RemoteKind
    peer: str  # the other node's id
    body: dict[str, Any]  # wire fields: request_id first of all


RemoteSink = Callable[[RemoteEvent], None]


@dataclass
class CollectingSink:
    events: list[RemoteEvent] = field(default_factory=list)

    def __call__(self, event: RemoteEvent) -> None:
        self.events.append(event)


def discard(_: RemoteEvent) -> None:
    """For local-only work where no remote party can be involved."""
