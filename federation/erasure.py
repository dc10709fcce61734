"""Erasure across nodes: erasing a member here, and forgetting a person a peer erased.

A mentor's cards went to each consumer under its own handle (the feed's entries record which);
cross-node requests and relationships went to one peer each, named by their shared request id.
One ``member.erase`` per peer names those ids and nobody.

Both sides then forget the messages about the person: an inbox payload has done its work once
its handler ran, and a delivered outbox body once the peer took it, so those become ``{}``.
A message still waiting (or a dead letter) must stay sendable, so on the person's own node
their introduction in it becomes a neutral one and the words they wrote are dropped. The
retention purge (``federation.retention``) empties the rest after a while, so there is less to
find at the next erasure.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.event_handlers import forget_registrations
from federation.feed import FeedEntry, withdraw_cards
from federation.inbox import InboxEntry
from federation.outbox import Outbox, OutboxMessage, OutboxStatus
from federation.relationship_outbox import outbox_sink
from federation.remote_cards import RemoteCards
from orgs.audit import ActorRef
from orgs.mentoring.learning_log import LogEntry
from orgs.mentoring.relationships import Relationship
from orgs.networks.events import erase_bookings
from orgs.pairing.requests import Direction, MentoringRequest
from orgs.people.erasure import Erased
from orgs.people.members import Member
from orgs.records.erasure import erase_person
from orgs.redaction import ERASED_NAME, redact_everywhere

MAX_IDS = 1000  # per message, by the wire schema

#: Stands in for an erased person's introduction in a message not yet delivered: the message
#: must stay valid (the state change it carries still has to reach the peer), the person not.
ERASED_INTRODUCTION: Final = {"name": ERASED_NAME, "work_email": "erased@erased.invalid"}
_INTRODUCTIONS: Final = ("mentor", "mentee")  # fields of ``wire.Introduction`` type
_THEIR_WORDS: Final = ("ask",)

#: Tables the sweep of names leaves alone: messages are handled here by their structure (a
#: name replaced inside a queued message must still make a valid one); the others hold no
#: personal data by design (cards, feed state, signed peer documents, the node's keys).
FEDERATION_TABLES: Final = frozenset(
    {
        "federation_inbox",
        "federation_outbox",
        "federation_feed_entries",
        "federation_feed_state",
        "federation_remote_cards",
        "federation_peer_delivery",
        "peers",
        "node_identity",
    }
)


@dataclass
class Held:
    """What one peer was given about one person: card handles and shared request ids."""

    handles: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)


async def held_by_peers(session: AsyncSession, member_id: uuid.UUID) -> dict[str, Held]:
    held: dict[str, Held] = defaultdict(Held)
    for entry in await session.scalars(select(FeedEntry).where(FeedEntry.mentor_id == member_id)):
        held[entry.consumer].handles.add(entry.handle)
    for table in (MentoringRequest, Relationship):
        rows = await session.execute(
            select(table.remote_peer, table.remote_ref).where(
                table.remote_peer.is_not(None),
                table.remote_ref.is_not(None),
                or_(table.mentee_id == member_id, table.mentor_id == member_id),
            )
        )
        for peer, ref in rows:
            held[str(peer)].refs.add(str(ref))
    return dict(held)


def _queue_erase(session: AsyncSession, held: Mapping[str, Held]) -> dict[str, int]:
    outbox = Outbox(session)
    sent: dict[str, int] = {}
    for peer in sorted(held):
        handles, refs = sorted(held[peer].handles), sorted(held[peer].refs)
        for start in range(0, max(len(handles), len(refs)), MAX_IDS):
            outbox.enqueue(
                peer,
                "member.erase",
                {
                    "handles": handles[start : start + MAX_IDS],
                    "request_ids": refs[start : start + MAX_IDS],
                },
            )
        sent[peer] = len(handles) + len(refs)
    return sent


def mentions(body: Mapping[str, Any], held: Held) -> bool:
    """Whether a message body is about the person ``held`` describes."""
    return (
        body.get("request_id") in held.refs
        or body.get("card") in held.handles
        or not held.refs.isdisjoint(body.get("request_ids", ()))
        or not held.handles.isdisjoint(body.get("handles", ()))
    )


def without_person(body: Mapping[str, Any]) -> dict[str, Any]:
    """A queued body with the erased person's introduction neutral and their words gone."""
    kept = {k: v for k, v in body.items() if k not in _THEIR_WORDS}
    for key in _INTRODUCTIONS:
        if key in kept:
            kept[key] = dict(ERASED_INTRODUCTION)
    return kept


