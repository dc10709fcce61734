"""The mentor directory's list: every mentor a mentee may ask, filtered and in pages.

It ranks over exactly what suggestions rank over (``CandidateCache.prepare``: the same local
mentors, the same remote cards after the org's sharing policy, the same hard rules), so a
mentor the suggestions would never offer is never listed here either. Scores, filters and
paging are worked out in memory over that set: no query per mentor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np

from federation.candidate_cache import Suggestable
from federation.remote_candidates import with_remote_orgs
from matching.model import MeetingMode, MentorProfile
from matching.scoring import score_pair
from matching.taxonomy import TOPICS, label_of
from network.http.pairing_out import ExplanationOut
from network.web.pages import Errors
from network.web.taxonomy import REGION_OPTIONS, SECTOR_OPTIONS, name_of
from orgs.pairing.candidates import MenteeSide
from orgs.people.profiles import BANDS
from orgs.structs import out

PAGE_SIZE = 10
LEVEL_WORDS = {1: "some experience", 2: "good experience", 3: "expert"}
MODE_WORDS = {MeetingMode.IN_PERSON: "In person", MeetingMode.REMOTE: "Online"}
FILTERS = ("topic", "organisation", "band", "sector", "region", "mode", "language")


@dataclass(frozen=True)
class Options:
    """What each filter may be set to, as (value, words) pairs: a value not listed is refused."""

    topic: list[tuple[str, str]]
    organisation: list[tuple[str, str]]
    band: list[tuple[str, str]]
    sector: list[tuple[str, str]]
    region: list[tuple[str, str]]
    mode: list[tuple[str, str]]
    language: list[tuple[str, str]]

    def of(self, name: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = getattr(self, name)
        return found


@dataclass(frozen=True)
class Row:
    """One mentor as the list and the mentor's page show them."""

    id: str  # the candidate id the request form sends: a member id, or handle@peer
    href: str  # the mentor's page, under the org's base
    kind: str  # "local" or "remote"
    title: str
    organisation: str
    node: str
    reference: str  # tells apart remote cards that are alike by design (k-anonymity)
    band: str
    modes: list[str]
    topics: list[tuple[str, str]]  # (topic, level in words), strongest first
    region: str
    sector: str
    languages: list[str]
    score: int
    explanation: list[ExplanationOut] = field(default_factory=list)


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    total: int  # mentors matching the filters, on every page
    page: int
    pages: int
    links: list[tuple[int, str]]  # (page number, href); 0 stands for an ellipsis
    previous: str
    next: str


# --- filters -------------------------------------------------------------------------------


WORDS = {
    "topic": ("Topic", "choose a topic from the list"),
    "organisation": ("Organisation", "choose an organisation from the list"),
    "band": ("Seniority band", "choose a band from 1 to 9"),
    "sector": ("Sector", "choose a sector from the list"),
    "region": ("Region", "choose a region from the list"),
    "mode": ("How you meet", "choose in person or online"),
    "language": ("Language", "choose a language from the list"),
}


def options_for(side: MenteeSide, found: Suggestable) -> Options:
    orgs = {str(side.org_id): side.org_name}
    for view in found.remote.views.values():
        orgs.setdefault(f"{view.org_slug}@{view.node}", f"{view.org_name} ({view.node_name})")
    languages = sorted({lang for m in found.index.mentors for lang in m.languages})
    topics = sorted(((t.id, t.label) for t in TOPICS.values()), key=lambda o: o[1])
    own = str(side.org_id)
    return Options(
        topic=[("", "Any topic"), *topics],
        organisation=[
            ("", "Any organisation"),
            *sorted(orgs.items(), key=lambda o: (o[0] != own, o[1])),
        ],
        band=[("", "Any band")] + [(str(b), f"Band {b}") for b in range(BANDS[0], BANDS[1] + 1)],
        sector=[("", "Any sector"), *SECTOR_OPTIONS[1:]],
        region=[("", "Any region"), *REGION_OPTIONS[1:]],
        mode=[("", "In person or online"), ("in_person", "In person"), ("remote", "Online")],
        language=[("", "Any language")] + [(lang, lang) for lang in languages],
    )


def read_filters(
    query: Mapping[str, str], options: Options, errors: Errors
) -> tuple[dict[str, str], int]:
    """The filters as chosen, each checked against its options, and the page asked for."""
    chosen: dict[str, str] = {}
    for name in FILTERS:
        value = (query.get(name) or "").strip()
        if value and value not in {v for v, _ in options.of(name)}:
            label, fix = WORDS[name]
            errors.add(name, f"{label}: {fix}")
            continue
        chosen[name] = value
    page_text = (query.get("page") or "1").strip()
    if not page_text.isdigit() or int(page_text) < 1:
        errors.add("page", "Page must be a whole number, like 2")
        return chosen, 1
    return chosen, int(page_text)


