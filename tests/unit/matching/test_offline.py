import json
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import given

from matching.errors import InputError
from matching.offline import example_input, run_offline

from .strategies import PROPERTY, exact_reference, score_problems


def run(data: dict[str, Any], mode: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run_offline(json.dumps(data).encode(), mode))
    return result


def base() -> dict[str, Any]:
    return {
        "mentees": [
            {"id": "e1", "topics": {"confidence": 5}},
            {"id": "e2", "topics": {"housing": 2}},
        ],
        "mentors": [
            {"id": "r1", "topics": {"confidence": 3}, "capacity": 1},
            {"id": "r2", "capacity": 1},
        ],
    }


def test_example_runs_and_explanations_sum_to_scores() -> None:
    result = run(example_input())
    assert result["matched"] == 1
    for pair in result["pairs"]:
        assert sum(part["points"] for part in pair["explanation"]) == pair["score"]
    assert result["total_score"] == sum(p["score"] for p in result["pairs"])


@PROPERTY
@given(score_problems(max_mentees=10, max_mentors=5))
def test_given_scores_give_the_exact_optimum(case: tuple[Any, Any, int]) -> None:
    scores, capacities, min_score = case
    n, m = scores.shape
    data: dict[str, Any] = {
        "mentees": [{"id": f"e{i}"} for i in range(n)],
        "mentors": [{"id": f"r{j}", "capacity": int(capacities[j])} for j in range(m)],
        "scores": [
            [f"e{i}", f"r{j}", int(scores[i, j])]
            for i, j in zip(*np.nonzero(scores >= 0), strict=True)
        ],
        "min_score": min_score,
    }
    result = run(data)
    assert (result["matched"], result["total_score"]) == exact_reference(
        scores, capacities, min_score
    )
    allowed = {(a, b) for a, b, _ in data["scores"]}
    assert all((p["mentee"], p["mentor"]) in allowed for p in result["pairs"])
    assert len(result["pairs"]) + len(result["waiting"]) == n


def test_forbidden_pairs_and_mode_override_are_honoured() -> None:
    data = base() | {"forbidden": [["e1", "r1"]]}
    for mode in ("optimal", "stable"):
        result = run(data, mode)
        assert ("e1", "r1") not in {(p["mentee"], p["mentor"]) for p in result["pairs"]}
        assert result["mode"] == mode


def test_pinned_pair_appears_in_the_result() -> None:
    result = run(base() | {"pinned": [["e2", "r1"]]})
    assert ("e2", "r1") in {(p["mentee"], p["mentor"]) for p in result["pairs"]}


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        (
            lambda d: d["mentors"][1].update(capacity=-1),
            "mentors[1].capacity",
            "must be ≥ 0, got -1",
        ),
        (lambda d: d["mentors"][1].update(capacity="two"), "mentors[1].capacity", "Expected `int`"),
        (lambda d: d["mentees"][1].update(id="e1"), "mentees[1].id", "duplicate id 'e1'"),
        (
            lambda d: d["mentees"][0].update(topics={"knitting": 3}),
            "mentees[0].topics",
            "unknown topic",
        ),
        (
            lambda d: d["mentees"][0].update(topics={"confidence": 9}),
            "mentees[0].topics[confidence]",
            "1..5",
        ),
        (lambda d: d["mentors"][0].update(colour="red"), "mentors[0]", "unknown field `colour`"),
        (
            lambda d: d.update(pinned=[["e1", "nobody"]]),
            "pinned[0][1]",
            "unknown mentor id 'nobody'",
        ),
        (
            lambda d: d.update(forbidden=[["ghost", "r1"]]),
            "forbidden[0][0]",
            "unknown mentee id 'ghost'",
        ),
        (
            lambda d: d.update(pinned=[["e1", "r1"]], forbidden=[["e1", "r1"]]),
            "pinned[0]",
            "also forbidden",
        ),
        (lambda d: d.update(pinned=[["e1", "r1"], ["e2", "r1"]]), "pinned[1]", "no free capacity"),
        (
            lambda d: d.update(scores=[["e1", "r1", 50], ["e1", "r1", 40]]),
            "scores[1]",
            "duplicate pair",
        ),
        (lambda d: d.update(scores=[["e1", "r1", 101]]), "scores[0][2]", "0..100"),
        (
            lambda d: d.update(scores=[["e1", "r1", 10]], pinned=[["e2", "r2"]]),
            "pinned[0]",
            "no score",
        ),
        (lambda d: d.update(min_score=-5), "min_score", "0..100"),
        (lambda d: d.update(mode="random"), "mode", "Invalid enum value"),
        (lambda d: d.pop("mentors"), "input", "missing required field `mentors`"),
    ],
)
def test_bad_input_names_the_item(change: Any, location: str, message: str) -> None:
    data = base()
    change(data)
    with pytest.raises(InputError) as caught:
        run(data)
    assert caught.value.location == location
    assert message in caught.value.problem


def test_malformed_json_and_bad_mode_override_are_input_errors() -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        run_offline(b"{not json")
    with pytest.raises(InputError, match="mode"):
        run_offline(msgspec.json.encode(base()), "fastest")


@pytest.mark.parametrize(
    ("scores", "location", "message"),
    [
        # the first bad triple in input order is the one reported, whatever is wrong later
        ([["e1", "r1", 5], ["e1", "r2", 101], ["e1", "r1", 7]], "scores[1][2]", "got 101"),
        ([["e1", "r1", 5], ["e1", "r1", 101]], "scores[1]", "duplicate pair (also scores[0])"),
        ([["e1", "r1", 5], ["e2", "nobody", 5], ["ghost", "r1", 5]], "scores[1][1]", "'nobody'"),
        ([["ghost", "nobody", 5]], "scores[0][0]", "unknown mentee id 'ghost'"),
        # unknown ids are reported before any duplicate or range problem
        ([["e1", "r1", 500], ["e2", "ghost", 5]], "scores[1][1]", "unknown mentor id 'ghost'"),
        ([["e1", "r1", 10**30]], "scores[0][2]", f"must be 0..100, got {10**30}"),
        ([["e1", "r1", -1]], "scores[0][2]", "must be 0..100, got -1"),
    ],
)
def test_the_first_bad_score_is_named(scores: list[Any], location: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        run(base() | {"scores": scores})
    assert caught.value.location == location
    assert message in caught.value.problem
