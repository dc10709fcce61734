"""The people of each demo org's development IdP: one of each kind, to sign in as.

Their employee ids are the keys that link a sign-in to the HR-imported demo staff (if the demo
seeds them); without HR records they are provisioned at first sign-in. Roles come from the
``groups`` claim through each demo org's group → role mapping (see ``DEV_GROUP_ROLES``); being
a line manager is derived from the mentee's ``manager_employee_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

from orgs.roles import Role

DEV_GROUP_ROLES: dict[str, tuple[Role, ...]] = {
    "mentornet-admins": (Role.ORG_ADMIN,),
    "mentoring-coordinators": (Role.COORDINATOR,),
    "hr-directors": (Role.HR_DIRECTOR,),
}


@dataclass(frozen=True)
class DevPerson:
    sub: str
    kind: str  # what the demo shows them as
    given_name: str
    family_name: str
    employee_id: str
    department: str
    job_title: str
    manager_employee_id: str | None = None
    groups: tuple[str, ...] = ("staff",)

    def email(self, slug: str) -> str:
        return f"{self.given_name}.{self.family_name}@{slug}.example".lower()

    def claims(self, slug: str) -> dict[str, object]:
        claims: dict[str, object] = {
            "sub": self.sub,
            "email": self.email(slug),
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


_NAMES = {
    "brent": (
        ("Amara", "Okafor"),
        ("Daniel", "Whitfield"),
        ("Priya", "Shah"),
        ("Samuel", "Mensah"),
        ("Grace", "Lindqvist"),
        ("Helen", "Achebe"),
    ),
    "harrow": (
        ("Tom", "Fletcher"),
        ("Nadia", "Rahman"),
        ("Ian", "MacLeod"),
        ("Chloe", "Baptiste"),
        ("Omar", "Haddad"),
        ("Ruth", "Kowalski"),
    ),
    "nch": (
        ("Jordan", "Price"),
        ("Aisha", "Begum"),
        ("Kevin", "Doyle"),
        ("Lucy", "Marsh"),
        ("Marcus", "Reid"),
        ("Fiona", "Grant"),
    ),
}


def dev_people(slug: str) -> tuple[DevPerson, ...]:
    """The six demo people of ``slug`` (any slug gets a set; employee ids are slug-prefixed)."""
    names = _NAMES.get(slug, _NAMES["brent"])
    prefix = slug.upper()[:6]

    def eid(n: int) -> str:
        return f"{prefix}-90{n}"

    rows = (
        ("mentee", "Housing", "Housing Officer", eid(3), ("staff",)),
        ("mentor", "Regeneration", "Senior Project Manager", None, ("staff",)),
        ("line manager", "Housing", "Housing Team Leader", None, ("staff",)),
        ("coordinator", "Organisational Development", "OD Adviser", None,
         ("staff", "mentoring-coordinators")),
        ("admin", "HR Systems", "HR Systems Lead", None, ("staff", "mentornet-admins")),
        ("HR director", "Human Resources", "Director of HR", None, ("staff", "hr-directors")),
    )  # fmt: skip
    return tuple(
        DevPerson(
            sub=f"{slug}-{kind.replace(' ', '-').lower()}",
            kind=kind,
            given_name=names[i][0],
            family_name=names[i][1],
            employee_id=eid(i + 1),
            department=department,
            job_title=job_title,
            manager_employee_id=manager,
            groups=groups,
        )
        for i, (kind, department, job_title, manager, groups) in enumerate(rows)
    )
