"""Offline what-if runs: JSON in, JSON out, for `mentornet cohort match`.

Without a `scores` list the engine scores pairs from the profiles (org policies are not in the
file, so cross-organisation pairs are allowed unless a mentee says otherwise). With a `scores`
list, or a score grid read by `matching.score_grid` (`--scores FILE.csv`: the fast path for large
cohorts, no Python object per score), those scores are used as they are and are the only
allowed pairs. Either way the given scores become one int16 matrix, checked with numpy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from matching.assignment import NOT_ALLOWED, AssignmentProblem, Mode, assign
from matching.constraints import OrgPolicy, PairRules
from matching.errors import ConstraintViolationError, InputError, InvalidProfileError
from matching.model import (
    IMPORTANCE_MAX,
    IMPORTANCE_MIN,
    LEVEL_MAX,
    LEVEL_MIN,
    MeetingMode,
    MenteeProfile,
    MentorProfile,
    SchemeKind,
)
from matching.score_grid import read_score_grid
from matching.scoring import Weights
from matching.taxonomy import TAXONOMY_VERSION, is_known


class MenteeIn(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    topics: dict[str, int] = {}
    org_id: str = ""
    meeting_mode: MeetingMode = MeetingMode.EITHER
    region: str | None = None
    languages: list[str] = []
    open_to_other_orgs: bool = True
    seniority_band: int | None = None
    wanted_bands: tuple[int, int] | None = None
    wanted_sectors: list[str] = []
    department: str | None = None


class MentorIn(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    topics: dict[str, int] = {}
    capacity: int = 1
    org_id: str = ""
    seniority_band: int = 0
    paused: bool = False
    meeting_modes: list[MeetingMode] = msgspec.field(
        default_factory=lambda: [MeetingMode.IN_PERSON, MeetingMode.REMOTE]
    )
    region: str | None = None
    languages: list[str] = []
    sector: str | None = None
    department: str | None = None


class OfflineInput(msgspec.Struct, forbid_unknown_fields=True):
    mentees: list[MenteeIn]
    mentors: list[MentorIn]
    scores: list[tuple[str, str, int]] | None = None
    forbidden: list[tuple[str, str]] = []
    pinned: list[tuple[str, str]] = []
    mode: Mode = Mode.OPTIMAL
    min_score: int = 0
    scheme: SchemeKind = SchemeKind.ONE_TO_ONE
    require_different_department: bool = False
    weights: Weights | None = None


class PartOut(msgspec.Struct):
    factor: str
    points: int
    sentence: str


class PairOut(msgspec.Struct):
    mentee: str
    mentor: str
    score: int
    explanation: list[PartOut]


class WaitingOut(msgspec.Struct):
    mentee: str
    reason: str


class OfflineOutput(msgspec.Struct):
    pairs: list[PairOut]
    waiting: list[WaitingOut]
    matched: int
    total_score: int
    mode: Mode
    taxonomy_version: str = TAXONOMY_VERSION


_LOCATION = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<where>[^`]*)`)?$", re.DOTALL)


@dataclass(frozen=True)
class CheckedInput:
    """A decoded, checked input; `given` holds its given scores (NOT_ALLOWED: no score), or is
    None when pairs are scored from the profiles."""

    input: OfflineInput
    given: npt.NDArray[np.int16] | None


def decode_input(data: bytes, score_grid: Iterable[bytes] | None = None) -> CheckedInput:
    """Decode and check the whole input; every problem names its item.

    `score_grid`: the bytes of a CSV score grid that stands in for `scores` (see
    `matching.score_grid`); its problems are `ScoreFileError`s.
    """
    try:
        parsed = msgspec.json.decode(data, type=OfflineInput)
    except msgspec.ValidationError as error:
        found = _LOCATION.match(str(error))
        where = (found.group("where") or "").lstrip(".") if found else ""
        problem = found.group("problem") if found else str(error)
        raise InputError(where or "input", problem) from None
    except msgspec.DecodeError as error:
        raise InputError("input", f"not valid JSON ({error})") from None
    if score_grid is not None and parsed.scores is not None:
        raise InputError("scores", "given here and in a score grid: leave one out")
    mentees, mentors = _check(parsed, scored=parsed.scores is not None or score_grid is not None)
    given = None
    if parsed.scores is not None:
        given = _given_scores(parsed.scores, mentees, mentors)
    elif score_grid is not None:
        given = read_score_grid(score_grid, mentees, mentors)
    _check_pins(parsed, mentors, given)
    return CheckedInput(parsed, given)


def _unique(kind: str, ids: list[str]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for k, item_id in enumerate(ids):
        if item_id in seen:
            raise InputError(
                f"{kind}[{k}].id", f"duplicate id {item_id!r} (also {kind}[{seen[item_id]}])"
            )
        seen[item_id] = k
    return seen


def _check_topics(
    where: str, topics: dict[str, int], low: int, high: int, *, need_known: bool
) -> None:
    for topic_id, value in topics.items():
        if need_known and not is_known(topic_id):
            raise InputError(
                f"{where}.topics", f"unknown topic id {topic_id!r} (taxonomy {TAXONOMY_VERSION})"
            )
        if not low <= value <= high:
            raise InputError(f"{where}.topics[{topic_id}]", f"must be {low}..{high}, got {value}")


def _check(parsed: OfflineInput, *, scored: bool) -> tuple[dict[str, int], dict[str, int]]:
    """Everything but the given scores and the pins; the index of each mentee and mentor id."""
    mentees = _unique("mentees", [m.id for m in parsed.mentees])
    mentors = _unique("mentors", [m.id for m in parsed.mentors])
    for k, mentee in enumerate(parsed.mentees):
        _check_topics(
            f"mentees[{k}]", mentee.topics, IMPORTANCE_MIN, IMPORTANCE_MAX, need_known=not scored
        )
        if mentee.wanted_bands is not None and mentee.wanted_bands[0] > mentee.wanted_bands[1]:
            raise InputError(
                f"mentees[{k}].wanted_bands", f"low > high in {list(mentee.wanted_bands)}"
            )
    for k, mentor in enumerate(parsed.mentors):
        _check_topics(f"mentors[{k}]", mentor.topics, LEVEL_MIN, LEVEL_MAX, need_known=not scored)
        if mentor.capacity < 0:
            raise InputError(f"mentors[{k}].capacity", f"must be ≥ 0, got {mentor.capacity}")
        if MeetingMode.EITHER in mentor.meeting_modes:
            raise InputError(f"mentors[{k}].meeting_modes", "list in_person and/or remote")
    if not 0 <= parsed.min_score <= 100:
        raise InputError("min_score", f"must be 0..100, got {parsed.min_score}")
    for name, pairs in (("forbidden", parsed.forbidden), ("pinned", parsed.pinned)):
        _check_ids(name, pairs, mentees, mentors)
    return mentees, mentors


def _check_ids(
    name: str, pairs: list[tuple[str, str]], mentees: dict[str, int], mentors: dict[str, int]
) -> None:
    for k, (mentee_id, mentor_id) in enumerate(pairs):
        if mentee_id not in mentees:
            raise InputError(f"{name}[{k}][0]", f"unknown mentee id {mentee_id!r}")
        if mentor_id not in mentors:
            raise InputError(f"{name}[{k}][1]", f"unknown mentor id {mentor_id!r}")


def _given_scores(
    scores: list[tuple[str, str, int]], mentees: dict[str, int], mentors: dict[str, int]
) -> npt.NDArray[np.int16]:
    """`scores` as a matrix, checked with numpy: the first bad item in input order is reported,
    with the message a check of one item after the other would give."""
    count = len(scores)
    mentee_ids, mentor_ids, values = zip(*scores, strict=True) if count else ((), (), ())
    rows = np.fromiter(map(mentees.get, mentee_ids, repeat(-1)), np.int64, count)
    cols = np.fromiter(map(mentors.get, mentor_ids, repeat(-1)), np.int64, count)
    unknown = np.flatnonzero((rows < 0) | (cols < 0))
    if len(unknown):
        k = int(unknown[0])
        if rows[k] < 0:
            raise InputError(f"scores[{k}][0]", f"unknown mentee id {mentee_ids[k]!r}")
        raise InputError(f"scores[{k}][1]", f"unknown mentor id {mentor_ids[k]!r}")
    try:
        score = np.fromiter(values, np.int64, count)
    except OverflowError:  # JSON integers have no bound; any past int64 is out of range anyway
        score = np.fromiter((v if -1 <= v <= 101 else 101 for v in values), np.int64, count)
    keys = rows * len(mentors) + cols
    repeated = _repeats(keys)
    bad = np.flatnonzero(repeated | (score < 0) | (score > 100))
    if len(bad):
        k = int(bad[0])
        if repeated[k]:
            also = int(np.flatnonzero(keys == keys[k])[0])
            raise InputError(f"scores[{k}]", f"duplicate pair (also scores[{also}])")
        raise InputError(f"scores[{k}][2]", f"must be 0..100, got {values[k]}")
    given = np.full((len(mentees), len(mentors)), NOT_ALLOWED, dtype=np.int16)
    given[rows, cols] = score
    return given


def _repeats(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which keys occur earlier in the array too."""
    repeated = np.zeros(len(keys), dtype=np.bool_)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    repeated[order[1:][ordered[1:] == ordered[:-1]]] = True
    return repeated


