"""Response shapes of a network's report (``orgs.records.network_reports``)."""

from __future__ import annotations

from datetime import datetime

import msgspec


class ReportLineOut(msgspec.Struct, frozen=True, kw_only=True):
    org_ref: str
    name: str
    #: When the org's node counted them; None: none received yet.
    as_of: datetime | None
    #: figure -> count, or None: not shown (fewer than five, or it would give one away).
    figures: dict[str, int | None]


class FiguresOut(msgspec.Struct, frozen=True, kw_only=True):
    network_id: str
    name: str
    lines: list[ReportLineOut]
    #: figure -> what it counts, in the order of the CSV's columns.
    labels: dict[str, str]
    hidden_note: str
