"""Deterministic benchmark instances: n mentees × m mentors, capacity 3, 30% pairs forbidden.

uniform:   independent integer scores 0..100
contended: 60% a per-mentor popularity shared by every mentee + 40% noise, so a few mentors
           are wanted by everybody (what real schemes look like, and what slows solvers down)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

CAPACITY = 3
FORBIDDEN_SHARE = 0.3
ROWS_PER_BLOCK = 1000


def score_matrix(shape: str, n: int, m: int, seed: int = 20251123) -> npt.NDArray[np.int8]:
    """int8 scores, -1 where the pair is forbidden; generated in blocks to bound memory."""
    rng = np.random.default_rng(seed)
    popularity = rng.integers(0, 101, m)
    scores = np.empty((n, m), dtype=np.int8)
    for start in range(0, n, ROWS_PER_BLOCK):
        stop = min(n, start + ROWS_PER_BLOCK)
        noise = rng.integers(0, 101, (stop - start, m))
        if shape == "contended":
            block = np.rint(0.6 * popularity[None, :] + 0.4 * noise)
        elif shape == "uniform":
            block = noise
        else:
            raise ValueError(f"unknown shape {shape!r}")
        block = block.astype(np.int8)
        block[rng.random((stop - start, m)) < FORBIDDEN_SHARE] = -1
        scores[start:stop] = block
    return scores


def capacities(m: int) -> npt.NDArray[np.int64]:
    return np.full(m, CAPACITY, dtype=np.int64)
