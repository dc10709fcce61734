"""The people of each demo org's development IdP: one of each kind, to sign in as.

They are the demo staff that ``network.demo.staff`` imports as HR data (same employee ids,
names, emails, managers), so a first sign-in links to the HR record rather than provisioning
a new member. Roles come from the ``groups`` claim through each demo org's group → role
mapping (``DEV_GROUP_ROLES``; the demo also grants them by hand); line manager is derived.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache

from network.demo.staff import demo_staff_orgs, staff_csv
from orgs.db import utcnow
from orgs.people.roles import Role

DEV_GROUP_ROLES: dict[str, tuple[Role, ...]] = {
    "mentornet-admins": (Role.ORG_ADMIN,),
    "mentoring-coordinators": (Role.COORDINATOR,),
    "hr-directors": (Role.HR_DIRECTOR,),
}

#: demo_role of the HR data → (what the sign-in page calls them, their IdP groups).
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mentee": ("mentee", ("staff",)),
    "mentor": ("mentor", ("staff",)),
    "line_manager": ("line manager", ("staff",)),
    "coordinator": ("coordinator", ("staff", "mentoring-coordinators")),
    "admin": ("admin", ("staff", "mentornet-admins")),
    "hr_director": ("HR director", ("staff", "hr-directors")),
}


@dataclass(frozen=True)
class DevPerson:
    sub: str
    kind: str
    given_name: str
    family_name: str
    email: str
    employee_id: str
    department: str
    job_title: str
    manager_employee_id: str | None
    groups: tuple[str, ...]

    def claims(self) -> dict[str, object]:
        claims: dict[str, object] = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": True,
            "name": f"{self.given_name} {self.family_name}",
            "given_name": self.given_name,
            "family_name": self.family_name,
            "employee_id": self.employee_id,
            "department": self.department,
            "job_title": self.job_title,
            "groups": list(self.groups),
        }
        if self.manager_employee_id:
            claims["manager_employee_id"] = self.manager_employee_id
        return claims


@cache
def dev_people(slug: str) -> tuple[DevPerson, ...]:
    """The six demo people of ``slug`` (none for an org that is not a demo org)."""
    demo = next((d for d in demo_staff_orgs(utcnow().date()) if d.slug == slug), None)
    if demo is None:
        return ()
    rows = {row["demo_role"]: row for row in csv.DictReader(io.StringIO(staff_csv(demo)))}
    return tuple(
        DevPerson(
            sub=f"{slug}-{key.replace('_', '-')}",
            kind=kind,
            given_name=rows[key]["given_name"],
            family_name=rows[key]["family_name"],
            email=rows[key]["email"],
            employee_id=rows[key]["employee_id"],
            department=rows[key]["department"],
            job_title=rows[key]["job_title"],
            manager_employee_id=rows[key]["manager_employee_id"] or None,
            groups=groups,
        )
        for key, (kind, groups) in KINDS.items()
        if key in rows
    )
