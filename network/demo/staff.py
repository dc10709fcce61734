"""Demo staff, roles and schemes for the demo organisations (Brent, Harrow, NCH).

Each org gets a small management tree with, at least, a mentee, a mentor, the mentee's line
manager, a scheme coordinator, an org admin and an HR director, and about twenty more staff;
and one scheme with rules from the source documents. Everything goes through the real services
(staff import, role grants, rules store), so running it again changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.errors import NotFound
from orgs.org_settings import OrgSettings, read_settings, update_settings
from orgs.people.members import Member, MemberRepository
from orgs.people.role_grants import RoleGrants
from orgs.people.roles import Role
from orgs.people.special_category import Ethnicity, SpecialCategory
from orgs.records.staff_import import StaffImporter
from orgs.registry import OrgRegistry
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.rules_store import RulesStore
from orgs.schemes.schemes import Scheme, SchemeService, SchemeSpec

RULES = Path(__file__).parent / "rules"
DEMO = ActorRef(None, "demo data")

COUNCIL_GRADES = ["Scale 3", "Scale 5", "SO1", "SO2", "PO1", "PO3", "PO5", "SM1", "SM2", "D1"]
NCH_GRADES = ["G1", "G2", "G3", "G4", "G5", "G6", "G7", "SM1", "SM2", "D1"]

GIVEN = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ewa",
    "Femi",
    "Grace",
    "Hassan",
    "Isla",
    "Jamal",
    "Kerry",
    "Liam",
    "Maya",
    "Nikhil",
    "Olu",
    "Priya",
    "Quentin",
    "Rosa",
    "Sanjay",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Yasmin",
    "Zoe",
    "Aidan",
    "Bola",
    "Ciara",
]
FAMILY = [
    "Adeyemi",
    "Brennan",
    "Chaudhry",
    "Doyle",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Connor",
    "Patel",
    "Quinn",
    "Reid",
    "Singh",
    "Thompson",
    "Usman",
    "Vaughan",
    "Walsh",
    "Young",
    "Zielinski",
    "Ahmed",
    "Baker",
    "Campbell",
]


@dataclass(frozen=True)
class Post:
    key: str  # what this person is in the demo: "mentee", "mentor", ...
    job_title: str
    department: str
    grade: int  # index into the org's grades
    manager: str | None
    school_based: bool = False
    employment_type: str = "permanent"


#: The same shape for every org; titles read naturally for a council or a housing company.
POSTS = [
    Post("chief", "Chief Executive", "Chief Executive's Office", 9, None),
    Post("hr_director", "Director of HR and Organisational Development", "HR", 8, "chief"),
    Post("mentor", "Director of Housing", "Housing", 8, "chief"),
    Post("resources_director", "Director of Resources", "Finance", 8, "chief"),
    Post("coordinator", "Learning and Development Coordinator", "HR", 5, "hr_director"),
    Post("admin", "HR Systems Officer", "HR", 4, "hr_director"),
    Post("line_manager", "Housing Services Manager", "Housing", 6, "mentor"),
    Post("mentee", "Housing Officer", "Housing", 3, "line_manager"),
    Post("finance_manager", "Head of Finance", "Finance", 7, "resources_director"),
    Post("tenancy_lead", "Tenancy Team Leader", "Housing", 5, "line_manager"),
    Post("repairs_manager", "Repairs Manager", "Property Services", 6, "mentor"),
    Post("accountant", "Senior Accountant", "Finance", 5, "finance_manager"),
    Post("officer_1", "Tenancy Officer", "Housing", 3, "tenancy_lead"),
    Post("officer_2", "Tenancy Officer", "Housing", 3, "tenancy_lead"),
    Post("officer_3", "Income Officer", "Housing", 2, "tenancy_lead"),
    Post("surveyor", "Building Surveyor", "Property Services", 4, "repairs_manager"),
    Post("planner", "Repairs Planner", "Property Services", 2, "repairs_manager"),
    Post("technician", "Repairs Technician", "Property Services", 1, "repairs_manager"),
    Post("payroll", "Payroll Officer", "Finance", 2, "accountant"),
    Post("analyst", "Finance Analyst", "Finance", 3, "accountant"),
    Post("hr_adviser", "HR Adviser", "HR", 4, "hr_director"),
    Post("recruiter", "Recruitment Officer", "HR", 2, "hr_adviser"),
    Post("comms", "Communications Officer", "Chief Executive's Office", 3, "chief"),
    Post("policy", "Policy Officer", "Chief Executive's Office", 4, "chief"),
    Post(
        "graduate",
        "Graduate Management Trainee",
        "Chief Executive's Office",
        2,
        "policy",
        employment_type="national graduate",
    ),
    Post("school_ta", "Teaching Assistant", "Schools", 0, "resources_director", school_based=True),
    Post("customer_1", "Customer Services Adviser", "Housing", 1, "tenancy_lead"),
    Post("customer_2", "Customer Services Adviser", "Housing", 1, "tenancy_lead"),
]


@dataclass(frozen=True)
class DemoStaffOrg:
    slug: str
    prefix: str
    domain: str
    grades: list[str]
    scheme: dict[str, Any]
    rules: dict[str, Any]
    skip: frozenset[str] = frozenset()  # posts this org does not have


def _rules(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((RULES / f"{name}.yaml").read_text(encoding="utf-8"))
    return loaded


def _cohort_dates(today: date) -> dict[str, Any]:
    opens = today - timedelta(days=14)
    starts = today + timedelta(days=30)
    return {
        "applications_open_on": opens,
        "applications_close_on": today + timedelta(days=21),
        "starts_on": starts,
        "ends_on": starts + timedelta(days=270),
    }


HARROW_RULES = {
    "mentee": [_rules("brent")["mentee"][0]],
    "mentor": [
        _rules("brent")["mentor"][0],
        *_rules("broadland")["mentor"],
    ],
}


def demo_staff_orgs(today: date) -> list[DemoStaffOrg]:
    return [
        DemoStaffOrg(
            "brent",
            "B",
            "brent.gov.uk",
            COUNCIL_GRADES,
            {
                "slug": "mymentor",
                "name": "MyMentor (Brent)",
                "description": "Brent on MyMentor: all non-school-based staff.",
            },
            _rules("brent"),
        ),
        DemoStaffOrg(
            "harrow",
            "H",
            "harrow.gov.uk",
            COUNCIL_GRADES,
            {
                "slug": "mymentor",
                "name": "MyMentor (Harrow)",
                "description": "Open scheme; mentors first complete the mentor skills training.",
            },
            HARROW_RULES,
        ),
        DemoStaffOrg(
            "nch",
            "N",
            "nottinghamcityhomes.org.uk",
            NCH_GRADES,
            {
                "slug": "pa-pilot",
                "name": "Positive-action mentoring pilot",
                "description": "For BME and disabled employees; mentors are senior managers.",
                "form": "cohort",
                "mentor_places": 8,
                "mentee_places": 8,
                **_cohort_dates(today),
            },
            _rules("nch"),
            skip=frozenset({"graduate", "school_ta"}),
        ),
    ]


def staff_csv(demo: DemoStaffOrg) -> str:
    posts = [p for p in POSTS if p.key not in demo.skip]
    ids = {p.key: f"{demo.prefix}{n:04d}" for n, p in enumerate(posts, start=1)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "employee_id",
            "email",
            "given_name",
            "family_name",
            "department",
            "job_title",
            "grade",
            "location",
            "manager_employee_id",
            "employment_type",
            "school_based",
            "start_date",
            "demo_role",
        ]
    )
    shift = ord(demo.prefix)
    for n, post in enumerate(posts):
        given = GIVEN[(n + shift) % len(GIVEN)]
        family = FAMILY[(n * 7 + shift) % len(FAMILY)]
        email = f"{given}.{family}".lower().replace("'", "") + f"@{demo.domain}"
        writer.writerow(
            [
                ids[post.key],
                email,
                given,
                family,
                post.department,
                post.job_title,
                demo.grades[post.grade],
                "Civic Centre" if demo.slug != "nch" else "Loxley House",
                ids[post.manager] if post.manager else "",
                post.employment_type,
                "yes" if post.school_based else "no",
                (date(2010, 4, 1) + timedelta(days=97 * n)).isoformat(),
                post.key,
            ]
        )
    return out.getvalue()


async def _by_post(session: AsyncSession, org_id: Any, key: str) -> Member:
    for member in await MemberRepository(session, org_id).list():
        if (member.attributes or {}).get("demo_role") == key:
            return member
    raise NotFound(f"No demo member {key!r}.")


async def _scheme(session: AsyncSession, org_id: Any, spec: dict[str, Any]) -> Scheme:
    service = SchemeService(session, org_id)
    try:
        return await service.by_slug(spec["slug"])
    except NotFound:
        return await service.create(SchemeSpec(**spec))


async def seed_demo_staff(session: AsyncSession, today: date) -> None:
    """Add the demo staff, roles and schemes that are missing (idempotent)."""
    registry = OrgRegistry(session)
    for demo in demo_staff_orgs(today):
        org = await registry.find(demo.slug)
        if org is None:
            continue
        settings = await read_settings(session, org.id)
        if settings.grade_order != demo.grades:
            await update_settings(
                session,
                org.id,
                OrgSettings(
                    staff_columns=settings.staff_columns,
                    grade_order=demo.grades,
                    approval_reminder_working_days=settings.approval_reminder_working_days,
                ),
            )
        await StaffImporter(session, org.id).run(staff_csv(demo))
        grants = RoleGrants(session, org.id)
        for key, role in (
            ("hr_director", Role.HR_DIRECTOR),
            ("coordinator", Role.COORDINATOR),
            ("admin", Role.ORG_ADMIN),
        ):
            await grants.grant((await _by_post(session, org.id, key)).id, role, DEMO)
        scheme = await _scheme(session, org.id, demo.scheme)
        await RulesStore(session, org.id).set(scheme, demo.rules, DEMO, "from the source documents")
        if demo.slug == "harrow":
            await _harrow_training(session, org.id, scheme)
        if demo.slug == "nch":
            mentee = await _by_post(session, org.id, "mentee")
            store = SpecialCategory(session, org.id)
            if await store.own(mentee) is None:  # the demo mentee chose to declare, with consent
                await store.declare(
                    mentee, ethnicity=Ethnicity.BLACK, disability=None, consent=True
                )


async def _harrow_training(session: AsyncSession, org_id: Any, scheme: Scheme) -> None:
    service = SchemeService(session, org_id)
    trainings = await service.list_trainings(scheme)
    training = (
        trainings[0]
        if trainings
        else await service.add_training(
            scheme, SchemeRole.MENTOR, "Mentor skills (half day)", "mentor-training", None
        )
    )
    mentor = await _by_post(session, org_id, "mentor")
    attended = {a.member_id for a in await service.attendance_of(training.id) if a.attended}
    if mentor.id not in attended:
        await service.record_attendance(training.id, mentor.id, attended=True, who=DEMO)
