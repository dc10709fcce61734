"""Synthetic mentor cards and mentees for the ranking benchmark."""

from __future__ import annotations

import random

from matching.constraints import OrgPolicy, PairRules
from matching.model import MeetingMode, MenteeProfile, MentorProfile
from matching.taxonomy import TOPICS

ORGS = [f"org-{k}" for k in range(40)]
REGIONS = ["north-west", "north-east", "midlands", "london", "south-east", "south-west", "wales"]
LANGUAGES = ["en", "cy", "pl", "ur", "pa", "so"]
SECTORS = ["council", "housing", "nhs", "fire", "police"]
MODES = [
    frozenset({MeetingMode.IN_PERSON}),
    frozenset({MeetingMode.REMOTE}),
    frozenset({MeetingMode.IN_PERSON, MeetingMode.REMOTE}),
]


def cards(count: int, seed: int = 7) -> list[MentorProfile]:
    rng = random.Random(seed)
    topics = sorted(TOPICS)
    return [
        MentorProfile(
            id=f"card-{k:07d}",
            org_id=rng.choice(ORGS),
            topics={t: rng.randint(1, 3) for t in rng.sample(topics, rng.randint(2, 6))},
            seniority_band=rng.randint(1, 9),
            capacity=2,
            free_capacity=rng.choice([0, 1, 2, 2]),
            paused=rng.random() < 0.05,
            meeting_modes=rng.choice(MODES),
            region=rng.choice(REGIONS),
            languages=frozenset(rng.sample(LANGUAGES, rng.randint(1, 2))),
            sector=rng.choice(SECTORS),
            department=f"dept-{rng.randint(1, 12)}",
        )
        for k in range(count)
    ]


def mentees(count: int, seed: int = 11) -> list[MenteeProfile]:
    rng = random.Random(seed)
    topics = sorted(TOPICS)
    return [
        MenteeProfile(
            id=f"mentee-{k}",
            org_id=rng.choice(ORGS),
            topics={t: rng.randint(1, 5) for t in rng.sample(topics, rng.randint(2, 5))},
            meeting_mode=rng.choice(list(MeetingMode)),
            region=rng.choice(REGIONS),
            languages=frozenset(rng.sample(LANGUAGES, 1)),
            open_to_other_orgs=rng.random() < 0.8,
            seniority_band=rng.randint(1, 6),
            wanted_sectors=frozenset(rng.sample(SECTORS, rng.randint(0, 2))),
            department=f"dept-{rng.randint(1, 12)}",
        )
        for k in range(count)
    ]


def rules(seed: int = 13) -> PairRules:
    """Cross-org allowed for most orgs, some with partner lists; a few forbidden pairs each."""
    rng = random.Random(seed)
    policies = {
        org: OrgPolicy(
            cross_org_allowed=rng.random() < 0.85,
            partner_orgs=None if rng.random() < 0.7 else frozenset(rng.sample(ORGS, 10)),
        )
        for org in ORGS
    }
    forbidden = frozenset(
        (f"mentee-{k}", f"card-{rng.randrange(100_000):07d}") for k in range(200) for _ in range(3)
    )
    return PairRules(
        management_chain=forbidden,
        org_policies=policies,
        require_different_department=True,
    )
