"""The permission table, walked for every role through the API and the pages: each action's
probes are refused (403, or 404 where the record is not theirs to see) exactly when
``orgs.people.permissions`` says the role may not act, and a
refused probe leaves no trace (the audit trail and the target are unchanged).

Members act through real server-side sessions (cookie + CSRF token), as a browser does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from network.sso.sessions import CSRF_FIELD, CSRF_HEADER
from orgs.audit import AuditEntry
from orgs.org_settings import read_settings
from orgs.pairing.sharing import read_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.permissions import PERMISSIONS, Action
from orgs.people.roles import MemberRole, Role
from orgs.people.sso_config import SsoConfigService, SsoSettings
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeForm, SchemeService, SchemeSpec
from tests import sessions

Client = AsyncTestClient[Litestar]
API = "/api/v1/orgs/brent"
NETWORK = {
    "name": "Probe network",
    "agreement": "We share.",
    "review_on": "2027-01-01",
    "contact": {"name": "Pat Probe", "work_email": "pat@b.example"},
}
PAGES = "/orgs/brent"


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    form: bool = False  # a page form: send the CSRF token as its field


@dataclass
class Org:
    scheme_id: uuid.UUID
    training_id: uuid.UUID
    target_id: uuid.UUID  # a plain member that admins' probes act on
    exception_id: uuid.UUID  # the target's application awaiting an HR director's exception
    unmanaged_id: uuid.UUID  # the target's application with no line manager to approve it
    settings: dict[str, Any]
    sharing: dict[str, Any]


def probes(o: Org) -> dict[Action, tuple[Probe | None, Probe | None]]:
    """(API probe, page probe) for each action; None where that side has no route for it."""
    s, t = f"{API}/schemes/{o.scheme_id}", f"{API}/schemes/{o.scheme_id}/trainings/{o.training_id}"
    csv = b"employee_id,given_name,family_name,email\n"
    return {
        Action.ADMINISTER: (None, Probe("GET", f"{PAGES}/admin/")),
        Action.IMPORT_STAFF: (
            Probe("POST", f"{API}/staff/import?dry_run=true", content=csv),
            Probe("GET", f"{PAGES}/admin/staff-import"),
        ),
        Action.READ_STAFF: (Probe("GET", f"{API}/staff"), None),
        Action.READ_ORG_SETTINGS: (Probe("GET", f"{API}/settings"), None),
        Action.CHANGE_ORG_SETTINGS: (Probe("PUT", f"{API}/settings", json=o.settings), None),
        Action.READ_ROLES: (Probe("GET", f"{API}/roles"), None),
        Action.GRANT_ROLES: (
            Probe(
                "POST", f"{API}/roles", json={"member_id": str(o.target_id), "role": "coordinator"}
            ),
            None,
        ),
        Action.CONFIGURE_SIGN_IN: (Probe("GET", f"{API}/sso"), Probe("GET", f"{PAGES}/admin/sso")),
        Action.SET_SHARING: (
            Probe("PUT", f"{API}/sharing", json=o.sharing),
            Probe("GET", f"{PAGES}/admin/sharing"),
        ),
        Action.MANAGE_SCHEMES: (
            Probe("POST", f"{API}/schemes", json={"slug": "probe", "name": "Probe scheme"}),
            Probe("POST", f"{PAGES}/coordinate/schemes/{o.scheme_id}/edit", form=True),
        ),
        Action.SET_RULES: (
            Probe("PUT", f"{s}/rules", json={"document": {"mentee": [], "mentor": []}}),
            Probe("GET", f"{PAGES}/admin/schemes/{o.scheme_id}/rules"),
        ),
        Action.READ_RULE_HISTORY: (Probe("GET", f"{s}/rules/versions"), None),
        Action.RECORD_ATTENDANCE: (
            Probe("PUT", f"{t}/attendance/{o.target_id}", json={"attended": True}),
            None,
        ),
        Action.READ_ATTENDANCE: (Probe("GET", f"{t}/attendance"), None),
        Action.READ_APPLICATIONS: (Probe("GET", f"{s}/applications"), None),
        Action.SHORTLIST: (
            Probe("POST", f"{s}/shortlist", json={"role": "mentee", "application_ids": []}),
            Probe("POST", f"{PAGES}/coordinate/schemes/{o.scheme_id}/shortlist", form=True),
        ),
        Action.DECIDE_EXCEPTIONS: (
            Probe(
                "POST",
                f"{API}/applications/{o.exception_id}/exception-decision",
                json={"grant": True, "reason": "probe"},
            ),
            None,
        ),
        Action.APPROVE_WITHOUT_MANAGER: (
            Probe(
                "POST",
                f"{API}/applications/{o.unmanaged_id}/decision",
                json={"approve": True, "reason": "probe"},
            ),
            None,
        ),
        Action.RUN_COHORTS: (
            Probe("GET", f"{s}/cohort-runs"),
            Probe("POST", f"{PAGES}/coordinate/schemes/{o.scheme_id}/runs", form=True),
        ),
        Action.COORDINATE: (Probe("GET", f"{API}/concerns"), Probe("GET", f"{PAGES}/coordinate/")),
        Action.EXPORT_HR: (Probe("GET", f"{API}/hr-export.csv"), None),
        Action.CHOOSE_MONITORING: (
            Probe("PUT", f"{API}/equality/monitoring", json={"characteristics": ["disability"]}),
            None,
        ),
        Action.READ_EQUALITY: (Probe("GET", f"{s}/equality/pipeline?characteristic=sex"), None),
        Action.SCHEDULE_REPORTS: (Probe("GET", f"{s}/report-schedules"), None),
        Action.MANAGE_NETWORKS: (Probe("POST", f"{API}/networks", json=NETWORK), None),
        Action.READ_NETWORK_REPORTS: (Probe("GET", f"{API}/networks/reports"), None),
        Action.MANAGE_NETWORK_EVENTS: (Probe("GET", f"{API}/events/organised"), None),
    }


async def setup_org(db: AsyncSession) -> tuple[uuid.UUID, Org]:
    org = await OrgRegistry(db).create("brent", "London Borough of Brent")
    service = SchemeService(db, org.id)
    scheme = await service.create(
        SchemeSpec(
            slug="pilot",
            name="Pilot",
            form=SchemeForm.COHORT,
            applications_open_on=date(2026, 1, 1),
            applications_close_on=date(2026, 1, 31),
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 8, 1),
            mentor_places=8,
            mentee_places=8,
        )
    )
    training = await service.add_training(
        scheme, SchemeRole.MENTOR, "Mentor skills", "skills", None
    )
    target = MemberRepository(db, org.id).add(
        Member(employee_id="T1", given_name="Tess", family_name="Target", email="t@b.example")
    )
    await db.flush()
    exception, unmanaged = (
        Application(scheme_id=scheme.id, member_id=target.id, role=role, state=state)
        for role, state in (
            (SchemeRole.MENTEE, AppState.EXCEPTION_REQUESTED),
            (SchemeRole.MENTOR, AppState.AWAITING_LINE_MANAGER),
        )
    )
    ApplicationRepository(db, org.id).add(exception)
    ApplicationRepository(db, org.id).add(unmanaged)
    await SsoConfigService(db, org.id).set(
        SsoSettings(
            issuer="http://127.0.0.1:9/idp", client_id="brent", client_secret_ref="env:UNUSED"
        ),
        allow_http_loopback=True,
    )
    await db.flush()
    settings = msgspec.to_builtins(await read_settings(db, org.id))
    sharing = msgspec.to_builtins(await read_policy(db, org.id))
    await db.commit()
    return org.id, Org(
        scheme.id, training.id, target.id, exception.id, unmanaged.id, settings, sharing
    )


async def sign_in(
    settings: Settings, client: Client, db: AsyncSession, org_id: uuid.UUID, role: Role | None
) -> str:
    """A member holding ``role`` (or none), signed in by a real server-side session."""
    member = MemberRepository(db, org_id).add(
        Member(employee_id="A1", given_name="Ada", family_name="Actor", email="ada@b.example")
    )
    await db.flush()
    if role is not None:
        db.add(MemberRole(org_id=org_id, member_id=member.id, role=role))
    await db.commit()
    [session] = await sessions.sign_in("brent", [member], settings=settings)
    client.cookies.update(session.cookies)
    return session.csrf


async def send(client: Client, csrf: str, probe: Probe) -> int:
    if probe.form:
        response = await client.request(probe.method, probe.path, data={CSRF_FIELD: csrf})
    else:
        headers = {} if probe.method == "GET" else {CSRF_HEADER: csrf}
        if probe.content is not None:
            headers["content-type"] = "text/csv"
        response = await client.request(
            probe.method, probe.path, json=probe.json, content=probe.content, headers=headers
        )
    assert response.status_code not in (401, 500), (probe, response.text)
    return response.status_code


async def trail(db: AsyncSession) -> tuple[int, int]:
    """What a refused probe must not change: audit entries and role grants."""
    db.expire_all()
    audited = await db.scalar(select(func.count()).select_from(AuditEntry)) or 0
    roles = await db.scalar(select(func.count()).select_from(MemberRole)) or 0
    return audited, roles


def test_every_action_has_a_probe() -> None:
    ids = [uuid.uuid4() for _ in range(5)]
    dummy = Org(ids[0], ids[1], ids[2], ids[3], ids[4], {}, {})
    assert set(probes(dummy)) == set(Action) == set(PERMISSIONS)
    assert all(api or page for api, page in probes(dummy).values())


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "member")
async def test_the_api_and_the_pages_give_the_table_s_answer(
    settings: Settings, client: Client, db: AsyncSession, role: Role | None
) -> None:
    org_id, org = await setup_org(db)
    csrf = await sign_in(settings, client, db, org_id, role)
    mismatches = []
    for action, sides in probes(org).items():
        allowed = role in PERMISSIONS[action]
        for side, probe in zip(("api", "page"), sides, strict=True):
            if probe is None:
                continue
            before = await trail(db)
            status = await send(client, csrf, probe)
            # A refusal is 403, or 404 where the record is not theirs to see at all.
            if (status not in (403, 404)) != allowed:
                mismatches.append((action.name, side, status))
            if not allowed:
                assert await trail(db) == before, (action, side)
    assert mismatches == []
