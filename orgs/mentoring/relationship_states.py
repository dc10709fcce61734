"""The one state machine of mentoring, local and cross-organisation alike (pure: no I/O).

Requests::

    queued ──send──► open ──accept──► accepted
      │               ├──decline──► declined
      │               ├──expire───► expired
      ├──withdraw─────┼──withdraw─► withdrawn
      └──supersede────┴─supersede─► superseded   (another request of the batch was accepted,
                                                  or the batch was withdrawn)

Relationships (created by an accepted request)::

    agreeing ──confirm (both)──► active ──close / auto_close / change_mentor──► ended
        │                          │
        └──no_fit / change_mentor ─┴──no_fit (after the first meeting)──► ended
    remote_end: from agreeing or active, when the other node ends it.
    party_left: from agreeing or active, when the mentee or the mentor is no longer a member.

Every function here takes a state and an event and returns the next state or raises
:class:`orgs.errors.IllegalTransition` (mapped to 409).
"""

from __future__ import annotations

from enum import StrEnum

from orgs.errors import IllegalTransition


class RequestState(StrEnum):
    QUEUED = "queued"  # ranked behind another request of its batch; not sent yet
    OPEN = "open"  # sent to the mentor, awaiting an answer
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


class RequestEvent(StrEnum):
    SEND = "send"
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    WITHDRAW = "withdraw"
    SUPERSEDE = "supersede"


class RelationshipState(StrEnum):
    AGREEING = "agreeing"  # accepted; the first-meeting agreement is not confirmed by both yet
    ACTIVE = "active"
    ENDED = "ended"


class RelationshipEvent(StrEnum):
    CONFIRM_AGREEMENT = "confirm_agreement"
    NO_FIT = "no_fit"  # either side, after the first meeting, without blame
    CLOSE = "close"  # either side, the work is done
    CHANGE_MENTOR = "change_mentor"  # either side, with a reason only the coordinator sees
    AUTO_CLOSE = "auto_close"  # the planned end date has passed
    REMOTE_END = "remote_end"  # the other node ended it
    PARTY_LEFT = "party_left"  # the mentee or mentor left the organisation (or was erased)


class EndKind(StrEnum):
    """Why a relationship ended; ``completed`` and ``auto_closed`` count as completed for HR."""

    COMPLETED = "completed"
    NO_FIT = "no_fit"
    CHANGE_OF_MENTOR = "change_of_mentor"
    AUTO_CLOSED = "auto_closed"
    ENDED_REMOTELY = "ended_remotely"
    PARTY_LEFT = "party_left"


RQ, RE_ = RequestState, RequestEvent
REQUEST_TRANSITIONS: dict[tuple[RequestState, RequestEvent], RequestState] = {
    (RQ.QUEUED, RE_.SEND): RQ.OPEN,
    (RQ.QUEUED, RE_.WITHDRAW): RQ.WITHDRAWN,
    (RQ.QUEUED, RE_.SUPERSEDE): RQ.SUPERSEDED,
    (RQ.OPEN, RE_.ACCEPT): RQ.ACCEPTED,
    (RQ.OPEN, RE_.DECLINE): RQ.DECLINED,
    (RQ.OPEN, RE_.EXPIRE): RQ.EXPIRED,
    (RQ.OPEN, RE_.WITHDRAW): RQ.WITHDRAWN,
    (RQ.OPEN, RE_.SUPERSEDE): RQ.SUPERSEDED,
}
REQUEST_FINAL = frozenset({RQ.ACCEPTED, RQ.DECLINED, RQ.EXPIRED, RQ.WITHDRAWN, RQ.SUPERSEDED})
#: A request that failed this way lets the next one of a cascading batch go.
CASCADES = frozenset({RQ.DECLINED, RQ.EXPIRED})

RS, REv = RelationshipState, RelationshipEvent
RELATIONSHIP_TRANSITIONS: dict[tuple[RelationshipState, RelationshipEvent], RelationshipState] = {
    (RS.AGREEING, REv.CONFIRM_AGREEMENT): RS.ACTIVE,
    (RS.AGREEING, REv.NO_FIT): RS.ENDED,
    (RS.AGREEING, REv.CHANGE_MENTOR): RS.ENDED,
    (RS.AGREEING, REv.REMOTE_END): RS.ENDED,
    (RS.AGREEING, REv.PARTY_LEFT): RS.ENDED,
    (RS.ACTIVE, REv.NO_FIT): RS.ENDED,
    (RS.ACTIVE, REv.CLOSE): RS.ENDED,
    (RS.ACTIVE, REv.CHANGE_MENTOR): RS.ENDED,
    (RS.ACTIVE, REv.AUTO_CLOSE): RS.ENDED,
    (RS.ACTIVE, REv.REMOTE_END): RS.ENDED,
    (RS.ACTIVE, REv.PARTY_LEFT): RS.ENDED,
}
END_KIND: dict[RelationshipEvent, EndKind] = {
    REv.NO_FIT: EndKind.NO_FIT,
    REv.CLOSE: EndKind.COMPLETED,
    REv.CHANGE_MENTOR: EndKind.CHANGE_OF_MENTOR,
    REv.AUTO_CLOSE: EndKind.AUTO_CLOSED,
    REv.REMOTE_END: EndKind.ENDED_REMOTELY,
    REv.PARTY_LEFT: EndKind.PARTY_LEFT,
}
#: Counted as completed in the HR export and in outcome reports.
COMPLETED_KINDS = frozenset({EndKind.COMPLETED, EndKind.AUTO_CLOSED})
#: No-fit is allowed only up to this many held meetings ("after the first meeting").
NO_FIT_MAX_HELD_MEETINGS = 1


def _words(value: str) -> str:
    return value.replace("_", " ")


def next_request_state(state: RequestState, event: RequestEvent) -> RequestState:
    try:
        return REQUEST_TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(
            f"A request that is {_words(state)} does not allow {_words(event)}."
        ) from None


def next_relationship_state(
    state: RelationshipState, event: RelationshipEvent
) -> RelationshipState:
    try:
        return RELATIONSHIP_TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(
            f"A relationship that is {_words(state)} does not allow {_words(event)}."
        ) from None


def end_kind(event: RelationshipEvent) -> EndKind:
    return END_KIND[event]
