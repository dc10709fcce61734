"""Fixed keys, nodes and messages for the federation unit tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from federation import wire
from federation.key_ring import NodeKey, key_from_seed
from federation.signing import sign
from federation.trust import PinnedKey, PinnedPeer, TrustStore

NOW = 1_800_000_000
NODE_A = "https://node-a.example"  # the sender in most tests
NODE_B = "https://node-b.example"  # this node, the receiver
NODE_C = "https://node-c.example"  # another pinned peer

SEED_A = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
SEED_A2 = bytes(range(32))
SEED_B = bytes(range(32, 64))
SEED_C = bytes(range(64, 96))
SEED_STRANGER = bytes(range(96, 128))


def key(seed: bytes, not_after: int | None = None) -> NodeKey:
    return NodeKey(key_from_seed(seed, NOW - 86_400).private, NOW - 86_400, not_after)


def pinned(node_id: str, *keys: NodeKey) -> PinnedPeer:
    return PinnedPeer(node_id, tuple(PinnedKey(node_id, k.public) for k in keys), NOW - 3600)


def trust_store() -> TrustStore:
    """B's view: it pins A's key and C's key."""
    return TrustStore([pinned(NODE_A, key(SEED_A)), pinned(NODE_C, key(SEED_C))])


def withdraw(**changes: Any) -> wire.RequestWithdraw:
    message = wire.RequestWithdraw(
        iss=NODE_A,
        aud=NODE_B,
        iat=NOW,
        exp=NOW + 120,
        jti="jti-0000000000000001",
        mid="mid-0000000000000001",
        request_id="req-0000000000000001",
    )
    return msgspec.structs.replace(message, **changes)


def signed_withdraw(signer: NodeKey | None = None, **changes: Any) -> str:
    return sign(withdraw(**changes), signer or key(SEED_A))


HANDLE = "h" * 43


def request_create() -> wire.RequestCreate:
    return wire.RequestCreate(
        iss=NODE_A,
        aud=NODE_B,
        iat=NOW,
        exp=NOW + 300,
        jti="jti-request-create-1",
        mid="mid-request-create-1",
        request_id="req-0000000000000001",
        card=HANDLE,
        mentee_org="brent",
        mentee_band=4,
        topics=(wire.TopicWant(topic="leadership-management", importance=5),),
        meeting_modes=("remote",),
        languages=("en",),
        answer_by=NOW + 10 * 86_400,
    )


def network_record(node_a: str = NODE_A, node_b: str = NODE_B) -> wire.NetworkRecord:
    """Version 2 of a network founded by brent (node A): nch (node B) invited."""
    terms = wire.NetworkTerms(
        name="MyMentor London and East Midlands",
        purpose="Mentoring across our organisations",
        agreement="We share mentors, respect each other's rules and review this each year.",
        review_on=date(2027, 9, 1),
    )
    return wire.NetworkRecord(
        network_id="network-000000000001",
        version=2,
        prev="A" * 43,
        terms=terms,
        agreement_version=1,
        founder=f"brent@{node_a}",
        members=(
            wire.NetworkMember(
                org="brent",
                node=node_a,
                display_name="London Borough of Brent",
                standing="member",
                accepted_version=1,
                contact=wire.NetworkContact(name="Anna Kowalski", work_email="anna@brent.example"),
            ),
            wire.NetworkMember(
                org="nch",
                node=node_b,
                display_name="Nottingham City Homes",
                standing="invited",
                invited_by=f"brent@{node_a}",
            ),
        ),
    )


def network_change() -> wire.NetworkChange:
    return wire.NetworkChange(
        iss=NODE_A,
        aud=NODE_B,
        iat=NOW,
        exp=NOW + 300,
        jti="jti-network-change-1",
        mid="mid-network-change-1",
        network_id="network-000000000001",
        author_org="brent",
        change=wire.NetworkInvite(org="nch", node=NODE_B, display_name="Nottingham City Homes"),
        record=network_record(),
    )


def shared_event(**changes: Any) -> wire.SharedEvent:
    fields: dict[str, Any] = {
        "event_id": "event-00000000000001",
        "network_id": "network-000000000001",
        "organiser_org": "brent",
        "version": 1,
        "kind": "workshop",
        "title": "Mentor skills: a half-day workshop",
        "details": "Listening, questioning and setting goals.",
        "starts_at": NOW + 7 * 86_400,
        "ends_at": NOW + 7 * 86_400 + 4 * 3600,
        "place": "Brent Civic Centre, Wembley",
        "link": None,
        "capacity": 20,
        "audience": "mentors",
    }
    return wire.SharedEvent(**{**fields, **changes})


def event_messages(envelope: dict[str, Any]) -> list[wire.Message]:
    """One of each shared-event message (``envelope``: iss, aud, iat, exp, jti, mid)."""
    ids: dict[str, Any] = {
        "event_id": "event-00000000000001",
        "registration_id": "registration-00000001",
    }
    return [
        wire.EventPublish(**envelope, event=shared_event()),
        wire.EventRegister(
            **envelope,
            **ids,
            attendee=wire.EventAttendee(
                name="Sam Mentor", org="nch", work_email="sam.mentor@nch.example", role="mentor"
            ),
        ),
        wire.EventUnregister(**envelope, **ids),
        wire.EventPlace(**envelope, **ids, state="waiting", waiting_position=2),
    ]


def network_figures() -> wire.NetworkFigures:
    return wire.NetworkFigures(
        iss=NODE_B,
        aud=NODE_A,
        iat=NOW,
        exp=NOW + 300,
        jti="jti-network-figures-1",
        mid="mid-network-figures-1",
        network_id="network-000000000001",
        org="nch",
        as_of=NOW - 60,
        figures=wire.NetworkFigureValues(mentors=12, mentees=None, matches_total=0),
    )
