"""Cohort runs: a coordinator's stored cohort assignment for one scheme, adjusted, then published.

A run (``draft``) gathers the scheme's cleared applicants, snapshots the engine's inputs (ids,
free seats and the profiles' matching values: no names, no free text), solves with
:func:`matching.cohort.assign_cohort` and stores pairs with their explanations and a waiting
list with a reason per mentee. While a draft, the coordinator may move a mentee to another
mentor or to the waiting list, or swap two mentees' mentors; every hard constraint and every
capacity is checked again and the scores and totals recomputed. Publishing turns each pair into
a proposal: a request from the mentee to the mentor, opened on the mentee's behalf through
:class:`orgs.pairing.requests.RequestService`; a pair that cannot be proposed is reported,
never dropped.
A published run never changes again. Every run, move and publish is audited.

Who is in a run:

* mentees: approved (or exception-granted) mentee applicants of the scheme, active, and not in a
  live relationship as a mentee. In a cohort-form scheme whose coordinator has offered places
  (``Placement.OFFERED``), only those offered a place are matched; the other cleared applicants
  are listed on the waiting list as not offered a place. Before any place is offered every
  cleared applicant is matched. A mentee without a mentee profile waits ("no mentee profile
  yet").
* mentors: approved mentor applicants of the scheme with a mentor profile, not paused and with
  free capacity; their seats are their free capacity. A group scheme fills a mentor's seats as
  one group: for the assignment that is just the seats.
* rules: the management chain of every mentee (both directions), never-again pairs, and the
  coordinator's forbidden pairs. Pinned pairs must pass them all and fit the seats.
* with ``include_network``: also the cards of the other organisations of the org's networks
  that both policies allow, found by the federation side (``orgs.pairing.cohort_external``),
  with their published free slots; publishing a pair with one is an outgoing request to the card.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec
from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from matching.assignment import Mode
from matching.cohort import assign_cohort
from matching.constraints import OrgPolicy, Pair, PairRules, check_pair
from matching.errors import ConstraintViolationError
from matching.model import MenteeProfile, MentorProfile, SchemeKind
from matching.scoring import DEFAULT_WEIGHTS, score_pair
from matching.taxonomy import TAXONOMY_VERSION
from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, JSONType, OrgOwned, enum_column, utcnow
from orgs.errors import (
    ConstraintViolation,
    DomainError,
    FieldError,
    IllegalTransition,
    InvalidInput,
)
from orgs.mentoring.relationships import LIVE, Relationship
from orgs.mentoring.remote_events import RemoteSink
from orgs.models import Org
from orgs.pairing.candidates import chain_pairs, local_mentors, never_again_of
from orgs.pairing.cohort_external import (
    ExternalAsk,
    ExternalMentor,
    NetworkPool,
    PoolEntry,
    external_label,
    network_policies,
)
from orgs.pairing.requests import (
    MentoringRequest,
    RankedMentor,
    RemoteMentor,
    RequestService,
    RequestsIn,
)
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.notifications import NotificationKind, notify
from orgs.people.permissions import Action, authorize
from orgs.people.profiles import MenteeProfileRow, MenteeProfiles, to_mentee
from orgs.repository import OrgRepository
from orgs.schemes.applications import ACCEPTED, Application, Placement
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.email_wording import SchemeEmail, compose, worded
from orgs.schemes.schemes import Scheme, SchemeForm, SchemeRepository
from orgs.structs import out

NO_PROFILE = "no mentee profile yet"
NOT_OFFERED = "not offered one of the cohort's places (on the scheme's waiting list)"
MOVED_TO_WAITING = "moved to the waiting list by the coordinator"
LIVE_RELATIONSHIP = "already has a mentor (a live relationship)"


class RunState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class CohortRun(OrgOwned, Base):
    __tablename__ = "cohort_runs"
    __table_args__ = (Index("ix_cohort_runs_org_id_scheme_id", "org_id", "scheme_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    mode: Mapped[Mode] = mapped_column(enum_column(Mode))
    min_score: Mapped[int] = mapped_column(default=0)
    #: The coordinator's pairs, ``[[mentee id, mentor id], …]``.
    pinned: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    forbidden: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    #: The engine's inputs: ids, seats and matching values only (see :class:`Snapshot`).
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The current result (see :class:`Outcome`): changed by moves while a draft.
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[RunState] = mapped_column(enum_column(RunState), default=RunState.DRAFT)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_by: Mapped[str] = mapped_column(String(200), default="")
    #: What publishing did for each pair (see :class:`Proposal`).
    proposals: Mapped[list[Any]] = mapped_column(JSONType, default=list)


class CohortRuns(OrgRepository[CohortRun]):
    model = CohortRun
    noun = "cohort run"


# --- stored shapes (JSON columns) ---------------------------------------------------------


class Part(msgspec.Struct, frozen=True):
    factor: str
    points: int
    sentence: str


class StoredPair(msgspec.Struct, frozen=True):
    mentee: str
    mentor: str
    score: int
    explanation: list[Part]
    pinned: bool = False
    moved: bool = False  # placed by a coordinator's move after the run


class Waiting(msgspec.Struct, frozen=True):
    mentee: str
    reason: str


class Outcome(msgspec.Struct, frozen=True):
    pairs: list[StoredPair]
    waiting: list[Waiting]
    matched: int
    total_score: int


class MentorInput(msgspec.Struct, frozen=True):
    profile: MentorProfile
    seats: int


class Snapshot(msgspec.Struct, frozen=True):
    """What the engine saw. Profiles are the engine's value types: ids and coarse facts."""

    scheme_kind: SchemeKind
    taxonomy_version: str
    mentees: list[MenteeProfile]
    mentors: list[MentorInput]
    without_profile: list[str]
    not_offered: list[str]
    skipped: list[Waiting]  # cleared applicants left out of the run, e.g. already mentored
    management_chain: list[Pair]  # among this run's mentees and mentors
    never_again: list[Pair]
    #: The coordinator asked for the network's mentors (``RunIn.include_network``).
    include_network: bool = False
    #: The external candidates among ``mentors`` (cards of other network orgs): where to ask.
    external: list[ExternalMentor] = []
    #: The run's own org, as the engine names it (``str(org id)``), for the org policies.
    org: str = ""


