"""Applying and line-manager approval: who may decide, the HR-director exception path,
reminders and escalation, withdrawal, illegal transitions and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.errors import NotFound
from orgs.org_settings import OrgSettings, update_settings
from orgs.people.notifications import NotificationKind, inbox
from orgs.records.staff_import import StaffImporter
from orgs.schemes.applications import (
    ApplicationIn,
    ApplicationService,
    AppState,
    ManagerDecision,
    remind_overdue,
    working_days_between,
)
from orgs.schemes.eligibility import SchemeRole
from tests.integration.network.helpers import assert_problem
from tests.integration.orgs.builders import (
    TEAM,
    ApiOrg,
    act,
    api_org,
    csv_of,
    scheme_with_rules,
    team,
)

Client = AsyncTestClient[Litestar]
BASE = "/api/v1/orgs/brent/applications"
MENTEE_BODY = {"career_to_date": "Six years in housing", "hoped_gains": "Lead a team"}


async def apply(client: Client, o: ApiOrg, who: str, role: str = "mentee") -> dict[str, Any]:
    body: dict[str, Any] = {"scheme_id": o.scheme_id, "role": role}
    body.update(MENTEE_BODY if role == "mentee" else {"offer": "Budgets and leadership"})
    response = await client.post(BASE, json=body, headers=o.as_(who))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def decide(client: Client, o: ApiOrg, app_id: str, who: str, **body: Any) -> Any:
    return await client.post(f"{BASE}/{app_id}/decision", json=body, headers=o.as_(who))


async def test_a_mentee_applies_and_their_line_manager_approves(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    app = await apply(client, o, "MENTEE")
    assert app["state"] == "awaiting_line_manager"
    assert app["approver_id"] == o.id("MGR")
    assert app["eligible"] is True
    assert "Not school-based (rule: non-school-based)" in app["eligibility_reasons"]

    waiting = await client.get(f"{BASE}/to-decide", headers=o.as_("MGR"))
    assert [a["id"] for a in waiting.json()] == [app["id"]]
    approved = await decide(client, o, app["id"], "MGR", approve=True, reason="Good for the team")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    mine = await client.get(f"{BASE}/mine", headers=o.as_("MENTEE"))
    assert [a["state"] for a in mine.json()] == ["approved"]


async def test_a_member_cannot_approve_themselves(client: Client, db: AsyncSession) -> None:
    o = await api_org(db)
    app = await apply(client, o, "MGR", "mentor")
    refused = await decide(client, o, app["id"], "MGR", approve=True)
    assert_problem(refused, 403, "forbidden")
    still = await client.get(f"{BASE}/{app['id']}", headers=o.as_("MGR"))
    assert still.json()["state"] == "awaiting_line_manager"


async def test_a_manager_decides_only_for_their_own_reports(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    app = await apply(client, o, "MENTEE")
    for outsider in ("OTHERMGR", "PEER", "OTHER", "DIR", "HRD", "COORD", "CEO"):
        response = await decide(client, o, app["id"], outsider, approve=True)
        assert_problem(response, 404, "not-found")
    # Above the applicant in the chain: may read it, still may not decide it.
    assert (await client.get(f"{BASE}/{app['id']}", headers=o.as_("DIR"))).status_code == 200
    assert (await decide(client, o, app["id"], "MGR", approve=True)).json()["state"] == "approved"


async def test_a_member_cannot_read_someone_elses_application(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    app = await apply(client, o, "MENTEE")
    for outsider in ("PEER", "OTHER", "OTHERMGR", "TEACHER"):
        for path in ("", "/audit"):
            response = await client.get(f"{BASE}/{app['id']}{path}", headers=o.as_(outsider))
            assert_problem(response, 404, "not-found")
    for allowed in ("MENTEE", "MGR", "COORD", "HRD", "ADMIN", None):
        assert (await client.get(f"{BASE}/{app['id']}", headers=o.as_(allowed))).status_code == 200


async def test_a_decline_needs_a_reason_and_service_delivery_considered(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    app = await apply(client, o, "MENTEE")
    bare = await decide(client, o, app["id"], "MGR", approve=False)
    body = assert_problem(bare, 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == ["reason", "service_delivery_considered"]
    declined = await decide(
        client,
        o,
        app["id"],
        "MGR",
        approve=False,
        reason="Peak season for lettings",
        service_delivery_considered=True,
    )
    assert declined.json()["state"] == "declined"
    assert declined.json()["decision_reason"] == "Peak season for lettings"


async def test_the_hr_director_exception_path_and_its_audit_trail(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    app = await apply(client, o, "MENTEE")
    await decide(
        client,
        o,
        app["id"],
        "MGR",
        approve=False,
        reason="Short-staffed",
        service_delivery_considered=True,
    )
    asked = await client.post(
        f"{BASE}/{app['id']}/exception-request",
        json={"reason": "Mentoring is part of my reasonable adjustments"},
        headers=o.as_("MENTEE"),
    )
    assert asked.json()["state"] == "exception_requested"
    queue = await client.get(f"{BASE}/to-decide", headers=o.as_("HRD"))
    assert [a["id"] for a in queue.json()] == [app["id"]]

    verdict = {"grant": True, "reason": "Agreed by exception"}
    for not_hr in ("COORD", "MGR"):
        response = await client.post(
            f"{BASE}/{app['id']}/exception-decision", json=verdict, headers=o.as_(not_hr)
        )
        assert_problem(response, 403, "forbidden")
    granted = await client.post(
        f"{BASE}/{app['id']}/exception-decision", json=verdict, headers=o.as_("HRD")
    )
    assert granted.json()["state"] == "exception_granted"

    trail = (await client.get(f"{BASE}/{app['id']}/audit", headers=o.as_("MENTEE"))).json()
    assert [(e["from_state"], e["to_state"], e["actor_member_id"], e["reason"]) for e in trail] == [
        (None, "submitted", o.id("MENTEE"), ""),
        ("submitted", "awaiting_line_manager", None, "awaiting PersonMGR Smith"),
        ("awaiting_line_manager", "declined", o.id("MGR"), "Short-staffed"),
        (
            "declined",
            "exception_requested",
            o.id("MENTEE"),
            "Mentoring is part of my reasonable adjustments",
        ),
        ("exception_requested", "exception_granted", o.id("HRD"), "Agreed by exception"),
    ]
    times = [datetime.fromisoformat(e["at"]) for e in trail]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)


async def test_an_ineligible_applicant_may_ask_for_an_exception(
    client: Client, db: AsyncSession
) -> None:
    o = await api_org(db)
    app = await apply(client, o, "TEACHER")
    assert app["state"] == "ineligible"
    assert app["eligibility_reasons"][0] == (
        "School-based staff are not eligible (rule: non-school-based)"
    )
    assert app["approver_id"] is None
    await client.post(
        f"{BASE}/{app['id']}/exception-request",
        json={"reason": "I work across sites"},
        headers=o.as_("TEACHER"),
    )
    refused = await client.post(
        f"{BASE}/{app['id']}/exception-decision",
        json={"grant": False, "reason": "Schools have their own scheme"},
        headers=o.as_("HRD"),
    )
    assert refused.json()["state"] == "exception_refused"


async def test_illegal_transitions_are_409(client: Client, db: AsyncSession) -> None:
    o = await api_org(db)
    app = await apply(client, o, "MENTEE")
    await decide(client, o, app["id"], "MGR", approve=True)
    assert_problem(
        await decide(client, o, app["id"], "MGR", approve=True), 409, "illegal-transition"
    )
    early = await client.post(
        f"{BASE}/{app['id']}/exception-request", json={"reason": "x"}, headers=o.as_("MENTEE")
    )
    assert_problem(early, 409, "illegal-transition")
    withdraw = f"{BASE}/{app['id']}/withdraw"
    assert (await client.post(withdraw, json={}, headers=o.as_("MENTEE"))).json()["state"] == (
        "withdrawn"
    )
    again = await client.post(withdraw, json={}, headers=o.as_("MENTEE"))
    assert_problem(again, 409, "illegal-transition")


async def test_withdraw_at_any_time_by_the_applicant_only(client: Client, db: AsyncSession) -> None:
    o = await api_org(db)
    app = await apply(client, o, "MENTEE")
    withdraw = f"{BASE}/{app['id']}/withdraw"
    assert_problem(await client.post(withdraw, json={}, headers=o.as_("MGR")), 403, "forbidden")
    assert_problem(await client.post(withdraw, json={}, headers=o.as_("PEER")), 404, "not-found")
    done = await client.post(withdraw, json={"reason": "Changed role"}, headers=o.as_("MENTEE"))
    assert done.json()["state"] == "withdrawn"
    again = await apply(client, o, "MENTEE")  # a new application is allowed after withdrawing
    assert again["id"] != app["id"]
    duplicate = await client.post(
        BASE,
        json={"scheme_id": o.scheme_id, "role": "mentee", **MENTEE_BODY},
        headers=o.as_("MENTEE"),
    )
    assert_problem(duplicate, 409, "already-exists")


def test_working_days_skip_weekends() -> None:
    friday = datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
    assert working_days_between(friday, friday + timedelta(days=3)) == 1  # Monday
    assert working_days_between(friday, friday + timedelta(days=14)) == 10
    assert working_days_between(friday, friday) == 0


async def test_reminder_after_n_working_days_then_escalation_to_the_managers_manager(
    db: AsyncSession,
) -> None:
    org, p = await team(db)
    scheme = await scheme_with_rules(db, org, "brent")
    service = ApplicationService(db, org.id)
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    app = await service.apply(
        await act(db, p["MENTEE"]),
        ApplicationIn(scheme_id=scheme.id, role=SchemeRole.MENTEE, hoped_gains="Grow"),
        now=monday,
    )
    day = timedelta(days=1)
    assert await remind_overdue(db, monday + 11 * day) == []  # 9 working days (Fri 13th)
    reminded = await remind_overdue(db, monday + 14 * day)  # Mon 16th: 10 working days
    assert [(n.action, n.approver_id) for n in reminded] == [("reminded", p["MGR"].id)]
    assert await remind_overdue(db, monday + 15 * day) == []  # reminded once only
    assert await remind_overdue(db, monday + 25 * day) == []  # 9 working days after reminder
    escalated = await remind_overdue(db, monday + 28 * day)
    assert [(n.action, n.approver_id) for n in escalated] == [("escalated", p["DIR"].id)]
    assert app.approver_id == p["DIR"].id

    mgr, director = await act(db, p["MGR"]), await act(db, p["DIR"])
    with pytest.raises(NotFound):  # the original manager may no longer decide
        await service.decide(mgr, app.id, ManagerDecision(approve=True))
    decided = await service.decide(director, app.id, ManagerDecision(approve=True))
    assert decided.state is AppState.APPROVED
    trail = await service.audit.trail(app.id)
    nudges = [(e.action, e.at, e.actor_label) for e in trail if e.action != "transition"]
    assert nudges == [
        ("reminded", monday + 14 * day, "reminder job"),
        ("escalated", monday + 28 * day, "reminder job"),
    ]
    assert [e.to_state for e in trail if e.action == "transition"] == [
        "submitted",
        "awaiting_line_manager",
        "approved",
    ]


async def test_the_reminder_period_is_an_org_setting(db: AsyncSession) -> None:
    org, p = await team(db)
    await update_settings(db, org.id, OrgSettings(approval_reminder_working_days=3))
    scheme = await scheme_with_rules(db, org, "brent")
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    await ApplicationService(db, org.id).apply(
        await act(db, p["MENTEE"]),
        ApplicationIn(scheme_id=scheme.id, role=SchemeRole.MENTEE, hoped_gains="Grow"),
        now=monday,
    )
    assert await remind_overdue(db, monday + timedelta(days=2)) == []
    assert len(await remind_overdue(db, monday + timedelta(days=3))) == 1


async def test_a_leavers_open_application_is_flagged_not_deleted(db: AsyncSession) -> None:
    org, p = await team(db)
    scheme = await scheme_with_rules(db, org, "brent")
    service = ApplicationService(db, org.id)
    app = await service.apply(
        await act(db, p["MENTEE"]),
        ApplicationIn(scheme_id=scheme.id, role=SchemeRole.MENTEE, hoped_gains="Grow"),
    )
    report = await StaffImporter(db, org.id).run(
        csv_of(person.row() for person in TEAM if person.employee_id != "MENTEE")
    )
    assert report.left == 1
    trail = await service.audit.trail(app.id)
    assert [(e.action, e.actor_label) for e in trail][-1] == ("applicant left", "staff import")
    assert (await service.applications.get(app.id)).state is AppState.AWAITING_LINE_MANAGER


async def test_approvers_and_applicants_are_notified_at_each_step(db: AsyncSession) -> None:
    org, p = await team(db)
    scheme = await scheme_with_rules(db, org, "brent")
    service = ApplicationService(db, org.id)
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    app = await service.apply(
        await act(db, p["MENTEE"]),
        ApplicationIn(scheme_id=scheme.id, role=SchemeRole.MENTEE, hoped_gains="Grow"),
        now=monday,
    )

    async def kinds(who: str) -> list[NotificationKind]:
        return [n.kind for n in await inbox(db, p[who])]

    assert await kinds("MGR") == [NotificationKind.APPROVAL_NEEDED]
    await remind_overdue(db, monday + timedelta(days=14))
    assert await kinds("MGR") == [NotificationKind.APPROVAL_NEEDED] * 2
    await remind_overdue(db, monday + timedelta(days=28))
    assert await kinds("DIR") == [NotificationKind.APPROVAL_NEEDED]  # escalated to them
    await service.decide(await act(db, p["DIR"]), app.id, ManagerDecision(approve=True))
    mentee = await inbox(db, p["MENTEE"])
    assert [n.kind for n in mentee] == [NotificationKind.APPROVAL_DECIDED]
    assert "approved" in mentee[0].subject
