"""Demo data for equality monitoring and programme reports (Nottingham City Homes' pilot: BME
and disabled staff under-represented in management): NCH monitors ethnic group, disability,
sex and age band; most staff answered (some prefer not to say, some did not answer); twenty
registered interest in the positive-action pilot and fourteen applied; its workforce profile is
uploaded; check-ins after 30 days then every 60; a monthly report to the leadership team.
Idempotent: an org that already chose what it monitors is left alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.mentoring.checkins import CheckinSettingsIn, set_checkin_settings
from orgs.people.actor import Actor
from orgs.people.equality import (
    Characteristic,
    EqualityIn,
    EqualityMonitoring,
    MonitoringIn,
    monitored,
    set_monitored,
)
from orgs.people.members import MemberRepository
from orgs.people.roles import Role
from orgs.people.workforce_profile import WorkforceIn, upload_workforce
from orgs.records.report_schedules import ScheduleIn, schedule_report
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.interest import register_interest
from orgs.schemes.schemes import SchemeService

C = Characteristic
MONITORED = [C.ETHNIC_GROUP, C.DISABILITY, C.SEX, C.AGE_BAND]
#: Answers handed out in turn to the demo staff (None: did not answer).
ETHNIC = [
    "white_british",
    "black_caribbean",
    "asian_pakistani",
    "white_british",
    "mixed_white_black_caribbean",
    "black_african",
    "white_british",
    "asian_indian",
    "prefer_not_to_say",
    None,
]
DISABILITY = ["no", "yes", "no", "no", "prefer_not_to_say", "no", "yes"]
SEX = ["female", "male", "female", "male", "prefer_not_to_say"]
AGE = ["25_34", "35_44", "45_54", "35_44", "55_64", "16_24"]
WORKFORCE = {
    C.ETHNIC_GROUP: {
        "white": 2140,
        "asian": 190,
        "black": 215,
        "mixed": 95,
        "other": 40,
        "prefer_not_to_say": 60,
        "not_declared": 310,
    },
    C.DISABILITY: {"yes": 260, "no": 2500, "prefer_not_to_say": 90, "not_declared": 200},
}
LEADERSHIP = ["leadership-team@nch.example"]


async def seed_demo_equality(session: AsyncSession, slugs: Sequence[str], now: datetime) -> None:
    if "nch" not in slugs:
        return
    org = await OrgRegistry(session).find("nch")
    if org is None or await monitored(session, org.id):
        return
    await set_monitored(session, org.id, MonitoringIn(MONITORED))
    await upload_workforce(session, org.id, WorkforceIn(WORKFORCE))
    scheme = await SchemeService(session, org.id).by_slug("pa-pilot")
    store = EqualityMonitoring(session, org.id)
    applications = ApplicationRepository(session, org.id)
    applied = {
        a.member_id
        for a in await applications.list(
            Application.scheme_id == scheme.id, Application.role == SchemeRole.MENTEE
        )
    }
    members = sorted(await MemberRepository(session, org.id).list(), key=lambda m: m.email)
    for n, member in enumerate(members):
        ethnic = ETHNIC[n % len(ETHNIC)]
        if ethnic is not None:
            answers = {
                C.ETHNIC_GROUP: ethnic,
                C.DISABILITY: DISABILITY[n % len(DISABILITY)],
                C.SEX: SEX[n % len(SEX)],
                C.AGE_BAND: AGE[n % len(AGE)],
            }
            await store.declare(member, EqualityIn(consent=True, answers=answers))
        if n < 20:
            await register_interest(session, scheme, member, SchemeRole.MENTEE)
        if n < 14 and member.id not in applied:
            applications.add(
                Application(
                    scheme_id=scheme.id,
                    member_id=member.id,
                    role=SchemeRole.MENTEE,
                    state=AppState.APPROVED if n < 9 else AppState.AWAITING_LINE_MANAGER,
                    eligible=True,
                    created_at=now,
                    updated_at=now,
                )
            )
    await set_checkin_settings(session, org.id, scheme.id, CheckinSettingsIn())
    coordinator = Actor(org.id, None, frozenset({Role.COORDINATOR}), ActorRef.system("demo").label)
    await schedule_report(session, coordinator, scheme.id, ScheduleIn(recipients=LEADERSHIP), now)
    await session.flush()
