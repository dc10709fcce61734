"""Cohort assignment over a score matrix: exact optimum or a stable matching.

Optimal mode maximises the number of matched mentees, then the total score, exactly.
It solves a min-cost flow (OR-Tools) on a pruned graph — each mentee's best arcs and each
mentor's best mentees — and then proves the pruned solution optimal for the full graph:

  * Lexicographic costs: an arc (i, j) costs -(B + s_ij) with B > 100·n, so one more match
    outweighs any change in total score; the optimum is a min-cost circulation (with a free
    return arc sink -> source).
  * Node potentials π are shortest-path distances in the residual graph of the pruned
    solution (from a virtual root joined to every node). Every residual arc of the pruned graph
    then has reduced cost c + π(u) - π(v) ≥ 0, which is checked, not assumed.
  * A pruned arc (i, j) carries no flow, so its residual arc is i -> j. If its reduced cost is
    also ≥ 0 for every pruned arc, π proves that no negative cycle exists in the full residual
    graph, i.e. the pruned solution is optimal for the full problem. Otherwise the violating
    arcs are added and the pruned problem is solved again, until no violation remains.

Stable mode is mentee-proposing deferred acceptance with capacities (hospital/resident),
run in vectorised rounds. Both modes take pinned pairs first and never use a pair the score
matrix marks as not allowed (score < 0) or that scores below `min_score`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from matching.errors import CertificateError, ConstraintViolationError

IntArray = npt.NDArray[np.int64]
NOT_ALLOWED = -1  # a score matrix entry for a pair a hard constraint excludes

# Pruning widths; any choice is exact (the certificate adds what is missing), these are fast.
MENTEE_ARCS = 8
MENTOR_EXTRA_ARCS = 6  # each mentor keeps 2·capacity + this many of its best mentees
TIE_STRIDE = 7919  # a prime: where each row starts taking tied cells, row·stride mod width
CHUNK_CELLS = 1 << 22  # cells per block when sweeping the full matrix
TILE_ROWS = 256  # rows per tile when transposing a block


class Mode(enum.StrEnum):
    OPTIMAL = "optimal"
    STABLE = "stable"


@dataclass(frozen=True)
class AssignmentProblem:
    """`scores[i, j]` is 0..100 for an allowed pair and NOT_ALLOWED otherwise."""

    scores: npt.NDArray[np.integer]
    capacities: npt.NDArray[np.integer]
    pinned: Sequence[tuple[int, int]] = ()
    min_score: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.scores.shape
        return int(rows), int(cols)


@dataclass(frozen=True)
class SolveStats:
    rounds: int = 0  # pruned solves (1 when the first pruned solution was already optimal)
    arcs_total: int = 0  # allowed arcs of the full problem
    arcs_used: int = 0  # arcs in the last pruned graph
    arcs_added: int = 0  # arcs the certificate put back


@dataclass(frozen=True)
class AssignmentResult:
    pairs: tuple[tuple[int, int, int], ...]  # (mentee, mentor, score), pinned pairs included
    waiting: tuple[tuple[int, str], ...]  # (mentee, reason), best prospects first
    matched: int
    total_score: int
    stats: SolveStats = field(default_factory=SolveStats)


def assign(
    problem: AssignmentProblem, mode: Mode = Mode.OPTIMAL, *, prune: bool = True
) -> AssignmentResult:
    n, m = problem.shape
    capacities = np.asarray(problem.capacities, dtype=np.int64)
    if capacities.shape != (m,):
        raise ValueError(f"capacities: expected {m} values, got {capacities.shape}")
    if (capacities < 0).any():
        raise ValueError("capacities: must be ≥ 0")
    pinned = _check_pins(problem, capacities)
    seats = capacities.copy()
    for _, j in pinned:
        seats[j] -= 1
    free_mentees = np.ones(n, dtype=np.bool_)
    for i, _ in pinned:
        free_mentees[i] = False

    eligible_floor = max(problem.min_score, 0)
    if mode is Mode.OPTIMAL:
        pairs, stats = _optimal(problem.scores, seats, free_mentees, eligible_floor, prune=prune)
    else:
        pairs, stats = _stable(problem.scores, seats, free_mentees, eligible_floor), SolveStats()

    scores = problem.scores
    all_pairs = sorted(
        [(i, j, int(scores[i, j])) for i, j in pinned]
        + [(i, j, int(scores[i, j])) for i, j in pairs]
    )
    matched_mask = np.zeros(n, dtype=np.bool_)
    for i, _, _ in all_pairs:
        matched_mask[i] = True
    waiting = _waiting(problem, seats, matched_mask, mode)
    return AssignmentResult(
        pairs=tuple(all_pairs),
        waiting=waiting,
        matched=len(all_pairs),
        total_score=sum(s for _, _, s in all_pairs),
        stats=stats,
    )


def _check_pins(problem: AssignmentProblem, capacities: IntArray) -> list[tuple[int, int]]:
    n, m = problem.shape
    seen: set[int] = set()
    load = np.zeros(m, dtype=np.int64)
    pins = []
    for k, (i, j) in enumerate(problem.pinned):
        if not (0 <= i < n and 0 <= j < m):
            raise ConstraintViolationError(f"pinned[{k}]: no such mentee or mentor")
        if i in seen:
            raise ConstraintViolationError(f"pinned[{k}]: mentee pinned twice")
        if problem.scores[i, j] < 0:
            raise ConstraintViolationError(f"pinned[{k}]: the pair is not allowed")
        seen.add(i)
        load[j] += 1
        if load[j] > capacities[j]:
            raise ConstraintViolationError(
                f"pinned[{k}]: mentor capacity {capacities[j]} exceeded by pinned pairs"
            )
        pins.append((int(i), int(j)))
    return pins


# --- waiting list --------------------------------------------------------------------------------


def _waiting(
    problem: AssignmentProblem, seats: IntArray, matched: npt.NDArray[np.bool_], mode: Mode
) -> tuple[tuple[int, str], ...]:
    scores = problem.scores
    floor = max(problem.min_score, 0)
    has_seats = problem.capacities > 0
    rows = []
    for i in np.flatnonzero(~matched).tolist():
        row = scores[i]
        allowed = row >= 0
        if not allowed.any():
            rows.append((2, 0, i, "no allowed mentor: hard constraints exclude every mentor"))
            continue
        best = int(row.max())
        if not (allowed & has_seats).any():
            rows.append((1, -best, i, "no allowed mentor has any capacity"))
        elif best < floor:
            rows.append((1, -best, i, f"no allowed mentor scores ≥ {floor} (best {best})"))
        else:
            count = int(((row >= floor) & has_seats).sum())
            why = (
                "places go to mentees they prefer"
                if mode is Mode.STABLE
                else "their places are needed to match more mentees or a higher total"
            )
            rows.append(
                (0, -best, i, f"all {count} allowed mentors scoring ≥ {floor} are full: {why}")
            )
    rows.sort()
    return tuple((i, reason) for _, _, i, reason in rows)


# --- optimal mode ---------------------------------------------------------------------------------


@dataclass
class _Network:
    """The active part of the problem: mentees with a free seat to go to, mentors with seats."""

    mentees: IntArray  # original row of each active mentee
    mentors: IntArray  # original column of each active mentor
    seats: IntArray
    big: int  # B of the lexicographic costs

    def node_of_mentee(self, local: IntArray) -> IntArray:
        return local + 1

    def node_of_mentor(self, local: IntArray) -> IntArray:
        return local + 1 + len(self.mentees)

    @property
    def sink(self) -> int:
        return len(self.mentees) + len(self.mentors) + 1

    @property
    def node_count(self) -> int:
        return self.sink + 1


def _optimal(
    scores: npt.NDArray[np.integer],
    seats: IntArray,
    free_mentees: npt.NDArray[np.bool_],
    floor: int,
    *,
    prune: bool,
) -> tuple[list[tuple[int, int]], SolveStats]:
    mentor_cols = np.flatnonzero(seats > 0)
    mentee_rows = np.flatnonzero(free_mentees)
    if len(mentor_cols) == 0 or len(mentee_rows) == 0:
        return [], SolveStats()
    sub = _block(scores, mentee_rows, mentor_cols)
    net = _Network(mentee_rows, mentor_cols, seats[mentor_cols], big=101 * (len(mentee_rows) + 1))
    eligible_count = _count_eligible(sub, floor)
    if prune:
        rows, cols = _pruned_arcs(sub, net.seats, floor)
    else:
        rows, cols = np.nonzero(sub >= floor)
    rounds, added = 0, 0
    while True:
        rounds += 1
        arc_scores = sub[rows, cols].astype(np.int64)
        flows = _solve_flow(net, rows, cols, arc_scores)
        if not prune:
            break
        potentials = _potentials(net, rows, cols, arc_scores, flows)
        violating_rows, violating_cols = _violations(
            sub, floor, net, potentials, rows[flows], cols[flows]
        )
        if len(violating_rows) == 0:
            break
        added += len(violating_rows)
        rows = np.concatenate([rows, violating_rows])
        cols = np.concatenate([cols, violating_cols])
    pairs = list(
        zip(mentee_rows[rows[flows]].tolist(), mentor_cols[cols[flows]].tolist(), strict=True)
    )
    return pairs, SolveStats(rounds, eligible_count, len(rows), added)


def _block(
    scores: npt.NDArray[np.integer], rows: IntArray, cols: IntArray
) -> npt.NDArray[np.int16]:
    """The scores of the active rows and columns (no copy of a full matrix when all are active)."""
    n, m = scores.shape
    block = scores if len(rows) == n else scores[rows]
    block = block if len(cols) == m else block[:, cols]
    return np.asarray(block, dtype=np.int16)  # no copy when it already is int16


def _row_chunks(shape: tuple[int, int]) -> list[slice]:
    rows, cols = shape
    step = max(1, CHUNK_CELLS // max(cols, 1))
    return [slice(start, min(start + step, rows)) for start in range(0, rows, step)]


def _count_eligible(sub: npt.NDArray[np.int16], floor: int) -> int:
    return sum(int(np.count_nonzero(sub[chunk] >= floor)) for chunk in _row_chunks(sub.shape))


def _pruned_arcs(
    sub: npt.NDArray[np.int16], seats: IntArray, floor: int
) -> tuple[IntArray, IntArray]:
    """Each mentee's best MENTEE_ARCS arcs and each mentor's best 2·seats + extra mentees."""
    n, m = sub.shape
    keep = []
    for chunk in _row_chunks(sub.shape):
        widths = np.full(chunk.stop - chunk.start, MENTEE_ARCS)
        rows, cols = _best_in_rows(sub[chunk], widths, floor, chunk.start)
        keep.append((rows + chunk.start, cols))
    depth = np.clip(2 * seats + MENTOR_EXTRA_ARCS, 0, n)
    for col_chunk in _row_chunks((m, n)):
        block = _transposed(sub, col_chunk)
        cols, rows = _best_in_rows(block, depth[col_chunk], floor, col_chunk.start)
        keep.append((rows, cols + col_chunk.start))
    rows = np.concatenate([r for r, _ in keep]).astype(np.int64)
    cols = np.concatenate([c for _, c in keep]).astype(np.int64)
    unique = _distinct(rows * m + cols)
    return unique // m, unique % m


def _distinct(values: IntArray) -> IntArray:
    """np.unique without its first call's import of numpy.ma (tens of ms of a CLI start)."""
    ordered: IntArray = np.sort(values)
    if len(ordered) == 0:
        return ordered
    first: IntArray = ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]
    return first