class Proposal(msgspec.Struct, frozen=True):
    mentee: str
    mentor: str
    request_id: str | None = None  # None: not proposed, ``problem`` says why
    problem: str | None = None


# --- inputs ----------------------------------------------------------------------------

IdPair = tuple[uuid.UUID, uuid.UUID]


class RunIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    mode: Mode = Mode.OPTIMAL
    min_score: Annotated[int, msgspec.Meta(ge=0, le=100)] = 0
    #: ``[[mentee member id, mentor member id], …]``: placed first, whatever their score.
    pinned: Annotated[list[IdPair], msgspec.Meta(max_length=1000)] = []
    #: ``[[mentee member id, mentor member id], …]``: never matched.
    forbidden: Annotated[list[IdPair], msgspec.Meta(max_length=10_000)] = []
    #: Add the mentors of the other organisations of the org's networks that both sides'
    #: sharing policies allow (on this node and on others, as cards), with their published
    #: capacity. Off: the scheme's own mentors only, as before.
    include_network: bool = False


class MoveIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    mentee: uuid.UUID
    mentor: uuid.UUID | None  # None: to the waiting list


class MovesIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    moves: Annotated[list[MoveIn], msgspec.Meta(max_length=1000)] = []
    #: Two mentees who exchange mentors (either may be on the waiting list).
    swap: IdPair | None = None


# --- what callers see -------------------------------------------------------------------


class ExplanationOut(msgspec.Struct, frozen=True):
    factor: str
    points: int
    sentence: str


class PairOut(msgspec.Struct, frozen=True):
    mentee: uuid.UUID
    mentee_name: str
    mentor: str  # a member id, or an external candidate's card id (``handle@peer``)
    mentor_name: str
    score: int
    external: bool
    explanation: list[ExplanationOut]
    pinned: bool
    moved: bool


class WaitingOut(msgspec.Struct, frozen=True):
    mentee: uuid.UUID
    mentee_name: str
    reason: str


class ProposalOut(msgspec.Struct, frozen=True):
    mentee: uuid.UUID
    mentee_name: str
    mentor: str
    mentor_name: str
    request_id: uuid.UUID | None
    problem: str | None


class CohortRunOut(msgspec.Struct, frozen=True):
    """A run as coordinators see it (API and ``mentornet cohort run --json``): the offline
    CLI's shape plus ids, state and names. Names are the org's own staff, for its
    coordinators only; they are looked up when shown, never stored in the run."""

    id: uuid.UUID
    scheme_id: uuid.UUID
    state: RunState
    mode: Mode
    min_score: int
    include_network: bool
    pinned: list[IdPair]
    forbidden: list[IdPair]
    pairs: list[PairOut]
    waiting: list[WaitingOut]
    skipped: list[WaitingOut]
    matched: int
    total_score: int
    mentees: int  # mentees matched or waiting
    mentors: int
    seats: int
    external_mentors: int  # of ``mentors``: cards of other network organisations
    taxonomy_version: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    published_by: str
    proposals: list[ProposalOut]


