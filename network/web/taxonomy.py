"""The values region and sector may take (federation's generalisation ladders know no others),
as select-list options with their names in words: nobody types an id."""

from __future__ import annotations

from federation.anonymise import REGIONS, SECTORS

#: Names that title case would get wrong.
_NAMES = {
    "yorkshire-and-the-humber": "Yorkshire and the Humber",
    "east-of-england": "East of England",
    "northern-ireland": "Northern Ireland",
    "fire-and-rescue": "Fire and rescue",
    "other-public": "Other public services",
    "central-government": "Central government",
    "local-government": "Local government",
}


def name_of(value: str) -> str:
    if value in _NAMES:
        return _NAMES[value]
    return value.replace("-", " ").title() if value else ""


def _options(values: list[str]) -> list[tuple[str, str]]:
    return [("", "Not given")] + [(v, name_of(v)) for v in values]


REGION_OPTIONS = _options(list(REGIONS.levels[0]))
SECTOR_OPTIONS = _options(list(SECTORS.levels[0]))


def options_with(options: list[tuple[str, str]], current: object) -> list[tuple[str, str]]:
    """``options``, and a value saved before the list existed, so it is not lost on saving."""
    value = str(current or "")
    if value and value not in {v for v, _ in options}:
        return [*options, (value, value)]
    return options
