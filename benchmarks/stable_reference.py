"""Runs inside benchmarks/.venv-ref with the PyPI `matching` package (hospital/resident).

Not part of the project's import graph: started with `python -I` so that `matching` is the
PyPI package, never ours. Usage: stable_reference.py PREFS.json PAIRS_OUT.json
"""

import json
import resource
import sys
import threading
import time

from matching.games import HospitalResident  # type: ignore[import-untyped]  # PyPI, own venv


def main() -> None:
    with open(sys.argv[1]) as handle:
        data = json.load(handle)
    start = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(
        data["mentees"], data["mentors"], data["capacities"]
    )
    solution = game.solve(optimal="resident")
    seconds = time.perf_counter() - start
    pairs = sorted(
        [int(resident.name[1:]), int(hospital.name[1:])]
        for hospital, residents in solution.items()
        for resident in residents
    )
    with open(sys.argv[2], "w") as handle:
        json.dump(pairs, handle)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "matched": len(pairs), "peak_mib": peak}))


if __name__ == "__main__":
    # The package deep-copies its linked player objects: give the recursion room to finish.
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 30)
    worker = threading.Thread(target=main)
    worker.start()
    worker.join()
