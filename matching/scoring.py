"""Pair score 0..100 with an explanation whose parts sum exactly to it.

Exact arithmetic: every factor's contribution is an integer numerator over one common
denominator Q = 6·Σimportance (2·D with D = 3·Σimportance), so the vectorised ranking can
reproduce the same integers. The score is the numerator total rounded half up; the parts are
rounded with the largest-remainder method, so they always add up to the score.

    topics       W_topics · Σ importance·level / (3·Σ importance)      level 0 when not offered
    secondary    W_factor · halves / 2                                  halves ∈ {0, 1, 2}
"""

from __future__ import annotations

import msgspec

from matching.errors import InvalidProfileError
from matching.model import LEVEL_MAX, MeetingMode, MenteeProfile, MentorProfile, SchemeKind
from matching.taxonomy import label_of

FULL = 2  # secondary factors are scored in halves: 0 none, 1 half, 2 full


class Weights(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Points each factor can give at most; they must add up to 100."""

    topics: int = 60
    seniority: int = 10
    meeting: int = 10
    language: int = 10
    sector: int = 5
    different_unit: int = 5

    def __post_init__(self) -> None:
        values = msgspec.structs.asdict(self)
        negative = [name for name, value in values.items() if value < 0]
        if negative:
            raise InvalidProfileError(f"weights: {', '.join(negative)} must be ≥ 0")
        if sum(values.values()) != 100:
            raise InvalidProfileError(f"weights: must add up to 100, got {sum(values.values())}")

    def secondary(self) -> tuple[tuple[str, int], ...]:
        return (
            ("seniority", self.seniority),
            ("meeting", self.meeting),
            ("language", self.language),
            ("sector", self.sector),
            ("different_unit", self.different_unit),
        )


DEFAULT_WEIGHTS = Weights()


class ScorePart(msgspec.Struct, frozen=True):
    factor: str  # "topic:<id>" or a secondary factor name
    points: int
    sentence: str


class Score(msgspec.Struct, frozen=True):
    total: int
    parts: tuple[ScorePart, ...]


def topic_denominator(mentee: MenteeProfile) -> int:
    """D = 3·Σ importance (1 for a mentee without topics, whose topic part is then 0)."""
    return LEVEL_MAX * sum(mentee.topics.values()) or 1


def round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


# --- secondary factors, each in halves (0..2) -------------------------------------------------


def seniority_halves(mentee: MenteeProfile, mentor_band: int, scheme: SchemeKind) -> int:
    if mentee.wanted_bands is not None:
        low, high = mentee.wanted_bands
        distance = max(low - mentor_band, mentor_band - high, 0)
        return FULL if distance == 0 else 1 if distance == 1 else 0
    if mentee.seniority_band is None:
        return FULL
    gap = mentor_band - mentee.seniority_band
    if scheme is SchemeKind.REVERSE:
        gap = -gap  # reverse mentoring: the mentor is the junior one
    return FULL if gap > 0 else 1 if gap == 0 else 0


def meeting_halves_for(
    wants: MeetingMode, offers: frozenset[MeetingMode], *, same_region: bool
) -> int:
    remote_ok = wants is not MeetingMode.IN_PERSON and MeetingMode.REMOTE in offers
    in_person_ok = wants is not MeetingMode.REMOTE and MeetingMode.IN_PERSON in offers
    if remote_ok or (in_person_ok and same_region):
        return FULL
    return 1 if in_person_ok else 0  # in person is possible, but means travelling


def same_region(mentee: MenteeProfile, mentor: MentorProfile) -> bool:
    return mentee.region is not None and mentee.region == mentor.region


def meeting_halves(mentee: MenteeProfile, mentor: MentorProfile) -> int:
    return meeting_halves_for(
        mentee.meeting_mode, mentor.meeting_modes, same_region=same_region(mentee, mentor)
    )


def language_halves(mentee: MenteeProfile, mentor: MentorProfile) -> int:
    return FULL if not mentee.languages or mentee.languages & mentor.languages else 0


def sector_halves_for(mentee: MenteeProfile, sector: str | None) -> int:
    return FULL if not mentee.wanted_sectors or sector in mentee.wanted_sectors else 0


def sector_halves(mentee: MenteeProfile, mentor: MentorProfile) -> int:
    return sector_halves_for(mentee, mentor.sector)


def different_unit_halves(mentee: MenteeProfile, mentor: MentorProfile) -> int:
    if mentee.org_id != mentor.org_id:
        return FULL
    if mentee.department is None or mentor.department is None:
        return 1  # unknown: half, so a known different department still ranks higher
    return FULL if mentee.department != mentor.department else 0


def secondary_halves(
    mentee: MenteeProfile, mentor: MentorProfile, scheme: SchemeKind
) -> dict[str, int]:
    return {
        "seniority": seniority_halves(mentee, mentor.seniority_band, scheme),
        "meeting": meeting_halves(mentee, mentor),
        "language": language_halves(mentee, mentor),
        "sector": sector_halves(mentee, mentor),
        "different_unit": different_unit_halves(mentee, mentor),
    }


# --- the score ----------------------------------------------------------------------------------


def _ordered_topics(mentee: MenteeProfile) -> list[tuple[str, int]]:
    return sorted(mentee.topics.items(), key=lambda item: (-item[1], item[0]))


def score_numerators(
    mentee: MenteeProfile, mentor: MentorProfile, weights: Weights, scheme: SchemeKind
) -> tuple[list[tuple[str, int]], int]:
    """Each factor's numerator over the common denominator Q, and Q."""
    denominator = topic_denominator(mentee)
    numerators = [
        (f"topic:{tid}", 2 * weights.topics * importance * mentor.topics.get(tid, 0))
        for tid, importance in _ordered_topics(mentee)
    ]
    halves = secondary_halves(mentee, mentor, scheme)
    numerators += [
        (name, denominator * weight * halves[name]) for name, weight in weights.secondary()
    ]
    return numerators, 2 * denominator


def score_value(
    mentee: MenteeProfile,
    mentor: MentorProfile,
    weights: Weights = DEFAULT_WEIGHTS,
    scheme: SchemeKind = SchemeKind.ONE_TO_ONE,
) -> int:
    numerators, denominator = score_numerators(mentee, mentor, weights, scheme)
    return round_half_up(sum(value for _, value in numerators), denominator)


def largest_remainder(numerators: list[int], denominator: int, total: int) -> list[int]:
    """Integer parts of numerators/denominator that add up to `total`.

    Floors first; the missing units go to the largest remainders, earlier parts first on ties.
    """
    floors = [value // denominator for value in numerators]
    missing = total - sum(floors)
    order = sorted(range(len(numerators)), key=lambda i: (-(numerators[i] % denominator), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def score_pair(
    mentee: MenteeProfile,
    mentor: MentorProfile,
    weights: Weights = DEFAULT_WEIGHTS,
    scheme: SchemeKind = SchemeKind.ONE_TO_ONE,
) -> Score:
    """The score of a pair with its explanation (the caller has checked hard constraints)."""
    numerators, denominator = score_numerators(mentee, mentor, weights, scheme)
    total = round_half_up(sum(value for _, value in numerators), denominator)
    points = largest_remainder([value for _, value in numerators], denominator, total)
    halves = secondary_halves(mentee, mentor, scheme)
    parts = []
    for (factor, _), point in zip(numerators, points, strict=True):
        if factor.startswith("topic:"):
            tid = factor.removeprefix("topic:")
            sentence = _topic_sentence(tid, mentee.topics[tid], mentor.topics.get(tid, 0))
        else:
            sentence = _SENTENCES[factor](mentee, mentor, scheme, halves[factor])
        parts.append(ScorePart(factor, point, sentence))
    return Score(total, tuple(parts))


# --- sentences ----------------------------------------------------------------------------------


def _topic_sentence(topic_id: str, importance: int, level: int) -> str:
    wanted = f"{label_of(topic_id)}: importance {importance}/5"
    if level == 0:
        return f"{wanted}; the mentor does not offer it"
    return f"{wanted}; the mentor offers it at level {level}/{LEVEL_MAX}"


def _seniority_sentence(
    mentee: MenteeProfile, mentor: MentorProfile, scheme: SchemeKind, halves: int
) -> str:
    band = mentor.seniority_band
    if mentee.wanted_bands is not None:
        low, high = mentee.wanted_bands
        where = ("within", "one band outside", "outside")[FULL - halves]
        return f"Seniority: mentor band {band} is {where} the wanted bands {low}–{high}"
    if mentee.seniority_band is None:
        return f"Seniority: no preference given (mentor band {band})"
    direction = "below" if scheme is SchemeKind.REVERSE else "above"
    verdict = ("not " if halves == 0 else "level with, not " if halves == 1 else "") + direction
    return f"Seniority: mentor band {band} is {verdict} the mentee's band {mentee.seniority_band}"


def _meeting_sentence(
    mentee: MenteeProfile, mentor: MentorProfile, scheme: SchemeKind, halves: int
) -> str:
    wants = mentee.meeting_mode.value.replace("_", " ")
    if halves == FULL:
        return f"Meeting: the mentor can meet as wanted ({wants})"
    if halves == 1:
        return "Meeting: in person is possible but the mentor is in another region"
    return f"Meeting: the mentor does not offer the wanted mode ({wants})"


def _language_sentence(
    mentee: MenteeProfile, mentor: MentorProfile, scheme: SchemeKind, halves: int
) -> str:
    if not mentee.languages:
        return "Language: no preference given"
    shared = sorted(mentee.languages & mentor.languages)
    if shared:
        return f"Language: shared language ({', '.join(shared)})"
    return "Language: no shared language"


def _sector_sentence(
    mentee: MenteeProfile, mentor: MentorProfile, scheme: SchemeKind, halves: int
) -> str:
    if not mentee.wanted_sectors:
        return "Sector: no preference given"
    if halves == FULL:
        return f"Sector: the mentor works in a wanted sector ({mentor.sector})"
    return "Sector: the mentor works in another sector"


def _different_unit_sentence(
    mentee: MenteeProfile, mentor: MentorProfile, scheme: SchemeKind, halves: int
) -> str:
    if mentee.org_id != mentor.org_id:
        return "Different organisation: a fresh perspective from outside"
    if halves == FULL:
        return "Different department: a perspective from outside the team"
    if halves == 1:
        return "Different department: not known"
    return "Same department"


_SENTENCES = {
    "seniority": _seniority_sentence,
    "meeting": _meeting_sentence,
    "language": _language_sentence,
    "sector": _sector_sentence,
    "different_unit": _different_unit_sentence,
}
