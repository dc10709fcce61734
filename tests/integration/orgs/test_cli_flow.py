"""The whole approval story from the command line, as the node operator acting for members."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli
from tests.integration.orgs.builders import DEMO_RULES, TEAM, csv_of


def test_apply_decline_exception_and_audit_from_the_cli(mentornet: Cli, tmp_path: Path) -> None:
    def ok(*args: str) -> str:
        result = mentornet(*args)
        assert result.exit_code == 0, (args, result.output)
        return result.stdout

    ok("org", "create", "--slug", "brent", "--name", "Brent")
    export = tmp_path / "staff.csv"
    export.write_text(csv_of(p.row() for p in TEAM))
    ok("org", "import-staff", "--org", "brent", str(export))
    ok("org", "role", "grant", "--org", "brent", "--employee", "HRD", "--role", "hr_director")
    assert "hr_director  HRD" in ok("org", "role", "list", "--org", "brent")
    ok("scheme", "create", "--org", "brent", "--slug", "mymentor", "--name", "MyMentor")
    ok("eligibility", "set", "--org", "brent", "--scheme", "mymentor",
       "--file", str(DEMO_RULES / "brent.yaml"))  # fmt: skip

    applied = ok("application", "apply", "--org", "brent", "--as", "MENTEE", "--scheme",
                 "mymentor", "--role", "mentee", "--hoped-gains", "Lead a team")  # fmt: skip
    app_id, role, state = applied.splitlines()[0].split()
    assert (role, state) == ("mentee", "awaiting_line_manager")

    refused = mentornet("application", "decide", "--org", "brent", "--as", "MGR", app_id,
                        "--decline", "--reason", "Busy")  # fmt: skip
    assert refused.exit_code == 1
    assert "service_delivery_considered" in refused.stderr
    not_theirs = mentornet("application", "decide", "--org", "brent", "--as", "OTHERMGR", app_id,
                           "--approve")  # fmt: skip
    assert not_theirs.exit_code == 1
    assert "No application of yours to decide" in not_theirs.stderr

    ok("application", "decide", "--org", "brent", "--as", "MGR", app_id, "--decline",
       "--reason", "Busy season", "--service-delivery-considered")  # fmt: skip
    ok("application", "request-exception", "--org", "brent", "--as", "MENTEE", app_id,
       "--reason", "Reasonable adjustment")  # fmt: skip
    granted = ok("application", "decide-exception", "--org", "brent", "--as", "HRD", app_id,
                 "--grant", "--reason", "Agreed")  # fmt: skip
    assert granted.split()[-1] == "exception_granted"

    trail = ok("application", "audit", "--org", "brent", app_id).splitlines()
    assert [line.split()[2:6] for line in trail] == [
        ["transition", "-", "→", "submitted"],
        ["transition", "submitted", "→", "awaiting_line_manager"],
        ["transition", "awaiting_line_manager", "→", "declined"],
        ["transition", "declined", "→", "exception_requested"],
        ["transition", "exception_requested", "→", "exception_granted"],
    ]
    assert "operator (cli) as member" in trail[2]
    assert ok("application", "remind", "--json") == "[]\n"
