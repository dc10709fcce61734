"""Domain errors of the matching engine.

`network/` maps these to problem+json; nothing here knows about HTTP.
"""

from __future__ import annotations


class MatchingError(Exception):
    """Base class of every error the matching package raises on purpose."""


class UnknownTopicError(MatchingError, LookupError):
    """A topic id that the taxonomy does not define."""

    def __init__(self, topic_id: str, taxonomy_version: str) -> None:
        super().__init__(f"unknown topic id {topic_id!r} (taxonomy {taxonomy_version})")
        self.topic_id = topic_id
        self.taxonomy_version = taxonomy_version


class InvalidProfileError(MatchingError, ValueError):
    """A profile or parameter value outside its allowed range."""


class InputError(MatchingError, ValueError):
    """Bad input to an offline run; the message names the offending item (`mentors[3].capacity`)."""

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(f"{location}: {problem}" if location else problem)
        self.location = location
        self.problem = problem


class ScoreFileError(InputError):
    """Bad input in a score grid (`--scores FILE.csv`); the location is `line L, column C`."""


class ConstraintViolationError(MatchingError, ValueError):
    """A pinned pair (or a coordinator's move) that breaks a hard constraint or a capacity."""


class CertificateError(MatchingError, RuntimeError):
    """The optimality certificate could not be built: a bug, never a user error."""
