"""`python -m benchmarks [--quick] [--skip-slow-references] [--markdown FILE]`

Every measurement runs in a fresh subprocess (peak memory is that process's ru_maxrss, which
includes the instance itself). References run in the same session, so ratios compare like
with like on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import cohort_cli

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REFERENCE_VENV = HERE / ".venv-ref"
REFERENCE_PACKAGE = "matching==1.4.3"


@dataclass
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |"]
        lines.append("|" + "|".join("---" for _ in self.header) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"


def measure(task: dict[str, Any]) -> dict[str, Any]:
    """Run one task in a fresh interpreter and return its JSON report."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", json.dumps(task)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{completed.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return report


def reference_python() -> Path:
    """The interpreter of benchmarks/.venv-ref, created on demand with the PyPI package."""
    python = REFERENCE_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {REFERENCE_VENV} with {REFERENCE_PACKAGE} …", flush=True)
        venv.create(REFERENCE_VENV, with_pip=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", REFERENCE_PACKAGE], check=True
        )
    return python


def fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_mib(mib: float) -> str:
    return f"{mib / 1024:.2f} GiB" if mib >= 1024 else f"{mib:.0f} MiB"


def assignment_tables(sizes: list[tuple[int, int]], *, skip_slow: bool) -> list[Table]:
    tables = []
    for shape in ("uniform", "contended"):
        for n, m in sizes:
            big = n * m > 20_000_000
            table = Table(
                f"Assignment, {shape}, {n:,} mentees × {m:,} mentors (capacity 3, 30% forbidden)",
                (
                    "solver",
                    "time",
                    "peak memory",
                    "matched",
                    "total score",
                    "exact?",
                    "time vs ours",
                ),
            )
            base = {"task": "assignment", "shape": shape, "n": n, "m": m}
            ours = measure(base | {"solver": "optimal"})
            print(f"  {shape} {n}x{m} ours: {fmt_seconds(ours['seconds'])}", flush=True)
            best = (ours["matched"], ours["total"])
            table.rows.append(
                (
                    f"ours, optimal (pruned + certificate; {ours['rounds']} solve(s), "
                    f"{ours['arcs_used']:,} of {ours['arcs_total']:,} arcs)",
                    fmt_seconds(ours["seconds"]),
                    fmt_mib(ours["peak_mib"]),
                    f"{ours['matched']:,}",
                    f"{ours['total']:,}",
                    "—",
                    "1×",
                )
            )
            solvers = [("stable", "ours, stable mode"), ("greedy", "greedy baseline")]
            solvers += [
                ("full_mcf", "OR-Tools min-cost flow, all arcs"),
                ("scipy", "scipy linear_sum_assignment, seats"),
            ]
            for solver, label in solvers:
                if big and skip_slow and solver in ("full_mcf", "scipy"):
                    table.rows.append(
                        (label, "skipped (--skip-slow-references)", "", "", "", "", "")
                    )
                    continue
                report = measure(base | {"solver": solver})
                print(f"  {shape} {n}x{m} {solver}: {fmt_seconds(report['seconds'])}", flush=True)
                exact = (report["matched"], report["total"]) == best
                table.rows.append(
                    (
                        label,
                        fmt_seconds(report["seconds"]),
                        fmt_mib(report["peak_mib"]),
                        f"{report['matched']:,}",
                        f"{report['total']:,}",
                        "yes" if exact else "no",
                        f"{report['seconds'] / ours['seconds']:.1f}×",
                    )
                )
            tables.append(table)
    return tables


def _cli_inputs(n: int, m: int, folder: Path, *, json_scores: bool) -> None:
    args = [sys.executable, "-m", "benchmarks.cohort_cli", "contended", str(n), str(m), str(folder)]
    subprocess.run([*args, *(["--json-scores"] if json_scores else [])], cwd=REPO, check=True)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float

    def ratio(self, other: Timing) -> str:
        return f"{self.wall / other.wall:.1f}× wall, {self.cpu / other.cpu:.1f}× CPU"


def cli_table(n: int, m: int, *, skip_slow: bool, repeats: int) -> tuple[Table, list[str]]:
    """`mentornet cohort match` as a subprocess beside the in-process solve and the references,
    on the same contended instance; returns the table and the target lines. Wall and CPU time
    both: on a shared machine the wall time of a run depends on what else runs."""
    load = os.getloadavg()[0]
    table = Table(
        f"`mentornet cohort match`, contended {n:,} mentees × {m:,} mentors (capacity 3, 30% "
        f"forbidden), end to end (load average {load:.1f} on {os.cpu_count()} cores at the start)",
        ("run", "wall", "CPU", "peak memory", "matched", "total score", "exact?", "vs CLI"),
    )
    json_path = n * m <= 20_000_000  # one Python object per score: ~0.45 KiB each
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _cli_inputs(n, m, folder, json_scores=json_path)
        _cli_inputs(1, 1, folder / "tiny", json_scores=False)
        grid_mib = (folder / "scores.csv").stat().st_size / 2**20
        people, grid = folder / "people.json", folder / "scores.csv"
        cli = cohort_cli.median_run(
            [cohort_cli.run_cli(people, grid, folder) for _ in range(repeats)]
        )
        print(f"  cli {n}x{m}: {fmt_seconds(cli.wall)}, CPU {fmt_seconds(cli.cpu)}", flush=True)
        tiny = folder / "tiny"
        startup = cohort_cli.median_run(
            [
                cohort_cli.run_cli(tiny / "people.json", tiny / "scores.csv", folder)
                for _ in range(repeats)
            ]
        )
        old = cohort_cli.run_cli(folder / "triples.json", None, folder) if json_path else None
    base = {"task": "assignment", "shape": "contended", "n": n, "m": m}
    solve = sorted(
        (measure(base | {"solver": "optimal"}) for _ in range(repeats)), key=lambda r: r["seconds"]
    )[repeats // 2]
    best = (solve["matched"], solve["total"])
    ours = Timing(cli.wall, cli.cpu)

    def row(label: str, timing: Timing, peak: float, matched: int, total: int) -> None:
        exact = "yes" if (matched, total) == best else "NO"
        table.rows.append(
            (
                label,
                fmt_seconds(timing.wall),
                fmt_seconds(timing.cpu),
                fmt_mib(peak),
                f"{matched:,}",
                f"{total:,}",
                exact,
                timing.ratio(ours),
            )
        )

    def cli_row(label: str, run: cohort_cli.Run) -> None:
        matched, total = run.result["matched"], run.result["total_score"]
        row(label, Timing(run.wall, run.cpu), run.peak_mib, matched, total)

    cli_row(f"CLI, `--scores` CSV grid ({grid_mib:.0f} MiB), median of {repeats}", cli)
    if old is not None:
        cli_row("CLI, JSON `scores` list (one object per score), once", old)
    else:
        table.rows.append(("CLI, JSON `scores` list", "not run: ~0.45 KiB per score", *[""] * 6))
    table.rows.append(
        (
            "CLI start-up (1 × 1 input)",
            fmt_seconds(startup.wall),
            fmt_seconds(startup.cpu),
            fmt_mib(startup.peak_mib),
            *[""] * 4,
        )
    )
    solve_time = Timing(solve["seconds"], solve["cpu_seconds"])
    row(
        f"in-process exact solve (solve only), median of {repeats}",
        solve_time,
        solve["peak_mib"],
        solve["matched"],
        solve["total"],
    )
    references: dict[str, Timing] = {}
    for solver, label in (
        ("scipy", "scipy linear_sum_assignment, seats"),
        ("full_mcf", "OR-Tools min-cost flow, all arcs"),
    ):
        if skip_slow and not json_path:
            table.rows.append((label, "skipped (--skip-slow-references)", *[""] * 6))
            continue
        report = measure(base | {"solver": solver})
        print(f"  cli {n}x{m} reference {solver}: {fmt_seconds(report['seconds'])}", flush=True)
        references[solver] = Timing(report["seconds"], report["cpu_seconds"])
        row(label, references[solver], report["peak_mib"], report["matched"], report["total"])
    start = Timing(startup.wall, startup.cpu)
    return table, _cli_targets(n, m, ours, cli.peak_mib, start, solve_time, references)


def _cli_targets(
    n: int,
    m: int,
    cli: Timing,
    peak_mib: float,
    startup: Timing,
    solve: Timing,
    references: dict[str, Timing],
) -> list[str]:
    """Each target on wall time and on CPU time."""

    def verdict(*, met: bool) -> str:
        return "met" if met else "NOT met"

    size = f"CLI {n:,} × {m:,}"
    wall_bound, cpu_bound = 2 * (solve.wall + startup.wall), 2 * (solve.cpu + startup.cpu)
    lines = [
        f"{size} within 2× of in-process solve + start-up: wall {fmt_seconds(cli.wall)} vs "
        f"{fmt_seconds(wall_bound)} ({verdict(met=cli.wall <= wall_bound)}); CPU "
        f"{fmt_seconds(cli.cpu)} vs {fmt_seconds(cpu_bound)} ({verdict(met=cli.cpu <= cpu_bound)})"
    ]
    if n * m <= 20_000_000 and "scipy" in references:
        scipy = references["scipy"]
        wall_ratio, cpu_ratio = scipy.wall / cli.wall, scipy.cpu / cli.cpu
        lines.append(
            f"{size} ≥ 20× faster than scipy LSA: wall {wall_ratio:.1f}× "
            f"({fmt_seconds(scipy.wall)} / {fmt_seconds(cli.wall)}, "
            f"{verdict(met=wall_ratio >= 20)}); CPU {cpu_ratio:.1f}× "
            f"({fmt_seconds(scipy.cpu)} / {fmt_seconds(cli.cpu)}, "
            f"{verdict(met=cpu_ratio >= 20)})"
        )
    elif n * m > 20_000_000:
        small = peak_mib < 2048
        lines.append(
            f"{size} < 10 s, < 2 GiB: wall {fmt_seconds(cli.wall)}, CPU {fmt_seconds(cli.cpu)}, "
            f"{fmt_mib(peak_mib)} (wall {verdict(met=cli.wall < 10 and small)}; "
            f"CPU {verdict(met=cli.cpu < 10 and small)})"
        )
    return lines


def run_package_reference(
    python: Path, prefs: Path, pairs_out: Path, timeout: float
) -> dict[str, Any] | None:
    """The PyPI package on one instance; None when it runs past `timeout` seconds."""
    try:
        completed = subprocess.run(
            [str(python), "-I", str(HERE / "stable_reference.py"), str(prefs), str(pairs_out)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tempfile.gettempdir(),  # never let `import matching` find ours
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    report: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return report


def stable_table(sizes: list[tuple[int, int]], timeout: float) -> Table:
    table = Table(
        "Stable mode vs the PyPI `matching` package (hospital/resident, resident-optimal)",
        ("instance", "ours", "ours peak", "matching pkg", "pkg peak", "same pairs?", "ratio"),
    )
    python = reference_python()
    for n, m in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            prefs, theirs_file, ours_file = (
                Path(tmp) / name for name in ("p.json", "t.json", "o.json")
            )
            base = {"shape": "contended", "n": n, "m": m}
            measure(base | {"task": "export_preferences", "path": str(prefs)})
            ours = measure(
                base | {"task": "assignment", "solver": "stable", "pairs_file": str(ours_file)}
            )
            theirs = run_package_reference(python, prefs, theirs_file, timeout)
            same = theirs is not None and json.loads(ours_file.read_text()) == json.loads(
                theirs_file.read_text()
            )
        if theirs is None:
            print(f"  stable {n}x{m}: package stopped after {timeout:.0f} s", flush=True)
            table.rows.append(
                (
                    f"contended {n:,} × {m:,}",
                    fmt_seconds(ours["seconds"]),
                    fmt_mib(ours["peak_mib"]),
                    f"> {fmt_seconds(timeout)} (stopped)",
                    "",
                    "—",
                    f"> {timeout / ours['seconds']:.0f}×",
                )
            )
            continue
        print(
            f"  stable {n}x{m}: ours {fmt_seconds(ours['seconds'])}, "
            f"pkg {fmt_seconds(theirs['seconds'])}",
            flush=True,
        )
        table.rows.append(
            (
                f"contended {n:,} × {m:,}",
                fmt_seconds(ours["seconds"]),
                fmt_mib(ours["peak_mib"]),
                fmt_seconds(theirs["seconds"]),
                fmt_mib(theirs["peak_mib"]),
                "yes" if same else "NO",
                f"{theirs['seconds'] / ours['seconds']:.0f}×",
            )
        )
    return table


def ranking_table(card_counts: list[int]) -> Table:
    table = Table(
        "Top-10 suggestions with hard filters (org policy, partner lists, capacity, paused, "
        "management chain, different department)",
        (
            "cards",
            "index build",
            "per query (mean)",
            "p95",
            "peak",
            "plain loop per query",
            "same top-10?",
            "ratio",
        ),
    )
    for cards in card_counts:
        fast = measure({"task": "ranking", "cards": cards, "queries": 50, "compare": 2})
        loop = measure({"task": "ranking_loop", "cards": cards, "queries": 2})
        same = [[list(pair) for pair in top] for top in fast["tops"]] == loop["tops"]
        print(
            f"  ranking {cards}: {fast['mean_ms']:.2f} ms vs loop {loop['mean_ms']:.0f} ms",
            flush=True,
        )
        table.rows.append(
            (
                f"{cards:,}",
                fmt_seconds(fast["build_seconds"]),
                f"{fast['mean_ms']:.2f} ms",
                f"{fast['p95_ms']:.2f} ms",
                fmt_mib(fast["peak_mib"]),
                f"{loop['mean_ms']:.0f} ms",
                "yes" if same else "NO",
                f"{loop['mean_ms'] / fast['mean_ms']:.0f}×",
            )
        )
    return table


PARTS = (
    "assignment",
    "cli",
    "stable",
    "ranking",
    "import",
    "import-latency",
    "outbox",
    "suggestions",
    "scale",
    "feeds",
)


#: The benchmarks that need PostgreSQL (MENTORNET_TEST_DATABASE_URL) and Redis and print their
#: own figures, each in a process of its own: part → (module, arguments, arguments for --quick).
SERVICE_BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    # Staff import: first import and re-imports, beside asyncpg's COPY of the same rows.
    "import": ("bench_import", ["--rows", "10000"], ["--rows", "1000"]),
    # A cheap request's latency on a live node while a large import runs (in the request, as
    # before imports were jobs, and as a job).
    "import-latency": ("bench_import_latency", ["--rows", "100000"], ["--rows", "10000"]),
    # The outbox draining to 100 peers with 10 down, beside the same drain with all up.
    "outbox": ("bench_outbox", ["--messages", "100000"], ["--messages", "10000"]),
    # Signed-in suggestions over HTTP on a seeded node (10,000 staff, 1,000 mentors, 2,000
    # cards) beside /health/live, closed loop and open loop at 200 req/s.
    "suggestions": (
        "bench_suggestions",
        [],
        ["--staff", "1000", "--mentors", "100", "--seconds", "3"],
    ),
    # A shared node: 50 organisations, 200,000 staff, 2 and 4 web workers beside a worker-role
    # process; an authenticated read and suggestions against /health/live.
    "scale": ("bench_scale", [], ["--orgs", "5", "--staff-per-org", "500", "--seconds", "3"]),
    # A 10,000-card feed between two live nodes (first pull, stored feed, unchanged feed beside
    # the same pull built again per page) and one node following 1,000 simulated peers.
    "feeds": ("bench_feed", [], ["--cards", "2000", "--peers", "100"]),
}


def run_module(module: str, *args: str) -> None:
    """A benchmark that needs PostgreSQL (MENTORNET_TEST_DATABASE_URL) and prints its own
    figures, in a process of its own."""
    subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *args], cwd=REPO, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in seconds")
    parser.add_argument(
        "--skip-slow-references",
        action="store_true",
        help="skip scipy and full min-cost flow at 20,000 × 8,000 and the `matching` package "
        "at 5,000 × 2,000 (minutes and ~12 GB)",
    )
    parser.add_argument(
        "--markdown", type=Path, help="also write the tables to this file (after each table)"
    )
    parser.add_argument(
        "--package-timeout",
        type=float,
        default=900.0,
        help="stop the PyPI `matching` reference after this many seconds (default 900)",
    )
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run a part",
    )
    args = parser.parse_args()
    parts = set(args.only or PARTS)
    sizes = [(1000, 400)] if args.quick else [(5000, 2000), (20000, 8000)]
    stable_sizes = [(400, 160)] if args.quick else [(1000, 400)]
    if not (args.quick or args.skip_slow_references):
        stable_sizes.append((5000, 2000))
    cards = [10_000, 100_000] if args.quick else [100_000, 1_000_000]

    cpu = (
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    tables: list[Table] = []

    def report(new: list[Table]) -> None:
        """Print each table when it is done, and keep the file current: long runs may stop."""
        tables.extend(new)
        for table in new:
            print("\n" + table.markdown(), flush=True)
        if args.markdown:
            text = f"Machine: {cpu}\n\n" + "\n".join(table.markdown() for table in tables)
            args.markdown.write_text(text)

    if "assignment" in parts:
        report(assignment_tables(sizes, skip_slow=args.skip_slow_references))
    if "cli" in parts:
        targets = []
        for n, m in [(1000, 400)] if args.quick else [(5000, 2000), (20000, 8000)]:
            table, lines = cli_table(
                n, m, skip_slow=args.skip_slow_references, repeats=1 if args.quick else 3
            )
            targets += lines
            report([table])
        target_table = Table("`cohort match` targets", ("target",))
        target_table.rows += [(line,) for line in targets]
        report([target_table])
    if "stable" in parts:
        report([stable_table(stable_sizes, args.package_timeout)])
    if "ranking" in parts:
        report([ranking_table(cards)])
    for part, (module, full, quick) in SERVICE_BENCHMARKS.items():
        if part in parts:
            run_module(module, *(quick if args.quick else full))


if __name__ == "__main__":
    main()
