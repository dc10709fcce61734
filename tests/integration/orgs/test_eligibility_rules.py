"""Eligibility rules as versioned data: set from YAML, checked with reasons, previewed, and the
seed cases decided on real members through the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.people.special_category import Ethnicity, SpecialCategory
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.eligibility_checks import EligibilityChecks
from orgs.schemes.rules_store import RulesStore
from orgs.schemes.schemes import SchemeService
from tests.conftest import Cli
from tests.integration.network.helpers import assert_problem
from tests.integration.orgs.builders import (
    DEMO_RULES,
    TEAM,
    Person,
    api_org,
    csv_of,
    import_people,
    new_org,
    scheme_with_rules,
    seed_rules,
)

Client = AsyncTestClient[Litestar]


def cli_org(mentornet: Cli, tmp_path: Path, slug: str, people: list[Person]) -> None:
    assert mentornet("org", "create", "--slug", slug, "--name", slug.title()).exit_code == 0
    grades = "G1,G2,G3,G4,G5,G6,G7,SM1,SM2,D1"
    assert mentornet("org", "settings", "--org", slug, "--grades", grades).exit_code == 0
    export = tmp_path / f"{slug}.csv"
    export.write_text(csv_of(p.row() for p in people))
    imported = mentornet("org", "import-staff", "--org", slug, str(export))
    assert imported.exit_code == 0, imported.output


def test_brent_rules_set_from_yaml_and_checked_from_the_cli(mentornet: Cli, tmp_path: Path) -> None:
    people = [*TEAM, Person("NGDP1", manager="MGR", employment_type="National Graduate")]
    cli_org(mentornet, tmp_path, "brent", people)
    assert (
        mentornet(
            "scheme", "create", "--org", "brent", "--slug", "mymentor", "--name", "MyMentor"
        ).exit_code
        == 0
    )
    rules = str(DEMO_RULES / "brent.yaml")
    first = mentornet(
        "eligibility", "set", "--org", "brent", "--scheme", "mymentor", "--file", rules
    )
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "set version 1 of mymentor's rules"
    same = mentornet(
        "eligibility", "set", "--org", "brent", "--scheme", "mymentor", "--file", rules
    )
    assert same.stdout.strip() == "unchanged: version 1 of mymentor's rules"

    def check(employee: str) -> dict[str, object]:
        result = mentornet(
            "eligibility",
            "check",
            "--org",
            "brent",
            "--scheme",
            "mymentor",
            "--employee",
            employee,
            "--role",
            "mentee",
            "--json",
        )
        assert result.exit_code == 0, result.output
        decision: dict[str, object] = json.loads(result.stdout)
        return decision

    assert check("MENTEE")["eligible"] is True
    teacher = check("TEACHER")
    assert teacher["eligible"] is False
    assert teacher["reasons"] == [
        "School-based staff are not eligible (rule: non-school-based)",
        "Not a national graduate (rule: not-national-graduate)",
    ]
    graduate = check("NGDP1")
    assert graduate["eligible"] is False
    assert graduate["reasons"] == [
        "National graduates are not eligible; named senior managers support them instead "
        "(rule: not-national-graduate)",
        "Not school-based (rule: non-school-based)",
    ]
    human = mentornet(
        "eligibility", "check", "--org", "brent", "--employee", "TEACHER", "--role", "mentee"
    )
    assert "mymentor: TEACHER is NOT eligible as mentee" in human.stdout
    assert "  - School-based staff are not eligible (rule: non-school-based)" in human.stdout

    preview = mentornet(
        "eligibility",
        "preview",
        "--org",
        "brent",
        "--scheme",
        "mymentor",
        "--role",
        "mentee",
        "--json",
    )
    counts = json.loads(preview.stdout)
    assert (counts["staff"], counts["eligible"]) == (12, 10)
    assert counts["rules"] == [
        {"rule": "non-school-based", "admits": 11, "excludes": 1},
        {"rule": "not-national-graduate", "admits": 11, "excludes": 1},
    ]


def test_bad_yaml_rules_are_refused_naming_the_place(mentornet: Cli, tmp_path: Path) -> None:
    cli_org(mentornet, tmp_path, "nch", list(TEAM))
    mentornet("scheme", "create", "--org", "nch", "--slug", "pilot", "--name", "Pilot")
    bad = tmp_path / "bad.yaml"
    bad.write_text("mentor:\n  - rule: seniors\n    grade_at_least: Band 9\n")
    result = mentornet(
        "eligibility", "set", "--org", "nch", "--scheme", "pilot", "--file", str(bad)
    )
    assert result.exit_code == 1
    assert "unknown grade(s) Band 9" in result.stderr
    typo = tmp_path / "typo.yaml"
    typo.write_text("mentee:\n  - rule: x\n    flagg: school_based\n")
    result = mentornet(
        "eligibility", "set", "--org", "nch", "--scheme", "pilot", "--file", str(typo)
    )
    assert result.exit_code == 1
    assert "mentee[0].flagg: unknown key" in result.stderr


async def test_rules_are_versioned_with_who_and_when(client: Client, db: AsyncSession) -> None:
    o = await api_org(db)
    url = f"/api/v1/orgs/brent/schemes/{o.scheme_id}/rules"
    new = {"mentee": [], "mentor": [{"rule": "managers", "grade_at_least": "G6"}]}
    put = await client.put(
        url, json={"document": new, "note": "mentors are managers"}, headers=o.as_("COORD")
    )
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 2
    versions = (await client.get(f"{url}/versions", headers=o.as_("COORD"))).json()
    assert [(v["version"], v["created_by"], v["note"]) for v in versions] == [
        (1, "test", ""),
        (2, f"member {o.id('COORD')}", "mentors are managers"),
    ]
    assert versions[0]["document"] == seed_rules("brent")
    assert (await client.get(url, headers=o.as_("MENTEE"))).json()["version"] == 2
    refused = await client.put(url, json={"document": new}, headers=o.as_("MENTEE"))
    assert_problem(refused, 403, "forbidden")
    bad = await client.put(
        url, json={"document": {"mentee": [{"rule": "x"}]}}, headers=o.as_("COORD")
    )
    body = assert_problem(bad, 422, "invalid-input")
    assert body["errors"][0]["field"] == "mentee[0]"


async def test_nch_pilot_decisions_on_real_members(db: AsyncSession) -> None:
    org = await new_org(db, "nch")
    people = await import_people(db, org, TEAM)
    scheme = await scheme_with_rules(db, org, "nch", slug="pilot", name="Pilot")
    store = SpecialCategory(db, org.id)
    await store.declare(people["MENTEE"], ethnicity=Ethnicity.BLACK, disability=None, consent=True)
    await store.declare(people["PEER"], ethnicity=None, disability=True, consent=True)
    await store.declare(
        people["OTHER"], ethnicity=Ethnicity.WHITE_BRITISH, disability=False, consent=True
    )
    checks = EligibilityChecks(db, org.id)
    mentee = SchemeRole.MENTEE
    assert (await checks.check(scheme, people["MENTEE"], mentee)).eligible
    assert (await checks.check(scheme, people["PEER"], mentee)).eligible
    assert not (await checks.check(scheme, people["OTHER"], mentee)).eligible
    assert not (await checks.check(scheme, people["TEACHER"], mentee)).eligible
    mentor = await checks.check(scheme, people["DIR"], SchemeRole.MENTOR)
    assert mentor.reasons == ("A senior manager (rule: senior-managers)",)
    assert not (await checks.check(scheme, people["MGR"], SchemeRole.MENTOR)).eligible
    preview = await checks.preview(scheme, mentee)
    assert (preview.staff, preview.eligible) == (11, 2)


async def test_broadland_mentor_training_attendance_makes_a_mentor_eligible(
    db: AsyncSession,
) -> None:
    org = await new_org(db, "broadland")
    people = await import_people(db, org, TEAM)
    scheme = await scheme_with_rules(db, org, "broadland", slug="mentoring", name="Mentoring")
    service = SchemeService(db, org.id)
    training = await service.add_training(
        scheme, SchemeRole.MENTOR, "Mentor training", "mentor-training", None
    )
    checks = EligibilityChecks(db, org.id)
    before = await checks.check(scheme, people["PEER"], SchemeRole.MENTOR)
    assert before.reasons == (
        "Mentors must first complete the mentor training (rule: trained-volunteer)",
    )
    await service.record_attendance(
        training.id, people["PEER"].id, attended=True, who=ActorRef.system("test")
    )
    after = await checks.check(scheme, people["PEER"], SchemeRole.MENTOR)
    assert after.eligible
    assert after.reasons == ("Completed the mentor training (rule: trained-volunteer)",)
    await service.record_attendance(
        training.id, people["PEER"].id, attended=False, who=ActorRef.system("test")
    )
    assert not (await checks.check(scheme, people["PEER"], SchemeRole.MENTOR)).eligible
    assert (await checks.check(scheme, people["OTHER"], SchemeRole.MENTEE)).eligible
    assert len(await RulesStore(db, org.id).versions(scheme)) == 1
