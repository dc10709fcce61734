"""deploy/monitoring: the alert rules and the dashboard ask only for metrics the node exports
(a renamed metric would leave an alert that never fires), and the alerts the issue asks for
exist."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import AsyncTestClient
from msgspec.structs import replace
from prometheus_client.parser import text_string_to_metric_families

from network.app import create_app
from network.config import Settings
from tests import services
from tests.integration.operations.test_metrics import BEARER, TOKEN

MONITORING = Path(__file__).parents[3] / "deploy" / "monitoring"
METRIC = re.compile(r"\bmentornet_[a-z0-9_]+\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


@pytest.fixture
async def exported(settings: Settings) -> set[str]:
    """Every sample name a scrape of a node can hold: each family, with its type's suffixes
    (a family is listed even before its first sample)."""
    app: Litestar = create_app(replace(settings, metrics_token=TOKEN))
    async with AsyncTestClient(app, base_url=services.BASE_URL) as client:
        response = await client.get("/metrics", headers=BEARER)
    assert response.status_code == 200
    return {
        family.name + suffix
        for family in text_string_to_metric_families(response.text)
        if family.name.startswith("mentornet_")
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


async def test_every_alert_asks_for_metrics_the_node_exports(exported: set[str]) -> None:
    rules = alert_rules()
    for rule in rules:
        names = set(METRIC.findall(rule["expr"]))
        assert names, rule["alert"]
        assert names <= exported, (rule["alert"], names - exported)
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]
    wanted = {
        "MentorNetPeerUnreachable",
        "MentorNetDeadLetters",
        "MentorNetFeedStale",
        "MentorNetJobLag",
    }
    assert wanted <= {rule["alert"] for rule in rules}


async def test_every_dashboard_panel_asks_for_metrics_the_node_exports(
    exported: set[str],
) -> None:
    queries = dashboard_queries()
    assert len(queries) >= 10
    asked = {name for query in queries for name in METRIC.findall(query)}
    assert asked <= exported, asked - exported
    # And every family the node exports is on the dashboard somewhere.
    families = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in exported}
    shown = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in asked}
    assert families - shown <= {"mentornet_node_gauges_up"}, families - shown