def _transposed(sub: npt.NDArray[np.int16], cols: slice) -> npt.NDArray[np.int16]:
    """sub[:, cols].T as a contiguous array, copied in tiles of TILE_ROWS rows: a copy in one
    go strides through memory and took ~6× as long."""
    rows = sub.shape[0]
    out = np.empty((cols.stop - cols.start, rows), dtype=sub.dtype)
    for start in range(0, rows, TILE_ROWS):
        out[:, start : start + TILE_ROWS] = sub[start : start + TILE_ROWS, cols].T
    return out


def _best_in_rows(
    block: npt.NDArray[np.int16], width: IntArray, floor: int, first_row: int
) -> tuple[IntArray, IntArray]:
    """The `width[r]` best cells ≥ floor of each row r, as (rows, columns); rows are numbered
    from `first_row` for the tie-break. A partition finds each row's width-th best value, then
    a sweep takes what is above it and enough of what equals it: an argpartition of the whole
    block took ~8× as long."""
    rows, cols = block.shape
    width = np.minimum(width, cols)
    if rows == 0 or not width.any():
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    kth = _distinct(cols - width[width > 0])
    part = np.partition(block, kth, axis=1)
    threshold = np.maximum(part[np.arange(rows), np.minimum(cols - width, cols - 1)], floor)
    threshold[width == 0] = np.iinfo(np.int16).max  # nothing is above it
    found_rows, found_cols = np.nonzero(block >= threshold[:, None])
    tied = block[found_rows, found_cols] == threshold[found_rows]
    above_rows, above_cols = found_rows[~tied], found_cols[~tied]
    room = width - np.bincount(above_rows, minlength=rows)
    # of the tied cells, each row keeps `room`, taken from a column that varies by row so that
    # ties do not all go to the first mentors
    tie_rows, tie_cols = found_rows[tied], found_cols[tied]
    start = ((np.arange(rows) + first_row) * TIE_STRIDE) % cols
    order = np.lexsort(((tie_cols - start[tie_rows]) % cols, tie_rows))
    tie_rows, tie_cols = tie_rows[order], tie_cols[order]
    rank = np.arange(len(tie_rows)) - np.searchsorted(tie_rows, tie_rows)
    chosen = rank < room[tie_rows]
    found_rows = np.concatenate([above_rows, tie_rows[chosen]])
    found_cols = np.concatenate([above_cols, tie_cols[chosen]])
    return found_rows.astype(np.int64), found_cols.astype(np.int64)


