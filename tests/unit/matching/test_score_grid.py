"""The CSV score grid (`cohort match --scores`): the same runs and the same messages as the
input's `scores` list."""

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import score_grid
from matching.assignment import NOT_ALLOWED, AssignmentProblem, Mode, assign
from matching.errors import InputError, ScoreFileError
from matching.offline import run_offline
from matching.score_grid import read_score_grid

from .strategies import PROPERTY


def people(n: int, capacities: list[int], ids: tuple[str, str] = ("e", "r")) -> dict[str, Any]:
    return {
        "mentees": [{"id": f"{ids[0]}{i}"} for i in range(n)],
        "mentors": [{"id": f"{ids[1]}{j}", "capacity": c} for j, c in enumerate(capacities)],
    }


def grid_text(
    scores: npt.NDArray[np.integer],
    mentee_ids: list[str],
    mentor_ids: list[str],
    rows: list[int],
    cols: list[int],
    newline: str = "\n",
) -> str:
    """The grid of `rows` × `cols` (indices into the ids), empty cells where scores < 0."""
    lines = [",".join(["mentee", *(mentor_ids[j] for j in cols)])]
    for i in rows:
        cells = ["" if scores[i, j] < 0 else str(int(scores[i, j])) for j in cols]
        lines.append(",".join([mentee_ids[i], *cells]))
    return newline.join(lines) + newline


def triples(
    scores: npt.NDArray[np.integer], mentee_ids: list[str], mentor_ids: list[str]
) -> list[list[Any]]:
    return [
        [mentee_ids[i], mentor_ids[j], int(scores[i, j])]
        for i, j in zip(*np.nonzero(scores >= 0), strict=True)
    ]


def pieces(text: bytes, size: int) -> list[bytes]:
    return [text[k : k + size] for k in range(0, len(text), size)] or [b""]


def old_given_scores(data: dict[str, Any], mode: Mode) -> list[tuple[str, str, int]]:
    """The pairs the given-scores run made before the grid: a loop over the triples."""
    row = {m["id"]: k for k, m in enumerate(data["mentees"])}
    col = {m["id"]: k for k, m in enumerate(data["mentors"])}
    scores = np.full((len(row), len(col)), NOT_ALLOWED, dtype=np.int16)
    for mentee_id, mentor_id, score in data["scores"]:
        if mentee_id != mentor_id:
            scores[row[mentee_id], col[mentor_id]] = score
    for mentee_id, mentor_id in data.get("forbidden", []):
        scores[row[mentee_id], col[mentor_id]] = NOT_ALLOWED
    capacities = np.array([m["capacity"] for m in data["mentors"]])
    pinned = [(row[a], col[b]) for a, b in data.get("pinned", [])]
    result = assign(AssignmentProblem(scores, capacities, pinned, data.get("min_score", 0)), mode)
    ids = [m["id"] for m in data["mentees"]], [m["id"] for m in data["mentors"]]
    return [(ids[0][i], ids[1][j], s) for i, j, s in result.pairs]


@st.composite
def grid_cases(draw: st.DrawFn) -> dict[str, Any]:
    n, m = draw(st.integers(1, 30)), draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = rng.integers(0, 101, (n, m))
    if draw(st.booleans()):  # contended, with ties
        scores = np.rint(0.6 * rng.integers(0, 101, m)[None, :] + 0.4 * scores) // 10 * 10
    scores = np.where(rng.random((n, m)) < draw(st.sampled_from([0.0, 0.3, 0.8])), -1, scores)
    shared = draw(st.booleans())  # the same people on both sides: nobody mentors themselves
    data = people(n, rng.integers(0, 3, m).tolist(), ("p", "p") if shared else ("e", "r"))
    mentee_ids = [p["id"] for p in data["mentees"]]
    mentor_ids = [p["id"] for p in data["mentors"]]
    allowed = list(zip(*np.nonzero(scores >= 0), strict=True))
    pick = rng.permutation(len(allowed))
    data["forbidden"] = [[mentee_ids[i], mentor_ids[j]] for i, j in (allowed[k] for k in pick[:3])]
    load = np.zeros(m, dtype=np.int64)
    pins, pinned_rows = [], set()
    for i, j in (allowed[k] for k in pick[3:6]):
        cap = data["mentors"][j]["capacity"]
        if i not in pinned_rows and load[j] < cap and mentee_ids[i] != mentor_ids[j]:
            pins.append([mentee_ids[i], mentor_ids[j]])
            pinned_rows.add(i)
            load[j] += 1
    data["pinned"] = pins
    data["min_score"] = draw(st.sampled_from([0, 0, 40]))
    # rows in any order, some mentees without a line (no scores), columns in any order
    rows = [int(i) for i in rng.permutation(n) if np.any(scores[i] >= 0) or rng.random() < 0.5]
    cols = [int(j) for j in rng.permutation(m)] if draw(st.booleans()) else list(range(m))
    for j in set(range(m)) - set(cols):
        scores[:, j] = -1
    for i in set(range(n)) - set(rows):
        scores[i] = -1
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    data["grid"] = grid_text(scores, mentee_ids, mentor_ids, rows, cols, newline).encode()
    data["scores"] = triples(scores, mentee_ids, mentor_ids)
    data["pieces"] = draw(st.sampled_from([1, 7, 64, 1 << 20]))
    return data


