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


def cli_table(n: int, m: int, *, skip_slow: bool, repeats: int) -> tuple[Table, list[str]]:
    """`mentornet cohort match` as a subprocess beside the in-process solve and the references,
    on the same contended instance; returns the table and the target lines."""
    table = Table(
        f"`mentornet cohort match`, contended {n:,} mentees × {m:,} mentors (capacity 3, 30% "
        "forbidden), end to end",
        ("run", "wall", "CPU", "peak memory", "matched", "total score", "exact?", "wall vs CLI"),
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
        print(f"  cli {n}x{m}: {fmt_seconds(cli.wall)}", flush=True)
        startup = cohort_cli.median_run(
            [
                cohort_cli.run_cli(folder / "tiny/people.json", folder / "tiny/scores.csv", folder)
                for _ in range(repeats)
            ]
        )
        old = cohort_cli.run_cli(folder / "triples.json", None, folder) if json_path else None
    base = {"task": "assignment", "shape": "contended", "n": n, "m": m}
    solve = sorted(
        (measure(base | {"solver": "optimal"}) for _ in range(repeats)), key=lambda r: r["seconds"]
    )[repeats // 2]
    best = (solve["matched"], solve["total"])

    def row(label: str, wall: float, cpu: str, peak: float, matched: int, total: int) -> None:
        exact = "yes" if (matched, total) == best else "NO"
        table.rows.append(
            (
                label,
                fmt_seconds(wall),
                cpu,
                fmt_mib(peak),
                f"{matched:,}",
                f"{total:,}",
                exact,
                f"{wall / cli.wall:.1f}×",
            )
        )

    def cli_row(label: str, run: cohort_cli.Run) -> None:
        matched, total = run.result["matched"], run.result["total_score"]
        row(label, run.wall, fmt_seconds(run.cpu), run.peak_mib, matched, total)

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
            "",
            "",
            "",
            "",
        )
    )
    row(
        f"in-process exact solve, median of {repeats}",
        solve["seconds"],
        "",
        solve["peak_mib"],
        solve["matched"],
        solve["total"],
    )
    references: dict[str, float] = {}
    for solver, label in (
        ("scipy", "scipy linear_sum_assignment, seats"),
        ("full_mcf", "OR-Tools min-cost flow, all arcs"),
    ):
        if skip_slow and not json_path:
            table.rows.append((label, "skipped (--skip-slow-references)", *[""] * 6))
            continue
        report = measure(base | {"solver": solver})
        print(f"  cli {n}x{m} reference {solver}: {fmt_seconds(report['seconds'])}", flush=True)
        references[solver] = report["seconds"]
        row(label, report["seconds"], "", report["peak_mib"], report["matched"], report["total"])
    return table, _cli_targets(n, m, cli, startup, solve["seconds"], references)


def _cli_targets(
    n: int,
    m: int,
    cli: cohort_cli.Run,
    startup: cohort_cli.Run,
    solve: float,
    references: dict[str, float],
) -> list[str]:
    def verdict(*, met: bool) -> str:
        return "met" if met else "NOT met"

    lines = []
    bound = 2 * (solve + startup.wall)
    lines.append(
        f"CLI {n:,} × {m:,} within 2× of in-process solve + start-up: {fmt_seconds(cli.wall)} vs "
        f"2 × ({fmt_seconds(solve)} + {fmt_seconds(startup.wall)}) = {fmt_seconds(bound)}: "
        f"{verdict(met=cli.wall <= bound)}"
    )
    if n * m <= 20_000_000 and "scipy" in references:
        ratio = references["scipy"] / cli.wall
        lines.append(
            f"CLI {n:,} × {m:,} ≥ 20× faster than scipy LSA: {fmt_seconds(cli.wall)} vs "
            f"{fmt_seconds(references['scipy'])} ({ratio:.1f}×): {verdict(met=ratio >= 20)}"
        )
    else:
        lines.append(
            f"CLI {n:,} × {m:,} < 10 s, < 2 GiB: {fmt_seconds(cli.wall)}, {fmt_mib(cli.peak_mib)}"
            f": {verdict(met=cli.wall < 10 and cli.peak_mib < 2048)}"
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
        choices=("assignment", "cli", "stable", "ranking", "import"),
        action="append",
        help="run a part",
    )
    args = parser.parse_args()
    parts = set(args.only or ("assignment", "cli", "stable", "ranking", "import"))
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
    if "import" in parts:
        # Staff import needs PostgreSQL (MENTORNET_TEST_DATABASE_URL); it prints its own figures.
        rows = "1000" if args.quick else "10000"
        subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_import", "--rows", rows], cwd=REPO, check=True
        )


if __name__ == "__main__":
    main()
