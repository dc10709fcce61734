"""One measurement in a fresh process: `python -m benchmarks.worker '<json task>'`.

Prints one JSON line: wall time of the measured call, peak resident memory of the whole
process (ru_maxrss: it sees native allocations, which tracemalloc does not) and the results.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from benchmarks import instances, ranking_cards, references
from matching.assignment import AssignmentProblem, Mode, assign
from matching.ranking import CandidateIndex, suggest, suggest_scalar


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def cpu_timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds (this process, all threads) of one call, and its value."""
    start, cpu = time.perf_counter(), time.process_time()
    value = call()
    return time.perf_counter() - start, time.process_time() - cpu, value


def run_assignment(task: dict[str, Any]) -> dict[str, Any]:
    scores = instances.score_matrix(task["shape"], task["n"], task["m"])
    capacities = instances.capacities(task["m"])
    solver = task["solver"]
    if solver in ("optimal", "stable"):
        problem = AssignmentProblem(scores, capacities)
        seconds, cpu, result = cpu_timed(lambda: assign(problem, Mode(solver)))
        out: dict[str, Any] = {
            "matched": result.matched,
            "total": result.total_score,
            "rounds": result.stats.rounds,
            "arcs_used": result.stats.arcs_used,
            "arcs_added": result.stats.arcs_added,
            "arcs_total": result.stats.arcs_total,
        }
        if task.get("pairs_file"):
            with open(task["pairs_file"], "w") as handle:
                json.dump(sorted([i, j] for i, j, _ in result.pairs), handle)
    else:
        reference = {
            "scipy": references.scipy_over_slots,
            "full_mcf": references.full_min_cost_flow,
            "greedy": references.greedy,
        }[solver]
        seconds, cpu, (matched, total) = cpu_timed(lambda: reference(scores, capacities))
        out = {"matched": matched, "total": total}
    return out | {"seconds": seconds, "cpu_seconds": cpu}


def export_preferences(task: dict[str, Any]) -> dict[str, Any]:
    """Strict preference lists (score desc, index asc) for the `matching` package."""
    scores = instances.score_matrix(task["shape"], task["n"], task["m"])
    n, m = scores.shape
    mentee_prefs = {}
    for i in range(n):
        allowed = np.flatnonzero(scores[i] >= 0)
        order = allowed[np.lexsort((allowed, -scores[i, allowed].astype(np.int64)))]
        mentee_prefs[f"e{i}"] = [f"r{j}" for j in order.tolist()]
    mentor_prefs = {}
    for j in range(m):
        allowed = np.flatnonzero(scores[:, j] >= 0)
        order = allowed[np.lexsort((allowed, -scores[allowed, j].astype(np.int64)))]
        mentor_prefs[f"r{j}"] = [f"e{i}" for i in order.tolist()]
    capacities = {f"r{j}": int(c) for j, c in enumerate(instances.capacities(m))}
    with open(task["path"], "w") as handle:
        json.dump(
            {"mentees": mentee_prefs, "mentors": mentor_prefs, "capacities": capacities}, handle
        )
    return {"seconds": 0.0}


def run_ranking(task: dict[str, Any]) -> dict[str, Any]:
    cards = ranking_cards.cards(task["cards"])
    rules = ranking_cards.rules()
    build_seconds, index = timed(lambda: CandidateIndex.build(cards))
    queries = ranking_cards.mentees(task["queries"] + 3)
    for mentee in queries[:3]:  # warm-up
        suggest(index, mentee, rules, 10)
    times, tops = [], []
    for mentee in queries[3:]:
        seconds, result = timed(partial(suggest, index, mentee, rules, 10))
        times.append(seconds)
        tops.append([(s.mentor_id, s.score.total) for s in result.items])
    per_query = np.array(times) * 1000
    return {
        "build_seconds": build_seconds,
        "mean_ms": float(per_query.mean()),
        "p95_ms": float(np.percentile(per_query, 95)),
        "seconds": float(per_query.mean() / 1000),
        "tops": tops[: task.get("compare", 0)],
    }


def run_ranking_loop(task: dict[str, Any]) -> dict[str, Any]:
    cards = ranking_cards.cards(task["cards"])
    rules = ranking_cards.rules()
    queries = ranking_cards.mentees(task["queries"] + 3)[3:]
    times, tops = [], []
    for mentee in queries:
        seconds, top = timed(partial(suggest_scalar, cards, mentee, rules, 10))
        times.append(seconds)
        tops.append([list(pair) for pair in top])
    return {"mean_ms": float(np.mean(times) * 1000), "seconds": float(np.mean(times)), "tops": tops}


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "assignment": run_assignment,
    "export_preferences": export_preferences,
    "ranking": run_ranking,
    "ranking_loop": run_ranking_loop,
}


def main() -> None:
    task = json.loads(sys.argv[1])
    result = TASKS[task["task"]](task)
    print(json.dumps(result | {"peak_mib": peak_mib()}))


if __name__ == "__main__":
    main()
