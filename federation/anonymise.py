"""k-anonymity for cards: every published (org, band, region, sector) covers ≥ k mentors.

Org is never generalised (a card says which org the mentor is in), so each org is anonymised on
its own, with its own k. Band, region and sector climb a generalisation hierarchy (data below)
along a fixed ladder of steps. At each step, every group of still-unpublished mentors that
shares a generalised combination and has ≥ k members is published at that step; the rest try
the next, coarser step; whoever is left after the last step is withheld.

Why that is safe: each published combination is the union of groups of ≥ k identical
combinations, so no combination in the output is carried by fewer than k cards — a lone mentor
in a rare band is published only inside a coarse group of ≥ k, or not at all.

Topics are anonymised too (``k_anonymise_topics``), per org over the mentors one consumer is
sent: every published (topic, level) is carried by ≥ k of that org's cards. A rarer one is
published at level 1, then as its area (``matching.taxonomy.AREA_OF``: ``hr`` becomes
``corporate-services``), else left off; a mentor left with no topic gets no card.

Limits (documented in docs/federation.md): each topic is counted on its own, not in combination
with other topics or with band, region and sector; languages and modes can still narrow a group;
and a consumer watching the feed over time sees groups change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from federation.wire import FreeSlots
from matching.taxonomy import AREA_OF

V = TypeVar("V", bound=Hashable)
K = TypeVar("K", bound=Hashable)

DEFAULT_K: Final = 5
MIN_K: Final = 2  # k = 1 would publish everyone as they are


@dataclass(frozen=True)
class Hierarchy(Generic[V]):
    """``levels[i]`` maps every value of level i to its generalisation at level i + 1."""

    name: str
    levels: tuple[Mapping[V, V], ...]

    def __post_init__(self) -> None:
        for lower, upper in zip(self.levels, self.levels[1:], strict=False):
            if not set(lower.values()) <= set(upper):
                raise ValueError(f"{self.name}: a level maps to values the next does not know")

    @property
    def depth(self) -> int:
        return len(self.levels)

    def knows(self, value: V) -> bool:
        return bool(self.levels) and value in self.levels[0]

    def generalise(self, value: V, steps: int) -> V:
        if not self.knows(value):
            raise ValueError(f"unknown {self.name} {value!r}")
        for level in self.levels[:steps]:
            value = level[value]
        return value


BandRange = tuple[int, int]  # inclusive; (b, b) is band b exactly

_BAND_THIRDS: Final[Mapping[BandRange, BandRange]] = {
    (band, band): ((band - 1) // 3 * 3 + 1, (band - 1) // 3 * 3 + 3) for band in range(1, 10)
}
BANDS: Final = Hierarchy[BandRange](
    "band",
    (_BAND_THIRDS, {(1, 3): (1, 9), (4, 6): (1, 9), (7, 9): (1, 9)}),
)

_ENGLAND: Final = (
    "north-east",
    "north-west",
    "yorkshire-and-the-humber",
    "east-midlands",
    "west-midlands",
    "east-of-england",
    "london",
    "south-east",
    "south-west",
)
_NATIONS: Final = ("england", "wales", "scotland", "northern-ireland")
REGIONS: Final = Hierarchy[str](
    "region",
    (
        {
            **dict.fromkeys(_ENGLAND, "england"),
            **{nation: nation for nation in _NATIONS[1:]},
        },
        dict.fromkeys(_NATIONS, "uk"),
    ),
)

SECTORS: Final = Hierarchy[str](
    "sector",
    (
        dict.fromkeys(
            (
                "local-government",
                "housing",
                "health",
                "fire-and-rescue",
                "police",
                "central-government",
                "education",
                "other-public",
            ),
            "public-sector",
        ),
    ),
)


@dataclass(frozen=True)
class Step:
    """How many levels each attribute is generalised at one rung of the ladder."""

    band: int
    region: int
    sector: int


@dataclass(frozen=True)
class Scheme:
    bands: Hierarchy[BandRange]
    regions: Hierarchy[str]
    sectors: Hierarchy[str]
    ladder: tuple[Step, ...]

    def __post_init__(self) -> None:
        if not self.ladder or self.ladder[0] != Step(0, 0, 0):
            raise ValueError("the ladder starts with publishing as is: Step(0, 0, 0)")
        for lower, upper in zip(self.ladder, self.ladder[1:], strict=False):
            if not (
                lower.band <= upper.band
                and lower.region <= upper.region
                and lower.sector <= upper.sector
            ):
                raise ValueError("each step of the ladder is at least as coarse as the last")
        depths = (self.bands.depth, self.regions.depth, self.sectors.depth)
        if any(
            level > depth
            for step in self.ladder
            for level, depth in zip((step.band, step.region, step.sector), depths, strict=True)
        ):
            raise ValueError("a step climbs past the top of a hierarchy")


DEFAULT_SCHEME: Final = Scheme(
    BANDS,
    REGIONS,
    SECTORS,
    ladder=(
        Step(0, 0, 0),  # as is
        Step(1, 0, 0),  # band → thirds
        Step(1, 1, 0),  # region → nation
        Step(1, 1, 1),  # sector → public sector
        Step(2, 1, 1),  # any band
        Step(2, 2, 1),  # UK-wide
    ),
)


@dataclass(frozen=True)
class MentorFacts:
    """The quasi-identifiers of one mentor, as precise as the node knows them."""

    org: str
    band: int
    region: str
    sector: str


@dataclass(frozen=True)
class Coarse:
    """What a card may say about a mentor's org, band, region and sector."""

    org: str
    band: BandRange
    region: str
    sector: str