@PROPERTY
@given(grid_cases(), st.sampled_from(["optimal", "stable"]))
def test_the_grid_gives_the_run_the_scores_list_gives(case: dict[str, Any], mode: str) -> None:
    grid, size = case.pop("grid"), case.pop("pieces")
    from_list = json.loads(run_offline(json.dumps(case).encode(), mode))
    listed = case.pop("scores")
    from_grid = json.loads(run_offline(json.dumps(case).encode(), mode, pieces(grid, size)))
    assert from_grid == from_list
    case["scores"] = listed
    old = old_given_scores(case, Mode(mode))
    assert [(p["mentee"], p["mentor"], p["score"]) for p in from_grid["pairs"]] == old


def test_blocks_of_a_few_lines_read_the_same_matrix() -> None:
    rng = np.random.default_rng(7)
    scores = np.where(rng.random((200, 40)) < 0.3, -1, rng.integers(0, 101, (200, 40)))
    data = people(200, [1] * 40)
    mentees = {p["id"]: k for k, p in enumerate(data["mentees"])}
    mentors = {p["id"]: k for k, p in enumerate(data["mentors"])}
    text = grid_text(scores, list(mentees), list(mentors), list(range(200)), list(range(40)))
    for block_bytes in (1, 50, 1000, 1 << 20):
        matrix = read_score_grid(
            pieces(text.encode(), 333), mentees, mentors, block_bytes=block_bytes
        )
        assert (matrix == scores).all()


def test_quoted_ids_a_bom_and_no_final_newline_are_read() -> None:
    data = {
        "mentees": [{"id": "Smith, J"}, {"id": 'a "b"'}],
        "mentors": [{"id": "r,1", "capacity": 1}, {"id": "r2", "capacity": 1}],
    }
    grid = '\ufeffmentee,"r,1",r2\r\n"Smith, J",5,\r\n"a ""b""",,007'.encode()
    result = json.loads(run_offline(json.dumps(data).encode(), None, [grid]))
    assert {(p["mentee"], p["mentor"], p["score"]) for p in result["pairs"]} == {
        ("Smith, J", "r,1", 5),
        ('a "b"', "r2", 7),
    }


BASE = {
    "mentees": [{"id": "e1"}, {"id": "e2"}],
    "mentors": [{"id": "r1", "capacity": 1}, {"id": "r2", "capacity": 1}],
}


@pytest.mark.parametrize(
    ("grid", "location", "problem", "listed"),
    [
        (
            "mentee,r1,r2\ne1,10,20\nghost,1,2\n",
            "line 3, column 1",
            "unknown mentee id 'ghost'",
            [["ghost", "r1", 1]],
        ),
        (
            "mentee,r1,nobody\ne1,1,2\n",
            "line 1, column 3",
            "unknown mentor id 'nobody'",
            [["e1", "nobody", 1]],
        ),
        (
            "mentee,r1,r2\ne1,10,20\ne2,1,2\ne1,3,4\n",
            "line 4, column 1",
            "duplicate id 'e1' (also line 2)",
            None,
        ),
        ("mentee,r1,r1\ne1,1,2\n", "line 1, column 3", "duplicate id 'r1' (also column 2)", None),
        (
            "mentee,r1,r2\ne1,10,101\n",
            "line 2, column 3",
            "must be 0..100, got 101",
            [["e1", "r2", 101]],
        ),
        (
            "mentee,r1,r2\ne1,-5,1\n",
            "line 2, column 2",
            "must be 0..100, got -5",
            [["e1", "r1", -5]],
        ),
        ("mentee,r1,r2\ne1,10,20\ne2,200,0\n", "line 3, column 2", "must be 0..100, got 200", None),
        ("mentee,r1,r2\ne1,1000,1\n", "line 2, column 2", "must be 0..100, got 1000", None),
        (
            "mentee,r1,r2\ne1,5.5,1\n",
            "line 2, column 2",
            "expected an integer 0..100 or an empty cell, got '5.5'",
            None,
        ),
        (
            "mentee,r1,r2\ne1,1, 2\n",
            "line 2, column 3",
            "expected an integer 0..100 or an empty cell, got ' 2'",
            None,
        ),
        (
            "mentee,r1,r2\ne1,1,2\ne2,3\n",
            "line 3",
            "expected 2 cells after the mentee id (one per mentor column), got 1",
            None,
        ),
        (
            "mentee,r1,r2\ne1,1,2,3\n",
            "line 2",
            "expected 2 cells after the mentee id (one per mentor column), got 3",
            None,
        ),
        ("mentee,r1,r2\ne1\n", "line 2", "got 0", None),
        ("mentee,r1,r2\ne1,1,2\r3\n", "line 2, column 3", "got '2\\r3'", None),
        ('mentee,r1,r2\n"e1,1,2\n', "line 2, column 1", "a quoted mentee id is not closed", None),
        ("mentee,r1\ne1,\xff\n", "line 2", "not UTF-8 text", None),
        ("", "line 1", "no header line", None),
    ],
)
def test_a_bad_grid_names_the_line_and_column(
    grid: str, location: str, problem: str, listed: list[list[Any]] | None
) -> None:
    raw = grid.encode("latin-1") if "\xff" in grid else grid.encode()
    with pytest.raises(ScoreFileError) as caught:
        run_offline(json.dumps(BASE).encode(), None, pieces(raw, 5))
    assert caught.value.location == location
    assert problem in caught.value.problem
    if listed is not None:  # the same problem, said the same way, as in the `scores` list
        with pytest.raises(InputError) as in_list:
            run_offline(json.dumps(BASE | {"scores": listed}).encode())
        assert in_list.value.problem == caught.value.problem


