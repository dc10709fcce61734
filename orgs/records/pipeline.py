"""A scheme's pipeline by protected characteristic: how many people reached each stage, in each
equality category, with the rates between stages and against the workforce profile.

Seen only by the coordinator and HR director roles of the organisation
(``Action.READ_EQUALITY``), and every view is audited. Counts of 1–4 are hidden, and more cells
beside them, so that none can be recovered by subtraction (:mod:`orgs.records.suppression`); a
rate or share is shown only when both of its counts are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import AuditLog
from orgs.errors import InvalidInput
from orgs.mentoring.evaluations import OutcomeKind
from orgs.mentoring.later_outcomes import scheme_outcomes
from orgs.mentoring.relationship_states import COMPLETED_KINDS, RelationshipState
from orgs.mentoring.relationships import Relationship, Relationships
from orgs.people.actor import Actor
from orgs.people.equality import Characteristic, categories_of, monitored, reporting_categories
from orgs.people.permissions import Action, authorize
from orgs.people.workforce_profile import workforce
from orgs.records.suppression import Relation, suppress
from orgs.schemes.applications import (
    ACCEPTED,
    Application,
    ApplicationRepository,
    AppState,
    Placement,
)
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.interest import Interests, SchemeInterest
from orgs.schemes.schemes import Scheme, SchemeRepository

STAGES = (
    "registered_interest",
    "applied",
    "eligible",
    "approved",
    "shortlisted",
    "placed",
    "waiting",
    "matched",
    "completed",
)
OUTCOMES = tuple(f"outcome_{k.value}" for k in OutcomeKind)
WORKFORCE = "workforce"
TOTAL = "total"
#: The rates shown per category: (from, to), as a share of ``from``.
RATES = (
    ("registered_interest", "applied"),
    ("applied", "eligible"),
    ("eligible", "approved"),
    ("approved", "shortlisted"),
    ("shortlisted", "placed"),
    ("approved", "matched"),
    ("matched", "completed"),
)


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` inclusive (UTC dates); either open."""

    start: date | None = None
    end: date | None = None

    def holds(self, at: datetime | date) -> bool:
        day = at.date() if isinstance(at, datetime) else at
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def label(self) -> str:
        return f"{self.start or 'the start'} to {self.end or 'now'}"


@dataclass(frozen=True)
class RowFigures:
    category: str
    counts: dict[str, int | None]  # None: hidden
    rates: dict[str, float | None]  # "applied_to_eligible" -> percent
    share_of_applied: float | None
    share_of_workforce: float | None


@dataclass(frozen=True)
class Pipeline:
    scheme_id: uuid.UUID
    scheme_name: str
    characteristic: Characteristic
    role: SchemeRole
    period_from: date | None
    period_to: date | None
    columns: list[str]
    rows: list[RowFigures]  # the categories, then the total
    #: How many cells are hidden (never which were small: that would say which are 1–4).
    hidden: int


async def stage_members(
    session: AsyncSession, scheme: Scheme, role: SchemeRole, period: Period
) -> dict[str, set[uuid.UUID]]:
    """Who reached each stage of the scheme (and each outcome), as member ids."""
    org_id = scheme.org_id
    stages: dict[str, set[uuid.UUID]] = {s: set() for s in (*STAGES, *OUTCOMES)}
    for interest in await Interests(session, org_id).list(
        SchemeInterest.scheme_id == scheme.id, SchemeInterest.role == role
    ):
        if period.holds(interest.at):
            stages["registered_interest"].add(interest.member_id)
    for app in await ApplicationRepository(session, org_id).list(
        Application.scheme_id == scheme.id, Application.role == role
    ):
        if period.holds(app.created_at):
            _place(stages, app)
    stages["waiting"] -= stages["placed"]
    stages["shortlisted"] = stages["placed"] | stages["waiting"]
    await _relationships(session, scheme, role, period, stages)
    return stages


def _place(stages: dict[str, set[uuid.UUID]], app: Application) -> None:
    who = app.member_id
    stages["applied"].add(who)
    if app.eligible or app.state is AppState.EXCEPTION_GRANTED:
        stages["eligible"].add(who)
    if app.state in ACCEPTED or app.placement is not Placement.NONE:
        stages["approved"].add(who)
        stages["eligible"].add(who)
    if app.placement is Placement.OFFERED:
        stages["placed"].add(who)
    elif app.placement is Placement.WAITING:
        stages["waiting"].add(who)


