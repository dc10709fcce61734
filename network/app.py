"""The composition root: ``create_app`` builds the one Litestar app of a node."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from federation.candidate_cache import CandidateCache
from network.cache import create_redis
from network.config import Settings, load_settings
from network.db import create_engine, create_sessionmaker
from network.federation.delivery import delivery_loop, feed_loop
from network.federation.replay_store import MemoryReplayCache, RedisReplayCache
from network.http.actor import provide_actor
from network.http.applications_api import ApplicationsController
from network.http.body_guard import BodyGuard
from network.http.cohort_runs_api import CohortRunsController
from network.http.dependencies import provide_db, provide_principal
from network.http.email_wording_api import EmailWordingController
from network.http.equality_api import EqualityController
from network.http.events_api import EventsController
from network.http.feed_api import cards
from network.http.follow_ups_api import FollowUpsController
from network.http.health import live, ready
from network.http.inbox_api import inbox
from network.http.json_limits import BoundedRequest
from network.http.me_api import MeController
from network.http.mentoring_admin_api import CoordinationController
from network.http.mentoring_api import (
    MyMentoringController,
    RelationshipsController,
    RequestsController,
)
from network.http.metrics_api import metrics
from network.http.network_reports_api import NetworkReportsController
from network.http.networks_api import NetworksController
from network.http.node_document_api import node_document
from network.http.openapi import fix_options_allow, openapi_config
from network.http.orgs_api import OrgsController
from network.http.problems import EXCEPTION_HANDLERS
from network.http.profiles_api import ProfilesController, list_topics
from network.http.request_context import RequestContext
from network.http.review_points_api import ReviewPointsController
from network.http.schemes_api import SchemesController
from network.http.sharing_api import SharingController
from network.http.sign_in_api import ROUTE_HANDLERS as SSO_ROUTE_HANDLERS
from network.http.staff_api import StaffController
from network.http.suggestions_api import suggestions
from network.import_worker import imports_loop
from network.jobs import jobs_loop
from network.logs import configure_logging
from network.metrics import instrument_pool, worker_stopped
from network.rate_limits import RateLimits
from network.runtime import Runtime
from network.web.errors import with_pages
from network.web.routes import template_config, web_routes

VERSION = "0.1.0"


def build_runtime(settings: Settings) -> Runtime:
    engine = create_engine(settings)
    redis = create_redis(settings)
    sessions = create_sessionmaker(engine, settings)
    pool_size = settings.db_pool_size if not settings.uses_sqlite else 0
    instrument_pool(engine, pool_size)
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=sessions,
        redis=redis,
        replay=RedisReplayCache(redis) if redis is not None else MemoryReplayCache(),
        candidates=CandidateCache(sessions, here=settings.base_url),
        limits=RateLimits.build(settings, redis),
        pool_size=pool_size,
    )


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app. Given no settings (an ASGI server's factory call), read the environment."""
    settings = settings or load_settings(os.environ)
    configure_logging(settings)
    runtime = build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The runtime is read from the app's state, not from this closure, so whoever runs the
        # app (a test that reuses one app object) may give it a fresh runtime before it starts.
        runtime = Runtime.of(app.state)
        worker = asyncio.create_task(delivery_loop(runtime)) if settings.outbox_worker else None
        feeds = asyncio.create_task(feed_loop(runtime)) if settings.outbox_worker else None
        jobs = (
            asyncio.create_task(jobs_loop(runtime.sessionmaker, settings))
            if settings.jobs_worker
            else None
        )
        # Staff imports have a quick loop of their own: the mentoring jobs' minute is too long
        # to wait for an import someone has just sent.
        imports = (
            asyncio.create_task(imports_loop(runtime.sessionmaker, settings))
            if settings.jobs_worker
            else None
        )
        try:
            yield
        finally:
            for task in (worker, feeds, jobs, imports):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await runtime.close()
            worker_stopped()

    app = Litestar(
        route_handlers=[
            live,
            ready,
            metrics,
            node_document,
            inbox,
            cards,
            list_topics,
            suggestions,
            OrgsController,
            ProfilesController,
            SharingController,
            NetworksController,
            EventsController,
            NetworkReportsController,
            StaffController,
            SchemesController,
            EmailWordingController,
            ApplicationsController,
            MeController,
            RequestsController,
            RelationshipsController,
            MyMentoringController,
            CoordinationController,
            CohortRunsController,
            EqualityController,
            FollowUpsController,
            ReviewPointsController,
            *SSO_ROUTE_HANDLERS,
            *web_routes(),
        ],
        dependencies={
            "db": Provide(provide_db),
            "principal": Provide(provide_principal),
            "actor": Provide(provide_actor),
        },
        exception_handlers=with_pages(EXCEPTION_HANDLERS),
        template_config=template_config(),
        state=State({"runtime": runtime}),
        lifespan=[lifespan],
        request_max_body_size=settings.max_body_bytes,
        request_class=BoundedRequest,
        openapi_config=openapi_config(VERSION),
        debug=False,
    )
    fix_options_allow(app)
    # Routing errors (404/405) get a request id and an access log too; outside that, the body
    # deadline, so the access log sees the status of a request whose client left.
    app.asgi_handler = BodyGuard(RequestContext(app.asgi_handler), settings.body_timeout_s)
    return app
