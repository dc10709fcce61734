"""Signed-in suggestions over HTTP on a seeded node, beside ``/health/live`` on the same server.

Run as ``python -m benchmarks.bench_suggestions [--staff N] [--mentors N] [--cards N]``. Seeds a
scratch database ``mentornet_bench_<namespace>suggestions`` on the server of
``MENTORNET_TEST_DATABASE_URL`` (dropped and created afresh): one org with ``--staff`` people in
a management tree, ``--mentors`` approved mentors (some with live relationships, some paused),
``--mentees`` approved mentees (some with never-again pairs), and ``--cards`` live cards from a
peer. Each mentee gets a real server-side session in the Redis of ``MENTORNET_TEST_REDIS_URL``.
Then ``mentornet serve`` (one Granian worker) is started and an async client asks:

- closed loop at 1, 16 and 64 connections, for suggestions and for ``/health/live``;
- open loop at ``--rate`` requests a second (the target: p95 < 50 ms at 200 req/s per worker),
  latency counted from each request's scheduled start, so queueing shows.

``--code DIR`` serves another checkout (e.g. ``/work/main``) on the same seeded database, for a
before/after in one run. The client shares the machine's cores with the server and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.bench_import import export
from benchmarks.scratch_database import dsn, recreate
from federation import wire
from federation.peer_registry import Peer
from federation.remote_cards import RemoteCard
from matching.taxonomy import TOPICS
from network import migrate
from network.app import build_runtime
from network.config import Settings, to_environ
from network.db import create_engine, create_sessionmaker
from network.sso.flow import SsoRuntime
from orgs.mentoring.relationship_states import RelationshipState
from orgs.mentoring.relationships import NeverAgainPair, Relationship
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member
from orgs.people.profiles import MenteeProfileRow, MentorProfileRow
from orgs.records.staff_import import StaffImporter
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec

REPO = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("MENTORNET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PEER = "https://peer.example"
PEER_ORGS = ["nch", "derby", "leics", "notts", "lincs"]
REGIONS = ["east-midlands", "west-midlands", "london", "north-west"]
SECTORS = ["housing", "council", "nhs"]
LANGUAGES = ["en", "pl", "ur", "pa"]
TIMEOUT_S = 10.0


@dataclass
class Seeded:
    org_slug: str
    scheme_slug: str
    cookie_name: str
    sessions: list[str]


def topics(rng: random.Random, low: int, high: int, top: int) -> dict[str, int]:
    chosen = rng.sample(sorted(TOPICS), rng.randint(low, high))
    return {topic: rng.randint(1, top) for topic in chosen}


def mentor_row(rng: random.Random, org_id: object, member: Member) -> MentorProfileRow:
    today = datetime.now(UTC).date()
    return MentorProfileRow(
        org_id=org_id,
        member_id=member.id,
        topics=topics(rng, 2, 6, 3),
        capacity=rng.randint(1, 3),
        paused_until=today + timedelta(days=30) if rng.random() < 0.05 else None,
        meeting_modes=rng.choice([["in_person"], ["remote"], ["in_person", "remote"]]),
        region=rng.choice(REGIONS),
        languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
        sector=rng.choice(SECTORS),
        seniority_band=rng.randint(1, 9),
        open_to_other_orgs=rng.random() < 0.5,
    )


def card(rng: random.Random) -> wire.Card:
    low = rng.randint(1, 8)
    return wire.Card(
        handle=secrets.token_urlsafe(32),
        org=rng.choice(PEER_ORGS),
        topics=tuple(
            wire.TopicOffer(topic=t, level=lvl) for t, lvl in topics(rng, 2, 6, 3).items()
        ),
        band=wire.BandRange(low=low, high=min(9, low + rng.randint(0, 2))),
        region=rng.choice(REGIONS),
        sector=rng.choice(SECTORS),
        meeting_modes=rng.choice([("remote",), ("in_person", "remote")]),
        free_slots=rng.choice(["1", "2-3", "4+"]),
        languages=tuple(rng.sample(LANGUAGES, 1)),
    )


def application(org_id: object, scheme_id: object, member: Member, role: SchemeRole) -> Application:
    return Application(
        org_id=org_id,
        scheme_id=scheme_id,
        member_id=member.id,
        role=role,
        state=AppState.APPROVED,
        eligible=True,
        eligibility_reasons=[],
    )


def relationship(
    org_id: object, mentee: Member, mentor: Member, state: RelationshipState
) -> Relationship:
    return Relationship(
        org_id=org_id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        state=state,
        planned_end_on=datetime.now(UTC).date() + timedelta(days=180),
    )


async def seed_people(session: AsyncSession, args: argparse.Namespace) -> list[Member]:
    """The org, its staff, mentors and mentees; returns the mentees."""
    org = await OrgRegistry(session).create("bench", "Benchmark Council")
    scheme = await SchemeService(session, org.id).create(
        SchemeSpec(slug="mentoring", name="Mentoring")
    )
    await set_policy(session, org.id, SharingPolicy(cross_org=True))
    await StaffImporter(session, org.id).run(export(args.staff))
    staff = list(await session.scalars(select(Member).where(Member.org_id == org.id)))
    rng = random.Random(5)
    rng.shuffle(staff)
    mentors, mentees = staff[: args.mentors], staff[args.mentors : args.mentors + args.mentees]
    for member in mentors:
        session.add(mentor_row(rng, org.id, member))
        session.add(application(org.id, scheme.id, member, SchemeRole.MENTOR))
    for member in mentees:
        session.add(
            MenteeProfileRow(
                org_id=org.id,
                member_id=member.id,
                topics=topics(rng, 2, 5, 5),
                region=rng.choice(REGIONS),
                languages=["en"],
            )
        )
        session.add(application(org.id, scheme.id, member, SchemeRole.MENTEE))
    others = staff[args.mentors + args.mentees :]
    for mentor in rng.sample(mentors, len(mentors) * 3 // 10):  # capacity in use
        session.add(relationship(org.id, rng.choice(others), mentor, RelationshipState.ACTIVE))
    for mentee in mentees[: len(mentees) // 5]:  # never again, after an ended pairing
        mentor = rng.choice(mentors)
        ended = relationship(org.id, mentee, mentor, RelationshipState.ENDED)
        session.add(ended)
        await session.flush()
        session.add(
            NeverAgainPair(
                org_id=org.id, relationship_id=ended.id, mentee_id=mentee.id, mentor_id=mentor.id
            )
        )
    return mentees


def seed_cards(session: AsyncSession, count: int) -> None:
    rng = random.Random(9)
    session.add(
        Peer(
            node_id=PEER,
            name="MentorNet East Midlands",
            keys=[],
            document={"orgs": [{"slug": s, "display_name": s.upper()} for s in PEER_ORGS]},
            document_iat=0,
        )
    )
    expires = datetime.now(UTC) + timedelta(days=1)
    for _ in range(count):
        value = card(rng)
        session.add(
            RemoteCard(
                peer=PEER,
                handle=value.handle,
                org=value.org,
                card=msgspec.to_builtins(value),
                expires_at=expires,
            )
        )


async def seed(settings: Settings, args: argparse.Namespace) -> Seeded:
    engine = create_engine(settings, statement_timeout=False)
    async with create_sessionmaker(engine)() as session, session.begin():
        mentees = await seed_people(session, args)
        seed_cards(session, args.cards)
    await engine.dispose()
    runtime = build_runtime(settings)
    sso = SsoRuntime.build(settings, runtime)
    sessions = []
    for mentee in mentees:
        made = await sso.sessions.create(
            member_id=mentee.id,
            org_id=mentee.org_id,
            org_slug="bench",
            issuer="https://idp.example",
            id_token=None,
            replacing=None,
        )
        sessions.append(made.id)
    await runtime.close()
    return Seeded("bench", "mentoring", sso.cookies.session, sessions)


async def analyze(url: str) -> None:
    """Statistics as a node that has been running has them (autovacuum would, later)."""
    connection = await asyncpg.connect(dsn(url))
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


# --- the load --------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


class Connection:
    """A bare HTTP/1.1 keep-alive client: httpx costs more CPU per request than the server
    under test does for ``/health/live``, and the client shares the machine's cores."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, headers: dict[str, str]) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{lines}\r\n".encode())
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
            found = {k.strip().lower(): v.strip() for k, v in fields.items()}
            if found.get(b"transfer-encoding") == b"chunked":
                while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            else:
                await reader.readexactly(int(found.get(b"content-length", b"0")))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            raise
        return int(head[9:12])

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


