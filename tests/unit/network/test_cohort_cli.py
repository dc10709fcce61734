"""``mentornet cohort match``: the offline what-if run, as a coordinator would use it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from matching.offline import example_input
from network.cli.main import cli


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
