"""Eligibility of real members: facts from HR data, training attendance and (for the engine
only) special-category declarations, judged by a scheme's rules in force."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.db import utcnow
from orgs.org_settings import read_settings
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.special_category import SpecialCategory
from orgs.schemes.eligibility import (
    Context,
    Decision,
    MemberFacts,
    RuleSet,
    SchemeRole,
    evaluate,
)
from orgs.schemes.rules_store import RulesStore
from orgs.schemes.schemes import Scheme, SchemeService

NO_RULES = "This scheme has no eligibility rules yet: open to all staff (rule: none)"
LIST_SEPARATORS = (";", "|")


def split_list(value: object) -> frozenset[str]:
    text = str(value or "")
    for separator in LIST_SEPARATORS[1:]:
        text = text.replace(separator, LIST_SEPARATORS[0])
    return frozenset(p.strip() for p in text.split(LIST_SEPARATORS[0]) if p.strip())


def hr_attributes(member: Member) -> dict[str, object]:
    """What rules may test: every HR field and every extra column of the export."""
    attributes: dict[str, object] = dict(member.attributes or {})
    attributes.update(
        email=member.email,
        department=member.department,
        job_title=member.job_title,
        grade=member.grade,
        location=member.location,
        employment_type=member.employment_type,
        school_based=member.school_based,
        start_date=member.start_date.isoformat() if member.start_date else "",
    )
    return attributes


@dataclass(frozen=True)
class RulePreview:
    rule: str
    admits: int
    excludes: int


@dataclass(frozen=True)
class Preview:
    role: SchemeRole
    staff: int
    eligible: int
    rules: tuple[RulePreview, ...]
    version: int | None


class EligibilityChecks:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    async def facts(self, members: Sequence[Member]) -> dict[uuid.UUID, MemberFacts]:
        ids = [m.id for m in members]
        trainings = await SchemeService(self.session, self.org_id).trainings_completed(ids)
        declared = await SpecialCategory(self.session, self.org_id).for_engine(ids)
        return {
            m.id: MemberFacts(
                attributes=hr_attributes(m),
                grade=m.grade,
                start_date=m.start_date,
                groups=split_list((m.attributes or {}).get("groups")),
                trainings=frozenset(trainings.get(m.id, set()))
                | split_list((m.attributes or {}).get("training_completed")),
                declared=declared.get(m.id),
            )
            for m in members
        }

    async def _rules(self, scheme: Scheme) -> tuple[RuleSet | None, int | None, Context]:
        settings = await read_settings(self.session, self.org_id)
        current = await RulesStore(self.session, self.org_id).current(scheme)
        ctx = Context(today=utcnow().date(), grade_order=tuple(settings.grade_order))
        if current is None:
            return None, None, ctx
        return current.rules, current.version, ctx

    async def check(
        self, scheme: Scheme, member: Member, role: SchemeRole, today: date | None = None
    ) -> Decision:
        rules, _, ctx = await self._rules(scheme)
        if today is not None:
            ctx = Context(today, ctx.grade_order)
        if member.status is not MemberStatus.ACTIVE:
            return Decision(
                eligible=False,
                reasons=("Only current staff may take part (rule: current-staff)",),
            )
        if rules is None:
            return Decision(eligible=True, reasons=(NO_RULES,))
        facts = (await self.facts([member]))[member.id]
        return evaluate(rules, facts, role, ctx)

    async def preview(self, scheme: Scheme, role: SchemeRole, today: date | None = None) -> Preview:
        """How many current staff each rule admits and excludes, and how many pass them all."""
        rules, version, ctx = await self._rules(scheme)
        if today is not None:
            ctx = Context(today, ctx.grade_order)
        staff = await MemberRepository(self.session, self.org_id).list(
            Member.status == MemberStatus.ACTIVE
        )
        if rules is None:
            return Preview(role, len(staff), len(staff), (), None)
        facts = await self.facts(staff)
        admits: dict[str, int] = {}
        excludes: dict[str, int] = {}
        order: list[str] = []
        eligible = 0
        for member in staff:
            decision = evaluate(rules, facts[member.id], role, ctx)
            eligible += decision.eligible
            for result in decision.results:
                if result.rule not in admits:
                    order.append(result.rule)
                    admits[result.rule] = excludes[result.rule] = 0
                if result.passed:
                    admits[result.rule] += 1
                else:
                    excludes[result.rule] += 1
        return Preview(
            role,
            len(staff),
            eligible,
            tuple(RulePreview(r, admits[r], excludes[r]) for r in order),
            version,
        )
