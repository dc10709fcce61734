"""The Kubernetes manifests say what the node does: these checks tie them to the code, so a
renamed setting, health route or CLI command breaks the build rather than the cluster.

(Schema validity and the IaC scan run in `make manifests`.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from network.app import create_app
from network.cli.main import cli
from network.config import Settings, load_settings

K8S = Path(__file__).resolve().parents[3] / "deploy" / "k8s"


def _documents() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        documents.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return documents


def _one(kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in _documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    (container,) = containers
    return container


def _env(workload: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in _container(workload).get("env", [])}


def _pod_labels(deployment: str) -> dict[str, str]:
    labels: dict[str, str] = _one("Deployment", deployment)["spec"]["template"]["metadata"][
        "labels"
    ]
    return labels


WORKLOADS = [
    ("Deployment", "mentornet-web"),
    ("Deployment", "mentornet-worker"),
    ("Job", "mentornet-migrate"),
]


def test_every_object_lives_in_the_node_namespace() -> None:
    for doc in _documents():
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "mentornet", doc["metadata"]["name"]


def test_the_web_role_runs_no_background_loops_and_the_worker_role_runs_them() -> None:
    assert _env(_one("Deployment", "mentornet-web")) == {
        "MENTORNET_OUTBOX_WORKER": "off",
        "MENTORNET_JOBS_WORKER": "off",
    }
    assert _env(_one("Deployment", "mentornet-worker")) == {
        "MENTORNET_OUTBOX_WORKER": "on",
        "MENTORNET_JOBS_WORKER": "on",
    }


def test_the_service_routes_to_web_pods_only() -> None:
    selector = _one("Service", "mentornet-web")["spec"]["selector"]
    web_labels = _pod_labels("mentornet-web")
    worker_labels = _pod_labels("mentornet-worker")
    assert selector.items() <= web_labels.items()
    assert not selector.items() <= worker_labels.items()


def test_probes_use_the_health_routes_the_app_serves() -> None:
    app = create_app(Settings(secret_key="k" * 48, outbox_worker=False, jobs_worker=False))
    served = {route.path for route in app.routes}
    for name in ("mentornet-web", "mentornet-worker"):
        container = _container(_one("Deployment", name))
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["path"] in served, (name, probe)
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"


@pytest.mark.parametrize(("kind", "name"), WORKLOADS)
def test_every_workload_runs_a_real_cli_command(kind: str, name: str) -> None:
    container = _container(_one(kind, name))
    program, *args = container["args"]
    assert program == "mentornet"
    command = [a for a in args if not a.startswith("-")][:2]
    help_run = CliRunner().invoke(cli, [*command, "--help"])
    assert help_run.exit_code == 0, help_run.output


def test_every_workload_runs_the_same_image() -> None:
    images = {_container(_one(kind, name))["image"] for kind, name in WORKLOADS}
    assert len(images) == 1


@pytest.mark.parametrize(("kind", "name"), WORKLOADS)
def test_containers_are_non_root_and_read_only(kind: str, name: str) -> None:
    workload = _one(kind, name)
    security = _container(workload)["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["runAsNonRoot"] is True
    assert workload["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


def test_the_settings_in_the_config_map_are_ones_the_node_accepts() -> None:
    data = _one("ConfigMap", "mentornet-settings")["data"]
    secrets = {  # what docs/operations.md tells the operator to put in mentornet-secrets
        "MENTORNET_SECRET_KEY": "s" * 48,
        "MENTORNET_DATABASE_URL": "postgresql://mentornet:pw@db:5432/mentornet",
        "MENTORNET_REDIS_URL": "redis://redis:6379/0",
    }
    settings = load_settings({**data, **secrets})
    assert settings.is_prod
    assert settings.base_url == data["MENTORNET_BASE_URL"]
