"""``mentornet cohort match``: the offline what-if run, as a coordinator would use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from matching.offline import example_input
from network.cli.main import cli

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_valid_input_writes_pairs_and_totals(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    data = example_input()
    data["mentees"].append({"id": "e2", "topics": {"housing": 4}})
    source.write_text(json.dumps(data))
    target = tmp_path / "out.json"
    code, _, err = run("cohort", "match", "--input", str(source), "--output", str(target))
    assert code == 0, err
    result = json.loads(target.read_text())
    assert result["matched"] == len(result["pairs"]) == 1
    assert [w["mentee"] for w in result["waiting"]] == ["e2"]
    assert result["waiting"][0]["reason"]
    pair = result["pairs"][0]
    assert sum(part["points"] for part in pair["explanation"]) == pair["score"]
    assert result["total_score"] == pair["score"]


def test_bad_input_names_the_item_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    data = example_input()
    data["mentors"][0]["capacity"] = -1
    source.write_text(json.dumps(data))
    target = tmp_path / "out.json"
    code, _, err = run("cohort", "match", "--input", str(source), "--output", str(target))
    assert code == 1
    assert "mentors[0].capacity" in err
    assert not target.exists()


def test_malformed_json_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text("{not json")
    code, _, err = run(
        "cohort", "match", "--input", str(source), "--output", str(tmp_path / "o.json")
    )
    assert code == 1
    assert err.startswith("error:")
    assert "Traceback" not in err


def test_a_missing_input_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run(
        "cohort", "match", "--input", str(tmp_path / "nope.json"), "--output", "o.json"
    )
    assert code == 2
    assert "does not exist" in err


def grid_inputs(tmp_path: Path, grid: str) -> tuple[Path, Path, Path]:
    source, scores, target = tmp_path / "in.json", tmp_path / "scores.csv", tmp_path / "out.json"
    source.write_text(
        json.dumps(
            {
                "mentees": [{"id": "e1"}, {"id": "e2"}],
                "mentors": [{"id": "r1", "capacity": 1}, {"id": "r2", "capacity": 1}],
            }
        )
    )
    scores.write_text(grid)
    return source, scores, target


def test_a_score_grid_gives_the_scores(tmp_path: Path) -> None:
    source, scores, target = grid_inputs(tmp_path, "mentee,r1,r2\ne1,90,80\ne2,85,\n")
    code, _, err = run(
        "cohort", "match", "--input", str(source), "--scores", str(scores), "--output", str(target)
    )
    assert code == 0, err
    result = json.loads(target.read_text())
    assert [(p["mentee"], p["mentor"], p["score"]) for p in result["pairs"]] == [
        ("e1", "r2", 80),
        ("e2", "r1", 85),
    ]


def test_a_bad_score_grid_names_its_file_line_and_column_and_writes_nothing(
    tmp_path: Path,
) -> None:
    source, scores, target = grid_inputs(tmp_path, "mentee,r1,r2\ne1,90,101\n")
    code, _, err = run(
        "cohort", "match", "--input", str(source), "--scores", str(scores), "--output", str(target)
    )
    assert code == 1
    assert err.strip() == f"error: {scores}: line 2, column 3: must be 0..100, got 101"
    assert not target.exists()


def test_scores_in_the_input_and_a_grid_is_an_input_error(tmp_path: Path) -> None:
    source, scores, target = grid_inputs(tmp_path, "mentee,r1\ne1,5\n")
    data = json.loads(source.read_text()) | {"scores": [["e1", "r1", 5]]}
    source.write_text(json.dumps(data))
    code, _, err = run(
        "cohort", "match", "--input", str(source), "--scores", str(scores), "--output", str(target)
    )
    assert code == 1
    assert err.startswith(f"error: {source}: scores: given here and in a score grid")
    assert not target.exists()


def test_an_offline_run_starts_without_the_database_and_web_stack(tmp_path: Path) -> None:
    source, scores, target = grid_inputs(tmp_path, "mentee,r1\ne1,5\n")
    probe = (
        "import sys\n"
        "from network.cli import main\n"
        f"sys.argv = ['mentornet', 'cohort', 'match', '--input', {str(source)!r},"
        f" '--scores', {str(scores)!r}, '--output', {str(target)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('sqlalchemy', 'litestar', 'orgs.pairing') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
    assert json.loads(target.read_text())["matched"] == 1