def _matches(mentor: MentorProfile, org: str, band: tuple[int, int], f: dict[str, str]) -> bool:
    if f.get("topic") and f["topic"] not in mentor.topics:
        return False
    if f.get("organisation") and f["organisation"] != org:
        return False
    if f.get("band") and not band[0] <= int(f["band"]) <= band[1]:
        return False
    if f.get("sector") and f["sector"] != mentor.sector:
        return False
    if f.get("region") and f["region"] != mentor.region:
        return False
    if f.get("mode") and MeetingMode(f["mode"]) not in mentor.meeting_modes:
        return False
    return not (f.get("language") and f["language"] not in mentor.languages)


# --- the list --------------------------------------------------------------------------------


def _ranked(side: MenteeSide, found: Suggestable) -> list[tuple[int, int]]:
    """(score, position) of every candidate the mentee may ask, best first, then by id: the
    suggestions' own order and hard rules (``matching.ranking.suggest``)."""
    assert side.mentee is not None
    rules = with_remote_orgs(side.rules, side.mentee, found.remote)
    numerators, denominator = found.index.filtered_numerators(side.mentee, rules)
    allowed = np.flatnonzero(numerators >= 0)
    scores = (2 * numerators[allowed].astype(np.int64) + denominator) // (2 * denominator)
    order = np.lexsort((allowed, -scores))
    return [(int(scores[i]), int(allowed[i])) for i in order.tolist()]


def _org_and_band(found: Suggestable, mentor: MentorProfile) -> tuple[str, tuple[int, int]]:
    view = found.remote.views.get(mentor.id)
    if view is None:
        return mentor.org_id, (mentor.seniority_band, mentor.seniority_band)
    return f"{view.org_slug}@{view.node}", view.band


def to_row(side: MenteeSide, found: Suggestable, mentor: MentorProfile, score: int) -> Row:
    assert side.mentee is not None
    local = found.local.get(mentor.id)
    topics = [
        (label_of(topic), LEVEL_WORDS.get(level, str(level)))
        for topic, level in sorted(mentor.topics.items(), key=lambda t: (-t[1], label_of(t[0])))
    ]
    common: dict[str, Any] = {
        "id": mentor.id,
        "modes": [MODE_WORDS[m] for m in sorted(mentor.meeting_modes)],
        "topics": topics,
        "region": name_of(mentor.region or ""),
        "sector": name_of(mentor.sector or ""),
        "languages": sorted(mentor.languages),
        "score": score,
        "explanation": [
            out(ExplanationOut, p)
            for p in score_pair(side.mentee, mentor, found.index.weights, found.index.scheme).parts
        ],
    }
    if local is not None:
        return Row(
            href=f"/mentors/{mentor.id}",
            kind="local",
            title=local.name + (f", {local.job_title}" if local.job_title else ""),
            organisation=side.org_name,
            node="",
            reference="",
            band=f"Band {mentor.seniority_band}",
            **common,
        )
    view = found.remote.views[mentor.id]
    handle = mentor.id.split("@", 1)[0]
    low, high = view.band
    return Row(
        href=f"/mentors/card/{handle}?{urlencode({'node': view.node})}",
        kind="remote",
        title=f"A mentor at {view.org_name}",
        organisation=view.org_name,
        node=view.node_name,
        reference=handle[:4].upper(),
        band=f"Band {low}" if low == high else f"Bands {low} to {high}",
        **common,
    )


def find(side: MenteeSide, found: Suggestable, candidate_id: str) -> Row | None:
    """One mentor the mentee may ask, as a row; None when the rules keep them out."""
    position = found.index.position.get(candidate_id)
    if position is None:
        return None
    for score, at in _ranked(side, found):
        if at == position:
            return to_row(side, found, found.index.mentors[at], score)
    return None


def listing(
    side: MenteeSide,
    found: Suggestable,
    chosen: dict[str, str],
    page: int,
    base_query: Mapping[str, str],
) -> Listing:
    mentors = found.index.mentors
    matching = [
        (score, at)
        for score, at in _ranked(side, found)
        if _matches(mentors[at], *_org_and_band(found, mentors[at]), chosen)
    ]
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    page = min(page, pages)
    shown = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

    def href(number: int) -> str:
        query = {k: v for k, v in {**base_query, **chosen}.items() if v}
        query["page"] = str(number)
        return "?" + urlencode(query)

    return Listing(
        rows=[to_row(side, found, mentors[at], score) for score, at in shown],
        total=len(matching),
        page=page,
        pages=pages,
        links=[(n, href(n) if n else "") for n in page_numbers(page, pages)],
        previous=href(page - 1) if page > 1 else "",
        next=href(page + 1) if page < pages else "",
    )


def page_numbers(page: int, pages: int) -> Sequence[int]:
    """GOV.UK pagination: the first, the last, the current and its neighbours; 0 marks a gap."""
    wanted = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    numbers: list[int] = []
    for n in wanted:
        if numbers and n - numbers[-1] > 1:
            numbers.append(0)
        numbers.append(n)
    return numbers if pages > 1 else []
