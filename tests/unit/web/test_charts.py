"""The SVG charts: values become bar lengths, small groups are suppressed, labels escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from network.web import charts
from network.web.charts import BAR_AREA, Bar, bar_chart, shown

SVG = "{http://www.w3.org/2000/svg}"


def bars(markup: str) -> list[int]:
    root = ET.fromstring(str(markup))
    return [int(r.attrib["width"]) for r in root.iter(f"{SVG}rect")]


def texts(markup: str) -> list[str]:
    root = ET.fromstring(str(markup))
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_values_become_bar_lengths_against_the_largest() -> None:
    svg = bar_chart("c", "Counts", [Bar("a", 10), Bar("b", 5), Bar("c", 20)])
    assert bars(svg) == [BAR_AREA // 2, BAR_AREA // 4, BAR_AREA]
    assert texts(svg) == ["a", "10", "b", "5", "c", "20"]


def test_groups_under_five_are_suppressed_and_do_not_set_the_scale() -> None:
    svg = bar_chart("c", "Counts", [Bar("few", 4), Bar("many", 8), Bar("none", 0)])
    assert bars(svg) == [BAR_AREA]  # only "many" has a bar; zero has none either
    assert texts(svg) == ["few", "fewer than 5", "many", "8", "none", "0"]
    assert "fewer than 5" in svg
    assert ">4<" not in svg
    assert shown(None, 10).suppressed  # suppressed upstream (the service said None)
    assert shown(1, 10).text == "fewer than 5"


def test_title_and_desc_name_the_chart_for_assistive_technology() -> None:
    svg = charts.pipeline_funnel("funnel", [12, 10, 9, 7, 6, 2])
    root = ET.fromstring(str(svg))
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-labelledby"] == "funnel-title funnel-desc"
    assert root.find(f"{SVG}title").text == "Pipeline: from application to completion"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert desc == (
        "Applied: 12; Eligible: 10; Approved: 9; Matched: 7; Active: 6; Completed: fewer than 5"
    )


def test_labels_are_escaped() -> None:
    svg = bar_chart('x"><script>', "<b>Title</b>", [Bar("<script>alert(1)</script> & co", 7)])
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
    assert texts(svg)[0] == "<script>alert(1)</script> & co"  # well-formed, read back intact


def test_supply_and_demand_draws_two_bars_per_topic_with_a_legend() -> None:
    svg = charts.supply_and_demand("t", [("Housing", 10, 20), ("Finance", 3, 6)])
    # two legend squares, then Housing 10 / 20, Finance: 3 suppressed, 6 drawn
    assert bars(svg) == [14, 14, BAR_AREA // 2, BAR_AREA, round(BAR_AREA * 6 / 20)]
    assert "Finance: Mentors offering fewer than 5, Mentees wanting 6" in svg


def test_time_release_is_hours_not_people_so_nothing_is_suppressed() -> None:
    svg = charts.time_release("r", 1.5, 12)
    assert texts(svg) == ["Hours used", "1.5 h", "Hours budgeted", "12 h"]
    assert bars(svg) == [round(BAR_AREA * 1.5 / 12), BAR_AREA]


def test_outcomes_suppressed_by_the_service_say_so() -> None:
    svg = charts.evaluation_outcomes("o", [("Promoted", None), ("New role", 6)])
    assert re.findall(r"fewer than 5", str(svg))
    assert bars(svg) == [BAR_AREA]


def test_no_inline_style_anywhere() -> None:
    svg = charts.cross_org_share("s", 9, 6) + charts.meeting_activity("m", [("May 2026", 5)])
    assert "style" not in svg
