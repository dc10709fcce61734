"""A scheme's programme report for a period: what the coordinator's pages show (relationships,
meetings, time release), the pipeline by each monitored characteristic, evaluation results and
outcomes, as CSV and as an accessible (tagged, PDF/UA-1) PDF with charts.

Nothing in a report names a person: it is built only from counts, already suppressed (groups of
fewer than five never shown, with secondary suppression), never from the health rows' names.
"""

from __future__ import annotations

import csv
import html
import io
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.mentoring.evaluations import QuestionnaireResult, scheme_results
from orgs.mentoring.later_outcomes import outcome_counts
from orgs.mentoring.oversight import scheme_health
from orgs.mentoring.relationship_states import RelationshipState
from orgs.people.actor import Actor
from orgs.people.equality import monitored
from orgs.people.permissions import Action, authorize
from orgs.records.pipeline import STAGES, TOTAL, Period, Pipeline, audit_view, pipeline
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme, SchemeRepository

HIDDEN = "[hidden]"
#: What a hidden cell says in a report: never "<5", which would tell primary from secondary.
HIDDEN_NOTE = (
    f"{HIDDEN}: not shown, to protect people in small groups (fewer than five), or because it "
    "could otherwise be worked out from the totals."
)


@dataclass(frozen=True)
class ProgrammeReport:
    scheme: Scheme
    period: Period
    generated_at: datetime
    headline: list[tuple[str, str]]
    meetings_by_month: list[tuple[str, int]]
    pipelines: list[Pipeline]
    evaluations: list[QuestionnaireResult]
    outcomes: dict[str, int | None]


async def build_report(
    session: AsyncSession, scheme: Scheme, period: Period, now: datetime
) -> ProgrammeReport:
    health = await scheme_health(session, scheme.org_id, scheme.id, now)
    rows = [r for r in health.rows if period.holds(r.started_on) or r.ended_at is None]
    headline = [
        ("Relationships started in the period", str(sum(period.holds(r.started_on) for r in rows))),
        (
            "Relationships active now",
            str(sum(r.state is not RelationshipState.ENDED for r in health.rows)),
        ),
        ("Meetings held in the period", str(_held(health.held_by_month, period))),
        ("Time release used (hours, all relationships)", f"{health.hours_used:g}"),
        ("Time release budget (hours, all relationships)", f"{health.hours_budget:g}"),
    ]
    pipelines = [
        await pipeline(session, scheme, c, SchemeRole.MENTEE, period)
        for c in await monitored(session, scheme.org_id)
    ]
    return ProgrammeReport(
        scheme,
        period,
        now,
        headline,
        [(m, n) for m, n in health.held_by_month if _month_in(m, period)],
        pipelines,
        await scheme_results(session, scheme.org_id, scheme.id),
        await outcome_counts(session, scheme.org_id, scheme.id),
    )


def _month_in(month: str, period: Period) -> bool:
    start = period.start.strftime("%Y-%m") if period.start else None
    end = period.end.strftime("%Y-%m") if period.end else None
    return (start is None or month >= start) and (end is None or month <= end)


def _held(by_month: list[tuple[str, int]], period: Period) -> int:
    return sum(n for m, n in by_month if _month_in(m, period))


async def view_report(
    session: AsyncSession,
    who: Actor,
    scheme_id: uuid.UUID,
    period: Period,
    now: datetime,
    fmt: str,
) -> ProgrammeReport:
    """The report for ``who`` (coordinators and HR directors only), audited as a view."""
    authorize(who, Action.READ_EQUALITY)
    scheme = await SchemeRepository(session, who.org_id).get(scheme_id)
    report = await build_report(session, scheme, period, now)
    audit_view(session, who, scheme, f"programme report ({fmt})", period)
    return report


def _cell(value: int | float | None) -> str:
    return HIDDEN if value is None else f"{value:g}"


def _label(key: str) -> str:
    return key.replace("outcome_", "outcome: ").replace("_", " ")


# --- CSV ------------------------------------------------------------------------------------