def test_a_bad_cell_far_into_a_big_grid_is_found_at_its_line() -> None:
    n, m = 300, 50
    data = people(n, [1] * m)
    scores = np.full((n, m), 50)
    text = grid_text(
        scores,
        [f"e{i}" for i in range(n)],
        [f"r{j}" for j in range(m)],
        list(range(n)),
        list(range(m)),
    )
    lines = text.split("\n")
    lines[251] = lines[251].replace(",50,", ",5x,", 1)
    with pytest.raises(ScoreFileError) as caught:
        run_offline(json.dumps(data).encode(), None, pieces("\n".join(lines).encode(), 4096))
    assert caught.value.location == "line 252, column 2"
    assert caught.value.problem == "expected an integer 0..100 or an empty cell, got '5x'"


def test_pins_and_input_checks_keep_their_messages_with_a_grid() -> None:
    grid = b"mentee,r1,r2\ne1,10,\ne2,,30\n"
    pinned = json.dumps(BASE | {"pinned": [["e1", "r2"]]}).encode()
    with pytest.raises(InputError) as caught:
        run_offline(pinned, None, [grid])
    assert not isinstance(caught.value, ScoreFileError)
    assert (caught.value.location, caught.value.problem) == (
        "pinned[0]",
        "pair ('e1', 'r2') has no score in `scores`",
    )
    both = json.dumps(BASE | {"scores": [["e1", "r1", 5]]}).encode()
    with pytest.raises(InputError, match="given here and in a score grid"):
        run_offline(both, None, [grid])
    bad_capacity = json.loads(json.dumps(BASE))
    bad_capacity["mentors"][0]["capacity"] = -1
    with pytest.raises(InputError) as caught:
        run_offline(json.dumps(bad_capacity).encode(), None, [grid])
    assert caught.value.location == "mentors[0].capacity"


def test_without_scores_listed_topics_need_not_be_known() -> None:
    data = json.loads(json.dumps(BASE))
    data["mentees"][0]["topics"] = {"knitting": 3}  # scores are given: topics are not scored
    result = json.loads(run_offline(json.dumps(data).encode(), None, [b"mentee,r1\ne1,40\n"]))
    assert [(p["mentee"], p["mentor"], p["score"]) for p in result["pairs"]] == [("e1", "r1", 40)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_good_lines_are_read_by_whole_array_work_not_the_cell_by_cell_reader(newline: str) -> None:
    # the cell-by-cell reader gives the same values (and finds the first problem), so only
    # this says that a good grid, LF or CR LF, never needs it
    body = newline.join(["e1,5,,100", "e2,,07,3", ""]).encode()
    text = np.frombuffer(body, dtype=np.uint8)
    cells = score_grid._Cells.of(text)
    counts = []
    for start, stop in ((0, 2), (body.index(b"e2"), body.index(b"e2") + 2)):
        cells.leave_out(start, stop + 1)
        counts.append(int(np.count_nonzero(cells.ends[start : body.index(b"\n", start) + 1])))
    values = cells.values(np.array(counts), 3)
    assert values is not None
    assert values.tolist() == [[5, -1, 100], [-1, 7, 3]]


def test_the_first_problem_in_the_file_is_named_whatever_its_kind() -> None:
    grid = b"mentee,r1,r2\ne1,10,x\nghost,1,2\n"  # a bad cell, then an unknown id
    with pytest.raises(ScoreFileError) as caught:
        run_offline(json.dumps(BASE).encode(), None, [grid])
    assert caught.value.location == "line 2, column 3"
    grid = b"mentee,r1,r2\ne1,10,5\nghost,1,x\n"  # on one line, the id comes first
    with pytest.raises(ScoreFileError) as caught:
        run_offline(json.dumps(BASE).encode(), None, [grid])
    assert caught.value.location == "line 3, column 1"
