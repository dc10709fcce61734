"""The demo network at work (issue 18, item 7): a cohort run of a brent scheme that includes
harrow's mentors (same node, through node A's own feed), and one round of network figures from
both nodes, so the network report has numbers.

The run is of brent's second scheme, "Mentoring across the network", which has brent's demo
mentee and no brent mentors of its own: in brent's main scheme its own mentors, whose profiles
say more than a card may (k-anonymity), always outscore harrow's cards, so a run there would show
no pair across organisations.

The run is left as a draft: publishing it sends a request in the demo mentee's name, which is
the coordinator's decision to make (and to try in the demo); the draft already shows the pairs,
their scores and explanations, and which mentors are from other organisations. Running it again
changes nothing: a run is seeded only while the scheme has none, and figures are sent only when
the last ones are older than a day (``network_reports.EVERY``), as the jobs pass sends them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.cohort_pool import network_pool
from federation.relationship_outbox import outbox_sink
from network.demo.events import relay
from network.runtime import Runtime
from orgs.pairing.cohort_runs import CohortRunService, RunIn
from orgs.people.actor import Actor
from orgs.people.members import MemberRepository
from orgs.records.network_reports import send_due
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import Scheme, SchemeService, SchemeSpec

NETWORK_SCHEME = SchemeSpec(
    slug="network-mentoring",  # after "mymentor": brent's first scheme stays the main one
    name="Mentoring across the network (Brent)",
    description="Brent's mentees, with mentors from the network's other organisations.",
)


async def _network_scheme(session: AsyncSession, org_id: uuid.UUID) -> Scheme:
    """The scheme, with brent's demo mentee an approved mentee applicant of it."""
    service = SchemeService(session, org_id)
    scheme = await service.create(NETWORK_SCHEME)
    for member in await MemberRepository(session, org_id).list():
        if (member.attributes or {}).get("demo_role") == "mentee":
            ApplicationRepository(session, org_id).add(
                Application(
                    scheme_id=scheme.id,
                    member_id=member.id,
                    role=SchemeRole.MENTEE,
                    state=AppState.APPROVED,
                    eligible=True,
                    eligibility_reasons=["demo data: approved by the line manager"],
                    decision_reason="demo data",
                    service_delivery_considered=True,
                )
            )
    await session.flush()
    return scheme


async def seed_demo_cohort_run(a: Runtime, a_url: str) -> None:
    """brent's network scheme, run with the network's mentors: a draft for its coordinator.
    harrow's cards must be in node A's own feed already (``refresh_here``)."""
    async with a.sessionmaker() as session, session.begin():
        brent = await OrgRegistry(session).get("brent")
        found = await session.scalar(
            select(Scheme.id).where(Scheme.org_id == brent.id, Scheme.slug == NETWORK_SCHEME.slug)
        )
        if found is not None:
            return
        scheme = await _network_scheme(session, brent.id)
        now = datetime.now(UTC)
        pool = await network_pool(session, brent.id, now, a_url)
        await CohortRunService(session, brent.id).run(
            Actor.operator(brent.id),
            scheme.id,
            RunIn(include_network=True),
            now,
            pool,
        )


async def seed_demo_figures(a: Runtime, a_url: str, b: Runtime, b_url: str) -> int:
    """One round of each member org's figures, counted and suppressed on its own node and
    handed to the other; how many orgs' figures were sent."""
    sent = 0
    for runtime, url in ((a, a_url), (b, b_url)):
        async with runtime.sessionmaker() as session, session.begin():
            sent += await send_due(session, url, datetime.now(UTC), outbox_sink(session))
    await relay(a, a_url, b, b_url)
    await relay(b, b_url, a, a_url)
    return sent
