"""The worked example of docs/matching.md: if these numbers change, the document must too."""

from pathlib import Path

from matching.model import MeetingMode, MenteeProfile, MentorProfile, SchemeKind
from matching.scoring import DEFAULT_WEIGHTS, score_numerators, score_pair

DOC = Path(__file__).resolve().parents[3] / "docs" / "matching.md"

MENTEE = MenteeProfile(
    "mentee-1",
    "council-a",
    {"leadership-management": 5, "confidence": 4, "housing": 2},
    meeting_mode=MeetingMode.IN_PERSON,
    region="midlands",
    languages=frozenset({"en"}),
    open_to_other_orgs=True,
    seniority_band=3,
    department="housing-ops",
)
MENTOR = MentorProfile(
    "mentor-7",
    "fire-b",
    {"leadership-management": 3, "confidence": 2, "finance": 3},
    seniority_band=6,
    region="midlands",
    languages=frozenset({"en", "pa"}),
    sector="fire",
    department="prevention",
)


def test_worked_example_numbers() -> None:
    numerators, denominator = score_numerators(
        MENTEE, MENTOR, DEFAULT_WEIGHTS, SchemeKind.ONE_TO_ONE
    )
    assert denominator == 66  # Q = 2 · 3 · (5 + 4 + 2)
    assert sum(value for _, value in numerators) == 5400  # 5400 / 66 = 81.82
    score = score_pair(MENTEE, MENTOR)
    assert score.total == 82
    assert [(p.factor, p.points) for p in score.parts] == [
        ("topic:leadership-management", 27),
        ("topic:confidence", 15),
        ("topic:housing", 0),
        ("seniority", 10),
        ("meeting", 10),
        ("language", 10),
        ("sector", 5),
        ("different_unit", 5),
    ]


def test_the_document_shows_the_same_table() -> None:
    text = DOC.read_text()
    for part in score_pair(MENTEE, MENTOR).parts:
        assert f"| `{part.factor}` | {part.points} | {part.sentence} |" in text