@dataclass(frozen=True)
class Anonymised(Generic[K]):
    published: Mapping[K, Coarse]
    withheld: frozenset[K]  # too rare to publish, or with facts the hierarchies do not know
    unknown_facts: Mapping[K, str]  # why a mentor's facts could not be placed: fix the data


def k_anonymise(
    mentors: Mapping[K, MentorFacts],
    *,
    k_by_org: Mapping[str, int] | None = None,
    default_k: int = DEFAULT_K,
    scheme: Scheme = DEFAULT_SCHEME,
) -> Anonymised[K]:
    """Coarsen each mentor's facts until their combination covers ≥ k mentors, else withhold."""
    by_org: dict[str, list[K]] = defaultdict(list)
    for key, facts in mentors.items():
        by_org[facts.org].append(key)
    unknown = {key: _unknown_fact(facts, scheme) for key, facts in mentors.items()}
    unknown_facts = {key: reason for key, reason in unknown.items() if reason}
    published: dict[K, Coarse] = {}
    withheld: set[K] = set(unknown_facts)
    for org, keys in by_org.items():
        k = (k_by_org or {}).get(org, default_k)
        if k < MIN_K:
            raise ValueError(f"k for {org} must be ≥ {MIN_K}, got {k}")
        remaining = [key for key in keys if key not in unknown_facts]
        for step in scheme.ladder:
            groups: dict[Coarse, list[K]] = defaultdict(list)
            for key in remaining:
                groups[_coarsen(mentors[key], step, scheme)].append(key)
            remaining = []
            for combination, members in groups.items():
                if len(members) >= k:
                    published.update(dict.fromkeys(members, combination))
                else:
                    remaining.extend(members)
        withheld.update(remaining)
    return Anonymised(published, frozenset(withheld), unknown_facts)


def _unknown_fact(facts: MentorFacts, scheme: Scheme) -> str:
    if not scheme.bands.knows((facts.band, facts.band)):
        return f"unknown band {facts.band!r}"
    if not scheme.regions.knows(facts.region):
        return f"unknown region {facts.region!r}"
    if not scheme.sectors.knows(facts.sector):
        return f"unknown sector {facts.sector!r}"
    return ""


def _coarsen(facts: MentorFacts, step: Step, scheme: Scheme) -> Coarse:
    return Coarse(
        org=facts.org,
        band=scheme.bands.generalise((facts.band, facts.band), step.band),
        region=scheme.regions.generalise(facts.region, step.region),
        sector=scheme.sectors.generalise(facts.sector, step.sector),
    )


# --- topics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicStep:
    """One rung of the topic ladder: how many levels a topic climbs its hierarchy, and whether
    its level (1..3) is kept or said as 1 (offered, no more)."""

    up: int
    keep_level: bool


@dataclass(frozen=True)
class TopicScheme:
    topics: Hierarchy[str]
    ladder: tuple[TopicStep, ...]

    def __post_init__(self) -> None:
        if not self.ladder or self.ladder[0] != TopicStep(up=0, keep_level=True):
            raise ValueError(
                "the topic ladder starts with publishing as is: TopicStep(up=0, keep_level=True)"
            )
        for lower, upper in zip(self.ladder, self.ladder[1:], strict=False):
            if upper.up < lower.up or (upper.keep_level and not lower.keep_level):
                raise ValueError("each step of the topic ladder is at least as coarse as the last")
        if self.ladder[-1].up > self.topics.depth:
            raise ValueError("a topic step climbs past the top of the hierarchy")


