from __future__ import annotations

import json

from tests.conftest import Cli


def test_create_and_list_orgs(mentornet: Cli) -> None:
    created = mentornet("org", "create", "--slug", "brent", "--name", "London Borough of Brent")
    assert created.exit_code == 0, created.output
    listed = mentornet("org", "list", "--json")
    assert listed.exit_code == 0
    assert [(o["slug"], o["name"]) for o in json.loads(listed.stdout)] == [
        ("brent", "London Borough of Brent")
    ]


def test_duplicate_slug_is_one_line_and_non_zero(mentornet: Cli) -> None:
    assert mentornet("org", "create", "--slug", "brent", "--name", "Brent").exit_code == 0
    again = mentornet("org", "create", "--slug", "brent", "--name", "Brent again")
    assert again.exit_code == 1
    assert again.stderr.strip().splitlines() == [
        "error: An organisation with slug 'brent' already exists."
    ]


def test_bad_slug_says_what_a_slug_may_be(mentornet: Cli) -> None:
    bad = mentornet("org", "create", "--slug", "Brent Council", "--name", "Brent")
    assert bad.exit_code == 1
    assert "lower-case letters" in bad.stderr
    assert json.loads(mentornet("org", "list", "--json").stdout) == []


def test_token_for_unknown_org_fails(mentornet: Cli) -> None:
    result = mentornet("org", "token", "create", "--org", "nowhere")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: No organisation 'nowhere' on this node."


def test_token_create_prints_it_once_and_revoke_by_id(mentornet: Cli) -> None:
    mentornet("org", "create", "--slug", "nch", "--name", "Nottingham City Homes")
    created = mentornet("org", "token", "create", "--org", "nch", "--role", "admin")
    assert created.exit_code == 0
    token = created.stdout.strip()
    assert token.startswith("mnt_")
    listed = mentornet("org", "token", "list", "--org", "nch")
    assert token not in listed.stdout
    token_id = listed.stdout.split()[0]
    revoked = mentornet("org", "token", "revoke", "--org", "nch", token_id)
    assert revoked.exit_code == 0
    assert "revoked" in mentornet("org", "token", "list", "--org", "nch").stdout


def test_unknown_role_names_the_allowed_ones(mentornet: Cli) -> None:
    mentornet("org", "create", "--slug", "nch", "--name", "NCH")
    result = mentornet("org", "token", "create", "--org", "nch", "--role", "king")
    assert result.exit_code == 1
    assert "admin, coordinator, hr_director" in result.stderr


def test_every_command_has_help(mentornet: Cli) -> None:
    for command in (
        [],
        ["serve"],
        ["db"],
        ["db", "upgrade"],
        ["db", "current"],
        ["org"],
        ["org", "create"],
        ["org", "list"],
        ["org", "token", "create"],
        ["org", "token", "revoke"],
    ):
        result = mentornet(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.stdout


def test_db_current_and_check_on_the_migrated_database(mentornet: Cli) -> None:
    assert "(head)" in mentornet("db", "current").stdout
    checked = mentornet("db", "check")
    assert checked.exit_code == 0, checked.output