def _solve_flow(
    net: _Network, rows: IntArray, cols: IntArray, arc_scores: IntArray
) -> npt.NDArray[np.bool_]:
    """Max flow, then min cost: which of the given arcs carry a match."""
    n, m = len(net.mentees), len(net.mentors)
    flow = SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        net.node_of_mentee(rows),
        net.node_of_mentor(cols),
        np.ones(len(rows), np.int64),
        -arc_scores,
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.zeros(n, np.int64),
        net.node_of_mentee(np.arange(n)),
        np.ones(n, np.int64),
        np.zeros(n, np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        net.node_of_mentor(np.arange(m)),
        np.full(m, net.sink, np.int64),
        net.seats,
        np.zeros(m, np.int64),
    )
    flow.set_node_supply(0, n)
    flow.set_node_supply(net.sink, -n)
    status = flow.solve_max_flow_with_min_cost()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise CertificateError(f"min-cost flow failed with status {status}")
    flows: npt.NDArray[np.int64] = flow.flows(np.asarray(pair_arcs, dtype=np.int64))
    return flows > 0


def _potentials(
    net: _Network, rows: IntArray, cols: IntArray, arc_scores: IntArray, used: npt.NDArray[np.bool_]
) -> IntArray:
    """Shortest-path distances in the residual graph of the pruned solution, verified."""
    n, m = len(net.mentees), len(net.mentors)
    mentee_nodes = net.node_of_mentee(np.arange(n))
    mentor_nodes = net.node_of_mentor(np.arange(m))
    matched = np.zeros(n, dtype=np.bool_)
    matched[rows[used]] = True
    load = np.bincount(cols[used], minlength=m)
    pair_cost = -(net.big + arc_scores)
    source, sink = 0, net.sink
    total_flow = int(used.sum())
    tails = [
        np.where(used, net.node_of_mentor(cols), net.node_of_mentee(rows)),
        np.where(matched, mentee_nodes, source),
        mentor_nodes[load < net.seats],
        np.full(int((load > 0).sum()), sink),
        np.array([sink] + ([source] if total_flow else [])),
    ]
    heads = [
        np.where(used, net.node_of_mentee(rows), net.node_of_mentor(cols)),
        np.where(matched, source, mentee_nodes),
        np.full(int((load < net.seats).sum()), sink),
        mentor_nodes[load > 0],
        np.array([source] + ([sink] if total_flow else [])),
    ]
    costs = [np.where(used, -pair_cost, pair_cost)] + [
        np.zeros(len(t), np.int64) for t in tails[1:]
    ]
    tail, head, cost = (np.concatenate(parts).astype(np.int64) for parts in (tails, heads, costs))
    distances = _shortest_distances(net.node_count, tail, head, cost)
    if (cost + distances[tail] - distances[head] < 0).any():
        raise CertificateError("potentials do not satisfy the residual arcs of the pruned graph")
    return distances


