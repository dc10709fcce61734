"""Who may do what: one table of org roles per action, read by the services, the API and the
pages alike, so the three can never disagree.

Actions that belong to a person rather than a role (a mentee's own learning log, a line
manager's approval, a party to a relationship) are decided where that person is known: in the
service that owns the record. This table covers what an org role lets someone do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from orgs.errors import Forbidden
from orgs.people.roles import Role

ADMIN = frozenset({Role.ORG_ADMIN})
COORDINATORS = frozenset({Role.COORDINATOR, Role.ORG_ADMIN})
STAFF = frozenset({Role.COORDINATOR, Role.ORG_ADMIN, Role.HR_DIRECTOR})
HR = frozenset({Role.HR_DIRECTOR})
#: Equality figures: the scheme's coordinator and HR directors, not org admins (issue 19).
EQUALITY = frozenset({Role.COORDINATOR, Role.HR_DIRECTOR})
NETWORK_COORDINATORS = frozenset({Role.NETWORK_COORDINATOR, Role.ORG_ADMIN})


class Action(StrEnum):
    """What an org role permits; the value reads after "Only … may"."""

    ADMINISTER = "open the organisation's administration pages"
    IMPORT_STAFF = "import staff records"
    READ_STAFF = "read staff records"
    READ_ORG_SETTINGS = "read the staff-data and approval settings"
    CHANGE_ORG_SETTINGS = "change the staff-data and approval settings"
    READ_ROLES = "see who holds which role"
    GRANT_ROLES = "grant or revoke roles"
    CONFIGURE_SIGN_IN = "read or change the sign-in settings"
    SET_SHARING = "change the organisation's sharing policy"
    MANAGE_SCHEMES = "create and set up schemes (details, training sessions, email wording)"
    SET_RULES = "set a scheme's eligibility rules"
    READ_RULE_HISTORY = "read rule versions and previews"
    RECORD_ATTENDANCE = "record training attendance"
    READ_ATTENDANCE = "read training attendance"
    READ_APPLICATIONS = "list applications"
    SHORTLIST = "shortlist applicants"
    DECIDE_EXCEPTIONS = "decide exceptions to the rules"
    APPROVE_WITHOUT_MANAGER = "approve an application that has no line manager to approve it"
    RUN_COHORTS = "run cohort matching"
    COORDINATE = "coordinate mentoring (settings, terms, health, concerns, outcomes, results)"
    EXPORT_HR = "export the HR record of mentoring"
    CHOOSE_MONITORING = "choose what equality monitoring asks and upload the workforce profile"
    READ_EQUALITY = "see equality monitoring figures and programme reports"
    SCHEDULE_REPORTS = "schedule programme reports"
    MANAGE_NETWORKS = "found, join, change or leave a network"
    READ_NETWORK_REPORTS = "read the reports of the organisation's networks"
    MANAGE_NETWORK_EVENTS = (
        "publish the organisation's shared events, take their attendance and link them to "
        "its trainings"
    )


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.ADMINISTER: ADMIN,
    Action.IMPORT_STAFF: ADMIN,
    Action.READ_STAFF: STAFF,
    Action.READ_ORG_SETTINGS: STAFF,
    Action.CHANGE_ORG_SETTINGS: ADMIN,
    Action.READ_ROLES: STAFF,
    Action.GRANT_ROLES: ADMIN,
    Action.CONFIGURE_SIGN_IN: ADMIN,
    Action.SET_SHARING: ADMIN,
    Action.MANAGE_SCHEMES: COORDINATORS,
    Action.SET_RULES: COORDINATORS,
    Action.READ_RULE_HISTORY: STAFF,
    Action.RECORD_ATTENDANCE: COORDINATORS,
    Action.READ_ATTENDANCE: STAFF,
    Action.READ_APPLICATIONS: STAFF,
    Action.SHORTLIST: COORDINATORS,
    Action.DECIDE_EXCEPTIONS: HR,
    Action.APPROVE_WITHOUT_MANAGER: HR,
    Action.RUN_COHORTS: COORDINATORS,
    Action.COORDINATE: COORDINATORS,
    Action.EXPORT_HR: STAFF,
    Action.CHOOSE_MONITORING: ADMIN,
    Action.READ_EQUALITY: EQUALITY,
    Action.SCHEDULE_REPORTS: EQUALITY,
    Action.MANAGE_NETWORKS: ADMIN,
    Action.READ_NETWORK_REPORTS: NETWORK_COORDINATORS,
    Action.MANAGE_NETWORK_EVENTS: NETWORK_COORDINATORS,
}

ROLE_NAMES = {
    Role.ORG_ADMIN: "an org admin",
    Role.COORDINATOR: "a coordinator",
    Role.HR_DIRECTOR: "an HR director",
    Role.NETWORK_COORDINATOR: "a network coordinator",
}


class HasRoles(Protocol):
    @property
    def roles(self) -> frozenset[Role]: ...


def may(who: HasRoles, action: Action) -> bool:
    return not PERMISSIONS[action].isdisjoint(who.roles)


def authorize(who: HasRoles, action: Action) -> None:
    """Refuse (403) unless one of ``who``'s roles permits ``action``."""
    if not may(who, action):
        raise Forbidden(f"Only {_names(PERMISSIONS[action])} may {action.value}.")


def _names(roles: frozenset[Role]) -> str:
    names = [ROLE_NAMES[r] for r in Role if r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