class Pool:
    """``size`` connections, each used by one request at a time."""

    def __init__(self, port: int, size: int) -> None:
        self.free: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(size):
            self.free.put_nowait(Connection("127.0.0.1", port))

    async def get(self, path: str, headers: dict[str, str]) -> int:
        connection = await self.free.get()
        try:
            return await asyncio.wait_for(connection.get(path, headers), TIMEOUT_S)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            connection.close()
            return 0
        finally:
            self.free.put_nowait(connection)

    def close(self) -> None:
        while not self.free.empty():
            self.free.get_nowait().close()


Ask = Callable[[Pool, int], Awaitable[bool]]


def asker(path: str, seeded: Seeded | None) -> Ask:
    async def ask(pool: Pool, n: int) -> bool:
        headers = {}
        if seeded is not None:
            cookie = seeded.sessions[n % len(seeded.sessions)]
            headers["cookie"] = f"{seeded.cookie_name}={cookie}"
        return await pool.get(path, headers) == 200

    return ask


async def timed(ask: Ask, pool: Pool, n: int, start: float, run: Run) -> None:
    if await ask(pool, n):
        run.latencies.append(time.perf_counter() - start)
    else:
        run.failures += 1


async def closed_loop(port: int, label: str, ask: Ask, connections: int, seconds: float) -> Run:
    """``connections`` clients, each asking again as soon as it has its answer."""
    run = Run(label, seconds, [], 0)
    pool = Pool(port, connections)
    counter = iter(range(10**9))
    started = time.perf_counter()

    async def one_client() -> None:
        while time.perf_counter() - started < seconds:
            await timed(ask, pool, next(counter), time.perf_counter(), run)

    await asyncio.gather(*(one_client() for _ in range(connections)))
    run.seconds = time.perf_counter() - started
    pool.close()
    return run


