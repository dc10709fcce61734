"""The approval state machine as a table: what may follow what."""

from __future__ import annotations

import pytest

from orgs.schemes.applications import ACCEPTED, OPEN, TRANSITIONS, AppState

S = AppState


@pytest.mark.parametrize("state", [s for s in S if s is not S.WITHDRAWN])
def test_withdraw_is_possible_from_every_state_but_withdrawn(state: AppState) -> None:
    assert S.WITHDRAWN in TRANSITIONS[state]


def test_withdrawn_is_final() -> None:
    assert TRANSITIONS[S.WITHDRAWN] == frozenset()


def test_only_the_line_manager_step_leads_to_approved_or_declined() -> None:
    assert {s for s, nexts in TRANSITIONS.items() if S.APPROVED in nexts} == {
        S.AWAITING_LINE_MANAGER
    }
    assert {s for s, nexts in TRANSITIONS.items() if S.DECLINED in nexts} == {
        S.AWAITING_LINE_MANAGER
    }


def test_an_exception_follows_only_a_decline_or_ineligibility() -> None:
    assert {s for s, nexts in TRANSITIONS.items() if S.EXCEPTION_REQUESTED in nexts} == {
        S.DECLINED,
        S.INELIGIBLE,
    }
    assert TRANSITIONS[S.EXCEPTION_REQUESTED] == {
        S.EXCEPTION_GRANTED,
        S.EXCEPTION_REFUSED,
        S.WITHDRAWN,
    }


def test_every_state_is_reachable_from_submitted() -> None:
    seen, frontier = {S.SUBMITTED}, [S.SUBMITTED]
    while frontier:
        for following in TRANSITIONS[frontier.pop()]:
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    assert seen == set(S)


def test_cleared_applications_are_open_ones() -> None:
    assert ACCEPTED <= OPEN
    assert S.DECLINED not in OPEN
    assert S.WITHDRAWN not in OPEN