async def forget_messages(session: AsyncSession, peer: str, held: Held, *, our_person: bool) -> int:
    """Empty what the inbox and outbox keep about a person in messages with ``peer``. With
    ``our_person`` (erased here), queued messages keep going without their data; a peer's
    erased person appears in no queued message of ours."""
    if not held.refs and not held.handles:
        return 0
    changed = 0
    received = await session.scalars(
        select(InboxEntry).where(InboxEntry.sender == peer, cast(InboxEntry.payload, Text) != "{}")
    )
    for entry in received:
        if mentions(entry.payload, held):
            entry.payload = {}
            changed += 1
    sent = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.peer == peer, cast(OutboxMessage.body, Text) != "{}"
        )
    )
    for row in sent:
        if not mentions(row.body, held):
            continue
        if row.status is OutboxStatus.DELIVERED:
            row.body = {}
        elif our_person:
            row.body = without_person(row.body)
        else:
            continue
        changed += 1
    await session.flush()
    return changed


async def erase_everywhere(
    session: AsyncSession, org_id: uuid.UUID, member_id: uuid.UUID, *, by: ActorRef, now: datetime
) -> tuple[Erased, dict[str, int]]:
    """Erase a member here, forget what our messages carried about them, and queue
    ``member.erase`` for every peer that holds data about them; returns the erasure and
    {peer: number of ids named}."""
    held = await held_by_peers(session, member_id)
    for peer, what in held.items():
        await forget_messages(session, peer, what, our_person=True)
    sent = _queue_erase(session, held)
    await withdraw_cards(session, member_id)
    await forget_registrations(session, org_id, member_id)
    await erase_bookings(session, outbox_sink(session), org_id, member_id)
    erased = await erase_person(session, org_id, member_id, by=by, now=now, skip=FEDERATION_TABLES)
    return erased, sent


# --- a peer erased one of its people ---------------------------------------------------------


def _their_counterparts(table: type[MentoringRequest] | type[Relationship]) -> Any:
    """Rows whose own party here is not an erased person. Between two orgs of this node both
    sides of a pair are rows here under the same (peer, ref): the erased person's own side,
    already anonymised by ``erase_everywhere``, holds the *other* person's name, which must
    not be forgotten (nor redacted everywhere). On a receiving node of a pair across nodes
    every row passes."""
    erased = select(Member.id).where(Member.family_name == ERASED_NAME, Member.email == "")
    return (
        or_(table.mentee_id.is_(None), table.mentee_id.not_in(erased)),
        or_(table.mentor_id.is_(None), table.mentor_id.not_in(erased)),
    )


async def _introduced(session: AsyncSession, peer: str, refs: Collection[str]) -> set[str]:
    """The names and emails we were told for the person behind ``refs``."""
    told: set[str] = set()
    for table in (MentoringRequest, Relationship):
        rows = await session.execute(
            select(table.counterpart_name, table.counterpart_email).where(
                table.remote_peer == peer, table.remote_ref.in_(refs), *_their_counterparts(table)
            )
        )
        for name, email in rows:
            told |= {name, email} - {"", ERASED_NAME}
    return told


async def forget_remote_person(session: AsyncSession, message: wire.MemberErase) -> None:
    """Forget a person of the sending node: their cards, what we were told about them in
    requests and relationships (the introduction, the request summary, their message), every
    copy of their name and email here, and the messages that carried them."""
    peer, refs = message.iss, list(message.request_ids)
    held = Held(set(message.handles), set(refs))
    if message.handles:
        await RemoteCards(session).revoke(peer, message.handles)
    told = await _introduced(session, peer, refs) if refs else set()
    if refs:
        about = (
            MentoringRequest.remote_peer == peer,
            MentoringRequest.remote_ref.in_(refs),
            *_their_counterparts(MentoringRequest),
        )
        theirs = (
            Relationship.remote_peer == peer,
            Relationship.remote_ref.in_(refs),
            *_their_counterparts(Relationship),
        )
        await session.execute(
            update(MentoringRequest)
            .where(*about)
            .values(counterpart_name=ERASED_NAME, counterpart_email="")
        )
        # Their mentee asked us: the summary and message were theirs. Our mentee asked them:
        # the card handle was their pseudonym.
        await session.execute(
            update(MentoringRequest)
            .where(*about, MentoringRequest.direction == Direction.INCOMING)
            .values(remote_summary={}, message="")
        )
        await session.execute(
            update(MentoringRequest)
            .where(*about, MentoringRequest.direction == Direction.OUTGOING)
            .values(remote_handle=None)
        )
        await session.execute(
            update(Relationship)
            .where(*theirs)
            .values(counterpart_name=ERASED_NAME, counterpart_email="")
        )
        # Their shared learning-log entries, on our mentor's side, were their own words.
        ours = select(Relationship.id).where(*theirs, Relationship.mentor_id.is_not(None))
        await session.execute(
            delete(LogEntry).where(LogEntry.author_id.is_(None), LogEntry.relationship_id.in_(ours))
        )
    if message.handles:
        await session.execute(
            update(MentoringRequest)
            .where(
                MentoringRequest.remote_peer == peer,
                MentoringRequest.remote_handle.in_(message.handles),
            )
            .values(remote_handle=None)
        )
    await forget_messages(session, peer, held, our_person=False)
    await redact_everywhere(session, told, skip=FEDERATION_TABLES | {"members"})