async def _relationships(
    session: AsyncSession,
    scheme: Scheme,
    role: SchemeRole,
    period: Period,
    stages: dict[str, set[uuid.UUID]],
) -> None:
    rels = await Relationships(session, scheme.org_id).list(Relationship.scheme_id == scheme.id)
    party = {r.id: (r.mentee_id if role is SchemeRole.MENTEE else r.mentor_id) for r in rels}
    for rel in rels:
        who = party[rel.id]
        if who is None:
            continue
        if period.holds(rel.started_at):
            stages["matched"].add(who)
        completed = rel.state is RelationshipState.ENDED and rel.end_kind in COMPLETED_KINDS
        if completed and rel.ended_at is not None and period.holds(rel.ended_at):
            stages["completed"].add(who)
    if role is not SchemeRole.MENTEE:
        return  # outcomes are the mentee's
    # Recorded, answered in a follow-up, or seen (became a mentor): each counted when it happened.
    for kind, reached in (await scheme_outcomes(session, scheme.org_id, scheme.id)).items():
        stages[f"outcome_{kind.value}"] |= {who for who, on in reached.items() if period.holds(on)}


def relations_of(rows: list[str], columns: list[str]) -> list[Relation]:
    """What adds up: each column's categories to its total; shortlisted = placed + waiting."""
    relations: list[Relation] = []
    for column in columns:
        rel = {(r, column): 1 for r in rows}
        rel[(TOTAL, column)] = -1
        relations.append(rel)
    for row in [*rows, TOTAL]:
        relations.append({(row, "shortlisted"): 1, (row, "placed"): -1, (row, "waiting"): -1})
    return relations


def _percent(num: int | None, den: int | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return round(100 * num / den, 1)


async def pipeline(
    session: AsyncSession,
    scheme: Scheme,
    characteristic: Characteristic,
    role: SchemeRole,
    period: Period,
) -> Pipeline:
    """The figures, suppressed; no check of who asks (see :func:`view_pipeline`)."""
    stages = await stage_members(session, scheme, role, period)
    columns = list(STAGES) + (list(OUTCOMES) if role is SchemeRole.MENTEE else [])
    everyone = set().union(*stages.values())
    category = await categories_of(session, scheme.org_id, characteristic, everyone)
    rows = reporting_categories(characteristic)
    values: dict[tuple[str, str], int] = {}
    for column in columns:
        for row in rows:
            values[(row, column)] = sum(1 for m in stages[column] if category[m] == row)
        values[(TOTAL, column)] = len(stages[column])
    profile = (await workforce(session, scheme.org_id)).get(characteristic)
    if profile is not None:
        columns.append(WORKFORCE)
        for row in rows:
            values[(row, WORKFORCE)] = profile.get(row, 0)
        values[(TOTAL, WORKFORCE)] = sum(values[(r, WORKFORCE)] for r in rows)
    hidden = suppress(values, relations_of(rows, columns))
    shown = {cell: (None if cell in hidden.hidden else v) for cell, v in values.items()}
    figures = [_row(row, columns, shown) for row in [*rows, TOTAL]]
    return Pipeline(
        scheme.id,
        scheme.name,
        characteristic,
        role,
        period.start,
        period.end,
        columns,
        figures,
        len(hidden.hidden),
    )


def _row(row: str, columns: list[str], shown: dict[tuple[str, str], int | None]) -> RowFigures:
    counts = {c: shown[(row, c)] for c in columns}
    rates = {f"{a}_to_{b}": _percent(counts[b], counts[a]) for a, b in RATES}
    return RowFigures(
        row,
        counts,
        rates,
        _percent(counts["applied"], shown[(TOTAL, "applied")]),
        _percent(counts[WORKFORCE], shown[(TOTAL, WORKFORCE)]) if WORKFORCE in counts else None,
    )


async def checked_characteristic(
    session: AsyncSession, org_id: uuid.UUID, characteristic: Characteristic
) -> Characteristic:
    if characteristic not in await monitored(session, org_id):
        raise InvalidInput.on("characteristic", "your organisation does not monitor this")
    return characteristic


async def view_pipeline(
    session: AsyncSession,
    who: Actor,
    scheme_id: uuid.UUID,
    characteristic: Characteristic,
    role: SchemeRole,
    period: Period,
) -> Pipeline:
    """The pipeline for ``who`` (coordinators and HR directors only), audited."""
    authorize(who, Action.READ_EQUALITY)
    scheme = await SchemeRepository(session, who.org_id).get(scheme_id)
    await checked_characteristic(session, who.org_id, characteristic)
    figures = await pipeline(session, scheme, characteristic, role, period)
    audit_view(session, who, scheme, f"pipeline by {characteristic.value} ({role.value})", period)
    return figures


def audit_view(
    session: AsyncSession, who: Actor, scheme: Scheme, what: str, period: Period
) -> None:
    AuditLog(session, who.org_id).record(
        "equality_figures",
        scheme.id,
        "viewed",
        who.ref,
        reason=f"{what}, {period.label}",
    )