def _check_pins(
    parsed: OfflineInput, mentors: dict[str, int], given: npt.NDArray[np.int16] | None
) -> None:
    forbidden = set(parsed.forbidden)
    mentees = {m.id: k for k, m in enumerate(parsed.mentees)} if given is not None else {}
    pinned_mentees: dict[str, int] = {}
    load: dict[str, int] = {}
    for k, (mentee_id, mentor_id) in enumerate(parsed.pinned):
        where = f"pinned[{k}]"
        if (mentee_id, mentor_id) in forbidden:
            raise InputError(where, f"pair ({mentee_id!r}, {mentor_id!r}) is also forbidden")
        if given is not None and given[mentees[mentee_id], mentors[mentor_id]] < 0:
            raise InputError(where, f"pair ({mentee_id!r}, {mentor_id!r}) has no score in `scores`")
        if mentee_id in pinned_mentees:
            raise InputError(
                where,
                f"mentee {mentee_id!r} is already pinned in pinned[{pinned_mentees[mentee_id]}]",
            )
        pinned_mentees[mentee_id] = k
        load[mentor_id] = load.get(mentor_id, 0) + 1
        mentor = parsed.mentors[mentors[mentor_id]]
        if load[mentor_id] > (0 if mentor.paused else mentor.capacity):
            raise InputError(
                where, f"mentor {mentor_id!r} has no free capacity for this pinned pair"
            )