def _shortest_distances(nodes: int, tail: IntArray, head: IntArray, cost: IntArray) -> IntArray:
    """Distances from a virtual root joined to every node by a 0-cost arc (Bellman-Ford).

    Relaxes all arcs at once per pass; on these residual graphs shortest paths have few arcs,
    so it settles within a handful of passes. More than `nodes` passes means a negative cycle,
    which an optimal pruned solution cannot have.
    """
    distance = np.zeros(nodes, dtype=np.int64)
    for _ in range(nodes + 1):
        relaxed = distance.copy()
        np.minimum.at(relaxed, head, distance[tail] + cost)
        if np.array_equal(relaxed, distance):
            return distance
        distance = relaxed
    raise CertificateError("negative cycle in the residual graph of the pruned solution")


def _violations(
    sub: npt.NDArray[np.int16],
    floor: int,
    net: _Network,
    potentials: IntArray,
    matched_rows: IntArray,
    matched_cols: IntArray,
) -> tuple[IntArray, IntArray]:
    """Unused eligible arcs whose reduced cost -(B + s) + π(i) - π(j) is negative.

    At most MENTEE_ARCS per mentee, the most negative first, so a round stays small.
    """
    n, m = sub.shape
    mentee_pi = potentials[net.node_of_mentee(np.arange(n))] - net.big
    mentor_pi = potentials[net.node_of_mentor(np.arange(m))]
    matched_col_of = np.full(n, -1, dtype=np.int64)
    matched_col_of[matched_rows] = matched_cols
    # slack = π'(i) - π(j) - s_ij, in the narrowest integer type that holds it: the potentials
    # of an optimum lie close together, so it is mostly int16 and the block needs no copy
    kind = _slack_type(mentee_pi, mentor_pi)
    base = int(mentor_pi.min())
    mentee_side, mentor_side = (mentee_pi - base).astype(kind), (mentor_pi - base).astype(kind)
    width = min(MENTEE_ARCS, m)
    found_rows, found_cols = [], []
    for chunk in _row_chunks(sub.shape):
        block = sub[chunk].astype(kind, copy=False)
        slack = mentee_side[chunk, None] - mentor_side[None, :] - block
        bad = (block >= floor) & (slack < 0)  # violation: s_ij > π'(i) - π(j)
        has_match = matched_col_of[chunk] >= 0
        bad[np.flatnonzero(has_match), matched_col_of[chunk][has_match]] = False
        hit = np.flatnonzero(bad.any(axis=1))
        if len(hit) == 0:
            continue
        slack, bad = slack[hit], bad[hit]
        slack[~bad] = np.iinfo(kind).max
        worst = np.argpartition(slack, width - 1, axis=1)[:, :width]
        keep = np.take_along_axis(bad, worst, axis=1)
        found_rows.append(np.repeat(chunk.start + hit, width).reshape(-1, width)[keep])
        found_cols.append(worst[keep])
    if not found_rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(found_rows).astype(np.int64), np.concatenate(found_cols).astype(np.int64)