def report_csv(report: ProgrammeReport) -> str:
    """One figure a line: section, characteristic, category, measure, value."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "characteristic", "category", "measure", "value"])
    w.writerow(["scheme", "", "", "name", report.scheme.name])
    w.writerow(["scheme", "", "", "period", report.period.label])
    for label, value in report.headline:
        w.writerow(["headline", "", "", label, value])
    for month, held in report.meetings_by_month:
        w.writerow(["meetings held", "", "", month, held])
    for p in report.pipelines:
        for row in p.rows:
            for column, count in row.counts.items():
                w.writerow(["pipeline", p.characteristic.value, row.category, column, _cell(count)])
            for rate, percent in row.rates.items():
                w.writerow(["rate %", p.characteristic.value, row.category, rate, _cell(percent)])
    for kind, count in report.outcomes.items():
        w.writerow(["outcomes", "", "", kind, _cell(count)])
    for result in report.evaluations:
        measure = f"{result.title} ({result.audience.value}, {result.stage.value}) responses"
        w.writerow(
            ["evaluation", "", "", measure, HIDDEN if result.suppressed else result.responses]
        )
    return out.getvalue()


# --- HTML for the PDF -----------------------------------------------------------------------

_CSS = """
@page { size: A4 landscape; margin: 15mm 12mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; color: #0b0c0c; }
h1 { font-size: 18pt; } h2 { font-size: 13pt; margin-top: 14pt; }
table { border-collapse: collapse; margin: 6pt 0; }
th, td { border: 1px solid #b1b4b6; padding: 2pt 4pt; text-align: right; font-size: 8pt; }
th[scope=row] { text-align: left; }
caption { text-align: left; font-weight: bold; padding-bottom: 3pt; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _bar_chart(title: str, bars: list[tuple[str, int]]) -> str:
    """A labelled SVG bar chart; the same figures are in the table beside it."""
    if not bars:
        return ""
    top = max(n for _, n in bars) or 1
    height = 22 * len(bars) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="480" height="{height}" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
    ]
    for i, (label, n) in enumerate(bars):
        y = 5 + 22 * i
        width = int(300 * n / top)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="9">{_e(label)}</text>'
            f'<rect x="160" y="{y}" width="{width}" height="16" fill="#1d70b8"/>'
            f'<text x="{165 + width}" y="{y + 14}" font-size="9">{n}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _pipeline_table(p: Pipeline, columns: list[str], what: str) -> str:
    head = "".join(f'<th scope="col">{_e(_label(c))}</th>' for c in columns)
    body = []
    for row in p.rows:
        cells = "".join(f"<td>{_cell(row.counts[c])}</td>" for c in columns)
        body.append(f'<tr><th scope="row">{_e(_label(row.category))}</th>{cells}</tr>')
    caption = f"{what} of mentees by {_label(p.characteristic.value)}"
    return (
        f'<table><caption>{_e(caption)}</caption><thead><tr><th scope="col">category</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _pipeline_section(p: Pipeline) -> str:
    stages = [c for c in p.columns if c in STAGES]
    rest = [c for c in p.columns if c not in STAGES]
    total = next(r for r in p.rows if r.category == TOTAL)
    bars = [(_label(c), n) for c in stages if (n := total.counts[c]) is not None]
    return "".join(
        [
            f"<h2>Who the scheme reached, by {_e(_label(p.characteristic.value))}</h2>",
            _bar_chart(f"Mentees at each stage ({_label(p.characteristic.value)})", bars),
            _pipeline_table(p, stages, "Pipeline"),
            _pipeline_table(p, rest, "Outcomes and workforce") if rest else "",
        ]
    )


def report_html(report: ProgrammeReport) -> str:
    title = f"Programme report: {report.scheme.name}"
    parts = [
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{_e(title)}'
        f"</title><style>{_CSS}</style></head><body><h1>{_e(title)}</h1>",
        f"<p>Period: {_e(report.period.label)}. Generated {report.generated_at:%d %B %Y}.</p>",
        f"<p>{_e(HIDDEN_NOTE)}</p>",
        "<h2>At a glance</h2><table><caption>Headline figures</caption><tbody>",
        *(f'<tr><th scope="row">{_e(k)}</th><td>{_e(v)}</td></tr>' for k, v in report.headline),
        "</tbody></table>",
        "<h2>Meetings held each month</h2>",
        _bar_chart("Meetings held each month", report.meetings_by_month) or "<p>None yet.</p>",
    ]
    parts += [_pipeline_section(p) for p in report.pipelines]
    parts.append("<h2>Outcomes</h2><table><caption>Outcomes recorded</caption><tbody>")
    parts += [
        f'<tr><th scope="row">{_e(_label(k))}</th><td>{_cell(v)}</td></tr>'
        for k, v in report.outcomes.items()
    ]
    parts.append("</tbody></table><h2>Evaluations</h2>")
    for result in report.evaluations:
        answered = HIDDEN if result.suppressed else str(result.responses)
        parts.append(f"<p>{_e(result.title)} ({result.audience.value}): {answered} responses.</p>")
    parts.append("</body></html>")
    return "".join(parts)


def report_pdf(report: ProgrammeReport) -> bytes:
    """Tagged PDF (PDF/UA-1): headings, tables and the document language for screen readers.
    CPU-bound: adapters call it in a worker thread."""
    from weasyprint import HTML  # imported here: it loads Pango, which only reports need

    pdf = HTML(string=report_html(report)).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)
