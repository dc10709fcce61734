"""The shared topic taxonomy: stable ids every node agrees on.

Ids never change meaning; a new topic gets a new id and a new `TAXONOMY_VERSION`. Labels may
be reworded. Skills come from the schemes' topic lists (MyMentor, Nottingham City Homes, HPMA);
fields are public-sector areas of work.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

import msgspec

from matching.errors import UnknownTopicError

TAXONOMY_VERSION = "2025.1"


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


def topic(topic_id: str) -> Topic:
    """The topic with this id; `UnknownTopicError` when the taxonomy has none."""
    try:
        return TOPICS[topic_id]
    except KeyError:
        raise UnknownTopicError(topic_id, TAXONOMY_VERSION) from None


def is_known(topic_id: str) -> bool:
    return topic_id in TOPICS


def label_of(topic_id: str) -> str:
    """A readable label; an id from a newer taxonomy (e.g. on a remote card) shows as itself."""
    found = TOPICS.get(topic_id)
    return found.label if found is not None else topic_id


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
