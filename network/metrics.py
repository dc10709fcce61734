"""The node's Prometheus instruments (prometheus-client), shared by every worker of a node.

Events are counted where they happen, in the process they happen in. ``mentornet serve`` runs
Granian workers as separate processes, so it gives them one directory to share
(:func:`share_between_workers`, prometheus-client's multiprocess mode): a scrape answered by any
worker then reports the whole node. What is node-wide anyway (outbox depth, dead letters, feed
age, jobs lag) is read from the database at scrape time instead (``network.gauges``).

Labels stay bounded: route templates, not paths; peers the operator pinned; org slugs of orgs
that exist; error codes from fixed lists. Nothing personal is ever a label.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Final

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

#: The text format every Prometheus reads; Litestar adds "; charset=utf-8" to text/* itself.
CONTENT_TYPE: Final = "text/plain; version=0.0.4"
#: prometheus-client's own switch for multiprocess mode, read by the library itself.
MULTIPROC_VARIABLE: Final = "PROMETHEUS_MULTIPROC_DIR"
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED: Final = "unmatched"  # no route: a 404 or 405 from the router

# The *_created series say when a series was first made; multiprocess mode has none, so none here.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Every instrument has labels, so no value exists before its first use: values made in the CLI
# process before it hands the directory to its workers would not be shared.
REQUESTS = Counter(
    "mentornet_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "mentornet_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DB_POOL = Gauge(
    "mentornet_db_pool_connections",
    "Database connections of the node's workers: 'in_use' checked out, 'size' the pool's "
    "steady size (each pool may open as many again in bursts).",
    ["state"],
    multiprocess_mode="livesum",
)
INBOX_MESSAGES = Counter(
    "mentornet_federation_inbox_messages",
    "Peers' messages taken by the inbox: 'stored' new, 'duplicate' a retry acknowledged again.",
    ["outcome"],
)
INBOX_REFUSALS = Counter(
    "mentornet_federation_inbox_refusals",
    "Peers' messages the inbox refused, by the problem type's code.",
    ["reason"],
)
DELIVERIES = Counter(
    "mentornet_federation_deliveries",
    "Outbox delivery attempts by peer and outcome (delivered, refused, unreachable, "
    "undeliverable).",
    ["peer", "outcome"],
)
FEED_PULLS = Counter(
    "mentornet_federation_feed_pulls",
    "Pulls of a peer's card feed by outcome (ok, failed).",
    ["peer", "outcome"],
)
LOOP_PASSES = Counter(
    "mentornet_loop_passes",
    "Passes of the background loops (delivery, jobs) by outcome (ok, failed).",
    ["loop", "outcome"],
)
LOOP_LAST_PASS = Gauge(
    "mentornet_loop_last_pass_timestamp_seconds",
    "When a background loop (delivery, jobs) last finished a pass without failing.",
    ["loop"],
    multiprocess_mode="max",
)
EMAILS = Counter(
    "mentornet_emails",
    "Email send attempts by outcome (sent, failed: retried later, dead: given up).",
    ["outcome"],
)
SIGN_INS = Counter("mentornet_sign_ins", "Members signed in through their org's IdP.", ["org"])
SIGN_IN_REFUSALS = Counter(
    "mentornet_sign_in_refusals",
    "Sign-in callbacks refused, by org and the problem type's code.",
    ["org", "reason"],
)
RATE_LIMITED = Counter(
    "mentornet_rate_limited",
    "Requests refused with 429, by what was limited (token, session, peer, sign_in).",
    ["scope"],
)
RATE_LIMIT_FAULTS = Counter(
    "mentornet_rate_limit_faults",
    "Rate-limit checks that could not reach Redis and let the request through, by scope.",
    ["scope"],
)


def share_between_workers(directory: Path) -> None:
    """Make the worker processes started after this call share ``directory`` (which must be
    new or empty: what is in it counts). prometheus-client chooses how to keep values when it is
    first imported, and the CLI has imported it by now, so the choice is made again here."""
    os.environ[MULTIPROC_VARIABLE] = str(directory)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def is_shared() -> bool:
    return bool(getattr(values.ValueClass, "_multiprocess", False))


def worker_stopped() -> None:
    """Drop this worker's live gauges (its pool) from the node's sum; counters stay."""
    if is_shared():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    label = method_label(method)
    REQUESTS.labels(label, route, str(status)).inc()
    REQUEST_SECONDS.labels(label, route).observe(seconds)


def mark_pass(loop: str, *, ok: bool) -> None:
    LOOP_PASSES.labels(loop, "ok" if ok else "failed").inc()
    if ok:
        LOOP_LAST_PASS.labels(loop).set(time.time())


def instrument_pool(engine: AsyncEngine, pool_size: int) -> None:
    """Count this worker's checked-out connections, and add its pool's size to the node's."""
    in_use = DB_POOL.labels("in_use")
    in_use.inc(0)  # the series exists before the first checkout
    DB_POOL.labels("size").inc(pool_size)

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(*_: Any) -> None:
        in_use.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(*_: Any) -> None:
        in_use.dec()


def pool_disposed(pool_size: int) -> None:
    DB_POOL.labels("size").dec(pool_size)


def exposition(node_wide: Collector) -> bytes:
    """The text a scrape gets: every worker's instruments, then ``node_wide``'s gauges."""
    if is_shared():
        instruments = CollectorRegistry()
        multiprocess.MultiProcessCollector(instruments)  # type: ignore[no-untyped-call]
    else:
        instruments = REGISTRY
    gauges = CollectorRegistry()
    gauges.register(node_wide)
    return generate_latest(instruments) + generate_latest(gauges)
