"""Top-k mentor suggestions for one mentee over many candidates (local mentors and cards).

The candidate index turns profiles into column arrays once; a query is then a handful of numpy
passes: the topic numerator Σ importance·level from the mentee's few topic rows, the secondary
factors through small lookup tables filled by the scalar functions of `scoring` (so both paths
agree by construction, and a test checks it), the hard-constraint mask, and a partial sort.
Explanations are computed only for the k returned.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import numpy as np
import numpy.typing as npt

from matching.constraints import (
    ExclusionReason,
    PairRules,
    check_pair,
)
from matching.model import MeetingMode, MenteeProfile, MentorProfile, SchemeKind
from matching.scoring import (
    DEFAULT_WEIGHTS,
    FULL,
    Score,
    Weights,
    meeting_halves_for,
    round_half_up,
    score_pair,
    score_value,
    sector_halves_for,
    seniority_halves,
    topic_denominator,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_MODE_BITS = {MeetingMode.IN_PERSON: 1, MeetingMode.REMOTE: 2}
_NO_CODE = -1
# Scores are at most 100 points: a 1000-point penalty (times D) puts X far below any floor.
_PENALTY = 1000
EXCLUDED = np.int32(-(2**30))


class Suggestion(msgspec.Struct, frozen=True):
    mentor_id: str
    score: Score


class Suggestions(msgspec.Struct, frozen=True):
    items: tuple[Suggestion, ...]
    shortfall: str | None  # why fewer than k were returned; None when k were


def _codes(values: Sequence[str | None]) -> tuple[npt.NDArray[np.int32], dict[str, int]]:
    table: dict[str, int] = {}
    codes = np.fromiter(
        (_NO_CODE if v is None else table.setdefault(v, len(table)) for v in values),
        dtype=np.int32,
        count=len(values),
    )
    return codes, table


@dataclass(frozen=True, eq=False)
class CandidateIndex:
    """Column arrays over candidates sorted by id (so position order is the id tie-break)."""

    mentors: tuple[MentorProfile, ...]
    position: dict[str, int]
    weights: Weights
    scheme: SchemeKind
    topic_rows: dict[str, int]
    levels: npt.NDArray[np.int8]  # (topics, candidates), 0 = not offered
    bands: npt.NDArray[np.int32]
    modes: npt.NDArray[np.int8]  # bit 1 in person, bit 2 remote
    regions: npt.NDArray[np.int32]
    region_codes: dict[str, int]
    language_words: npt.NDArray[np.uint64]  # (candidates, words) bit sets
    language_bits: dict[str, int]
    sectors: npt.NDArray[np.int32]
    sector_codes: dict[str, int]
    orgs: npt.NDArray[np.int32]
    org_codes: dict[str, int]
    departments: npt.NDArray[np.int32]  # code of (org, department); -1 unknown
    department_codes: dict[str, int]
    available: BoolArray  # not paused and at least one free seat
    facets: npt.NDArray[np.int32]  # candidates sharing band/modes/region/sector/languages/available
    facet_columns: npt.NDArray[np.int64]  # (facets, 5 + words): the distinct combinations
    org_members: dict[int, npt.NDArray[np.int64]]  # org code -> candidate positions

    @classmethod
    def build(
        cls,
        mentors: Sequence[MentorProfile],
        weights: Weights = DEFAULT_WEIGHTS,
        scheme: SchemeKind = SchemeKind.ONE_TO_ONE,
    ) -> CandidateIndex:
        ordered = tuple(sorted(mentors, key=lambda m: m.id))
        count = len(ordered)
        position = {m.id: i for i, m in enumerate(ordered)}
        if len(position) != count:
            raise ValueError("candidate ids must be unique")
        topic_rows: dict[str, int] = {}
        entries = [
            (topic_rows.setdefault(t, len(topic_rows)), i, lvl)
            for i, m in enumerate(ordered)
            for t, lvl in m.topics.items()
        ]
        levels = np.zeros((len(topic_rows), count), dtype=np.int8)
        if entries:
            rows, cols, vals = (np.array(column) for column in zip(*entries, strict=True))
            levels[rows, cols] = vals
        language_bits: dict[str, int] = {}
        for m in ordered:
            for language in sorted(m.languages):
                language_bits.setdefault(language, len(language_bits))
        words = np.zeros((count, max(1, -(-len(language_bits) // 64))), dtype=np.uint64)
        for i, m in enumerate(ordered):
            for language in m.languages:
                bit = language_bits[language]
                words[i, bit // 64] |= np.uint64(1 << (bit % 64))
        regions, region_codes = _codes([m.region for m in ordered])
        sectors, sector_codes = _codes([m.sector for m in ordered])
        orgs, org_codes = _codes([m.org_id for m in ordered])
        departments, department_codes = _codes(
            [None if m.department is None else f"{m.org_id}\x00{m.department}" for m in ordered]
        )
        bands = np.fromiter((m.seniority_band for m in ordered), np.int32, count)
        modes = np.fromiter(
            (sum(_MODE_BITS[mode] for mode in m.meeting_modes) for m in ordered), np.int8, count
        )
        available = np.fromiter((m.seats > 0 for m in ordered), np.bool_, count)
        columns = np.column_stack(
            [bands, modes, regions, sectors, available, words.view(np.int64)]
        ).astype(np.int64)
        facet_columns, facets = np.unique(columns, axis=0, return_inverse=True)
        by_org = np.argsort(orgs, kind="stable")
        starts = np.searchsorted(orgs[by_org], np.arange(len(org_codes) + 1))
        return cls(
            mentors=ordered,
            position=position,
            weights=weights,
            scheme=scheme,
            topic_rows=topic_rows,
            levels=levels,
            bands=bands,
            modes=modes,
            regions=regions,
            region_codes=region_codes,
            language_words=words,
            language_bits=language_bits,
            sectors=sectors,
            sector_codes=sector_codes,
            orgs=orgs,
            org_codes=org_codes,
            departments=departments,
            department_codes=department_codes,
            available=available,
            facets=facets.reshape(-1).astype(np.int32),
            facet_columns=facet_columns,
            org_members={
                code: by_org[starts[code] : starts[code + 1]].astype(np.int64)
                for code in range(len(org_codes))
            },
        )

    def __len__(self) -> int:
        return len(self.mentors)

    # --- scores -----------------------------------------------------------------------------

    def topic_sums(self, mentee: MenteeProfile) -> npt.NDArray[np.int32]:
        """N = Σ importance·level per candidate, from the mentee's few topic rows."""
        total = np.zeros(len(self), dtype=np.int32)
        for tid, importance in mentee.topics.items():
            row = self.topic_rows.get(tid)
            if row is not None:
                total += self.levels[row] * np.int8(importance)  # ≤ 15: no int8 overflow
        return total

    def numerators(self, mentee: MenteeProfile) -> tuple[IntArray, int]:
        """X per candidate and the common denominator Q: score = round_half_up(X, Q)."""
        secondary = self._facet_points(mentee)[self.facets]
        secondary += self.weights.different_unit * self._different_unit_halves(mentee)
        denominator = topic_denominator(mentee)
        total = self.topic_sums(mentee).astype(np.int64) * (2 * self.weights.topics)
        total += secondary.astype(np.int64) * denominator
        return total, 2 * denominator

    def _facet_points(self, mentee: MenteeProfile) -> npt.NDArray[np.int32]:
        """Seniority, meeting, language and sector points per facet (not per candidate)."""
        w = self.weights
        columns = self.facet_columns
        bands, modes, regions, sectors = (columns[:, k] for k in range(4))
        words = columns[:, 5:].view(np.uint64)
        low = int(bands.min()) if len(bands) else 0
        high = int(bands.max()) if len(bands) else 0
        seniority = np.array(
            [
                w.seniority * seniority_halves(mentee, band, self.scheme)
                for band in range(low, high + 1)
            ],
            dtype=np.int32,
        )
        points = seniority[bands - low]
        # meeting: a table over (mode bits, same region), filled by the scalar function
        my_region = self.region_codes.get(mentee.region, -2) if mentee.region is not None else -2
        meeting = np.array(
            [
                w.meeting
                * meeting_halves_for(
                    mentee.meeting_mode,
                    frozenset(mode for mode, bit in _MODE_BITS.items() if bits & bit),
                    same_region=bool(same),
                )
                for bits in range(4)
                for same in (0, 1)
            ],
            dtype=np.int32,
        )
        points += meeting[modes * 2 + (regions == my_region)]
        points += w.language * self._language_halves(mentee, words)
        sector_table = np.array(
            [w.sector * sector_halves_for(mentee, sector) for sector in self.sector_codes]
            + [w.sector * sector_halves_for(mentee, None)],
            dtype=np.int32,
        )
        points += sector_table[sectors]  # code -1 reads the last entry: no sector
        return points

    def _language_halves(
        self, mentee: MenteeProfile, words: npt.NDArray[np.uint64]
    ) -> npt.NDArray[np.int32]:
        if not mentee.languages:
            return np.full(len(words), FULL, dtype=np.int32)
        wanted = np.zeros(words.shape[1], dtype=np.uint64)
        for language in mentee.languages:
            bit = self.language_bits.get(language)
            if bit is not None:
                wanted[bit // 64] |= np.uint64(1 << (bit % 64))
        shared = (words & wanted).any(axis=1)
        halves: npt.NDArray[np.int32] = np.where(shared, FULL, 0).astype(np.int32)
        return halves

    def _my_department(self, mentee: MenteeProfile) -> int:
        if mentee.department is None:
            return -2
        return self.department_codes.get(f"{mentee.org_id}\x00{mentee.department}", -3)

    def _different_unit_halves(
        self, mentee: MenteeProfile, positions: IntArray | None = None
    ) -> npt.NDArray[np.int32]:
        orgs = self.orgs if positions is None else self.orgs[positions]
        departments = self.departments if positions is None else self.departments[positions]
        other_org = orgs != self.org_codes.get(mentee.org_id, -2)
        if mentee.department is None:
            return np.where(other_org, FULL, 1).astype(np.int32)
        unknown = departments == _NO_CODE
        differs = departments != self._my_department(mentee)
        return np.where(other_org | (differs & ~unknown), FULL, np.where(unknown, 1, 0)).astype(
            np.int32
        )

    def filtered_numerators(
        self, mentee: MenteeProfile, rules: PairRules
    ) -> tuple[npt.NDArray[np.int32], int]:
        """X as in `numerators`, but EXCLUDED (far below any threshold) where not allowed.

        The fast path of `suggest`: availability rides on the facet table and org policy on a
        per-org table, each as a large negative penalty, so exclusion costs no extra pass;
        only the mentee's own org (departments) and listed pairs are fixed up one by one.
        """
        w = self.weights
        facet_points = self._facet_points(mentee)
        facet_points[self.facet_columns[:, 4] == 0] = -_PENALTY  # unavailable
        my_org = self.org_codes.get(mentee.org_id, -2)
        org_points = np.where(
            self._org_verdicts(mentee, rules), w.different_unit * FULL, -_PENALTY
        ).astype(np.int32)
        if my_org >= 0:
            org_points[my_org] = 0  # fixed up below, candidate by candidate
        denominator = topic_denominator(mentee)
        total = self.topic_sums(mentee) * np.int32(2 * w.topics)
        total += (facet_points[self.facets] + org_points[self.orgs]) * np.int32(denominator)
        if my_org >= 0:
            members = self.org_members[my_org]
            unit = self._different_unit_halves(mentee, members)
            total[members] += unit * np.int32(w.different_unit * denominator)
            if rules.require_different_department and mentee.department is not None:
                same = self.departments[members] == self._my_department(mentee)
                total[members[same]] = EXCLUDED
        for mentor_id in rules.blocked_mentors(mentee.id):
            found = self.position.get(mentor_id)
            if found is not None:
                total[found] = EXCLUDED
        me = self.position.get(mentee.id)
        if me is not None:
            total[me] = EXCLUDED
        return total, 2 * denominator

    def scores(self, mentee: MenteeProfile) -> IntArray:
        """Every candidate's score (0..100), as `scoring.score_value` would give it."""
        numerators, denominator = self.numerators(mentee)
        return (2 * numerators + denominator) // (2 * denominator)

    # --- hard constraints -------------------------------------------------------------------

    def allowed(self, mentee: MenteeProfile, rules: PairRules) -> BoolArray:
        """Candidates that pass every hard constraint of `constraints.check_pair`."""
        mask = self.available & self._org_mask(mentee, rules)
        if rules.require_different_department and mentee.department is not None:
            mask &= self.departments != self._my_department(mentee)
        for mentor_id in rules.blocked_mentors(mentee.id):
            found = self.position.get(mentor_id)
            if found is not None:
                mask[found] = False
        me = self.position.get(mentee.id)
        if me is not None:
            mask[me] = False
        return mask

    def _org_verdicts(self, mentee: MenteeProfile, rules: PairRules) -> BoolArray:
        """Per org code: may this mentee be paired with a mentor of that org?"""
        return np.array(
            [
                org == mentee.org_id
                or (mentee.open_to_other_orgs and rules.orgs_allow(mentee.org_id, org))
                for org in self.org_codes
            ],
            dtype=np.bool_,
        )

    def _org_mask(self, mentee: MenteeProfile, rules: PairRules) -> BoolArray:
        verdicts = self._org_verdicts(mentee, rules)
        if verdicts.all():
            return np.ones(len(self), dtype=np.bool_)
        return verdicts[self.orgs]

    def exclusion_counts(self, mentee: MenteeProfile, rules: PairRules) -> Counter[ExclusionReason]:
        """How many candidates each hard constraint excludes (first applicable reason)."""
        counts: Counter[ExclusionReason] = Counter()
        not_allowed = np.flatnonzero(~self.allowed(mentee, rules))
        for i in not_allowed.tolist():  # only on the short path: a shortfall needs reasons
            exclusion = check_pair(mentee, self.mentors[i], rules)
            if exclusion is not None:
                counts[exclusion.reason] += 1
        return counts


def minimum_numerator(score: int, denominator: int) -> int:
    """The smallest X with round_half_up(X, Q) ≥ score."""
    return -(-((2 * score - 1) * denominator) // 2)


def suggest(
    index: CandidateIndex,
    mentee: MenteeProfile,
    rules: PairRules,
    k: int = 10,
    min_score: int = 0,
) -> Suggestions:
    """The k best allowed candidates by (score desc, id asc), with explanations."""
    if k <= 0:
        return Suggestions((), None)
    numerators, denominator = index.filtered_numerators(mentee, rules)
    floor = max(minimum_numerator(min_score, denominator), 0)  # allowed candidates have X ≥ 0
    count = len(index)
    if k < count:
        kth = int(np.partition(numerators, count - k)[count - k])
        if kth >= floor:
            # Everything that ties with the k-th score, so ids can break the tie exactly.
            floor = minimum_numerator(round_half_up(kth, denominator), denominator)
    chosen = np.flatnonzero(numerators >= floor)
    chosen_scores = (2 * numerators[chosen].astype(np.int64) + denominator) // (2 * denominator)
    order = np.lexsort((chosen, -chosen_scores))[:k]
    items = tuple(
        Suggestion(
            index.mentors[i].id, score_pair(mentee, index.mentors[i], index.weights, index.scheme)
        )
        for i in chosen[order].tolist()
    )
    shortfall = None
    if len(items) < k:
        allowed_count = int(np.count_nonzero(numerators >= 0))
        shortfall = _shortfall(index, mentee, rules, k, min_score, len(items), allowed_count)
    return Suggestions(items, shortfall)


def _shortfall(
    index: CandidateIndex,
    mentee: MenteeProfile,
    rules: PairRules,
    k: int,
    min_score: int,
    found: int,
    allowed_count: int,
) -> str:
    parts = [f"{found} of {k} suggestions: {len(index)} candidates"]
    excluded = index.exclusion_counts(mentee, rules)
    for reason in ExclusionReason:
        if excluded[reason]:
            parts.append(f"{excluded[reason]} excluded because {_REASON_TEXT[reason]}")
    below = allowed_count - found
    if below:
        parts.append(f"{below} allowed but scoring below the minimum {min_score}")
    return "; ".join(parts)


_REASON_TEXT = {
    ExclusionReason.SAME_PERSON: "it is the mentee themselves",
    ExclusionReason.MENTOR_UNAVAILABLE: "they are paused or have no free capacity",
    ExclusionReason.MANAGEMENT_CHAIN: "of the management chain",
    ExclusionReason.NEVER_AGAIN: "the pair is marked never again",
    ExclusionReason.COORDINATOR_FORBIDDEN: "the coordinator forbade the pair",
    ExclusionReason.NOT_OPEN_TO_OTHER_ORGS: "they are in another organisation",
    ExclusionReason.ORG_POLICY: "organisation policy does not allow the pair",
    ExclusionReason.SAME_DEPARTMENT: "the scheme needs a different department",
}


def suggest_scalar(
    mentors: Sequence[MentorProfile],
    mentee: MenteeProfile,
    rules: PairRules,
    k: int = 10,
    min_score: int = 0,
    weights: Weights = DEFAULT_WEIGHTS,
    scheme: SchemeKind = SchemeKind.ONE_TO_ONE,
) -> list[tuple[str, int]]:
    """Reference: a plain loop over candidates, (mentor id, score) best first."""
    scored = (
        (score_value(mentee, mentor, weights, scheme), mentor.id)
        for mentor in mentors
        if check_pair(mentee, mentor, rules) is None
    )
    best = heapq.nsmallest(k, ((-s, i) for s, i in scored if s >= min_score))
    return [(mentor_id, -negative) for negative, mentor_id in best]
