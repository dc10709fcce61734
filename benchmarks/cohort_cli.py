"""`mentornet cohort match` end to end: the benchmark instances written as the CLI's input files,
and the CLI run as a subprocess (wall time, CPU time and peak memory from its own rusage).

`python -m benchmarks.cohort_cli SHAPE N M FOLDER [--json-scores]` writes FOLDER/people.json
(mentees e0.., mentors r0.. with capacity 3) and FOLDER/scores.csv (the score grid; an empty
cell where the instance forbids the pair); with --json-scores also FOLDER/triples.json, the same
scores as the input's `scores` list (the slow path: one Python object per score).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks import instances

ROWS_PER_WRITE = 500
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the CLI process
    peak_mib: float  # its ru_maxrss
    result: dict[str, int]  # matched, total_score


def cli_command() -> list[str]:
    """The installed `mentornet` script beside this interpreter, else the same entry point."""
    script = Path(sys.executable).with_name("mentornet")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from network.cli import main; main()"]


def run_cli(people_file: Path, scores_file: Path | None, folder: Path) -> Run:
    """One `mentornet cohort match` in a fresh process, this checkout's code first on the path."""
    output = folder / "result.json"
    output.unlink(missing_ok=True)
    args = [*cli_command(), "cohort", "match", "--input", str(people_file), "--output", str(output)]
    if scores_file is not None:
        args += ["--scores", str(scores_file)]
    env = os.environ | {"PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{args} failed:\n{errors.read()[-2000:].decode()}")
    result = json.loads(output.read_text())
    summary = {key: result[key] for key in ("matched", "total_score")}
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, summary)


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.wall)[len(runs) // 2]


def people(n: int, m: int) -> dict[str, object]:
    capacities = instances.capacities(m)
    return {
        "mentees": [{"id": f"e{i}"} for i in range(n)],
        "mentors": [{"id": f"r{j}", "capacity": int(capacities[j])} for j in range(m)],
    }


def grid_lines(block: npt.NDArray[np.int8]) -> tuple[npt.NDArray[np.uint8], list[int]]:
    """The cells of a block of rows as CSV bytes, ids left out: each cell's digits (none when
    forbidden) then a comma, a newline after a row's last; and where each row's bytes end."""
    values = block.astype(np.int64)
    digits = np.where(values < 0, 0, np.where(values >= 100, 3, np.where(values >= 10, 2, 1)))
    ends = np.cumsum(digits + 1).reshape(block.shape)  # one past each cell's separator
    out = np.empty(int(ends[-1, -1]), dtype=np.uint8)
    starts = ends - digits - 1
    for place in range(3):  # most significant digit first
        used = digits > place
        power = 10 ** (digits[used] - place - 1)
        out[starts[used] + place] = ord("0") + (values[used] // power) % 10
    out[ends - 1] = ord(",")
    out[ends[:, -1] - 1] = ord("\n")
    return out, ends[:, -1].tolist()


def write_grid(scores: npt.NDArray[np.int8], path: Path) -> None:
    n, m = scores.shape
    with path.open("wb") as handle:
        handle.write(("mentee," + ",".join(f"r{j}" for j in range(m)) + "\n").encode())
        for start in range(0, n, ROWS_PER_WRITE):
            block = scores[start : start + ROWS_PER_WRITE]
            body, line_ends = grid_lines(block)
            begin = 0
            for offset, stop in enumerate(line_ends):
                handle.write(f"e{start + offset},".encode())
                handle.write(body[begin:stop].tobytes())
                begin = stop


def write_triples(scores: npt.NDArray[np.int8], path: Path) -> None:
    n, m = scores.shape
    rows, cols = np.nonzero(scores >= 0)
    data = people(n, m) | {
        "scores": [
            [f"e{i}", f"r{j}", int(s)]
            for i, j, s in zip(
                rows.tolist(), cols.tolist(), scores[rows, cols].tolist(), strict=True
            )
        ]
    }
    path.write_text(json.dumps(data))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cohort_cli", description=__doc__)
    parser.add_argument("shape", choices=("uniform", "contended"))
    parser.add_argument("n", type=int)
    parser.add_argument("m", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--json-scores", action="store_true")
    args = parser.parse_args()
    scores = instances.score_matrix(args.shape, args.n, args.m)
    args.folder.mkdir(parents=True, exist_ok=True)
    (args.folder / "people.json").write_text(json.dumps(people(args.n, args.m)))
    write_grid(scores, args.folder / "scores.csv")
    if args.json_scores:
        write_triples(scores, args.folder / "triples.json")


if __name__ == "__main__":
    main()
