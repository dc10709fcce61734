"""Small server-rendered SVG charts: horizontal bars with text labels, a ``<title>`` and
``<desc>``, colours as presentation attributes (our CSP allows no inline style). Pages also
show the same numbers in a table, so nothing is only in the picture.

Counts of people under :data:`MIN_GROUP` are suppressed: no bar, the words "fewer than 5".
Every label is escaped here; the result is ``Markup`` so templates need no ``|safe``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

MIN_GROUP = 5
SUPPRESSED = f"fewer than {MIN_GROUP}"

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 110
BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH
ROW = 28
BAR = 18
#: GOV.UK blue and green: both at least 3:1 against white (WCAG 1.4.11).
COLOURS = ("#1d70b8", "#00703c")
TEXT = "#0b0c0c"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: unknown or already suppressed upstream


@dataclass(frozen=True)
class Shown:
    """What a chart says for one value: the bar's length and its words."""

    length: int
    text: str
    suppressed: bool


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def shown(
    value: float | None,
    scale: float,
    *,
    suppress_under: int = MIN_GROUP,
    unit: str = "",
    hidden: str = SUPPRESSED,
) -> Shown:
    """``value`` drawn against ``scale`` (the largest value shown): suppressed counts of 1 to
    ``suppress_under - 1`` (and ``None``) get no bar, and the words ``hidden``."""
    if value is None or (0 < value < suppress_under):
        return Shown(0, hidden, suppressed=True)
    length = round(BAR_AREA * value / scale) if scale > 0 else 0
    return Shown(max(0, min(BAR_AREA, length)), f"{_number(value)}{unit}", suppressed=False)


def scale_of(values: Sequence[float | None], suppress_under: int = MIN_GROUP) -> float:
    """The largest value that will be drawn (suppressed ones do not set the scale)."""
    drawn = [v for v in values if v is not None and not (0 < v < suppress_under)]
    return max(drawn, default=0.0)


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    cid = escape(chart_id)
    # Every label and number in ``body`` was escaped where it was written.
    return Markup(  # noqa: S704
        f'<svg class="mn-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="100%" viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{cid}-title {cid}-desc" id="{cid}">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _row(y: int, label: str, parts: list[tuple[Shown, str, int]]) -> list[str]:
    out = [
        f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR - 4}" text-anchor="end" fill="{TEXT}" '
        f'font-size="14">{escape(label)}</text>'
    ]
    for s, colour, offset in parts:
        top = y + offset
        if s.length:
            out.append(
                f'<rect class="mn-chart__bar" x="{LABEL_WIDTH}" y="{top}" width="{s.length}" '
                f'height="{BAR}" fill="{colour}"></rect>'
            )
        out.append(
            f'<text x="{LABEL_WIDTH + s.length + 6}" y="{top + BAR - 4}" fill="{TEXT}" '
            f'font-size="14">{escape(s.text)}</text>'
        )
    return out


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    *,
    desc: str = "",
    unit: str = "",
    suppress_under: int = MIN_GROUP,
    scale: float | None = None,
    hidden: str = SUPPRESSED,
) -> Markup:
    """One bar per row, the value in words beside it."""
    top = scale if scale is not None else scale_of([b.value for b in bars], suppress_under)
    said = [
        shown(b.value, top, suppress_under=suppress_under, unit=unit, hidden=hidden) for b in bars
    ]
    body: list[str] = []
    for i, (b, s) in enumerate(zip(bars, said, strict=True)):
        body += _row(i * ROW + 4, b.label, [(s, COLOURS[0], 0)])
    words = "; ".join(f"{b.label}: {s.text}" for b, s in zip(bars, said, strict=True))
    return _svg(chart_id, title, desc or words, max(1, len(bars)) * ROW + 8, body)


@dataclass(frozen=True)
class PairedBar:
    label: str
    first: float | None
    second: float | None


def paired_chart(
    chart_id: str,
    title: str,
    rows: Sequence[PairedBar],
    series: tuple[str, str],
    *,
    desc: str = "",
    suppress_under: int = MIN_GROUP,
    hidden: str = SUPPRESSED,
) -> Markup:
    """Two bars per row (e.g. mentors offering a topic, mentees wanting it), with a legend."""
    values = [r.first for r in rows] + [r.second for r in rows]
    top = scale_of(values, suppress_under)
    body: list[str] = []
    for i, (name, colour) in enumerate(zip(series, COLOURS, strict=True)):
        x = LABEL_WIDTH + i * 200
        body.append(
            f'<rect x="{x}" y="4" width="14" height="14" fill="{colour}"></rect>'
            f'<text x="{x + 20}" y="16" fill="{TEXT}" font-size="14">{escape(name)}</text>'
        )
    pair_row = 2 * BAR + 12
    words = []
    for i, r in enumerate(rows):
        a = shown(r.first, top, suppress_under=suppress_under, hidden=hidden)
        b = shown(r.second, top, suppress_under=suppress_under, hidden=hidden)
        body += _row(28 + i * pair_row, r.label, [(a, COLOURS[0], 0), (b, COLOURS[1], BAR + 2)])
        words.append(f"{r.label}: {series[0]} {a.text}, {series[1]} {b.text}")
    height = 28 + max(1, len(rows)) * pair_row + 4
    return _svg(chart_id, title, desc or "; ".join(words), height, body)


# --- the charts of the coordinator's pages ------------------------------------------------------

FUNNEL_STEPS = ("Applied", "Eligible", "Approved", "Matched", "Active", "Completed")


def pipeline_funnel(chart_id: str, counts: Sequence[int]) -> Markup:
    """applied → eligible → approved → matched → active → completed."""
    bars = [Bar(step, n) for step, n in zip(FUNNEL_STEPS, counts, strict=True)]
    return bar_chart(chart_id, "Pipeline: from application to completion", bars)


def supply_and_demand(chart_id: str, topics: Sequence[tuple[str, int, int]]) -> Markup:
    """Per topic: mentors offering it, mentees wanting it."""
    return paired_chart(
        chart_id,
        "Supply and demand by topic",
        [PairedBar(label, offer, want) for label, offer, want in topics],
        ("Mentors offering", "Mentees wanting"),
    )


def cross_org_share(chart_id: str, local: int, cross_org: int) -> Markup:
    return bar_chart(
        chart_id,
        "Matches within and across organisations",
        [Bar("Within our organisation", local), Bar("With other organisations", cross_org)],
    )


def meeting_activity(chart_id: str, per_month: Sequence[tuple[str, int]]) -> Markup:
    return bar_chart(
        chart_id,
        "Meetings held per month",
        [Bar(month, n) for month, n in per_month],
    )


def time_release(chart_id: str, used_hours: float, budget_hours: float) -> Markup:
    """Hours used of the time-release budget, over all relationships (not a count of people:
    nothing is suppressed)."""
    return bar_chart(
        chart_id,
        "Time release used",
        [Bar("Hours used", used_hours), Bar("Hours budgeted", budget_hours)],
        unit=" h",
        suppress_under=0,
    )


def evaluation_outcomes(chart_id: str, counts: Sequence[tuple[str, int | None]]) -> Markup:
    """Outcome counts; ``None`` is a group already suppressed by the service."""
    return bar_chart(chart_id, "Outcomes after mentoring", [Bar(label, n) for label, n in counts])


def table_text(value: float | None, suppress_under: int = MIN_GROUP, unit: str = "") -> str:
    """The words a table shows for the same value as the chart."""
    return shown(value, 1, suppress_under=suppress_under, unit=unit).text
