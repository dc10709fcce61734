"""Eligibility rules: the seed documents' rules decide correctly and say why, naming the rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from orgs.errors import InvalidInput
from orgs.people.declared import Declared
from orgs.schemes.eligibility import (
    Context,
    MemberFacts,
    SchemeRole,
    evaluate,
    months_between,
    parse_rules,
)

RULES = Path(__file__).parents[3] / "network" / "demo" / "rules"
TODAY = Context(date(2026, 11, 23), ("G1", "G2", "G3", "G4", "G5", "G6", "G7", "SM1", "SM2", "D1"))
MENTEE, MENTOR = SchemeRole.MENTEE, SchemeRole.MENTOR


def seed(name: str) -> Any:
    return parse_rules(yaml.safe_load((RULES / f"{name}.yaml").read_text()))


def staff(**attributes: object) -> MemberFacts:
    grade = str(attributes.pop("grade", "G3"))
    declared = attributes.pop("declared", None)
    trainings = attributes.pop("trainings", frozenset())
    groups = attributes.pop("groups", frozenset())
    start = attributes.pop("start_date", None)
    attributes.setdefault("school_based", False)
    attributes.setdefault("employment_type", "permanent")
    return MemberFacts(
        attributes=attributes,
        grade=grade,
        start_date=start,  # type: ignore[arg-type]
        groups=groups,  # type: ignore[arg-type]
        trainings=trainings,  # type: ignore[arg-type]
        declared=declared,  # type: ignore[arg-type]
    )


# --- Brent ----------------------------------------------------------------------------------


def test_brent_admits_non_school_based_staff_with_reasons() -> None:
    decision = evaluate(seed("brent"), staff(), MENTEE, TODAY)
    assert decision.eligible
    assert decision.reasons == (
        "Not school-based (rule: non-school-based)",
        "Not a national graduate (rule: not-national-graduate)",
    )


def test_brent_excludes_school_based_staff_naming_the_rule() -> None:
    decision = evaluate(seed("brent"), staff(school_based=True), MENTEE, TODAY)
    assert not decision.eligible
    assert decision.reasons[0] == "School-based staff are not eligible (rule: non-school-based)"


@pytest.mark.parametrize("employment_type", ["national graduate", "National Graduate", "NGDP"])
def test_brent_excludes_national_graduates(employment_type: str) -> None:
    decision = evaluate(seed("brent"), staff(employment_type=employment_type), MENTOR, TODAY)
    assert not decision.eligible
    assert decision.reasons[0].endswith("(rule: not-national-graduate)")
    assert decision.reasons[0].startswith("National graduates are not eligible")


def test_brent_lists_every_failed_rule_first() -> None:
    facts = staff(school_based=True, employment_type="NGDP")
    decision = evaluate(seed("brent"), facts, MENTEE, TODAY)
    assert [r.split("(rule: ")[1] for r in decision.reasons] == [
        "non-school-based)",
        "not-national-graduate)",
    ]


# --- Nottingham City Homes positive-action pilot ----------------------------------------------


@pytest.mark.parametrize(
    "declared",
    [Declared(ethnicity="black"), Declared(ethnicity="asian"), Declared(disability=True)],
)
def test_nch_mentees_are_staff_who_self_declare_bme_or_disabled(declared: Declared) -> None:
    decision = evaluate(seed("nch"), staff(declared=declared), MENTEE, TODAY)
    assert decision.eligible
    assert decision.reasons == (
        "Meets the scheme's self-declared criteria (rule: positive-action)",
    )


@pytest.mark.parametrize(
    "declared",
    [
        None,
        Declared(ethnicity="white_british"),
        Declared(ethnicity="white_british", disability=False),
    ],
)
def test_nch_others_are_not_eligible_as_mentees(declared: Declared | None) -> None:
    decision = evaluate(seed("nch"), staff(declared=declared), MENTEE, TODAY)
    assert not decision.eligible
    assert decision.reasons == (
        "Does not meet the scheme's self-declared criteria (rule: positive-action)",
    )


def test_nch_reasons_never_name_the_special_category_that_decided() -> None:
    for declared in (Declared(ethnicity="black"), Declared(disability=True), None):
        decision = evaluate(seed("nch"), staff(declared=declared), MENTEE, TODAY)
        text = " ".join(decision.reasons).lower()
        for word in ("black", "asian", "disab", "ethnic", "bme"):
            assert word not in text


def test_nch_mentors_are_senior_managers() -> None:
    rules = seed("nch")
    assert evaluate(rules, staff(grade="SM1"), MENTOR, TODAY).reasons == (
        "A senior manager (rule: senior-managers)",
    )
    assert evaluate(rules, staff(grade="D1"), MENTOR, TODAY).eligible
    refused = evaluate(rules, staff(grade="G7"), MENTOR, TODAY)
    assert not refused.eligible
    assert refused.reasons == ("Mentors in the pilot are senior managers (rule: senior-managers)",)


def test_a_grade_the_org_does_not_list_is_not_at_least_anything() -> None:
    assert not evaluate(seed("nch"), staff(grade="Band 9"), MENTOR, TODAY).eligible


# --- Broadland -------------------------------------------------------------------------------


def test_broadland_mentors_are_volunteers_who_completed_training() -> None:
    rules = seed("broadland")
    trained = evaluate(rules, staff(trainings=frozenset({"mentor-training"})), MENTOR, TODAY)
    assert trained.eligible
    assert trained.reasons == ("Completed the mentor training (rule: trained-volunteer)",)
    untrained = evaluate(rules, staff(), MENTOR, TODAY)
    assert not untrained.eligible
    assert untrained.reasons == (
        "Mentors must first complete the mentor training (rule: trained-volunteer)",
    )


def test_broadland_mentees_are_staff_at_all_levels() -> None:
    decision = evaluate(seed("broadland"), staff(grade="G1"), MENTEE, TODAY)
    assert decision.eligible
    assert decision.reasons == ("Open to all staff as mentees (rule: open)",)


# --- the language of rules -------------------------------------------------------------------


def rules_of(*conditions: dict[str, Any]) -> Any:
    return parse_rules({"mentee": [{"rule": f"r{i}", **c} for i, c in enumerate(conditions)]})


def test_a_role_the_scheme_does_not_take_is_refused_with_a_reason() -> None:
    decision = evaluate(rules_of(), staff(), MENTOR, TODAY)
    assert not decision.eligible
    assert decision.reasons == ("This scheme does not take mentors (rule: roles)",)


def test_all_any_not_combine() -> None:
    rules = rules_of(
        {
            "any": [
                {
                    "all": [
                        {"equals": {"attribute": "department", "value": "Housing"}},
                        {"grade_at_least": "G5"},
                    ]
                },
                {"in_group": "Women in Leadership"},
            ]
        },
        {"not": {"in": {"attribute": "location", "values": ["Civic Centre"]}}},
    )
    assert evaluate(rules, staff(department="housing", grade="G6"), MENTEE, TODAY).eligible
    assert not evaluate(rules, staff(department="housing", grade="G4"), MENTEE, TODAY).eligible
    leader = staff(groups=frozenset({"women in leadership"}))
    assert evaluate(rules, leader, MENTEE, TODAY).eligible
    at_civic = staff(groups=frozenset({"Women in Leadership"}), location="Civic Centre")
    decision = evaluate(rules, at_civic, MENTEE, TODAY)
    assert not decision.eligible
    assert decision.reasons[0] == (
        "Not eligible: requires not (location is one of 'Civic Centre') (rule: r1)"
    )


def test_grade_at_most_and_months_of_service() -> None:
    rules = rules_of({"grade_at_most": "G4"}, {"months_of_service_at_least": 6})
    newcomer = staff(grade="G2", start_date=date(2026, 6, 1))
    assert not evaluate(rules, newcomer, MENTEE, TODAY).eligible
    settled = staff(grade="G2", start_date=date(2026, 5, 23))
    assert evaluate(rules, settled, MENTEE, TODAY).eligible
    assert not evaluate(
        rules, staff(grade="G5", start_date=date(2020, 1, 1)), MENTEE, TODAY
    ).eligible
    assert not evaluate(rules, staff(grade="G2"), MENTEE, TODAY).eligible  # no start date


def test_months_between_counts_whole_months() -> None:
    assert months_between(date(2026, 5, 23), date(2026, 11, 23)) == 6
    assert months_between(date(2026, 5, 24), date(2026, 11, 23)) == 5
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 0


def test_flag_reads_yes_no_values() -> None:
    rules = rules_of({"flag": "volunteer"})
    assert evaluate(rules, staff(volunteer="Yes"), MENTEE, TODAY).eligible
    assert not evaluate(rules, staff(volunteer="no"), MENTEE, TODAY).eligible
    assert not evaluate(rules, staff(), MENTEE, TODAY).eligible


def test_rules_round_trip_through_their_data() -> None:
    rules = seed("brent")
    assert parse_rules(rules.to_data()) == rules


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"mentee": [{"rule": "x", "colour": "red"}]}, "mentee[0].colour"),
        ({"mentee": [{"rule": "Bad Name", "flag": "x"}]}, "mentee[0].rule"),
        ({"mentee": [{"rule": "x", "flag": "x", "in_group": "y"}]}, "mentee[0]"),
        ({"mentee": [{"rule": "x", "equals": {"attribute": "grade"}}]}, "mentee[0].equals"),
        ({"mentee": [{"rule": "x", "all": [{"flag": "Bad-Attr"}]}]}, "mentee[0].all[0].flag"),
        (
            {"mentee": [{"rule": "x", "months_of_service_at_least": "six"}]},
            "mentee[0].months_of_service_at_least",
        ),
        (
            {"mentee": [{"rule": "x", "self_declared": {"religion": ["y"]}}]},
            "mentee[0].self_declared",
        ),
        ({"mentors": []}, "mentors"),
        ({"mentee": [{"rule": "x", "flag": "a"}, {"rule": "x", "flag": "b"}]}, "mentee"),
    ],
)
def test_bad_rules_are_refused_naming_the_place(document: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_rules(document)
    assert field in [e.field for e in raised.value.errors]
