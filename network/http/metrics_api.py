"""``GET /metrics``: the node's Prometheus metrics, for a scraper holding the metrics token.

Never public: without ``MENTORNET_METRICS_TOKEN`` the route answers like any unknown path, and
so does a request without that token; it is not in the OpenAPI document.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from network.gauges import NodeGauges, read_gauges
from network.logs import get_logger
from network.metrics import CONTENT_TYPE, exposition
from network.runtime import Runtime

METRICS_PATH = "/metrics"
log = get_logger("mentornet.metrics")


def _authorised(request: Request[Any, Any, Any], token: str | None) -> bool:
    if token is None:
        return False
    given = request.headers.get("authorization", "").encode("latin-1")
    return hmac.compare_digest(given, f"Bearer {token}".encode())


async def _node_gauges(runtime: Runtime) -> NodeGauges:
    """The database's gauges, or only ``mentornet_node_gauges_up 0`` when it cannot be read:
    the workers' own counters are still worth a scrape."""
    try:
        async with runtime.sessionmaker() as session:
            gauges = await read_gauges(
                session, datetime.now(UTC), mailer=runtime.settings.smtp_url is not None
            )
        up = 1.0
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("metrics_gauges_unread", error=type(exc).__name__)
        gauges, up = NodeGauges(), 0.0
    gauges.families.append(
        GaugeMetricFamily(
            "mentornet_node_gauges_up",
            "1 if this scrape read the node-wide gauges from the database, 0 if it could not.",
            value=up,
        )
    )
    return gauges


@get(METRICS_PATH, include_in_schema=False)
async def metrics(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    runtime = Runtime.of(state)
    if not _authorised(request, runtime.settings.metrics_token):
        raise NotFoundException()  # what the router says of a path it does not know
    body = exposition(await _node_gauges(runtime))
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
