"""One organisation's figures for a network, counted from its own data on its own node, and
suppressed here before they are sent (``suppress_own``): a count of 1-4 never leaves the node,
and neither does a count that could be worked out from the others it sends.

What each figure counts (all time, as of the moment they are counted):

- ``mentors``, ``mentees``: people approved to take part (an accepted application in a scheme
  that has not ended), the same rule as suggestions and cards;
- ``requests_made``: requests the org's mentees sent (to anyone); ``requests_received``:
  requests its mentors received from the network's other member nodes;
- ``matches_inside``: relationships whose two people are both of the org; ``matches_given``:
  the org's mentors paired with mentees of another member; ``matches_received``: its mentees
  paired with mentors of another member (the fair exchange); ``matches_total``: the three
  added up. "Of another member" is by node, the rule leaving a network uses: the relationship's
  other node hosts a member of the network;
- ``relationships_active`` (not ended) and ``relationships_completed`` (ended as completed,
  or closed at their planned end), over every relationship of the org;
- ``meetings_held``, ``hours_released``: meetings recorded as held in the org's relationships and
  their length in whole hours (time the org released its staff for);
- ``outcome_*``: outcomes recorded after mentoring (promotion, new role, became a mentor).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.mentoring.evaluations import OutcomeKind, Outcomes
from orgs.mentoring.meetings import Meeting, Meetings, MeetingState
from orgs.mentoring.relationship_states import EndKind, RelationshipState
from orgs.mentoring.relationships import Relationship, Relationships
from orgs.networks.record import NetworkRecord, Standing
from orgs.pairing.candidates import approved_members
from orgs.pairing.requests import Direction, MentoringRequest, MentoringRequests
from orgs.records.suppression import Cell, Relation, suppress
from orgs.schemes.eligibility import SchemeRole


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    #: A count of people or of what few people did: suppressed below 5. Hours are shown only
    #: when the meetings they come from are.
    people: bool = True


FIGURES: Final[tuple[Figure, ...]] = (
    Figure("mentors", "Mentors taking part"),
    Figure("mentees", "Mentees taking part"),
    Figure("requests_made", "Requests made by mentees"),
    Figure("requests_received", "Requests received from other members"),
    Figure("matches_inside", "Matches inside the organisation"),
    Figure("matches_given", "Matches given (our mentors, other members' mentees)"),
    Figure("matches_received", "Matches received (our mentees, other members' mentors)"),
    Figure("matches_total", "Matches made in all"),
    Figure("relationships_active", "Relationships active"),
    Figure("relationships_completed", "Relationships completed"),
    Figure("meetings_held", "Meetings held"),
    Figure("hours_released", "Time released (hours)", people=False),
    Figure("outcome_promotion", "Outcome: promotion"),
    Figure("outcome_new_role", "Outcome: new role"),
    Figure("outcome_became_mentor", "Outcome: became a mentor"),
)
KEYS: Final = tuple(f.key for f in FIGURES)
LABELS: Final = {f.key: f.label for f in FIGURES}
#: The sums an org's row satisfies, which an attacker can use to subtract.
MATCH_PARTS: Final = ("matches_inside", "matches_given", "matches_received")
COMPLETED: Final = (EndKind.COMPLETED, EndKind.AUTO_CLOSED)

Figures = dict[str, int | None]


def row_relations(row: str) -> list[Relation]:
    """The relations of one org's row: the matches add up to their total."""
    relation: dict[Cell, int] = {(row, k): 1 for k in MATCH_PARTS}
    relation[(row, "matches_total")] = -1
    return [relation]


def suppress_own(values: Mapping[str, int]) -> Figures:
    """What the org sends: small counts hidden, and enough others that none can be recovered."""
    row = "own"
    cells = {(row, k): values[k] for k in KEYS if k != "hours_released"}
    hidden = suppress(cells, row_relations(row)).hidden
    shown: Figures = {k: None if (row, k) in hidden else v for (_, k), v in cells.items()}
    shown["hours_released"] = (
        values["hours_released"] if shown["meetings_held"] is not None else None
    )
    return {k: shown[k] for k in KEYS}


def _member_nodes(record: NetworkRecord, me: str, slug: str) -> set[str]:
    return {
        m.node
        for m in record.members
        if m.standing is Standing.MEMBER and not (m.node == me and m.org == slug)
    }


async def count_figures(
    session: AsyncSession, org_id: uuid.UUID, slug: str, record: NetworkRecord, me: str
) -> dict[str, int]:
    """The org's exact figures (never sent as they are: see ``suppress_own``)."""
    day = utcnow().date()
    nodes = _member_nodes(record, me, slug) - {me}
    rels = await Relationships(session, org_id).list()
    values = {
        "mentors": len(await approved_members(session, org_id, SchemeRole.MENTOR, None, today=day)),
        "mentees": len(await approved_members(session, org_id, SchemeRole.MENTEE, None, today=day)),
        **await _requests(session, org_id, nodes),
        **_matches(rels, nodes),
        **await _meetings(session, org_id),
        **await _outcomes(session, org_id),
    }
    return {k: values[k] for k in KEYS}


async def _requests(session: AsyncSession, org_id: uuid.UUID, nodes: set[str]) -> dict[str, int]:
    rows = await MentoringRequests(session, org_id).list(MentoringRequest.sent_at.is_not(None))
    asked = (Direction.LOCAL, Direction.OUTGOING)
    return {
        "requests_made": sum(1 for r in rows if r.direction in asked),
        "requests_received": sum(
            1 for r in rows if r.direction is Direction.INCOMING and r.remote_peer in nodes
        ),
    }


def _matches(rels: Sequence[Relationship], nodes: set[str]) -> dict[str, int]:
    inside = sum(1 for r in rels if not r.is_remote)
    across = [r for r in rels if r.remote_peer in nodes]
    # Our side of the pair says whose mentor it is (a party erased since counts for neither).
    given = sum(1 for r in across if r.is_replica)
    received = sum(1 for r in across if r.is_authority)
    return {
        "matches_inside": inside,
        "matches_given": given,
        "matches_received": received,
        "matches_total": inside + given + received,
        "relationships_active": sum(1 for r in rels if r.state is not RelationshipState.ENDED),
        "relationships_completed": sum(1 for r in rels if r.end_kind in COMPLETED),
    }


async def _meetings(session: AsyncSession, org_id: uuid.UUID) -> dict[str, int]:
    held = await Meetings(session, org_id).list(Meeting.state == MeetingState.HELD)
    return {
        "meetings_held": len(held),
        "hours_released": sum(m.duration_minutes for m in held) // 60,
    }


async def _outcomes(session: AsyncSession, org_id: uuid.UUID) -> dict[str, int]:
    kinds = [o.kind for o in await Outcomes(session, org_id).list()]
    return {
        "outcome_promotion": kinds.count(OutcomeKind.PROMOTION),
        "outcome_new_role": kinds.count(OutcomeKind.NEW_ROLE),
        "outcome_became_mentor": kinds.count(OutcomeKind.BECAME_MENTOR),
    }
