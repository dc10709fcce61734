"""A shared node at scale: 50 organisations and 200,000 staff, served by 2 and by 4 web workers.

Run as ``python -m benchmarks.bench_scale [--orgs N] [--staff-per-org N] [--workers 2 4]``. Seeds
a scratch database ``mentornet_bench_<namespace>scale`` on the server of
``MENTORNET_TEST_DATABASE_URL``: ``--orgs`` organisations, each with its own staff import of
``--staff-per-org`` people, a scheme, approved mentors (some busy) and mentees with real
server-side sessions, an org API token, and ``--cards`` live remote cards shared by all.

The roles are split as in ``deploy/k8s``: the web role (``mentornet serve --workers N`` with
delivery and jobs off) takes all the load, and one worker-role process (delivery, feed pulls,
mentoring jobs) runs beside it on the same database, as a cluster would run them. For each
worker count, on the same server and in the same run, an async client measures:

- ``/health/live``: the bare framework, the reference;
- an authenticated read, ``GET /api/v1/orgs/{slug}`` with an org token (a DB-backed read);
- a member's signed-in suggestions, closed loop and open loop at ``--rate`` req/s (p95).

It prints each run and the ratios against ``/health/live``. The client shares the machine's
cores with the servers and PostgreSQL, so absolute figures are lower bounds for a real cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.bench_import import export
from benchmarks.bench_suggestions import (
    REDIS,
    REPO,
    Ask,
    Pool,
    Run,
    analyze,
    application,
    closed_loop,
    mentor_row,
    ms,
    open_loop,
    relationship,
    row,
    seed_cards,
    serve,
    topics,
    wait_live,
)
from benchmarks.scratch_database import recreate
from network import migrate
from network.app import build_runtime
from network.config import Settings
from network.db import create_engine, create_sessionmaker
from network.sso.flow import SsoRuntime
from orgs.mentoring.relationship_states import RelationshipState
from orgs.models import TokenRole
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member
from orgs.people.profiles import MenteeProfileRow
from orgs.records.staff_import import StaffImporter
from orgs.registry import OrgRegistry
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec
from orgs.tokens import TokenService

SCHEME = "mentoring"


@dataclass
class Org:
    slug: str
    token: str
    sessions: list[str]


@dataclass
class Seeded:
    cookie_name: str
    orgs: list[Org]


async def seed_org(
    session: AsyncSession, n: int, args: argparse.Namespace
) -> tuple[Org, list[Member]]:
    """One organisation: its staff, mentors (3 in 10 busy), mentees; returns it and its mentees."""
    slug = f"org{n:02d}"
    org = await OrgRegistry(session).create(slug, f"Organisation {n}")
    scheme = await SchemeService(session, org.id).create(SchemeSpec(slug=SCHEME, name="Mentoring"))
    await set_policy(session, org.id, SharingPolicy(cross_org=True))
    await StaffImporter(session, org.id).run(export(args.staff_per_org))
    staff = list(await session.scalars(select(Member).where(Member.org_id == org.id)))
    rng = random.Random(n)
    rng.shuffle(staff)
    mentors = staff[: args.mentors_per_org]
    mentees = staff[args.mentors_per_org : args.mentors_per_org + args.mentees_per_org]
    others = staff[args.mentors_per_org + args.mentees_per_org :]
    for member in mentors:
        session.add(mentor_row(rng, org.id, member))
        session.add(application(org.id, scheme.id, member, SchemeRole.MENTOR))
    for member in mentees:
        session.add(
            MenteeProfileRow(
                org_id=org.id, member_id=member.id, topics=topics(rng, 2, 5, 5), languages=["en"]
            )
        )
        session.add(application(org.id, scheme.id, member, SchemeRole.MENTEE))
    for mentor in rng.sample(mentors, len(mentors) * 3 // 10):
        session.add(relationship(org.id, rng.choice(others), mentor, RelationshipState.ACTIVE))
    token, _ = await TokenService(session).create(org, TokenRole.ADMIN, "bench")
    return Org(slug, token, []), mentees


async def seed(settings: Settings, args: argparse.Namespace) -> Seeded:
    engine = create_engine(settings, statement_timeout=False)
    sessionmaker = create_sessionmaker(engine)
    orgs: list[tuple[Org, list[Member]]] = []
    for n in range(args.orgs):
        async with sessionmaker() as session, session.begin():
            orgs.append(await seed_org(session, n, args))
    async with sessionmaker() as session, session.begin():
        seed_cards(session, args.cards)
    await engine.dispose()
    runtime = build_runtime(settings)
    sso = SsoRuntime.build(settings, runtime)
    for org, mentees in orgs:
        for mentee in mentees:
            made = await sso.sessions.create(
                member_id=mentee.id,
                org_id=mentee.org_id,
                org_slug=org.slug,
                issuer="https://idp.example",
                id_token=None,
                replacing=None,
            )
            org.sessions.append(made.id)
    await runtime.close()
    return Seeded(sso.cookies.session, [org for org, _ in orgs])


# --- what is asked ---------------------------------------------------------------------------


def ask_live() -> Ask:
    async def ask(pool: Pool, n: int) -> bool:
        return await pool.get("/health/live", {}) == 200

    return ask


def ask_org_read(seeded: Seeded) -> Ask:
    """Each request as another organisation's script: tokens spread over all 50 orgs."""

    async def ask(pool: Pool, n: int) -> bool:
        org = seeded.orgs[n % len(seeded.orgs)]
        headers = {"authorization": f"Bearer {org.token}"}
        return await pool.get(f"/api/v1/orgs/{org.slug}", headers) == 200

    return ask


