"""Value types the engine works on.

The same types carry local profiles and remote cards, so they hold no names, emails, free text
or special-category data: only ids, topic ids and coarse facts. `orgs/` and `federation/` build
them; the engine never sees a database row.
"""

from __future__ import annotations

import enum

import msgspec

from matching.errors import InvalidProfileError

IMPORTANCE_MIN, IMPORTANCE_MAX = 1, 5
LEVEL_MIN, LEVEL_MAX = 1, 3


class MeetingMode(enum.StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"
    EITHER = "either"


class SchemeKind(enum.StrEnum):
    ONE_TO_ONE = "one_to_one"
    REVERSE = "reverse"  # a junior mentors a senior: the default seniority preference flips
    GROUP = "group"  # a mentor's capacity is filled as one group; assignment treats it as seats


def _check_range(owner: str, name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidProfileError(f"{owner}.{name}: must be {low}..{high}, got {value}")


class MenteeProfile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a mentee wants. `topics` maps taxonomy id -> importance 1..5."""

    id: str
    org_id: str
    topics: dict[str, int]
    meeting_mode: MeetingMode = MeetingMode.EITHER
    region: str | None = None
    languages: frozenset[str] = frozenset()
    open_to_other_orgs: bool = False
    seniority_band: int | None = None  # the mentee's own band, for the default preference
    wanted_bands: tuple[int, int] | None = None  # inclusive range of mentor bands wanted
    wanted_sectors: frozenset[str] = frozenset()  # empty: any sector
    department: str | None = None

    def __post_init__(self) -> None:
        for topic_id, importance in self.topics.items():
            _check_range(
                f"mentee {self.id}",
                f"topics[{topic_id}]",
                importance,
                IMPORTANCE_MIN,
                IMPORTANCE_MAX,
            )
        if self.wanted_bands is not None and self.wanted_bands[0] > self.wanted_bands[1]:
            raise InvalidProfileError(
                f"mentee {self.id}.wanted_bands: low {self.wanted_bands[0]} > high "
                f"{self.wanted_bands[1]}"
            )


class MentorProfile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a mentor offers. `topics` maps taxonomy id -> level 1..3."""

    id: str
    org_id: str
    topics: dict[str, int]
    seniority_band: int
    capacity: int = 1
    free_capacity: int | None = None  # None: all of `capacity` is free
    paused: bool = False
    meeting_modes: frozenset[MeetingMode] = frozenset({MeetingMode.IN_PERSON, MeetingMode.REMOTE})
    region: str | None = None
    languages: frozenset[str] = frozenset()
    sector: str | None = None
    department: str | None = None

    def __post_init__(self) -> None:
        owner = f"mentor {self.id}"
        for topic_id, level in self.topics.items():
            _check_range(owner, f"topics[{topic_id}]", level, LEVEL_MIN, LEVEL_MAX)
        if self.capacity < 0:
            raise InvalidProfileError(f"{owner}.capacity: must be ≥ 0, got {self.capacity}")
        if self.free_capacity is not None:
            _check_range(owner, "free_capacity", self.free_capacity, 0, self.capacity)
        if MeetingMode.EITHER in self.meeting_modes:
            raise InvalidProfileError(f"{owner}.meeting_modes: list in_person and/or remote")

    @property
    def seats(self) -> int:
        """Mentees this mentor can still take now (0 when paused)."""
        if self.paused:
            return 0
        return self.capacity if self.free_capacity is None else self.free_capacity