def _slack_type(mentee_pi: IntArray, mentor_pi: IntArray) -> type[np.signedinteger[Any]]:
    """int16, int32 or int64: the first that holds every value `_violations` computes."""
    low_a, high_a = int(mentee_pi.min()), int(mentee_pi.max())
    low_b, high_b = int(mentor_pi.min()), int(mentor_pi.max())
    low = min(low_a - high_b - 101, low_a - low_b, 0)
    high = max(high_a - low_b + 101, high_b - low_b, high_a - low_b)
    for kind in (np.int16, np.int32):
        limits = np.iinfo(kind)
        if limits.min < low and high < limits.max:
            return kind
    return np.int64


# --- stable mode ---------------------------------------------------------------------------

LOOKAHEAD = 16  # mentors a proposer inspects per round, skipping those who would refuse


def _stable(
    scores: npt.NDArray[np.integer],
    seats: IntArray,
    free_mentees: npt.NDArray[np.bool_],
    floor: int,
) -> list[tuple[int, int]]:
    """Mentee-proposing deferred acceptance; strict preferences by (score desc, index asc).

    Rounds: every free mentee proposes to the next mentor on its list that would not refuse
    it outright (a full mentor refuses anyone below its worst held mentee; thresholds only
    rise, so skipping is safe). Each mentor keeps its best `seats` among held and new.
    """
    n, m = scores.shape
    scores16 = np.asarray(scores, dtype=np.int16)
    acceptable = (scores16 >= floor) & (seats[None, :] > 0) & free_mentees[:, None]
    masked = np.where(acceptable, scores16, np.int16(-1))
    preference = np.empty((n, m), dtype=np.int32)
    for chunk in _row_chunks((n, m)):  # argsort's int64 output only a block at a time
        preference[chunk] = np.argsort(-masked[chunk], axis=1, kind="stable")
    list_length = acceptable.sum(axis=1)
    # mentor j ranks mentee i by key = score·n + (n - 1 - i): higher is better, never tied
    threshold = np.full(m, -1, dtype=np.int64)
    held_by = np.full(n, -1, dtype=np.int64)
    cursor = np.zeros(n, dtype=np.int64)
    proposers = np.flatnonzero(list_length > 0)
    while len(proposers):
        proposers, offers = _next_offers(
            proposers, cursor, preference, list_length, masked, threshold, n
        )
        if len(proposers) == 0:
            break
        proposers = _accept_best(proposers, offers, held_by, masked, seats, threshold, n)
    return [(i, int(held_by[i])) for i in np.flatnonzero(held_by >= 0).tolist()]


