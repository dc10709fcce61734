"""A new mentee's steps, as a GOV.UK task list on their home page: apply, line manager's
approval, mentee profile, find and ask a mentor, first meeting. Each step says where it
stands and links to where it is done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from network.http.mentoring_out import RelationshipOut
from network.http.schemes_out import ApplicationOut
from orgs.schemes.applications import AppState
from orgs.schemes.eligibility import SchemeRole

WAITING = (AppState.SUBMITTED, AppState.AWAITING_LINE_MANAGER, AppState.EXCEPTION_REQUESTED)
CLEARED = (AppState.APPROVED, AppState.EXCEPTION_GRANTED)
REFUSED = (AppState.DECLINED, AppState.INELIGIBLE, AppState.EXCEPTION_REFUSED)


@dataclass(frozen=True)
class Task:
    key: str
    name: str
    href: str  # "" while the step cannot be started
    status: str
    done: bool


def mentee_tasks(
    base: str,
    apps: Sequence[ApplicationOut],
    *,
    has_profile: bool,
    waiting_requests: int,
    relationships: Sequence[RelationshipOut],
) -> list[Task]:
    mine = [a for a in apps if a.role is SchemeRole.MENTEE and a.state is not AppState.WITHDRAWN]
    cleared = any(a.state in CLEARED for a in mine)
    as_mentee = [r for r in relationships if r.my_role == "mentee"]
    held = any(r.time_release.sessions_held > 0 for r in as_mentee)
    if cleared:
        approval = "Approved"
    elif any(a.state in WAITING for a in mine):
        approval = "Waiting for a decision"
    elif any(a.state in REFUSED for a in mine):
        approval = "Declined: you can ask for an exception"
    else:
        approval = "Cannot start yet"
    if as_mentee:
        asked = "Done"
    elif waiting_requests:
        asked = "Waiting for an answer"
    else:
        asked = "Not started" if cleared and has_profile else "Cannot start yet"
    first = as_mentee[0] if as_mentee else None
    refused = approval.startswith("Declined")
    return [
        Task(
            "apply",
            "Apply as a mentee",
            f"{base}/apply",
            "Done" if mine else "Not started",
            bool(mine),
        ),
        Task(
            "approval",
            "Your line manager approves",
            f"{base}/exceptions" if refused else "",
            approval,
            cleared,
        ),
        Task(
            "profile",
            "Tell us what you would like help with",
            f"{base}/profile/mentee",
            "Done" if has_profile else "Not started",
            has_profile,
        ),
        Task(
            "mentor",
            "Find and ask a mentor",
            f"{base}/suggestions" if cleared else "",
            asked,
            bool(as_mentee),
        ),
        Task(
            "meeting",
            "Have your first meeting",
            f"{base}/relationships/{first.id}#meetings" if first else "",
            "Done" if held else ("Not started" if first else "Cannot start yet"),
            held,
        ),
    ]
