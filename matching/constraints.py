"""Hard constraints: a pair either may be matched or is excluded, with the reason.

Never traded against score. Eligibility and approval are decided in `orgs/` before profiles
reach the engine; reporting lines arrive as pairs because only `orgs/` knows the chains.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import msgspec

from matching.model import MenteeProfile, MentorProfile

Pair = tuple[str, str]  # (mentee id, mentor id)


class ExclusionReason(enum.StrEnum):
    # Order matters: a pair is reported under the first reason that applies.
    SAME_PERSON = "same_person"
    MENTOR_UNAVAILABLE = "mentor_unavailable"
    MANAGEMENT_CHAIN = "management_chain"
    NEVER_AGAIN = "never_again"
    COORDINATOR_FORBIDDEN = "coordinator_forbidden"
    NOT_OPEN_TO_OTHER_ORGS = "not_open_to_other_orgs"
    ORG_POLICY = "org_policy"
    SAME_DEPARTMENT = "same_department"


SENTENCES: dict[ExclusionReason, str] = {
    ExclusionReason.SAME_PERSON: "a person cannot mentor themselves",
    ExclusionReason.MENTOR_UNAVAILABLE: "the mentor is paused or has no free capacity",
    ExclusionReason.MANAGEMENT_CHAIN: "one is in the other's management chain",
    ExclusionReason.NEVER_AGAIN: "this pair is marked never again",
    ExclusionReason.COORDINATOR_FORBIDDEN: "the coordinator has forbidden this pair",
    ExclusionReason.NOT_OPEN_TO_OTHER_ORGS: (
        "the mentee wants a mentor from their own organisation"
    ),
    ExclusionReason.ORG_POLICY: (
        "an organisation's policy does not allow this cross-organisation pair"
    ),
    ExclusionReason.SAME_DEPARTMENT: "the scheme requires a mentor from a different department",
}


class Exclusion(msgspec.Struct, frozen=True):
    reason: ExclusionReason
    sentence: str


class OrgPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Whom an org's members may be paired with outside the org."""

    cross_org_allowed: bool = False
    partner_orgs: frozenset[str] | None = None  # None: any org, when cross-org is allowed

    def allows(self, other_org: str) -> bool:
        if not self.cross_org_allowed:
            return False
        return self.partner_orgs is None or other_org in self.partner_orgs


CLOSED = OrgPolicy()  # no cross-organisation pairs


@dataclass(frozen=True)
class PairRules:
    """Everything besides the two profiles that decides whether a pair is allowed.

    An org without an entry in `org_policies` gets `default_policy`, which allows nothing
    across orgs: a missing policy must not open a door.
    """

    management_chain: frozenset[Pair] = frozenset()
    never_again: frozenset[Pair] = frozenset()
    coordinator_forbidden: frozenset[Pair] = frozenset()
    org_policies: dict[str, OrgPolicy] = field(default_factory=dict)
    default_policy: OrgPolicy = CLOSED
    require_different_department: bool = False

    def policy_of(self, org_id: str) -> OrgPolicy:
        return self.org_policies.get(org_id, self.default_policy)

    def orgs_allow(self, mentee_org: str, mentor_org: str) -> bool:
        """Both orgs' policies allow a pair across them (same org is always allowed)."""
        if mentee_org == mentor_org:
            return True
        return self.policy_of(mentee_org).allows(mentor_org) and self.policy_of(mentor_org).allows(
            mentee_org
        )

    @cached_property
    def _blocked(self) -> dict[str, dict[str, ExclusionReason]]:
        # Built once per rules object; the strongest reason wins when a pair is listed twice.
        blocked: dict[str, dict[str, ExclusionReason]] = {}
        sources: tuple[tuple[Iterable[Pair], ExclusionReason], ...] = (
            (self.coordinator_forbidden, ExclusionReason.COORDINATOR_FORBIDDEN),
            (self.never_again, ExclusionReason.NEVER_AGAIN),
            (self.management_chain, ExclusionReason.MANAGEMENT_CHAIN),
        )
        for pairs, reason in sources:
            for mentee_id, mentor_id in pairs:
                blocked.setdefault(mentee_id, {})[mentor_id] = reason
        return blocked

    def blocked_mentors(self, mentee_id: str) -> dict[str, ExclusionReason]:
        """Mentor id -> reason for every pair listed as forbidden for this mentee."""
        return self._blocked.get(mentee_id, {})


def check_pair(mentee: MenteeProfile, mentor: MentorProfile, rules: PairRules) -> Exclusion | None:
    """None when the pair may be matched, otherwise the first constraint that excludes it."""
    reason = _first_reason(mentee, mentor, rules)
    return None if reason is None else Exclusion(reason, SENTENCES[reason])


def _first_reason(
    mentee: MenteeProfile, mentor: MentorProfile, rules: PairRules
) -> ExclusionReason | None:
    if mentee.id == mentor.id:
        return ExclusionReason.SAME_PERSON
    if mentor.seats <= 0:
        return ExclusionReason.MENTOR_UNAVAILABLE
    listed = rules.blocked_mentors(mentee.id).get(mentor.id)
    if listed is not None:
        return listed
    if mentee.org_id != mentor.org_id:
        if not mentee.open_to_other_orgs:
            return ExclusionReason.NOT_OPEN_TO_OTHER_ORGS
        if not rules.orgs_allow(mentee.org_id, mentor.org_id):
            return ExclusionReason.ORG_POLICY
    elif (
        rules.require_different_department
        and mentee.department is not None
        and mentee.department == mentor.department
    ):
        return ExclusionReason.SAME_DEPARTMENT
    return None