def run(checked: CheckedInput, mode_override: str | None = None) -> OfflineOutput:
    parsed = checked.input
    try:
        mode = Mode(mode_override) if mode_override is not None else parsed.mode
    except ValueError:
        raise InputError("mode", f"must be optimal or stable, got {mode_override!r}") from None
    try:
        if checked.given is None:
            return _run_profiles(parsed, mode)
        return _run_given_scores(parsed, checked.given, mode)
    except (ConstraintViolationError, InvalidProfileError) as error:
        raise InputError(
            "pinned" if isinstance(error, ConstraintViolationError) else "input", str(error)
        ) from None


def _run_profiles(parsed: OfflineInput, mode: Mode) -> OfflineOutput:
    from matching.cohort import assign_cohort  # the ranking index: not for given scores

    mentees = [
        MenteeProfile(
            id=m.id,
            org_id=m.org_id,
            topics=m.topics,
            meeting_mode=m.meeting_mode,
            region=m.region,
            languages=frozenset(m.languages),
            open_to_other_orgs=m.open_to_other_orgs,
            seniority_band=m.seniority_band,
            wanted_bands=m.wanted_bands,
            wanted_sectors=frozenset(m.wanted_sectors),
            department=m.department,
        )
        for m in parsed.mentees
    ]
    mentors = [
        MentorProfile(
            id=m.id,
            org_id=m.org_id,
            topics=m.topics,
            seniority_band=m.seniority_band,
            capacity=m.capacity,
            paused=m.paused,
            meeting_modes=frozenset(m.meeting_modes),
            region=m.region,
            languages=frozenset(m.languages),
            sector=m.sector,
            department=m.department,
        )
        for m in parsed.mentors
    ]
    rules = PairRules(
        coordinator_forbidden=frozenset(parsed.forbidden),
        default_policy=OrgPolicy(cross_org_allowed=True),
        require_different_department=parsed.require_different_department,
    )
    result = assign_cohort(
        mentees,
        mentors,
        rules,
        pinned=parsed.pinned,
        min_score=parsed.min_score,
        mode=mode,
        weights=parsed.weights or Weights(),
        scheme=parsed.scheme,
    )
    return OfflineOutput(
        pairs=[
            PairOut(
                p.mentee_id,
                p.mentor_id,
                p.score.total,
                [PartOut(part.factor, part.points, part.sentence) for part in p.score.parts],
            )
            for p in result.pairs
        ],
        waiting=[WaitingOut(w.mentee_id, w.reason) for w in result.waiting],
        matched=result.matched,
        total_score=result.total_score,
        mode=mode,
    )