# --- the service -------------------------------------------------------------------------


def _outcome(run: CohortRun) -> Outcome:
    return msgspec.convert(run.result, Outcome)


def _snapshot(run: CohortRun) -> Snapshot:
    return msgspec.convert(run.inputs, Snapshot)


def _parts(parts: Sequence[Any]) -> list[Part]:
    return [out(Part, p) for p in parts]


def _store(outcome: Outcome) -> dict[str, Any]:
    stored: dict[str, Any] = msgspec.to_builtins(outcome)
    return stored


def _unmatchable(snapshot: Snapshot, mentee: str) -> str:
    why = NO_PROFILE if mentee in snapshot.without_profile else NOT_OFFERED
    return f"mentee {mentee} cannot be given a mentor in this run: {why}"


def _short(member_id: str) -> str:
    return member_id[:8]


def _with_network(snapshot: Snapshot, network: NetworkPool) -> Snapshot:
    """The snapshot with the network's cards that have a free seat, after the org's own
    mentors. Only ids, coarse facts and seats are stored: the cards' own terms."""
    entries = sorted((e for e in network.entries if e.seats > 0), key=lambda e: e.where.candidate)
    return msgspec.structs.replace(
        snapshot,
        include_network=True,
        mentors=[*snapshot.mentors, *(MentorInput(_seated(e), e.seats) for e in entries)],
        external=[e.where for e in entries],
    )


def _seated(entry: PoolEntry) -> MentorProfile:
    """The card's profile with its seats as its free capacity: the engine fills a mentor up to
    ``MentorProfile.seats``, so the seats this org already took on the card are not offered."""
    seats = min(entry.seats, entry.profile.capacity)
    return msgspec.structs.replace(entry.profile, free_capacity=seats)


def _policies(snapshot: Snapshot) -> dict[str, OrgPolicy]:
    external = {e.candidate for e in snapshot.external}
    profiles = [m.profile for m in snapshot.mentors if m.profile.id in external]
    return network_policies(snapshot.org, profiles)


# --- moves: pure, over the stored run ------------------------------------------------------

NOT_A_RUN_MENTOR = (
    "not a mentor of this run (a cleared applicant of the scheme with a mentor profile and free "
    "capacity)"
)


@dataclass(frozen=True)
class Moved:
    """A run after moves: its new outcome, and each changed mentee's new mentor (None: the
    waiting list) in the run's order."""

    outcome: Outcome
    changes: dict[str, str | None]

    @property
    def summary(self) -> str:
        """For the audit log: short ids, ``mentee → mentor`` or ``mentee → waiting list``."""
        moves = (
            f"{_short(m)} → {_short(to) if to else 'waiting list'}"
            for m, to in self.changes.items()
        )
        return "; ".join(moves) or "no change"