def ask_suggestions(seeded: Seeded) -> Ask:
    """Each request a member of another organisation (a different mentee each time)."""
    members = [(org, cookie) for org in seeded.orgs for cookie in org.sessions]

    async def ask(pool: Pool, n: int) -> bool:
        _, cookie = members[(n * 7919) % len(members)]
        headers = {"cookie": f"{seeded.cookie_name}={cookie}"}
        return await pool.get(f"/api/v1/me/suggestions?scheme={SCHEME}", headers) == 200

    return ask


# --- the runs --------------------------------------------------------------------------------


def role_settings(settings: Settings, *, web: bool) -> Settings:
    """The web role serves and runs no loop; the worker role runs the loops and takes no load."""
    loops = not web
    return Settings(
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        log_level="WARNING",
        outbox_worker=loops,
        jobs_worker=loops,
        rate_limit_session="1000000/minute",
        rate_limit_token="1000000/minute",
    )


async def warm(port: int, ask: Ask, requests: int) -> None:
    pool = Pool(port, 4)
    await asyncio.gather(*(ask(pool, n) for n in range(requests)))
    pool.close()


async def measure(
    settings: Settings, seeded: Seeded, args: argparse.Namespace, workers: int
) -> list[Run]:
    web = serve(role_settings(settings, web=True), args.port, REPO, workers=workers)
    worker = serve(role_settings(settings, web=False), args.port + 1, REPO)
    runs = []
    try:
        await wait_live(args.port, web)
        await wait_live(args.port + 1, worker)
        members = sum(len(org.sessions) for org in seeded.orgs)
        plans: list[tuple[str, Ask, int | None]] = [
            ("/health/live", ask_live(), args.connections),
            ("org read (token)", ask_org_read(seeded), args.connections),
            ("suggestions", ask_suggestions(seeded), args.connections),
            (f"suggestions at {args.rate * workers:.0f} req/s", ask_suggestions(seeded), None),
        ]
        await warm(args.port, ask_suggestions(seeded), members * workers)
        await warm(args.port, ask_org_read(seeded), len(seeded.orgs) * workers)
        for label, ask, connections in plans:
            name = f"{workers} workers: {label}"
            if connections is None:
                run = await open_loop(args.port, name, ask, args.rate * workers, args.seconds)
            else:
                name += f", {connections} conn."
                run = await closed_loop(args.port, name, ask, connections, args.seconds)
            print(row(run), flush=True)
            runs.append(run)
    finally:
        for process in (web, worker):
            process.terminate()
            process.wait(timeout=30)
    return runs


def summary(workers: int, runs: list[Run], rate: float) -> None:
    live, read, suggestions, paced = runs
    p95 = paced.percentile(0.95)
    print(
        f"{workers} workers: org read / live {read.rate / live.rate:.1%} (target >= 40 %); "
        f"suggestions / live {suggestions.rate / live.rate:.1%}; "
        f"suggestions p95 at {rate:.0f} req/s {ms(p95)} (target < 50 ms: "
        f"{'met' if p95 is not None and p95 < 0.05 and paced.failures == 0 else 'NOT met'})"
    )


async def main(args: argparse.Namespace) -> None:
    url = await recreate("scale")
    settings = Settings(database_url=url, redis_url=REDIS, log_level="WARNING")
    await asyncio.to_thread(migrate.upgrade, settings)
    started = time.perf_counter()
    seeded = await seed(settings, args)
    await analyze(url)
    print(
        f"seeded {args.orgs} orgs × {args.staff_per_org:,} staff "
        f"({args.orgs * args.staff_per_org:,}), {args.orgs * args.mentors_per_org:,} mentors, "
        f"{args.cards:,} remote cards in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    print("\n| run | req/s | p50 | p95 | failed or > 10 s |\n|---|---|---|---|---|")
    results = {workers: await measure(settings, seeded, args, workers) for workers in args.workers}
    print()
    for workers, runs in results.items():
        summary(workers, runs, args.rate * workers)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--staff-per-org", type=int, default=4_000)
    parser.add_argument("--mentors-per-org", type=int, default=20)
    parser.add_argument("--mentees-per-org", type=int, default=2)
    parser.add_argument("--cards", type=int, default=2_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0, help="per run")
    parser.add_argument("--rate", type=float, default=200.0, help="open loop req/s per worker")
    parser.add_argument("--port", type=int, default=8775)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
