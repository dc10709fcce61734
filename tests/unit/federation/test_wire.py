"""Wire messages: one of each round-trips; versions, types and fields outside v1 are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from federation import errors, wire
from federation.signing import sign

from .builders import (
    HANDLE,
    NODE_A,
    NODE_B,
    NOW,
    SEED_A,
    event_messages,
    key,
    network_change,
    network_figures,
    request_create,
    withdraw,
)

ENVELOPE: dict[str, Any] = {
    "iss": NODE_A,
    "aud": NODE_B,
    "iat": NOW,
    "exp": NOW + 60,
    "jti": "jti-0000000000000009",
    "mid": "mid-0000000000000009",
}
PERSON = wire.Introduction(name="Sam Mentor", work_email="sam.mentor@nch.example")

ONE_OF_EACH: list[wire.Message] = [
    request_create(),
    wire.RequestAccept(**ENVELOPE, request_id="req-0000000000000001", mentor=PERSON),
    wire.RequestIntroduce(**ENVELOPE, request_id="req-0000000000000001", mentee=PERSON),
    wire.RequestDecline(**ENVELOPE, request_id="req-0000000000000001", reason="no-capacity"),
    withdraw(),
    wire.RelationshipEnd(**ENVELOPE, request_id="req-0000000000000001", reason="completed"),
    wire.RelationshipRecord(
        **ENVELOPE,
        request_id="req-0000000000000001",
        org="brent",
        version=3,
        state="agreeing",
        agreement=wire.SharedAgreement(terms=wire.AgreementTerms(), principles=("Respectful",)),
    ),
    wire.RelationshipChange(
        **ENVELOPE,
        request_id="req-0000000000000001",
        org="nch",
        change_id="change-000000000001",
        base_version=3,
        op=wire.CancelMeeting(ref="a" * 32),
    ),
    wire.CardRevoke(**ENVELOPE, handles=(HANDLE,)),
    wire.MemberErase(**ENVELOPE, handles=(HANDLE,), request_ids=("req-0000000000000001",)),
    network_change(),
    *event_messages(ENVELOPE),
    network_figures(),
]


def test_every_message_type_is_in_the_union_once() -> None:
    assert sorted(type(m).__name__ for m in ONE_OF_EACH) == sorted(
        t.__name__ for t in wire.MESSAGE_TYPES
    )


@pytest.mark.parametrize("message", ONE_OF_EACH, ids=lambda m: type(m).__name__)
def test_each_message_round_trips_with_its_type_first(message: wire.Message) -> None:
    data = wire.encode(message)
    assert data.startswith(b'{"type":"' + type(message).__struct_config__.tag.encode() + b'"')  # type: ignore[union-attr]
    assert wire.decode_message(data) == message


DECODERS: list[Callable[[bytes], object]] = [
    wire.decode_message,
    wire.decode_feed_page,
    wire.decode_node_document,
    wire.decode_request_token,
]


@pytest.mark.parametrize("decode", DECODERS)
def test_every_decoder_refuses_another_version_by_name(decode: Callable[[bytes], object]) -> None:
    with pytest.raises(errors.UnsupportedVersion, match="version 2 is not supported"):
        decode(b'{"type":"request.withdraw","v":2}')


@pytest.mark.parametrize(
    "data", [b'{"type":"request.withdraw"}', b'{"v":"1"}', b"[1]", b"not json", b'{"v":1}']
)
def test_a_payload_without_a_valid_version_and_shape_is_malformed(data: bytes) -> None:
    with pytest.raises(errors.MalformedMessage):
        wire.decode_message(data)


def test_an_inbox_does_not_take_other_kinds_of_payload() -> None:
    token_payload = wire.encode(
        wire.RequestToken(
            iss=NODE_A,
            aud=NODE_B,
            iat=NOW,
            exp=NOW + 60,
            jti="jti-0000000000000003",
            method="GET",
            path="/federation/v1/cards",
            query_sha256="q" * 43,
        )
    )
    with pytest.raises(errors.MalformedMessage):
        wire.decode_message(token_payload)


@pytest.mark.parametrize(
    "bad",
    [
        msgspec.structs.replace(request_create(), card="Sam Mentor, housing, Leeds"),
        msgspec.structs.replace(request_create(), mentee_band=10),
        msgspec.structs.replace(
            request_create(), topics=(wire.TopicWant(topic="confidence", importance=6),)
        ),
        msgspec.structs.replace(request_create(), meeting_modes=()),
        msgspec.structs.replace(request_create(), languages=("English please",)),
        msgspec.structs.replace(request_create(), iss="https://node-a.example/"),
    ],
)
def test_a_message_outside_the_schema_is_refused_before_it_is_signed(
    bad: wire.RequestCreate,
) -> None:
    with pytest.raises(errors.MalformedMessage):
        sign(bad, key(SEED_A))


def test_a_card_level_is_1_to_3_like_the_matching_engine() -> None:
    card = b'{"topic":"confidence","level":4}'
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(card, type=wire.TopicOffer)


def test_a_change_with_an_op_outside_the_protocol_is_malformed() -> None:
    change = msgspec.to_builtins(ONE_OF_EACH[-3])
    change["op"] = {"op": "note.add", "text": "a private note"}
    with pytest.raises(errors.MalformedMessage):
        wire.decode_message(msgspec.json.encode(change))