def _run_given_scores(
    parsed: OfflineInput, given: npt.NDArray[np.int16], mode: Mode
) -> OfflineOutput:
    row = {m.id: k for k, m in enumerate(parsed.mentees)}
    col = {m.id: k for k, m in enumerate(parsed.mentors)}
    scores = given  # used up: nothing reads the given scores after this
    for both in row.keys() & col.keys():  # nobody mentors themselves, whatever the sheet says
        scores[row[both], col[both]] = NOT_ALLOWED
    if parsed.forbidden:
        pairs = np.array([(row[a], col[b]) for a, b in parsed.forbidden], dtype=np.int64)
        scores[pairs[:, 0], pairs[:, 1]] = NOT_ALLOWED
    capacities = np.array([0 if m.paused else m.capacity for m in parsed.mentors], dtype=np.int64)
    pinned = [(row[a], col[b]) for a, b in parsed.pinned]
    result = assign(AssignmentProblem(scores, capacities, pinned, parsed.min_score), mode)
    return OfflineOutput(
        pairs=[
            PairOut(
                parsed.mentees[i].id,
                parsed.mentors[j].id,
                s,
                [PartOut("given", s, "score given in the input")],
            )
            for i, j, s in result.pairs
        ],
        waiting=[WaitingOut(parsed.mentees[i].id, reason) for i, reason in result.waiting],
        matched=result.matched,
        total_score=result.total_score,
        mode=mode,
    )


def run_offline(
    data: bytes, mode_override: str | None = None, score_grid: Iterable[bytes] | None = None
) -> bytes:
    """JSON input bytes (and a CSV score grid's bytes) -> JSON result bytes; raises
    `InputError` naming the bad item (`ScoreFileError` for one in the grid)."""
    return msgspec.json.format(
        msgspec.json.encode(run(decode_input(data, score_grid), mode_override)), indent=2
    )


def example_input() -> dict[str, Any]:
    """A small valid input, for `--help` texts and tests."""
    return {
        "mentees": [{"id": "e1", "topics": {"confidence": 5, "housing": 2}}],
        "mentors": [{"id": "r1", "topics": {"confidence": 3}, "capacity": 1}],
        "mode": "optimal",
        "min_score": 0,
    }
