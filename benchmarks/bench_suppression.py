"""`python -m benchmarks.bench_suppression`: how long secondary suppression and its audit take
for the largest pipeline table (religion or belief: 10 categories + total, 15 stage and outcome
columns + workforce), for a pilot-sized scheme (mostly small cells) and a large one.

The goal: a pipeline page in well under a second even when most cells need protecting."""

from __future__ import annotations

import random
import statistics
import time

from orgs.people.equality import Characteristic, reporting_categories
from orgs.records.pipeline import OUTCOMES, STAGES, TOTAL, WORKFORCE, relations_of
from orgs.records.suppression import suppress

ROWS = reporting_categories(Characteristic.RELIGION_OR_BELIEF)
COLUMNS = [*STAGES, *OUTCOMES, WORKFORCE]


def table(people: int, rng: random.Random) -> dict[tuple[str, str], int]:
    """A funnel: each stage keeps a share of the one before; placed + waiting = shortlisted."""
    values: dict[tuple[str, str], int] = {}
    for row in ROWS:
        n = rng.randint(0, max(1, 2 * people // len(ROWS)))
        applied = n
        values[(row, "registered_interest")] = n + rng.randint(0, 3)
        values[(row, "applied")] = applied
        values[(row, "eligible")] = eligible = rng.randint(0, applied)
        values[(row, "approved")] = approved = rng.randint(0, eligible)
        values[(row, "placed")] = placed = rng.randint(0, approved)
        values[(row, "waiting")] = waiting = approved - placed
        values[(row, "shortlisted")] = placed + waiting
        values[(row, "matched")] = matched = rng.randint(0, placed)
        values[(row, "completed")] = rng.randint(0, matched)
        for outcome in OUTCOMES:
            values[(row, outcome)] = rng.randint(0, matched)
        values[(row, WORKFORCE)] = rng.randint(0, 40 * people)
    for column in COLUMNS:
        values[(TOTAL, column)] = sum(values[(r, column)] for r in ROWS)
    return values


def measure(people: int, runs: int = 20) -> tuple[float, float, float]:
    rng = random.Random(people)
    times, hidden = [], []
    relations = relations_of(ROWS, COLUMNS)
    for _ in range(runs):
        values = table(people, rng)
        start = time.perf_counter()
        result = suppress(values, relations)
        times.append(time.perf_counter() - start)
        hidden.append(len(result.hidden) / len(values))
    return statistics.median(times), max(times), statistics.mean(hidden)


def main() -> None:
    print(f"table: {len(ROWS) + 1} rows x {len(COLUMNS)} columns")
    for people in (16, 100, 1000):
        median, worst, share = measure(people)
        print(
            f"{people:>5} people: median {median * 1000:7.1f} ms, worst {worst * 1000:7.1f} ms, "
            f"{share:5.1%} of cells hidden"
        )


if __name__ == "__main__":
    main()
