"""The mentoring state machine, pure: every (state, event) pair is either the one legal
transition the table names or an IllegalTransition (409)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime

import pytest

from orgs.errors import IllegalTransition, InvalidInput
from orgs.mentoring.concerns import CONCERN_TRANSITIONS, ConcernState
from orgs.mentoring.evaluations import aggregate, check_answers
from orgs.mentoring.meetings import Meeting, MeetingMode, MeetingState, ics, time_release_of
from orgs.mentoring.relationship_states import (
    END_KIND,
    EndKind,
    RelationshipEvent,
    RelationshipState,
    RequestEvent,
    RequestState,
    end_kind,
    next_relationship_state,
    next_request_state,
)
from orgs.mentoring.relationships import Relationship, planned_end
from orgs.mentoring.shadowing import SHADOWING_TRANSITIONS, ShadowingState
from orgs.schemes.schemes import Scheme

RQ, RE = RequestState, RequestEvent
LEGAL_REQUEST = {
    (RQ.QUEUED, RE.SEND): RQ.OPEN,
    (RQ.QUEUED, RE.WITHDRAW): RQ.WITHDRAWN,
    (RQ.QUEUED, RE.SUPERSEDE): RQ.SUPERSEDED,
    (RQ.OPEN, RE.ACCEPT): RQ.ACCEPTED,
    (RQ.OPEN, RE.DECLINE): RQ.DECLINED,
    (RQ.OPEN, RE.EXPIRE): RQ.EXPIRED,
    (RQ.OPEN, RE.WITHDRAW): RQ.WITHDRAWN,
    (RQ.OPEN, RE.SUPERSEDE): RQ.SUPERSEDED,
}
RS, REV = RelationshipState, RelationshipEvent
LEGAL_RELATIONSHIP = {
    (RS.AGREEING, REV.CONFIRM_AGREEMENT): RS.ACTIVE,
    (RS.AGREEING, REV.NO_FIT): RS.ENDED,
    (RS.AGREEING, REV.CHANGE_MENTOR): RS.ENDED,
    (RS.AGREEING, REV.REMOTE_END): RS.ENDED,
    (RS.ACTIVE, REV.NO_FIT): RS.ENDED,
    (RS.ACTIVE, REV.CLOSE): RS.ENDED,
    (RS.ACTIVE, REV.CHANGE_MENTOR): RS.ENDED,
    (RS.ACTIVE, REV.AUTO_CLOSE): RS.ENDED,
    (RS.ACTIVE, REV.REMOTE_END): RS.ENDED,
    (RS.AGREEING, REV.PARTY_LEFT): RS.ENDED,
    (RS.ACTIVE, REV.PARTY_LEFT): RS.ENDED,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(RQ, RE)))
def test_every_request_transition(state: RequestState, event: RequestEvent) -> None:
    if (state, event) in LEGAL_REQUEST:
        assert next_request_state(state, event) is LEGAL_REQUEST[(state, event)]
    else:
        with pytest.raises(IllegalTransition) as raised:
            next_request_state(state, event)
        assert state.value.replace("_", " ") in raised.value.detail


@pytest.mark.parametrize(("state", "event"), list(itertools.product(RS, REV)))
def test_every_relationship_transition(state: RelationshipState, event: RelationshipEvent) -> None:
    if (state, event) in LEGAL_RELATIONSHIP:
        assert next_relationship_state(state, event) is LEGAL_RELATIONSHIP[(state, event)]
    else:
        with pytest.raises(IllegalTransition):
            next_relationship_state(state, event)


def test_an_ended_relationship_and_a_final_request_allow_nothing() -> None:
    for rel_event in REV:
        with pytest.raises(IllegalTransition):
            next_relationship_state(RS.ENDED, rel_event)
    for state in (RQ.ACCEPTED, RQ.DECLINED, RQ.EXPIRED, RQ.WITHDRAWN, RQ.SUPERSEDED):
        for event in RE:
            with pytest.raises(IllegalTransition):
                next_request_state(state, event)


def test_every_ending_event_says_how_it_ended() -> None:
    assert set(END_KIND) == set(REV) - {REV.CONFIRM_AGREEMENT}
    assert end_kind(REV.CLOSE) is EndKind.COMPLETED
    assert end_kind(REV.CHANGE_MENTOR) is EndKind.CHANGE_OF_MENTOR


@pytest.mark.parametrize(
    ("table", "states"),
    [(SHADOWING_TRANSITIONS, ShadowingState), (CONCERN_TRANSITIONS, ConcernState)],
)
def test_side_machines_cover_every_state_and_end_in_final_states(table, states) -> None:  # type: ignore[no-untyped-def]
    assert set(table) == set(states)
    finals = [s for s, nexts in table.items() if not nexts]
    assert finals
    assert all(n in table for nexts in table.values() for n in nexts)


def _rel(hours: int = 12, extra: int = 0) -> Relationship:
    return Relationship(
        id=uuid.uuid4(),
        time_release_hours=hours,
        extra_minutes_allowed=extra,
        recommended_sessions=6,
        planned_end_on=date(2026, 12, 1),
    )


def _meeting(minutes: int, state: MeetingState = MeetingState.HELD, prep: int = 0) -> Meeting:
    return Meeting(
        id=uuid.uuid4(),
        state=state,
        starts_at=datetime(2026, 5, 1, 10, tzinfo=UTC),
        duration_minutes=minutes,
        mode=MeetingMode.IN_PERSON,
        location="Civic Centre; room 3, floor 2",
        preparation_minutes=prep,
        sequence=0,
        created_at=datetime(2026, 4, 1, tzinfo=UTC),
    )


def test_time_release_counts_held_meetings_only_and_never_preparation() -> None:
    release = time_release_of(
        _rel(),
        [
            _meeting(120, prep=600),
            _meeting(60, MeetingState.SCHEDULED),
            _meeting(30, MeetingState.CANCELLED),
        ],
    )
    assert (release.used_minutes, release.sessions_held, release.budget_minutes) == (120, 1, 720)
    assert not release.warning
    assert release.recommended_sessions == 6


def test_warning_at_eighty_percent() -> None:
    assert not time_release_of(_rel(), [_meeting(575)]).warning
    at_80 = time_release_of(_rel(), [_meeting(576)])
    assert at_80.warning
    assert at_80.percent == 80
    assert "80%" in at_80.message
    assert time_release_of(_rel(extra=120), [_meeting(720)]).percent == 86


def test_planned_end_is_the_schemes_length_kept_within_six_to_nine_months() -> None:
    start = date(2026, 1, 31)
    assert planned_end(None, start) == date(2026, 10, 31)
    assert planned_end(Scheme(max_months=3, ends_on=None), start) == date(2026, 7, 31)
    assert planned_end(Scheme(max_months=24, ends_on=None), start) == date(2026, 10, 31)
    assert planned_end(Scheme(max_months=9, ends_on=date(2026, 6, 30)), start) == date(2026, 6, 30)


def test_groups_under_five_are_suppressed_entirely() -> None:
    questions = [
        {"key": "useful", "text": "How useful?", "kind": "scale"},
        {"key": "again", "text": "Again?", "kind": "yes_no"},
        {"key": "comments", "text": "Comments", "kind": "text"},
    ]
    answers = [{"useful": n, "again": n > 2, "comments": f"said {n}"} for n in (1, 2, 3, 4)]
    assert aggregate(questions, answers) == (True, ())
    suppressed, results = aggregate(
        questions, [*answers, {"useful": 5, "again": True, "comments": "x"}]
    )
    assert not suppressed
    useful, again, comments = results
    assert useful.mean == 3.0
    assert useful.distribution == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1}
    assert again.yes == 3
    assert comments.answered == 5
    assert comments.mean is None
    assert comments.yes is None
    assert comments.distribution is None


def test_answers_are_checked_against_the_questions() -> None:
    questions = [
        {"key": "useful", "text": "?", "kind": "scale"},
        {"key": "again", "text": "?", "kind": "yes_no"},
    ]
    check_answers(questions, {"useful": 4, "again": False})
    with pytest.raises(InvalidInput) as raised:
        check_answers(questions, {"useful": 6, "again": "yes", "extra": 1})
    fields = {e.field for e in raised.value.errors}
    assert fields == {"answers.useful", "answers.again", "answers.extra"}
    with pytest.raises(InvalidInput):
        check_answers(questions, {"useful": True, "again": True})  # a bool is not a 1–5 score


def test_calendar_invitation_is_valid_icalendar() -> None:
    meeting = _meeting(90, MeetingState.SCHEDULED)
    made = datetime(2026, 4, 2, 8, 30, tzinfo=UTC)
    text = ics(meeting, "Mentoring meeting", "mentor@brent.example", ["mentee@brent.example"], made)
    lines = text.replace("\r\n ", "").split("\r\n")  # unfolded (RFC 5545 §3.1)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert {"METHOD:REQUEST", "SEQUENCE:0", "STATUS:CONFIRMED"} <= set(lines)
    assert "DTSTAMP:20260402T083000Z" in lines  # when this object was made (it has a METHOD)
    assert text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20260501T100000Z" in lines
    assert "DTEND:20260501T113000Z" in lines
    assert f"UID:{meeting.id}@mentornet" in lines
    assert "LOCATION:Civic Centre\\; room 3\\, floor 2" in lines
    assert (
        "ATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT:mailto:mentee@brent.example" in lines
    )
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded as sent


def test_a_cancelled_meetings_calendar_file_is_a_cancellation_of_the_same_event() -> None:
    meeting = _meeting(90, MeetingState.SCHEDULED)
    made = datetime(2026, 4, 2, tzinfo=UTC)
    invitation = ics(meeting, "Mentoring meeting", "mentor@brent.example", [], made).split("\r\n")
    meeting.state, meeting.sequence = MeetingState.CANCELLED, 1  # as cancelling does
    cancelled = ics(meeting, "Mentoring meeting", "mentor@brent.example", [], made).split("\r\n")
    assert {"METHOD:CANCEL", "SEQUENCE:1", "STATUS:CANCELLED"} <= set(cancelled)
    assert "METHOD:REQUEST" not in cancelled
    uid = f"UID:{meeting.id}@mentornet"
    assert uid in invitation
    assert uid in cancelled
