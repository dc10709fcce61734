"""Pseudonymous handles: stable per consumer, unlinkable across consumers, resolvable at home."""

from __future__ import annotations

import re

import pytest

from federation.handles import card_handle, handle_index, new_handle_secret, resolve_handle

from .builders import NODE_A, NODE_C

SECRET = bytes(range(32))
MENTORS = [f"mentor-{n}" for n in range(50)]


def test_a_handle_is_stable_for_one_consumer() -> None:
    assert card_handle(SECRET, NODE_A, "mentor-1") == card_handle(SECRET, NODE_A, "mentor-1")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", card_handle(SECRET, NODE_A, "mentor-1"))


def test_two_consumers_see_unrelated_handles_for_the_same_mentor() -> None:
    to_a = {card_handle(SECRET, NODE_A, m) for m in MENTORS}
    to_c = {card_handle(SECRET, NODE_C, m) for m in MENTORS}
    assert to_a.isdisjoint(to_c)


def test_handles_depend_on_the_node_secret() -> None:
    assert card_handle(SECRET, NODE_A, "m") != card_handle(new_handle_secret(), NODE_A, "m")


def test_consumer_and_mentor_cannot_be_shifted_into_each_other() -> None:
    assert card_handle(SECRET, "https://a.example", "bc") != card_handle(
        SECRET, "https://a.example/b", "c"
    )


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        card_handle(b"short", NODE_A, "m")


def test_the_producer_resolves_a_handle_only_for_the_consumer_it_was_issued_to() -> None:
    handle = card_handle(SECRET, NODE_A, "mentor-7")
    assert resolve_handle(SECRET, NODE_A, handle, MENTORS) == "mentor-7"
    assert resolve_handle(SECRET, NODE_C, handle, MENTORS) is None
    assert handle_index(SECRET, NODE_A, MENTORS)[handle] == "mentor-7"