def _next_offers(
    proposers: IntArray,
    cursor: IntArray,
    preference: npt.NDArray[np.int32],
    list_length: IntArray,
    masked: npt.NDArray[np.int16],
    threshold: IntArray,
    n: int,
) -> tuple[IntArray, IntArray]:
    """For each proposer, the first mentor (within a window) that would hold it."""
    offers = np.full(len(proposers), -1, dtype=np.int64)
    pending = np.ones(len(proposers), dtype=np.bool_)
    while pending.any():
        who = proposers[pending]
        start = cursor[who]
        window = start[:, None] + np.arange(LOOKAHEAD)[None, :]
        inside = window < list_length[who][:, None]
        window = np.minimum(window, preference.shape[1] - 1)
        mentors = preference[who[:, None], window]
        keys = masked[who[:, None], mentors].astype(np.int64) * n + (n - 1 - who)[:, None]
        good = inside & (keys > threshold[mentors])
        first = good.argmax(axis=1)
        found = good[np.arange(len(who)), first]
        slots = np.flatnonzero(pending)
        offers[slots[found]] = mentors[found, first[found]]
        cursor[who[found]] = start[found] + first[found] + 1
        cursor[who[~found]] = start[~found] + LOOKAHEAD
        exhausted = ~found & (cursor[who] >= list_length[who])
        pending[slots[found | exhausted]] = False
    keep = offers >= 0
    return proposers[keep], offers[keep]


def _accept_best(
    proposers: IntArray,
    offers: IntArray,
    held_by: IntArray,
    masked: npt.NDArray[np.int16],
    seats: IntArray,
    threshold: IntArray,
    n: int,
) -> IntArray:
    """Each mentor keeps its best `seats` among held and new mentees; returns the rejected."""
    touched = _distinct(offers)
    is_touched = np.zeros(len(seats), dtype=np.bool_)
    is_touched[touched] = True
    holders = np.flatnonzero((held_by >= 0) & is_touched[np.maximum(held_by, 0)])
    mentees = np.concatenate([holders, proposers])
    mentors = np.concatenate([held_by[holders], offers])
    keys = masked[mentees, mentors].astype(np.int64) * n + (n - 1 - mentees)
    order = np.lexsort((-keys, mentors))
    mentees, mentors, keys = mentees[order], mentors[order], keys[order]
    group_start = np.searchsorted(mentors, mentors, side="left")
    rank = np.arange(len(mentors)) - group_start
    kept = rank < seats[mentors]
    held_by[mentees[~kept]] = -1
    held_by[mentees[kept]] = mentors[kept]
    # a mentor that is now full refuses anyone below its worst kept mentee
    full_last = kept & (rank == seats[mentors] - 1)
    threshold[mentors[full_last]] = keys[full_last]
    rejected: IntArray = mentees[~kept]
    return rejected
