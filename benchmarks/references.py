"""Reference solvers the benchmark compares against (not used by the engine)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow
from scipy.optimize import linear_sum_assignment

Totals = tuple[int, int]  # (matched, total score)


def scipy_over_slots(scores: npt.NDArray[np.int8], capacities: npt.NDArray[np.int64]) -> Totals:
    """linear_sum_assignment over one column per mentor seat, big bonus per match."""
    n = scores.shape[0]
    seats = np.repeat(np.arange(scores.shape[1]), capacities)
    value = scores[:, seats]
    bonus = 101 * (n + 1)
    gain = np.where(value >= 0, bonus + value.astype(np.float64), 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    chosen = value[rows, cols] >= 0
    return int(chosen.sum()), int(value[rows, cols][chosen].astype(np.int64).sum())


def full_min_cost_flow(scores: npt.NDArray[np.int8], capacities: npt.NDArray[np.int64]) -> Totals:
    """OR-Tools max flow with min cost over every allowed pair (no pruning)."""
    n, m = scores.shape
    flow = SimpleMinCostFlow()
    for start in range(0, n, 1000):  # add arcs in blocks to bound the temporary arrays
        rows, cols = np.nonzero(scores[start : start + 1000] >= 0)
        flow.add_arcs_with_capacity_and_unit_cost(
            rows + start + 1,
            cols + n + 1,
            np.ones(len(rows), np.int64),
            -scores[rows + start, cols].astype(np.int64),
        )
    sink = n + m + 1
    flow.add_arcs_with_capacity_and_unit_cost(
        np.zeros(n, np.int64), np.arange(1, n + 1), np.ones(n, np.int64), np.zeros(n, np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n + 1, n + m + 1), np.full(m, sink), capacities, np.zeros(m, np.int64)
    )
    flow.set_node_supply(0, n)
    flow.set_node_supply(sink, -n)
    if flow.solve_max_flow_with_min_cost() != SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError("reference min-cost flow failed")
    return int(flow.maximum_flow()), int(-flow.optimal_cost())


def greedy(scores: npt.NDArray[np.int8], capacities: npt.NDArray[np.int64]) -> Totals:
    """Each mentee in turn takes their best allowed mentor that still has a seat."""
    seats = capacities.copy()
    matched, total = 0, 0
    for row in scores:
        masked = np.where(seats > 0, row, -1)
        best = int(masked.argmax())
        if masked[best] >= 0:
            seats[best] -= 1
            matched += 1
            total += int(masked[best])
    return matched, total
