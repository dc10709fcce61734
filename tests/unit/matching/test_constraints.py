import pytest

from matching.constraints import ExclusionReason, OrgPolicy, PairRules, check_pair
from matching.model import MenteeProfile, MentorProfile

MENTEE = MenteeProfile(
    "alice", "council", {"confidence": 4}, department="housing", open_to_other_orgs=True
)
MENTOR = MentorProfile("bob", "council", {"confidence": 3}, seniority_band=5, department="finance")
OPEN = PairRules(default_policy=OrgPolicy(cross_org_allowed=True))


def reason(
    mentee: MenteeProfile, mentor: MentorProfile, rules: PairRules
) -> ExclusionReason | None:
    found = check_pair(mentee, mentor, rules)
    return None if found is None else found.reason


def test_an_ordinary_pair_is_allowed() -> None:
    assert check_pair(MENTEE, MENTOR, PairRules()) is None


@pytest.mark.parametrize(
    ("mentor", "rules", "expected"),
    [
        (
            MentorProfile("alice", "council", {}, seniority_band=5),
            PairRules(),
            ExclusionReason.SAME_PERSON,
        ),
        (
            MentorProfile("bob", "council", {}, seniority_band=5, paused=True),
            PairRules(),
            ExclusionReason.MENTOR_UNAVAILABLE,
        ),
        (
            MentorProfile("bob", "council", {}, seniority_band=5, capacity=2, free_capacity=0),
            PairRules(),
            ExclusionReason.MENTOR_UNAVAILABLE,
        ),
        (
            MENTOR,
            PairRules(management_chain=frozenset({("alice", "bob")})),
            ExclusionReason.MANAGEMENT_CHAIN,
        ),
        (MENTOR, PairRules(never_again=frozenset({("alice", "bob")})), ExclusionReason.NEVER_AGAIN),
        (
            MENTOR,
            PairRules(coordinator_forbidden=frozenset({("alice", "bob")})),
            ExclusionReason.COORDINATOR_FORBIDDEN,
        ),
        (
            MentorProfile("bob", "fire", {}, seniority_band=5),
            PairRules(),
            ExclusionReason.ORG_POLICY,
        ),
        (
            MentorProfile("bob", "council", {}, seniority_band=5, department="housing"),
            PairRules(require_different_department=True),
            ExclusionReason.SAME_DEPARTMENT,
        ),
    ],
)
def test_each_hard_constraint_names_itself(
    mentor: MentorProfile, rules: PairRules, expected: ExclusionReason
) -> None:
    found = check_pair(MENTEE, mentor, rules)
    assert found is not None
    assert found.reason is expected
    assert found.sentence


def test_mentee_who_stays_in_house_excludes_other_orgs() -> None:
    homebody = MenteeProfile("alice", "council", {}, open_to_other_orgs=False)
    elsewhere = MentorProfile("bob", "fire", {}, seniority_band=5)
    assert reason(homebody, elsewhere, OPEN) is ExclusionReason.NOT_OPEN_TO_OTHER_ORGS
    assert reason(MENTEE, elsewhere, OPEN) is None


def test_both_orgs_must_allow_a_cross_org_pair_and_partner_lists_limit_it() -> None:
    fire = MentorProfile("bob", "fire", {}, seniority_band=5)
    one_sided = PairRules(org_policies={"council": OrgPolicy(cross_org_allowed=True)})
    assert reason(MENTEE, fire, one_sided) is ExclusionReason.ORG_POLICY
    partners = PairRules(
        org_policies={
            "council": OrgPolicy(cross_org_allowed=True, partner_orgs=frozenset({"fire"})),
            "fire": OrgPolicy(cross_org_allowed=True, partner_orgs=frozenset({"nhs"})),
        }
    )
    assert reason(MENTEE, fire, partners) is ExclusionReason.ORG_POLICY
    both = PairRules(
        org_policies={
            "council": OrgPolicy(cross_org_allowed=True, partner_orgs=frozenset({"fire"})),
            "fire": OrgPolicy(cross_org_allowed=True),
        }
    )
    assert reason(MENTEE, fire, both) is None


def test_a_pair_listed_twice_reports_the_management_chain_first() -> None:
    rules = PairRules(
        management_chain=frozenset({("alice", "bob")}),
        coordinator_forbidden=frozenset({("alice", "bob")}),
    )
    assert reason(MENTEE, MENTOR, rules) is ExclusionReason.MANAGEMENT_CHAIN


def test_pairs_are_directional_mentee_then_mentor() -> None:
    rules = PairRules(never_again=frozenset({("bob", "alice")}))
    assert check_pair(MENTEE, MENTOR, rules) is None
