"""Hypothesis strategies and shared settings for the matching tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching.constraints import OrgPolicy, PairRules
from matching.model import MeetingMode, MenteeProfile, MentorProfile

# Reproducible in CI and quick: fixed examples, no per-example deadline (numpy warm-up).
PROPERTY = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOPIC_POOL = ("confidence", "housing", "networks", "finance", "strategic-thinking", "digital")
ORGS = ("org-a", "org-b", "org-c")
REGIONS = (None, "north", "south")
LANGUAGES = ("en", "cy", "pl")
SECTORS = (None, "housing", "health")
DEPARTMENTS = (None, "dept-1", "dept-2")
MODES = (MeetingMode.IN_PERSON, MeetingMode.REMOTE)
PEOPLE = [f"p{k:02d}" for k in range(12)]  # shared id pool: a person can be on both sides
PERSON_IDS = st.sampled_from(PEOPLE)


@st.composite
def mentees(draw: st.DrawFn, ids: st.SearchStrategy[str] = PERSON_IDS) -> MenteeProfile:
    wanted = draw(st.none() | st.tuples(st.integers(1, 5), st.integers(0, 3)))
    return MenteeProfile(
        id=draw(ids),
        org_id=draw(st.sampled_from(ORGS)),
        topics=draw(st.dictionaries(st.sampled_from(TOPIC_POOL), st.integers(1, 5), max_size=4)),
        meeting_mode=draw(st.sampled_from(MeetingMode)),
        region=draw(st.sampled_from(REGIONS)),
        languages=draw(st.frozensets(st.sampled_from(LANGUAGES), max_size=2)),
        open_to_other_orgs=draw(st.booleans()),
        seniority_band=draw(st.none() | st.integers(1, 6)),
        wanted_bands=None if wanted is None else (wanted[0], wanted[0] + wanted[1]),
        wanted_sectors=draw(st.frozensets(st.sampled_from(["housing", "health"]), max_size=1)),
        department=draw(st.sampled_from(DEPARTMENTS)),
    )


@st.composite
def mentors(draw: st.DrawFn, ids: st.SearchStrategy[str] = PERSON_IDS) -> MentorProfile:
    capacity = draw(st.integers(0, 3))
    return MentorProfile(
        id=draw(ids),
        org_id=draw(st.sampled_from(ORGS)),
        topics=draw(st.dictionaries(st.sampled_from(TOPIC_POOL), st.integers(1, 3), max_size=4)),
        seniority_band=draw(st.integers(1, 7)),
        capacity=capacity,
        free_capacity=draw(st.none() | st.integers(0, capacity)),
        paused=draw(st.booleans()) and draw(st.booleans()),
        meeting_modes=draw(st.frozensets(st.sampled_from(MODES), min_size=1)),
        region=draw(st.sampled_from(REGIONS)),
        languages=draw(st.frozensets(st.sampled_from(LANGUAGES), max_size=2)),
        sector=draw(st.sampled_from(SECTORS)),
        department=draw(st.sampled_from(DEPARTMENTS)),
    )


def unique_mentors(size: int) -> st.SearchStrategy[list[MentorProfile]]:
    return st.lists(mentors(), min_size=1, max_size=size, unique_by=lambda m: m.id)


pairs = st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE))


@st.composite
def pair_rules(draw: st.DrawFn) -> PairRules:
    policy = st.builds(
        OrgPolicy,
        cross_org_allowed=st.booleans(),
        partner_orgs=st.none() | st.frozensets(st.sampled_from(ORGS)),
    )
    return PairRules(
        management_chain=draw(st.frozensets(pairs, max_size=6)),
        never_again=draw(st.frozensets(pairs, max_size=4)),
        coordinator_forbidden=draw(st.frozensets(pairs, max_size=4)),
        org_policies=draw(st.dictionaries(st.sampled_from(ORGS), policy, max_size=3)),
        default_policy=draw(policy),
        require_different_department=draw(st.booleans()),
    )


@st.composite
def score_problems(
    draw: st.DrawFn, max_mentees: int = 12, max_mentors: int = 6
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64], int]:
    """(scores with -1 = not allowed, capacities, min_score); half of them contended."""
    n = draw(st.integers(1, max_mentees))
    m = draw(st.integers(1, max_mentors))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 101, (n, m))
    if draw(st.booleans()):  # contended: a per-mentor popularity everybody shares
        noise = np.rint(0.6 * rng.integers(0, 101, m)[None, :] + 0.4 * noise).astype(np.int64)
    if draw(st.booleans()):  # coarse scores: many ties
        noise = noise // 25 * 25
    forbidden = rng.random((n, m)) < draw(st.sampled_from([0.0, 0.3, 0.7]))
    scores = np.where(forbidden, -1, noise).astype(np.int16)
    capacities = rng.integers(0, 4, m).astype(np.int64)
    return scores, capacities, draw(st.sampled_from([0, 0, 30, 60]))


def exact_reference(
    scores: npt.NDArray[np.int16], capacities: npt.NDArray[np.int64], min_score: int
) -> tuple[int, int]:
    """Independent optimum: linear_sum_assignment over mentor seats with a big bonus per match."""
    n = scores.shape[0]
    seats = np.repeat(np.arange(scores.shape[1]), capacities)
    if len(seats) == 0:
        return 0, 0
    value = scores[:, seats].astype(np.int64)
    usable = value >= max(min_score, 0)
    bonus = 101 * (n + 1)
    rows, cols = linear_sum_assignment(np.where(usable, bonus + value, 0), maximize=True)
    chosen = usable[rows, cols]
    return int(chosen.sum()), int(value[rows, cols][chosen].sum())