TOPIC_AREAS: Final = Hierarchy[str]("topic", (dict(AREA_OF),))
DEFAULT_TOPIC_SCHEME: Final = TopicScheme(
    TOPIC_AREAS,
    ladder=(
        TopicStep(up=0, keep_level=True),  # as is: hr at level 3
        TopicStep(up=0, keep_level=False),  # hr, level 1
        TopicStep(up=1, keep_level=False),  # corporate-services, level 1
    ),
)


@dataclass(frozen=True)
class MentorTopics:
    """What one mentor offers (taxonomy id → level 1..3), and the org the card will name."""

    org: str
    topics: Mapping[str, int]


@dataclass(frozen=True)
class AnonymisedTopics(Generic[K]):
    published: Mapping[K, Mapping[str, int]]  # topic or area id → level, never empty
    withheld: frozenset[K]  # every topic too rare: no card


Mention = tuple[K, str, int]  # (mentor, topic as offered, level)
Said = tuple[str, int]  # (topic or area id, level) as a card says it


def k_anonymise_topics(
    mentors: Mapping[K, MentorTopics],
    *,
    k_by_org: Mapping[str, int] | None = None,
    default_k: int = DEFAULT_K,
    scheme: TopicScheme = DEFAULT_TOPIC_SCHEME,
) -> AnonymisedTopics[K]:
    """Generalise or leave off topics until every (topic, level) a card says is said by ≥ k
    cards of the same org (``mentors`` is one consumer's card set)."""
    by_org: dict[str, list[K]] = defaultdict(list)
    for key, offered in mentors.items():
        by_org[offered.org].append(key)
    said: dict[K, dict[str, int]] = {key: {} for key in mentors}
    for org, keys in by_org.items():
        k = (k_by_org or {}).get(org, default_k)
        if k < MIN_K:
            raise ValueError(f"k for {org} must be ≥ {MIN_K}, got {k}")
        mentions = [(key, tid, lvl) for key in keys for tid, lvl in mentors[key].topics.items()]
        for (label, level), carriers in _climb(mentions, k, scheme).items():
            for key in carriers:
                said[key][label] = level
    published = {key: topics for key, topics in said.items() if topics}
    return AnonymisedTopics(published, frozenset(said) - frozenset(published))


def _climb(mentions: list[Mention[K]], k: int, scheme: TopicScheme) -> dict[Said, set[K]]:
    """Who says what, for one org: at each step, a (label, level) said by ≥ k mentors in all
    (those already saying it at an earlier step count too) is published for the mentors
    reaching it now; the rest climb on, and what is left after the last step is left off."""
    carriers: dict[Said, set[K]] = defaultdict(set)
    labels: dict[K, set[str]] = defaultdict(set)  # what each mentor's card says already
    pending = mentions
    for step in scheme.ladder:
        groups: dict[Said, dict[K, Mention[K]]] = defaultdict(dict)
        for mention in pending:
            key, topic, level = mention
            label = _topic_at(topic, step, scheme)
            if label is None or label in labels[key]:
                continue  # cannot climb (unknown topic), or the card says it already
            # Two topics of one mentor reaching one area count once (the one said first).
            groups[(label, level if step.keep_level else 1)].setdefault(key, mention)
        pending = []
        for said, reaching in sorted(groups.items()):
            fresh = {key for key in reaching if said[0] not in labels[key]}
            if len(carriers[said] | fresh) >= k:
                carriers[said] |= fresh
                for key in fresh:
                    labels[key].add(said[0])
            else:
                pending.extend(reaching.values())
    return {said: keys for said, keys in carriers.items() if keys}


def _topic_at(topic: str, step: TopicStep, scheme: TopicScheme) -> str | None:
    if step.up == 0:
        return topic
    return scheme.topics.generalise(topic, step.up) if scheme.topics.knows(topic) else None


def bucket_free_slots(free: int) -> FreeSlots | None:
    """Free places in coarse buckets (1, 2-3, 4+); None when there are none to offer."""
    if free < 0:
        raise ValueError("free slots cannot be negative")
    if free == 0:
        return None
    if free == 1:
        return "1"
    return "2-3" if free <= 3 else "4+"