class _Board:
    """The placements of one run while moves are applied: mentee -> mentor (None: waiting),
    and which input (``moves[k]`` or ``swap``) last placed each mentee, for the error."""

    def __init__(self, snapshot: Snapshot, outcome: Outcome) -> None:
        self.snapshot = snapshot
        self.mentee_of = {m.id: m for m in snapshot.mentees}
        self.mentor_of = {m.profile.id: m for m in snapshot.mentors}
        self.placed: dict[str, str | None] = {p.mentee: p.mentor for p in outcome.pairs}
        for w in outcome.waiting:
            self.placed.setdefault(w.mentee, None)
        self.before = dict(self.placed)
        self.fields: dict[str, str] = {}

    def swap_names(self, swap: IdPair) -> tuple[str, str]:
        a, b = str(swap[0]), str(swap[1])
        for i, who in enumerate((a, b)):
            if who not in self.placed:
                raise InvalidInput.on(f"swap[{i}]", f"mentee {who} is not in this run")
        if a == b:
            raise InvalidInput.on("swap", "name two different mentees")
        return a, b

    def move(self, field: str, mentee: str, mentor: str | None) -> None:
        if mentee not in self.placed:
            raise InvalidInput.on(f"{field}.mentee", f"mentee {mentee} is not in this run")
        if mentor is not None:
            if mentee not in self.mentee_of:
                raise InvalidInput.on(f"{field}.mentee", _unmatchable(self.snapshot, mentee))
            if mentor not in self.mentor_of:
                raise InvalidInput.on(f"{field}.mentor", f"mentor {mentor}: {NOT_A_RUN_MENTOR}")
        self.placed[mentee] = mentor
        self.fields[mentee] = field

    def swap(self, a: str, b: str) -> None:
        for i, (who, other) in enumerate(((a, b), (b, a))):
            if self.placed[other] is not None and who not in self.mentee_of:
                raise InvalidInput.on(f"swap[{i}]", _unmatchable(self.snapshot, who))
        self.placed[a], self.placed[b] = self.placed[b], self.placed[a]
        self.fields[a] = self.fields[b] = "swap"

    def changed(self) -> list[str]:
        return [m for m in self.placed if self.placed[m] != self.before[m]]

    def check_constraints(self, changed: Sequence[str], rules: PairRules) -> None:
        for mentee in changed:
            mentor = self.placed[mentee]
            if mentor is None:
                continue
            exclusion = check_pair(self.mentee_of[mentee], self.mentor_of[mentor].profile, rules)
            if exclusion is not None:
                raise ConstraintViolation.on(
                    self.fields[mentee],
                    f"mentee {mentee} and mentor {mentor}: {exclusion.sentence}",
                )

    def check_seats(self, changed: Sequence[str]) -> None:
        load = Counter(m for m in self.placed.values() if m is not None)
        for mentee in changed:
            mentor = self.placed[mentee]
            if mentor is not None and load[mentor] > self.mentor_of[mentor].seats:
                raise ConstraintViolation.on(
                    self.fields[mentee],
                    f"mentee {mentee} and mentor {mentor}: the mentor is full "
                    f"({self.mentor_of[mentor].seats} free seat(s) already taken in this run)",
                )


def move_mentees(snapshot: Snapshot, outcome: Outcome, data: MovesIn, rules: PairRules) -> Moved:
    """The run's outcome after the moves (in order) and then the swap, checked as a whole:
    every changed pair against every hard constraint in ``rules``, every mentor's seats, and
    the changed pairs rescored. A refusal is an :class:`InvalidInput` or
    :class:`ConstraintViolation` naming the move (``moves[k]``) or ``swap`` at fault."""
    if not data.moves and data.swap is None:
        raise InvalidInput.on("moves", "give at least one move or a swap")
    board = _Board(snapshot, outcome)
    swap = board.swap_names(data.swap) if data.swap is not None else None
    for k, m in enumerate(data.moves):
        board.move(f"moves[{k}]", str(m.mentee), str(m.mentor) if m.mentor else None)
    if swap is not None:
        board.swap(*swap)
    changed = board.changed()
    board.check_constraints(changed, rules)
    board.check_seats(changed)
    return Moved(
        _recompute(snapshot, outcome, board.placed, set(changed)),
        {m: board.placed[m] for m in changed},
    )


def _recompute(
    snapshot: Snapshot, outcome: Outcome, placed: dict[str, str | None], changed: set[str]
) -> Outcome:
    mentee_of = {m.id: m for m in snapshot.mentees}
    mentor_of = {m.profile.id: m.profile for m in snapshot.mentors}
    old = {p.mentee: p for p in outcome.pairs}
    pairs: list[StoredPair] = []
    order = [p.mentee for p in outcome.pairs] + [w.mentee for w in outcome.waiting]
    for mentee in order:
        mentor = placed[mentee]
        if mentor is None:
            continue
        if mentee not in changed:
            pairs.append(old[mentee])
            continue
        score = score_pair(
            mentee_of[mentee], mentor_of[mentor], DEFAULT_WEIGHTS, snapshot.scheme_kind
        )
        pairs.append(StoredPair(mentee, mentor, score.total, _parts(score.parts), moved=True))
    kept = [w for w in outcome.waiting if placed[w.mentee] is None]
    newly = [Waiting(m, MOVED_TO_WAITING) for m in order if m in changed and not placed[m]]
    return Outcome(
        pairs=pairs,
        waiting=kept + newly,
        matched=len(pairs),
        total_score=sum(p.score for p in pairs),
    )


async def _name_org(row: MentoringRequest, ask: ExternalAsk, card: ExternalMentor) -> None:
    """The mentee sees which organisation the mentor they were proposed is at, as for a
    request they sent themselves (``federation.asking.ask_mentors``)."""
    row.counterpart_org = (await ask.org_name(card.peer, card.handle))[:200]


