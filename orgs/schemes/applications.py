"""Applying to a scheme and line-manager approval, with the HR-director exception path.

State machine (every transition audited: who, when, from, to, reason)::

    submitted ──► awaiting_line_manager ──► approved
        │                 │
        │                 └──► declined ──► exception_requested ──► exception_granted
        └──► ineligible ─────────────────────────┘        └──────► exception_refused

    withdrawn: from any state, by the applicant.

No decision after N working days (org setting, default 10) → a reminder; N working days after
the reminder → escalation to the approver's own line manager (:func:`remind_overdue`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

import msgspec
from sqlalchemy import ForeignKey, Index, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditEntry, AuditLog
from orgs.db import Base, JSONType, OrgOwned, enum_column, utcnow
from orgs.errors import AlreadyExists, Forbidden, IllegalTransition, InvalidInput, NotFound
from orgs.models import Org
from orgs.org_settings import settings_of
from orgs.people.actor import Actor
from orgs.people.chains import ManagementChains
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.notifications import NotificationKind, notify
from orgs.people.permissions import Action, authorize, may
from orgs.repository import OrgRepository
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.eligibility_checks import EligibilityChecks
from orgs.schemes.email_wording import SchemeEmail, compose, worded
from orgs.schemes.schemes import Scheme, SchemeForm, SchemeService


class AppState(StrEnum):
    SUBMITTED = "submitted"
    AWAITING_LINE_MANAGER = "awaiting_line_manager"
    APPROVED = "approved"
    DECLINED = "declined"
    INELIGIBLE = "ineligible"
    EXCEPTION_REQUESTED = "exception_requested"
    EXCEPTION_GRANTED = "exception_granted"
    EXCEPTION_REFUSED = "exception_refused"
    WITHDRAWN = "withdrawn"


S = AppState
TRANSITIONS: dict[AppState, frozenset[AppState]] = {
    S.SUBMITTED: frozenset({S.AWAITING_LINE_MANAGER, S.INELIGIBLE, S.WITHDRAWN}),
    S.AWAITING_LINE_MANAGER: frozenset({S.APPROVED, S.DECLINED, S.WITHDRAWN}),
    S.DECLINED: frozenset({S.EXCEPTION_REQUESTED, S.WITHDRAWN}),
    S.INELIGIBLE: frozenset({S.EXCEPTION_REQUESTED, S.WITHDRAWN}),
    S.EXCEPTION_REQUESTED: frozenset({S.EXCEPTION_GRANTED, S.EXCEPTION_REFUSED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.WITHDRAWN}),
    S.EXCEPTION_GRANTED: frozenset({S.WITHDRAWN}),
    S.EXCEPTION_REFUSED: frozenset({S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
}
#: Cleared to take part: approved by the line manager, or by an HR-director exception.
ACCEPTED = frozenset({S.APPROVED, S.EXCEPTION_GRANTED})
#: A new application for the same scheme and role is refused while one of these is open.
OPEN = frozenset(
    {S.SUBMITTED, S.AWAITING_LINE_MANAGER, S.APPROVED, S.EXCEPTION_REQUESTED, S.EXCEPTION_GRANTED}
)


class Placement(StrEnum):
    NONE = "none"
    OFFERED = "offered"  # shortlisted for one of a cohort's places
    WAITING = "waiting"  # on the waiting list, in order


class Application(OrgOwned, Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_org_id_member_id", "org_id", "member_id"),
        Index("ix_applications_org_id_approver_id", "org_id", "approver_id"),
        Index("ix_applications_org_id_scheme_id", "org_id", "scheme_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schemes.id", ondelete="CASCADE"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[SchemeRole] = mapped_column(enum_column(SchemeRole))
    state: Mapped[AppState] = mapped_column(enum_column(AppState), default=AppState.SUBMITTED)
    career_to_date: Mapped[str] = mapped_column(Text, default="")
    hoped_gains: Mapped[str] = mapped_column(Text, default="")
    offer: Mapped[str] = mapped_column(Text, default="")
    eligible: Mapped[bool] = mapped_column(default=False)
    eligibility_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: Who decides now: the line manager, or after escalation their manager. None: HR director.
    approver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    awaiting_since: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    service_delivery_considered: Mapped[bool] = mapped_column(default=False)
    exception_reason: Mapped[str] = mapped_column(Text, default="")
    exception_decision_reason: Mapped[str] = mapped_column(Text, default="")
    placement: Mapped[Placement] = mapped_column(enum_column(Placement), default=Placement.NONE)
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApplicationRepository(OrgRepository[Application]):
    model = Application
    noun = "application"


Statement = Annotated[str, msgspec.Meta(max_length=5000)]
Reason = Annotated[str, msgspec.Meta(max_length=2000)]


class ApplicationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scheme_id: uuid.UUID
    role: SchemeRole
    career_to_date: Statement = ""
    hoped_gains: Statement = ""
    offer: Statement = ""


class ManagerDecision(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    approve: bool
    reason: Reason = ""
    service_delivery_considered: bool = False


class ExceptionDecision(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    grant: bool
    reason: Reason


class ReasonIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Why an applicant asks for an exception or withdraws (may be empty)."""

    reason: Reason = ""


class ShortlistIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The applicants offered a cohort's places, in order."""

    role: SchemeRole
    application_ids: list[uuid.UUID]


@dataclass(frozen=True)
class Nudge:
    org_id: uuid.UUID
    application_id: uuid.UUID
    action: str  # "reminded" or "escalated"
    approver_id: uuid.UUID


def working_days_between(start: datetime, end: datetime) -> int:
    """Weekdays after ``start``'s date up to and including ``end``'s date (UTC)."""
    first, last = start.date(), end.date()
    if last <= first:
        return 0
    days = (last - first).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (first + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


class ApplicationService:
    """Every use case of applications. Takes the session; never commits."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id
        self.applications = ApplicationRepository(session, org_id)
        self.audit = AuditLog(session, org_id)
        self.chains = ManagementChains(session, org_id)

    # --- moving the state machine ---------------------------------------------------------

    def _move(
        self,
        app: Application,
        to: AppState,
        who: ActorRef,
        reason: str = "",
        at: datetime | None = None,
    ) -> None:
        if to not in TRANSITIONS[app.state]:
            raise IllegalTransition(
                f"An application that is {app.state.value.replace('_', ' ')} "
                f"cannot become {to.value.replace('_', ' ')}."
            )
        self.audit.record(
            "application",
            app.id,
            "transition",
            who,
            from_state=app.state.value,
            to_state=to.value,
            reason=reason,
            at=at,
        )
        app.state = to
        app.updated_at = at or utcnow()

    # --- applying ----------------------------------------------------------------------

    async def apply(
        self, acting: Actor, data: ApplicationIn, now: datetime | None = None
    ) -> Application:
        now = now or utcnow()
        scheme = await SchemeService(self.session, self.org_id).get(data.scheme_id)
        member = self._member_of(acting)
        if not scheme.open_on(now.date()):
            raise IllegalTransition(f"Applications to {scheme.name} are not open.")
        taken = await self.applications.find_one(
            Application.member_id == member.id,
            Application.scheme_id == scheme.id,
            Application.role == data.role,
            Application.state.in_(OPEN),
        )
        if taken is not None:
            raise AlreadyExists(
                f"You already have an open application to {scheme.name} as {data.role.value}."
            )
        if data.role is SchemeRole.MENTEE and not (data.career_to_date or data.hoped_gains):
            raise InvalidInput.on("hoped_gains", "tell us your career to date or hoped gains")
        if data.role is SchemeRole.MENTOR and not data.offer:
            raise InvalidInput.on("offer", "tell us what you offer as a mentor")
        decision = await EligibilityChecks(self.session, self.org_id).check(
            scheme, member, data.role, now.date()
        )
        app = self.applications.add(
            Application(
                id=uuid.uuid4(),
                scheme_id=scheme.id,
                member_id=member.id,
                role=data.role,
                state=AppState.SUBMITTED,
                career_to_date=data.career_to_date,
                hoped_gains=data.hoped_gains,
                offer=data.offer,
                eligible=decision.eligible,
                eligibility_reasons=list(decision.reasons),
                created_at=now,
                updated_at=now,
            )
        )
        self.audit.record(
            "application", app.id, "transition", acting.ref, to_state=AppState.SUBMITTED, at=now
        )
        system = ActorRef.system("eligibility check")
        if not decision.eligible:
            self._move(app, AppState.INELIGIBLE, system, "; ".join(decision.reasons), now)
        else:
            manager = await self.chains.line_manager(member)
            if manager is not None and manager.status is not MemberStatus.ACTIVE:
                manager = None
            app.approver_id = manager.id if manager else None
            app.awaiting_since = now
            self._move(
                app,
                AppState.AWAITING_LINE_MANAGER,
                system,
                f"awaiting {manager.display_name}" if manager else "no line manager: HR director",
                now,
            )
            if manager is not None:
                words = await worded(
                    self.session,
                    self.org_id,
                    scheme.id,
                    scheme.name,
                    SchemeEmail.APPROVAL_NEEDED,
                    manager,
                )
                await notify(
                    self.session,
                    self.org_id,
                    manager.id,
                    NotificationKind.APPROVAL_NEEDED,
                    words.subject,
                    compose(
                        words.opening,
                        f"{member.display_name} has applied as a {data.role.value}.",
                    ),
                    now=now,
                    link=f"/approvals/{app.id}",
                )
        await self.session.flush()
        return app

    # --- reading -----------------------------------------------------------------------

    async def _visible(self, acting: Actor, app: Application) -> bool:
        if may(acting, Action.READ_APPLICATIONS):
            return True
        me = acting.member
        if me is None:
            return False
        if me.id in (app.member_id, app.approver_id):
            return True
        return await self.chains.is_above(me.id, app.member_id)

    async def get(self, acting: Actor, app_id: uuid.UUID) -> Application:
        """The application if ``acting`` may see it; otherwise exactly like a missing one."""
        app = await self.applications.get(app_id)
        if not await self._visible(acting, app):
            raise NotFound("No such application.")
        return app

    async def mine(self, acting: Actor) -> Sequence[Application]:
        member = self._member_of(acting)
        return await self.applications.list(
            Application.member_id == member.id, order_by=Application.created_at
        )

    async def to_decide(self, acting: Actor) -> Sequence[Application]:
        """What awaits this member: their reports' applications, and HR-director exceptions."""
        member = self._member_of(acting)
        apps = list(
            await self.applications.list(
                Application.approver_id == member.id,
                Application.state == AppState.AWAITING_LINE_MANAGER,
                order_by=Application.created_at,
            )
        )
        if may(acting, Action.DECIDE_EXCEPTIONS):
            apps += await self.applications.list(
                Application.member_id != member.id,
                (Application.state == AppState.EXCEPTION_REQUESTED)
                | (
                    (Application.state == AppState.AWAITING_LINE_MANAGER)
                    & Application.approver_id.is_(None)
                ),
                order_by=Application.created_at,
            )
        return apps

    async def for_scheme(
        self, acting: Actor, scheme: Scheme, role: SchemeRole | None = None
    ) -> Sequence[Application]:
        authorize(acting, Action.READ_APPLICATIONS)
        where = [Application.scheme_id == scheme.id]
        if role is not None:
            where.append(Application.role == role)
        return await self.applications.list(*where, order_by=Application.created_at)

    async def trail(self, acting: Actor, app_id: uuid.UUID) -> Sequence[AuditEntry]:
        app = await self.get(acting, app_id)
        return await self.audit.trail(app.id)

    async def waiting_position(self, app: Application) -> int | None:
        """1 = next in line. Visible to the applicant."""
        if app.placement is not Placement.WAITING or app.waiting_since is None:
            return None
        ahead = await self.session.scalar(
            select(func.count())
            .select_from(Application)
            .where(
                Application.org_id == self.org_id,
                Application.scheme_id == app.scheme_id,
                Application.role == app.role,
                Application.placement == Placement.WAITING,
                Application.state.in_(ACCEPTED),
                (Application.waiting_since < app.waiting_since)
                | ((Application.waiting_since == app.waiting_since) & (Application.id < app.id)),
            )
        )
        return int(ahead or 0) + 1

    # --- deciding ----------------------------------------------------------------------

    async def decide(
        self, acting: Actor, app_id: uuid.UUID, decision: ManagerDecision
    ) -> Application:
        """The line manager's (or, after escalation, their manager's) decision."""
        app = await self.applications.get(app_id)
        me = self._member_of(acting)
        if app.member_id == me.id:
            raise Forbidden("You cannot decide your own application.")
        approver_is_hr = app.approver_id is None and may(acting, Action.APPROVE_WITHOUT_MANAGER)
        if app.approver_id != me.id and not approver_is_hr:
            # Not in their line: exactly like a missing application.
            raise NotFound("No application of yours to decide with that id.")
        reason = decision.reason.strip()
        if decision.approve:
            self._move(app, AppState.APPROVED, acting.ref, reason)
        else:
            errors = []
            if not reason:
                errors.append(InvalidInput.on("reason", "a decline needs a reason"))
            if not decision.service_delivery_considered:
                errors.append(
                    InvalidInput.on(
                        "service_delivery_considered",
                        "confirm that you considered the impact on service delivery",
                    )
                )
            if errors:
                if app.state is not AppState.AWAITING_LINE_MANAGER:
                    self._move(app, AppState.DECLINED, acting.ref, reason)  # raises 409
                raise InvalidInput(
                    "; ".join(e.detail for e in errors), tuple(f for e in errors for f in e.errors)
                )
            self._move(app, AppState.DECLINED, acting.ref, reason)
        app.decision_reason = reason
        app.service_delivery_considered = decision.service_delivery_considered
        scheme = await SchemeService(self.session, self.org_id).get(app.scheme_id)
        applicant = await MemberRepository(self.session, self.org_id).find_one(
            Member.id == app.member_id
        )
        email = SchemeEmail.APPROVED if decision.approve else SchemeEmail.DECLINED
        words = await worded(self.session, self.org_id, scheme.id, scheme.name, email, applicant)
        rest = (f"Their reason: {reason}" if reason else "") + (
            "" if decision.approve else "\n\nYou may ask the HR director for an exception."
        )
        await notify(
            self.session,
            self.org_id,
            app.member_id,
            NotificationKind.APPROVAL_DECIDED,
            words.subject,
            compose(words.opening, rest.strip()),
            link="/",
        )
        await self.session.flush()
        return app

    async def request_exception(self, acting: Actor, app_id: uuid.UUID, reason: str) -> Application:
        app = await self.get(acting, app_id)
        self._own(acting, app, "Only the applicant may ask the HR director for an exception.")
        if not reason.strip():
            raise InvalidInput.on("reason", "say why an exception should be made")
        self._move(app, AppState.EXCEPTION_REQUESTED, acting.ref, reason.strip())
        app.exception_reason = reason.strip()
        await self.session.flush()
        return app

    async def decide_exception(
        self, acting: Actor, app_id: uuid.UUID, decision: ExceptionDecision
    ) -> Application:
        app = await self.get(acting, app_id)  # another org's id or one not theirs: 404
        authorize(acting, Action.DECIDE_EXCEPTIONS)
        if acting.member is not None and acting.member.id == app.member_id:
            raise Forbidden("You cannot decide your own application.")
        if not decision.reason.strip():
            raise InvalidInput.on("reason", "an exception decision needs a reason")
        to = AppState.EXCEPTION_GRANTED if decision.grant else AppState.EXCEPTION_REFUSED
        self._move(app, to, acting.ref, decision.reason.strip())
        app.exception_decision_reason = decision.reason.strip()
        await self.session.flush()
        return app

    async def withdraw(self, acting: Actor, app_id: uuid.UUID, reason: str = "") -> Application:
        app = await self.get(acting, app_id)
        self._own(acting, app, "Only the applicant may withdraw an application.")
        self._move(app, AppState.WITHDRAWN, acting.ref, reason.strip())
        app.placement = Placement.NONE
        await self.session.flush()
        return app

    # --- cohort places -------------------------------------------------------------------

    async def shortlist(
        self,
        acting: Actor,
        scheme: Scheme,
        role: SchemeRole,
        chosen: Sequence[uuid.UUID],
        now: datetime | None = None,
    ) -> Sequence[Application]:
        """Offer places to ``chosen`` (in order); every other cleared applicant waits, in order."""
        now = now or utcnow()
        authorize(acting, Action.SHORTLIST)
        if scheme.form is not SchemeForm.COHORT:
            raise InvalidInput.on("scheme", "only cohort programmes have places to shortlist")
        places = scheme.places(role) or 0
        if len(set(chosen)) != len(chosen):
            raise InvalidInput.on("application_ids", "an application is listed twice")
        if len(chosen) > places:
            raise InvalidInput.on(
                "application_ids", f"{len(chosen)} chosen for {places} {role.value} places"
            )
        cleared = {
            a.id: a
            for a in await self.applications.list(
                Application.scheme_id == scheme.id,
                Application.role == role,
                Application.state.in_(ACCEPTED),
            )
        }
        for app_id in chosen:
            if app_id not in cleared:
                raise InvalidInput.on(
                    "application_ids",
                    f"{app_id} is not an approved {role.value} application to this scheme",
                )
        for app_id in chosen:
            app = cleared[app_id]
            if app.placement is not Placement.OFFERED:
                promoted = app.placement is Placement.WAITING
                app.placement = Placement.OFFERED
                app.waiting_since = None
                self.audit.record("application", app.id, "shortlisted", acting.ref, at=now)
                if promoted:
                    await self._tell_promoted(scheme, app, now)
        rest = sorted(
            (a for a in cleared.values() if a.id not in set(chosen)),
            key=lambda a: (
                a.waiting_since or datetime.max.replace(tzinfo=now.tzinfo),
                a.updated_at,
            ),
        )
        for offset, app in enumerate(rest):
            if app.placement is not Placement.WAITING:
                app.placement = Placement.WAITING
                app.waiting_since = now + timedelta(microseconds=offset)
                self.audit.record("application", app.id, "waitlisted", acting.ref, at=now)
        await self.session.flush()
        return [cleared[i] for i in chosen] + rest

    # --- helpers -----------------------------------------------------------------------

    async def _tell_promoted(self, scheme: Scheme, app: Application, now: datetime) -> None:
        """Off the waiting list: the person hears that a place came up, and what is next."""
        day = scheme.starts_on
        starts = f" The programme starts on {day.day} {day:%B %Y}." if day else ""
        person = await MemberRepository(self.session, self.org_id).find_one(
            Member.id == app.member_id
        )
        words = await worded(
            self.session, self.org_id, scheme.id, scheme.name, SchemeEmail.PLACE_OFFERED, person
        )
        await notify(
            self.session,
            self.org_id,
            app.member_id,
            NotificationKind.PLACE_OFFERED,
            words.subject,
            compose(
                words.opening,
                f"You are on the shortlist for {app.role.value}s.{starts} "
                "You will hear when you are matched.",
            ),
            now=now,
            link="/",
        )

    @staticmethod
    def _member_of(acting: Actor) -> Member:
        if acting.member is None:
            raise Forbidden("This needs a member: act as one (sign in).")
        return acting.member

    @staticmethod
    def _own(acting: Actor, app: Application, message: str) -> None:
        if acting.member is None or acting.member.id != app.member_id:
            raise Forbidden(message)


async def remind_overdue(session: AsyncSession, now: datetime) -> list[Nudge]:
    """The job: remind approvers of overdue decisions, then escalate to their own manager.

    Overdue means no decision after the org's ``approval_reminder_working_days`` (default 10)
    working days (Monday–Friday) since the application started waiting for this approver; the
    escalation comes the same number of working days after the reminder. Never commits.
    """
    nudges: list[Nudge] = []
    for org in (await session.scalars(select(Org).order_by(Org.slug))).all():
        days = settings_of(org).approval_reminder_working_days
        service = ApplicationService(session, org.id)
        members = MemberRepository(session, org.id)
        waiting = await service.applications.list(
            Application.state == AppState.AWAITING_LINE_MANAGER,
            Application.approver_id.is_not(None),
            order_by=Application.created_at,
        )
        for app in waiting:
            assert app.approver_id is not None
            assert app.awaiting_since is not None
            if app.reminded_at is None:
                if working_days_between(app.awaiting_since, now) >= days:
                    app.reminded_at = now
                    service.audit.record(
                        "application",
                        app.id,
                        "reminded",
                        ActorRef.system("reminder job"),
                        reason=f"no decision after {days} working days",
                        at=now,
                    )
                    nudges.append(Nudge(org.id, app.id, "reminded", app.approver_id))
                    await notify(
                        session,
                        org.id,
                        app.approver_id,
                        NotificationKind.APPROVAL_NEEDED,
                        "Reminder: a mentoring application is waiting for you",
                        f"An application has waited {days} working days for your decision.",
                        now=now,
                        link=f"/approvals/{app.id}",
                    )
                continue
            if working_days_between(app.reminded_at, now) < days:
                continue
            approver = await members.find_one(Member.id == app.approver_id)
            above = await service.chains.line_manager(approver) if approver else None
            if above is None or above.id == app.member_id:
                continue
            app.approver_id = above.id
            app.awaiting_since = now
            app.reminded_at = None
            app.escalated_at = now
            service.audit.record(
                "application",
                app.id,
                "escalated",
                ActorRef.system("reminder job"),
                reason=f"no decision {days} working days after the reminder; "
                f"now with {above.display_name}",
                at=now,
            )
            nudges.append(Nudge(org.id, app.id, "escalated", above.id))
            await notify(
                session,
                org.id,
                above.id,
                NotificationKind.APPROVAL_NEEDED,
                "A mentoring application was passed to you",
                f"The applicant's line manager has not decided within {2 * days} working days, "
                "so the decision is now yours.",
                now=now,
                link=f"/approvals/{app.id}",
            )
    await session.flush()
    return nudges