async def open_loop(port: int, label: str, ask: Ask, rate: float, seconds: float) -> Run:
    """Requests started on a fixed schedule whatever the answers take (at most 64 at once:
    beyond that a request waits for a connection, and the wait counts in its latency)."""
    run = Run(label, seconds, [], 0)
    pool = Pool(port, 64)
    started = time.perf_counter()
    tasks = []
    for n in range(int(rate * seconds)):
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(timed(ask, pool, n, due, run)))
    await asyncio.gather(*tasks)
    pool.close()
    return run


# --- the server ------------------------------------------------------------------------------


def serve(
    settings: Settings, port: int, code: Path, *, workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {**os.environ, **to_environ(settings), "PYTHONPATH": str(code)}
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from network.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=code,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_live(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("the server exited before it answered")
        pool = Pool(port, 1)
        answered = await pool.get("/health/live", {})
        pool.close()
        if answered == 200:
            return
        await asyncio.sleep(0.1)
    raise SystemExit("the server did not answer /health/live within 30 s")


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f} ms"


def row(run: Run) -> str:
    return (
        f"| {run.label} | {run.rate:,.1f} | {ms(run.percentile(0.5))} | "
        f"{ms(run.percentile(0.95))} | {run.failures} |"
    )


WARM_S = 20.0


async def warm(port: int, ask: Ask, sessions: int) -> None:
    """Every mentee once (a worker's steady state), within ``WARM_S``: slow code gets less."""
    pool = Pool(port, 1)
    started = time.perf_counter()
    for n in range(sessions):
        if not await ask(pool, n):
            raise SystemExit("suggestions failed while warming up")
        if time.perf_counter() - started > WARM_S:
            break
    pool.close()


async def one_run(
    settings: Settings, code: Path, seeded: Seeded, args: argparse.Namespace, plan: Plan
) -> Run:
    """One measurement on a server of its own: requests a slow server has not finished
    (answers past the timeout) must not slow down the next measurement."""
    label, path, connections = plan
    server = serve(settings, args.port, code)
    try:
        await wait_live(args.port, server)
        ask = asker(path, seeded if path != "/health/live" else None)
        if path != "/health/live":
            await warm(args.port, ask, len(seeded.sessions))
        if connections is None:
            return await open_loop(args.port, label, ask, args.rate, args.seconds)
        return await closed_loop(args.port, label, ask, connections, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)


Plan = tuple[str, str, int | None]  # label, path, connections (None: the open loop)


def plans(name: str, seeded: Seeded, args: argparse.Namespace) -> list[Plan]:
    suggestions = f"/api/v1/me/suggestions?scheme={seeded.scheme_slug}"
    found: list[Plan] = []
    for connections in args.connections:
        found.append((f"{name}: /health/live, {connections} conn.", "/health/live", connections))
        found.append((f"{name}: suggestions, {connections} conn.", suggestions, connections))
    found.append((f"{name}: suggestions at {args.rate:.0f} req/s", suggestions, None))
    return found


def ratios(runs: list[Run], connections: list[int], rate: float) -> None:
    by_label = {run.label: run for run in runs}
    for name in sorted({run.label.split(":")[0] for run in runs}):
        for c in connections:
            live = by_label[f"{name}: /health/live, {c} conn."]
            ours = by_label[f"{name}: suggestions, {c} conn."]
            print(f"{name}: suggestions / live at {c} conn.: {ours.rate / live.rate:.1%}")
        paced = by_label[f"{name}: suggestions at {rate:.0f} req/s"]
        p95 = paced.percentile(0.95)
        met = p95 is not None and p95 < 0.050 and paced.failures == 0
        verdict = "met" if met else "NOT met"
        print(f"{name}: p95 at {rate:.0f} req/s: {ms(p95)} (target < 50 ms: {verdict})")


async def main(args: argparse.Namespace) -> None:
    url = await recreate("suggestions")
    settings = Settings(
        database_url=url,
        redis_url=REDIS,
        log_level="WARNING",
        outbox_worker=False,  # nothing to deliver; the request path alone is measured
        jobs_worker=False,
        # The limiter stays on, so its Redis round trip is in the figures, but the load
        # generator's few sessions never reach it.
        rate_limit_session="1000000/minute",
        rate_limit_token="1000000/minute",
    )
    await asyncio.to_thread(migrate.upgrade, settings)
    started = time.perf_counter()
    seeded = await seed(settings, args)
    await analyze(url)
    print(
        f"seeded {args.staff:,} staff, {args.mentors:,} mentors, {args.mentees} mentees, "
        f"{args.cards:,} remote cards in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    print("\n| run | req/s | p50 | p95 | failed or > 10 s |\n|---|---|---|---|---|")
    runs: list[Run] = []
    for code in [REPO, *(Path(c) for c in args.code)]:
        for plan in plans(f"{code.name}", seeded, args):
            run = await one_run(settings, code, seeded, args, plan)
            print(row(run), flush=True)
            runs.append(run)
    print()
    ratios(runs, args.connections, args.rate)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=1_000)
    parser.add_argument("--mentees", type=int, default=50)
    parser.add_argument("--cards", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per run")
    parser.add_argument("--rate", type=float, default=200.0, help="the open loop's req/s")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--code", action="append", default=[], help="also serve this checkout (a before/after)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
