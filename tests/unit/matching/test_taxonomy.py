import re

import pytest

from matching.errors import UnknownTopicError
from matching.taxonomy import (
    AREA_OF,
    AREAS,
    TAXONOMY_VERSION,
    TOPICS,
    TopicKind,
    label_of,
    resolve_local_labels,
    topic,
)


def test_ids_are_stable_slugs_and_cover_the_scheme_topics() -> None:
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", tid) for tid in TOPICS)
    for tid in ("career-review", "confidence", "applying-promotion", "networks"):
        assert topic(tid).kind is TopicKind.SKILL
    for tid in ("housing", "finance", "social-care", "hr", "digital", "procurement", "planning"):
        assert topic(tid).kind is TopicKind.FIELD


def test_every_topic_is_in_exactly_one_area_of_its_kind_and_no_area_is_a_topic() -> None:
    assert set(AREA_OF) == set(TOPICS)
    assert sum(len(area.topics) for area in AREAS.values()) == len(TOPICS)
    assert not set(AREAS) & set(TOPICS)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", aid) for aid in AREAS)
    for tid, aid in AREA_OF.items():
        assert AREAS[aid].kind is topic(tid).kind
    assert AREA_OF["hr"] == "corporate-services"
    assert label_of("corporate-services") == "Corporate services"


def test_unknown_topic_is_a_domain_error_naming_the_id_and_version() -> None:
    with pytest.raises(UnknownTopicError, match="knitting") as caught:
        topic("knitting")
    assert caught.value.taxonomy_version == TAXONOMY_VERSION


def test_a_topic_from_a_newer_taxonomy_shows_as_its_id() -> None:
    assert label_of("housing") == "Housing"
    assert label_of("future-topic") == "future-topic"


def test_local_labels_map_to_taxonomy_ids_case_insensitively() -> None:
    local = {"Tenancy Management": "housing", "Budgets": "finance"}
    chosen = {"tenancy  management": 4, "budgets": 2, "confidence": 5, "housing": 3}
    assert resolve_local_labels(local, chosen) == {"housing": 4, "finance": 2, "confidence": 5}


def test_local_label_to_an_unknown_id_is_refused() -> None:
    with pytest.raises(UnknownTopicError):
        resolve_local_labels({"Gardening": "gardening"}, {"Gardening": 3})
    with pytest.raises(UnknownTopicError):
        resolve_local_labels({}, {"not-a-label": 3})
