"""The shared topic taxonomy: stable ids every node agrees on.

Ids never change meaning; a new topic gets a new id and a new `TAXONOMY_VERSION`. Labels may
be reworded. Skills come from the schemes' topic lists (MyMentor, Nottingham City Homes, HPMA);
fields are public-sector areas of work.

Each topic belongs to one **area** (e.g. ``hr`` to ``corporate-services``): the level above it,
which a card names instead of a topic too rare to publish (``federation.anonymise``). Area ids
are taxonomy ids too (they travel on cards) but are never topics: nobody offers or wants an
area in a profile.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

import msgspec

from matching.errors import UnknownTopicError

TAXONOMY_VERSION = "2025.2"  # 2025.2: areas


class TopicKind(enum.StrEnum):
    SKILL = "skill"
    FIELD = "field"


class Topic(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    label: str
    kind: TopicKind


_SKILLS: tuple[tuple[str, str], ...] = (
    ("career-review", "Career and skills review"),
    ("work-relationships", "Work relationships"),
    ("personal-professional-development", "Personal and professional development"),
    ("specific-business-issues", "Specific business issues"),
    ("leadership-management", "Leadership and management"),
    ("confidence", "Confidence"),
    ("resilience-change", "Resilience in times of change"),
    ("strategic-thinking", "Strategic thinking"),
    ("networks", "Building networks"),
    ("problem-solving", "Problem solving"),
    ("applying-promotion", "Applying for promotion"),
    ("communication", "Communication skills"),
    ("partnership-working", "Partnership working"),
    ("project-management", "Project management"),
    ("service-improvement", "Service improvement"),
    ("coaching-skills", "Coaching others"),
    ("work-life-balance", "Work-life balance"),
    ("returning-to-work", "Returning to work"),
)

_FIELDS: tuple[tuple[str, str], ...] = (
    ("housing", "Housing"),
    ("finance", "Finance"),
    ("social-care", "Social care"),
    ("hr", "Human resources"),
    ("digital", "Digital and technology"),
    ("procurement", "Procurement"),
    ("planning", "Planning"),
    ("legal", "Legal services"),
    ("public-health", "Public health"),
    ("education", "Education"),
    ("environment", "Environment and waste"),
    ("regeneration", "Regeneration and economic development"),
    ("customer-services", "Customer services"),
    ("communications-marketing", "Communications and marketing"),
    ("policy-governance", "Policy and governance"),
    ("fire-rescue", "Fire and rescue"),
    ("health-services", "Health services"),
    ("data-analysis", "Data and analysis"),
)

TOPICS: Mapping[str, Topic] = MappingProxyType(
    {
        **{tid: Topic(tid, label, TopicKind.SKILL) for tid, label in _SKILLS},
        **{tid: Topic(tid, label, TopicKind.FIELD) for tid, label in _FIELDS},
    }
)


class Area(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    label: str
    kind: TopicKind
    topics: tuple[str, ...]


_AREAS: tuple[tuple[str, str, TopicKind, tuple[str, ...]], ...] = (
    (
        "career-development",
        "Career development",
        TopicKind.SKILL,
        (
            "career-review",
            "applying-promotion",
            "personal-professional-development",
            "returning-to-work",
            "work-life-balance",
        ),
    ),
    (
        "personal-effectiveness",
        "Personal effectiveness",
        TopicKind.SKILL,
        ("confidence", "resilience-change", "communication", "problem-solving"),
    ),
    (
        "leading-people",
        "Leading people",
        TopicKind.SKILL,
        ("leadership-management", "coaching-skills", "work-relationships", "strategic-thinking"),
    ),
    (
        "delivering-change",
        "Delivering change",
        TopicKind.SKILL,
        (
            "project-management",
            "service-improvement",
            "partnership-working",
            "networks",
            "specific-business-issues",
        ),
    ),
    (
        "corporate-services",
        "Corporate services",
        TopicKind.FIELD,
        (
            "hr",
            "finance",
            "procurement",
            "legal",
            "digital",
            "data-analysis",
            "communications-marketing",
            "policy-governance",
        ),
    ),
    (
        "people-services",
        "People services",
        TopicKind.FIELD,
        ("social-care", "public-health", "health-services", "education"),
    ),
    (
        "place-and-community",
        "Place and community services",
        TopicKind.FIELD,
        (
            "housing",
            "planning",
            "environment",
            "regeneration",
            "customer-services",
            "fire-rescue",
        ),
    ),
)

AREAS: Mapping[str, Area] = MappingProxyType(
    {aid: Area(aid, label, kind, topics) for aid, label, kind, topics in _AREAS}
)
#: topic id → the id of its area.
AREA_OF: Mapping[str, str] = MappingProxyType(
    {tid: area.id for area in AREAS.values() for tid in area.topics}
)


def topic(topic_id: str) -> Topic:
    """The topic with this id; `UnknownTopicError` when the taxonomy has none."""
    try:
        return TOPICS[topic_id]
    except KeyError:
        raise UnknownTopicError(topic_id, TAXONOMY_VERSION) from None


def is_known(topic_id: str) -> bool:
    return topic_id in TOPICS


def is_area(taxonomy_id: str) -> bool:
    return taxonomy_id in AREAS


def label_of(topic_id: str) -> str:
    """A readable label of a topic or an area; an id from a newer taxonomy (e.g. on a remote
    card) shows as itself."""
    found = TOPICS.get(topic_id) or AREAS.get(topic_id)
    return found.label if found is not None else topic_id


#: The MyMentor rating scale (1–5) in words: how much a mentee wants help with a topic.
IMPORTANCE_WORDS: Mapping[int, str] = MappingProxyType(
    {1: "a little", 2: "somewhat", 3: "quite important", 4: "very important", 5: "essential"}
)


def importance_words(importance: int) -> str:
    """``importance`` said in words with its number, e.g. "essential (5 of 5)"."""
    words = IMPORTANCE_WORDS.get(importance)
    return f"{words} ({importance} of 5)" if words else f"{importance} of 5"


def _normalise(label: str) -> str:
    return " ".join(label.casefold().split())


def resolve_local_labels(
    local_labels: Mapping[str, str], chosen: Mapping[str, int]
) -> dict[str, int]:
    """Map an org's own topic labels to taxonomy ids.

    `local_labels` maps an org-local label (e.g. "Tenancy management") to a taxonomy id;
    `chosen` maps a label *or* a taxonomy id to a value (importance or level). Labels match
    case- and space-insensitively. Two labels that land on the same id keep the higher value.
    Raises `UnknownTopicError` for anything that resolves to no taxonomy id.
    """
    by_label = {_normalise(label): tid for label, tid in local_labels.items()}
    resolved: dict[str, int] = {}
    for key, value in chosen.items():
        tid = key if is_known(key) else by_label.get(_normalise(key), key)
        topic(tid)  # raises for an unknown id, whether given directly or through a label
        resolved[tid] = max(value, resolved.get(tid, value))
    return resolved