class CohortRunService:
    """Run, adjust and publish cohort runs. Takes the session; never commits."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id
        self.runs = CohortRuns(session, org_id)
        self.audit = AuditLog(session, org_id)

    @staticmethod
    def _may_manage(acting: Actor) -> None:
        authorize(acting, Action.RUN_COHORTS)

    # --- reading --------------------------------------------------------------------------

    async def get(self, run_id: uuid.UUID) -> CohortRun:
        return await self.runs.get(run_id)

    async def for_scheme(self, scheme_id: uuid.UUID) -> Sequence[CohortRun]:
        scheme = await SchemeRepository(self.session, self.org_id).get(scheme_id)
        runs = await self.runs.list(CohortRun.scheme_id == scheme.id)
        return sorted(runs, key=lambda r: r.created_at, reverse=True)

    async def view(self, run: CohortRun) -> CohortRunOut:
        outcome, snapshot = _outcome(run), _snapshot(run)
        proposals = [msgspec.convert(p, Proposal) for p in run.proposals]
        ids = {p.mentee for p in outcome.pairs} | {p.mentor for p in outcome.pairs}
        ids |= {w.mentee for w in outcome.waiting} | {w.mentee for w in snapshot.skipped}
        ids |= {p.mentee for p in proposals} | {p.mentor for p in proposals}
        labels = {e.candidate: external_label(e.org_name) for e in snapshot.external}
        names = await self._names(ids - set(labels)) | {i: labels[i] for i in ids & set(labels)}

        def waiting(entries: Sequence[Waiting]) -> list[WaitingOut]:
            return [out(WaitingOut, w, mentee_name=names[w.mentee]) for w in entries]

        def named(p: StoredPair | Proposal) -> dict[str, str]:
            return {"mentee_name": names[p.mentee], "mentor_name": names[p.mentor]}

        # Stored ids are text; ``out`` parses them into the UUIDs the shapes hold.
        return out(
            CohortRunOut,
            run,
            pairs=[out(PairOut, p, **named(p), external=p.mentor in labels) for p in outcome.pairs],
            waiting=waiting(outcome.waiting),
            skipped=waiting(snapshot.skipped),
            matched=outcome.matched,
            total_score=outcome.total_score,
            mentees=len(outcome.pairs) + len(outcome.waiting),
            mentors=len(snapshot.mentors),
            seats=sum(m.seats for m in snapshot.mentors),
            external_mentors=len(snapshot.external),
            include_network=snapshot.include_network,
            taxonomy_version=snapshot.taxonomy_version,
            proposals=[out(ProposalOut, p, **named(p)) for p in proposals],
        )

    async def _names(self, ids: set[str]) -> dict[str, str]:
        wanted = [uuid.UUID(i) for i in ids]
        members = await MemberRepository(self.session, self.org_id).list(Member.id.in_(wanted))
        found = {str(m.id): m.display_name for m in members}
        return {i: found.get(i, "(no longer a member)") for i in ids}

    # --- running --------------------------------------------------------------------------

    async def run(
        self,
        acting: Actor,
        scheme_id: uuid.UUID,
        data: RunIn,
        now: datetime | None = None,
        network: NetworkPool | None = None,
    ) -> CohortRun:
        """``network``: the cards the federation side found for ``data.include_network``
        (``federation.cohort_pool.network_pool``); required when it is on."""
        self._may_manage(acting)
        now = now or utcnow()
        if data.include_network and network is None:
            raise InvalidInput.on(
                "include_network", "the network's mentors can only be added through the API"
            )
        scheme = await SchemeRepository(self.session, self.org_id).get(scheme_id)
        snapshot = await self._gather(scheme, now)
        if data.include_network and network is not None:
            snapshot = _with_network(snapshot, network)
        mentee_ids = {m.id for m in snapshot.mentees}
        everyone = mentee_ids | set(snapshot.without_profile) | set(snapshot.not_offered)
        mentor_ids = {m.profile.id for m in snapshot.mentors}
        approved_mentors = await self._approved(scheme.id, SchemeRole.MENTOR)
        forbidden = [(str(a), str(b)) for a, b in data.forbidden]
        for k, (mentee, mentor) in enumerate(forbidden):
            if mentee not in everyone:
                raise InvalidInput.on(
                    f"forbidden[{k}][0]",
                    f"{mentee}: not a cleared mentee applicant of the scheme",
                )
            if mentor not in approved_mentors:
                raise InvalidInput.on(
                    f"forbidden[{k}][1]",
                    f"{mentor}: not a cleared mentor applicant of the scheme",
                )
        pinned = [(str(a), str(b)) for a, b in data.pinned]
        rules = self._rules(snapshot, forbidden)
        self._check_pins(snapshot, rules, pinned, mentee_ids, mentor_ids)
        profiles = [m.profile for m in snapshot.mentors]
        try:
            result = assign_cohort(
                snapshot.mentees,
                profiles,
                rules,
                pinned=pinned,
                min_score=data.min_score,
                mode=data.mode,
                scheme=snapshot.scheme_kind,
            )
        except ConstraintViolationError as exc:  # checked above; the engine's word is final
            raise ConstraintViolation(str(exc), (FieldError("pinned", str(exc)),)) from exc
        outcome = Outcome(
            pairs=[
                StoredPair(p.mentee_id, p.mentor_id, p.score.total, _parts(p.score.parts), p.pinned)
                for p in result.pairs
            ],
            waiting=[Waiting(w.mentee_id, w.reason) for w in result.waiting]
            + [Waiting(i, NO_PROFILE) for i in snapshot.without_profile]
            + [Waiting(i, NOT_OFFERED) for i in snapshot.not_offered],
            matched=result.matched,
            total_score=result.total_score,
        )
        run = self.runs.add(
            CohortRun(
                id=uuid.uuid4(),
                scheme_id=scheme.id,
                mode=data.mode,
                min_score=data.min_score,
                pinned=[list(p) for p in pinned],
                forbidden=[list(p) for p in forbidden],
                inputs=msgspec.to_builtins(snapshot),
                result=_store(outcome),
                state=RunState.DRAFT,
                created_by_id=acting.member.id if acting.member else None,
                created_by=acting.label[:200],
                created_at=now,
                updated_at=now,
                proposals=[],
            )
        )
        self.audit.record(
            "cohort_run",
            run.id,
            "run",
            acting.ref,
            to_state=RunState.DRAFT.value,
            reason=(
                f"scheme {scheme.slug}, {data.mode.value}, min score {data.min_score}"
                f"{f', {len(snapshot.external)} network mentors' if data.include_network else ''}: "
                f"{outcome.matched} matched, total {outcome.total_score}, "
                f"{len(outcome.waiting)} waiting"
            ),
            at=now,
        )
        await self.session.flush()
        return run

    async def _approved(self, scheme_id: uuid.UUID, role: SchemeRole) -> set[str]:
        rows = await self.session.scalars(
            select(Application.member_id).where(
                Application.org_id == self.org_id,
                Application.scheme_id == scheme_id,
                Application.role == role,
                Application.state.in_(ACCEPTED),
            )
        )
        return {str(r) for r in rows}

    async def _gather(self, scheme: Scheme, now: datetime) -> Snapshot:
        org = await self.session.get(Org, self.org_id)
        assert org is not None
        apps = (
            await self.session.execute(
                select(Application, Member)
                .join(Member, Member.id == Application.member_id)
                .where(
                    Application.org_id == self.org_id,
                    Application.scheme_id == scheme.id,
                    Application.role == SchemeRole.MENTEE,
                    Application.state.in_(ACCEPTED),
                    Member.org_id == self.org_id,
                    Member.status == MemberStatus.ACTIVE,
                )
                .order_by(Member.id)
            )
        ).all()
        mentored = set(
            await self.session.scalars(
                select(Relationship.mentee_id).where(
                    Relationship.org_id == self.org_id, Relationship.state.in_(LIVE)
                )
            )
        )
        offering = scheme.form is SchemeForm.COHORT and any(
            a.placement is Placement.OFFERED for a, _ in apps
        )
        members: dict[uuid.UUID, Member] = {}
        skipped: list[Waiting] = []
        not_offered: list[str] = []
        for app, member in apps:
            if member.id in members or str(member.id) in not_offered:
                continue  # one mentee, however many applications
            if member.id in mentored:
                skipped.append(Waiting(str(member.id), LIVE_RELATIONSHIP))
            elif offering and app.placement is not Placement.OFFERED:
                not_offered.append(str(member.id))
            else:
                members[member.id] = member
        rows = await MenteeProfiles(self.session, self.org_id).list(
            MenteeProfileRow.member_id.in_(list(members))
        )
        profile_of = {r.member_id: r for r in rows}
        mentees = [to_mentee(profile_of[i], m, None) for i, m in members.items() if i in profile_of]
        without = [str(i) for i in members if i not in profile_of]
        approved = {uuid.UUID(i) for i in await self._approved(scheme.id, SchemeRole.MENTOR)}
        found = await local_mentors(self.session, org, approved, today=now.date())
        mentors = sorted(
            (MentorInput(p, p.seats) for p, _ in found if p.seats > 0),
            key=lambda m: m.profile.id,
        )
        mentor_ids = {m.profile.id for m in mentors}
        mentee_uuids = [uuid.UUID(m.id) for m in mentees]
        chain = await chain_pairs(self.session, self.org_id, mentee_uuids)
        never = await never_again_of(self.session, self.org_id, mentee_uuids)
        return Snapshot(
            scheme_kind=SchemeKind(scheme.kind.value),
            taxonomy_version=TAXONOMY_VERSION,
            mentees=mentees,
            mentors=mentors,
            without_profile=without,
            not_offered=not_offered,
            skipped=skipped,
            management_chain=sorted(p for p in chain if p[1] in mentor_ids),
            never_again=sorted(p for p in never if p[1] in mentor_ids),
            org=str(self.org_id),
        )

    @staticmethod
    def _rules(snapshot: Snapshot, forbidden: Sequence[Pair]) -> PairRules:
        return PairRules(
            management_chain=frozenset(snapshot.management_chain),
            never_again=frozenset(snapshot.never_again),
            coordinator_forbidden=frozenset(forbidden),
            org_policies=_policies(snapshot),
        )

    @staticmethod
    def _check_pins(
        snapshot: Snapshot,
        rules: PairRules,
        pinned: Sequence[Pair],
        mentee_ids: set[str],
        mentor_ids: set[str],
    ) -> None:
        mentee_of = {m.id: m for m in snapshot.mentees}
        mentor_of = {m.profile.id: m for m in snapshot.mentors}
        used: Counter[str] = Counter()
        seen: set[str] = set()
        for k, (mentee, mentor) in enumerate(pinned):
            field = f"pinned[{k}]"
            if mentee not in mentee_ids:
                why = (
                    NO_PROFILE
                    if mentee in snapshot.without_profile
                    else "not a mentee of this run (a cleared applicant of the scheme, "
                    "offered a place, without a mentor)"
                )
                raise InvalidInput.on(f"{field}[0]", f"mentee {mentee}: {why}")
            if mentor not in mentor_ids:
                raise InvalidInput.on(f"{field}[1]", f"mentor {mentor}: {NOT_A_RUN_MENTOR}")
            if mentee in seen:
                raise InvalidInput.on(field, f"mentee {mentee} is pinned twice")
            seen.add(mentee)
            exclusion = check_pair(mentee_of[mentee], mentor_of[mentor].profile, rules)
            if exclusion is not None:
                raise ConstraintViolation.on(
                    field, f"mentee {mentee} and mentor {mentor}: {exclusion.sentence}"
                )
            used[mentor] += 1
            if used[mentor] > mentor_of[mentor].seats:
                raise ConstraintViolation.on(
                    field,
                    f"mentee {mentee} and mentor {mentor}: the mentor has "
                    f"{mentor_of[mentor].seats} free seat(s), fewer than the pairs pinned",
                )

    # --- moves ----------------------------------------------------------------------------

    async def move(
        self, acting: Actor, run_id: uuid.UUID, data: MovesIn, now: datetime | None = None
    ) -> CohortRun:
        """Apply the moves and the swap together (:func:`move_mentees`, with the management
        chain read afresh); on any failure nothing changes."""
        self._may_manage(acting)
        now = now or utcnow()
        run = await self.runs.get(run_id)
        self._draft(run)
        snapshot = _snapshot(run)
        rules = await self._fresh_rules(run, snapshot, data)
        moved = move_mentees(snapshot, _outcome(run), data, rules)
        run.result = _store(moved.outcome)
        run.updated_at = now
        self.audit.record("cohort_run", run.id, "move", acting.ref, reason=moved.summary, at=now)
        await self.session.flush()
        return run

    async def _fresh_rules(self, run: CohortRun, snapshot: Snapshot, data: MovesIn) -> PairRules:
        """The run's rules plus the management chain and never-again pairs read now for the
        run's mentees that these moves may give a mentor: the chain may have changed since."""
        matchable = {m.id for m in snapshot.mentees}
        named = [m.mentee for m in data.moves if m.mentor] + list(data.swap or ())
        ids = sorted({i for i in named if str(i) in matchable})
        chain = await chain_pairs(self.session, self.org_id, ids)
        never = await never_again_of(self.session, self.org_id, ids)
        return PairRules(
            management_chain=chain | frozenset(snapshot.management_chain),
            never_again=never | frozenset(snapshot.never_again),
            coordinator_forbidden=frozenset((str(a), str(b)) for a, b in run.forbidden),
            org_policies=_policies(snapshot),
        )

    @staticmethod
    def _draft(run: CohortRun) -> None:
        if run.state is not RunState.DRAFT:
            raise IllegalTransition("This cohort run is published: it can no longer change.")

    # --- publishing -----------------------------------------------------------------------

    async def publish(
        self,
        acting: Actor,
        run_id: uuid.UUID,
        remote: RemoteSink,
        now: datetime | None = None,
        ask: ExternalAsk | None = None,
    ) -> CohortRun:
        """Each pair becomes a request from the mentee to the mentor, opened on the mentee's
        behalf; each pair that cannot be proposed is reported with the reason. A pair with an
        external mentor becomes an outgoing request to their card (``remote`` queues it, ``ask``
        checks the card first), answered on the mentor's own side as any request is."""
        self._may_manage(acting)
        now = now or utcnow()
        run = await self.runs.get(run_id)
        self._draft(run)
        external = {e.candidate: e for e in _snapshot(run).external}
        scheme = await SchemeRepository(self.session, self.org_id).get(run.scheme_id)
        members = MemberRepository(self.session, self.org_id)
        requests = RequestService(self.session, self.org_id, remote)
        proposals: list[Proposal] = []
        for pair in _outcome(run).pairs:
            mentee = await members.find_one(
                Member.id == uuid.UUID(pair.mentee), Member.status == MemberStatus.ACTIVE
            )
            if mentee is None:
                proposals.append(Proposal(pair.mentee, pair.mentor, problem="mentee not active"))
                continue
            message = (
                f"Your scheme coordinator proposed this pairing for {scheme.name} "
                f"(cohort matching, score {pair.score}/100). The request was sent on the "
                "mentee's behalf."
            )
            who = ActorRef(
                acting.member.id if acting.member else None,
                f"{acting.label} for mentee {mentee.id} (cohort run {run.id})"[:200],
            )
            card = external.get(pair.mentor)
            if card is not None:
                problem = (
                    "an external mentor can only be asked when publishing through the API"
                    if ask is None
                    else await ask.problem(card.peer, card.handle)
                )
                if problem is not None:
                    proposals.append(Proposal(pair.mentee, pair.mentor, problem=problem))
                    continue
                target = RankedMentor(remote=RemoteMentor(peer=card.peer, handle=card.handle))
            else:
                target = RankedMentor(member_id=uuid.UUID(pair.mentor))
            try:
                async with self.session.begin_nested():
                    rows = await requests.send(
                        mentee,
                        RequestsIn(scheme_id=scheme.id, mentors=[target], message=message),
                        now,
                        on_behalf_by=who,
                    )
            except DomainError as exc:
                proposals.append(Proposal(pair.mentee, pair.mentor, problem=exc.detail))
                continue
            if card is not None and ask is not None:
                await _name_org(rows[0], ask, card)
            proposals.append(Proposal(pair.mentee, pair.mentor, request_id=str(rows[0].id)))
            words = await worded(
                self.session,
                self.org_id,
                scheme.id,
                scheme.name,
                SchemeEmail.MATCH_PROPOSED,
                mentee,
            )
            await notify(
                self.session,
                self.org_id,
                mentee.id,
                NotificationKind.MATCH_PROPOSED,
                words.subject,
                compose(
                    words.opening,
                    "A request has been sent to them on your behalf. You will hear when they "
                    "answer; you can withdraw the request from your requests page.",
                ),
                now=now,
                link="/requests",
            )
        run.proposals = [msgspec.to_builtins(p) for p in proposals]
        run.state = RunState.PUBLISHED
        run.published_at = now
        run.published_by = acting.label[:200]
        run.updated_at = now
        sent = sum(1 for p in proposals if p.request_id)
        self.audit.record(
            "cohort_run",
            run.id,
            "publish",
            acting.ref,
            from_state=RunState.DRAFT.value,
            to_state=RunState.PUBLISHED.value,
            reason=f"{sent} proposed, {len(proposals) - sent} not proposed",
            at=now,
        )
        await self.session.flush()
        return run
