"""What in-process delivery adds to the transaction that queues a message for an organisation
of the same node (issue 16.4): the time from the start of the transaction until its commit has
returned and (with delivery) the message was taken by the node's own inbox, row locked, inbox
row stored, handler run, row marked delivered, in a second transaction.

Printed: p50, p95 and mean per transaction over N transactions each queueing one
``card.revoke`` for this node (a handler with one DELETE; the inbox path is the same for every
type), with in-process delivery (``create_sessionmaker(engine, settings)`` + ``settle``) and,
as the reference in the same run, the same transaction queueing the same message without it
(``create_sessionmaker(engine)``: it would wait for the delivery loop). The ratio is the cost.

Run as ``python -m benchmarks.bench_local_delivery [--transactions N]``; uses the
scratch database ``mentornet_bench_<namespace>local_delivery``, made afresh.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.bench_outbox import REDIS
from benchmarks.scratch_database import recreate
from federation.inbox import InboxEntry
from federation.local_delivery import settle
from federation.outbox import Outbox, OutboxMessage, OutboxStatus
from network import migrate
from network.config import Settings
from network.db import create_engine, create_sessionmaker
from network.logs import configure_logging
from tests.nodes import handle

ME = "http://127.0.0.1:9"  # this node's id: the peer of every message queued here


@dataclass(frozen=True)
class Run:
    label: str
    seconds: list[float]

    def line(self, reference: Run | None = None) -> str:
        p50 = statistics.median(self.seconds) * 1000
        p95 = statistics.quantiles(self.seconds, n=20)[-1] * 1000
        mean = statistics.fmean(self.seconds) * 1000
        ratio = "1.00×" if reference is None else f"{mean / reference.mean_ms:.2f}×"
        return f"| {self.label} | {p50:.2f} ms | {p95:.2f} ms | {mean:.2f} ms | {ratio} |"

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.seconds) * 1000


async def queue_one(sessions: async_sessionmaker[AsyncSession]) -> float:
    started = time.perf_counter()
    async with sessions() as session:
        async with session.begin():
            Outbox(session).enqueue(ME, "card.revoke", {"handles": [handle()]})
        await settle(session)  # nothing to wait for without in-process delivery
    return time.perf_counter() - started


async def measure(label: str, sessions: async_sessionmaker[AsyncSession], transactions: int) -> Run:
    for _ in range(20):  # warm the pool and the statement caches
        await queue_one(sessions)
    return Run(label, [await queue_one(sessions) for _ in range(transactions)])


async def main(args: argparse.Namespace) -> None:
    url = await recreate("local_delivery")
    settings = Settings(
        database_url=url,
        redis_url=REDIS,
        base_url=ME,
        log_level="WARNING",
        outbox_worker=False,
        jobs_worker=False,
    )
    configure_logging(settings)
    await asyncio.to_thread(migrate.upgrade, settings)
    engine = create_engine(settings)
    try:
        delivering = create_sessionmaker(engine, settings)
        queueing = create_sessionmaker(engine)
        print(f"in-process delivery: {args.transactions:,} transactions, one message each\n")
        print("| transaction | p50 | p95 | mean | vs queueing only |")
        print("|---|---|---|---|---|")
        reference = await measure("queue only (reference)", queueing, args.transactions)
        print(reference.line(), flush=True)
        local = await measure("queue + deliver in-process", delivering, args.transactions)
        print(local.line(reference), flush=True)
        async with delivering() as session:
            delivered = await session.scalar(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.DELIVERED)
            )
            taken = await session.scalar(select(func.count()).select_from(InboxEntry))
        print(
            f"\nadded per transaction: {local.mean_ms - reference.mean_ms:.2f} ms (mean); "
            f"delivered {delivered:,}, inbox rows {taken:,} (each exactly once)"
        )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1000)
    asyncio.run(main(parser.parse_args()))
