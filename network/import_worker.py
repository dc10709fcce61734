"""Staff imports as jobs, off the web workers.

An app worker with the jobs on (``MENTORNET_JOBS_WORKER``) tries every second to claim a
waiting import; when it gets one it starts a child process (``python -m network.import_worker``)
that runs it, then any others waiting, and exits. The child, not the web worker, parses the
file and writes it: a 100,000-row import is tens of seconds of Python that, in the web worker's
event loop (or in a thread of it, through the GIL and the garbage collector's pauses), would
hold up every other request of that worker. The child's memory is given back when it exits.
``mentornet jobs run-once`` runs the same imports in its own process.

One run: claim (committed at once), check every row a chunk at a time (progress committed
after each chunk), then write in one transaction that also marks the import done, so a failed
import changes nothing. Row locks (SKIP LOCKED) and claim tokens keep each import to one
worker at a time however many there are.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.config import Settings, load_settings, to_environ
from network.db import create_engine, create_sessionmaker
from network.faults import log_pass_failure, store_fault
from network.logs import configure_logging, get_logger
from orgs.db import utcnow
from orgs.records.staff_import import (
    CHUNK_ROWS,
    ImportReport,
    StaffCsvCheck,
    StaffImporter,
    StaffImportFailed,
    count_rows,
)
from orgs.records.staff_import_jobs import (
    Claim,
    ImportState,
    claim_next,
    claimed_file,
    finish,
    held_claim,
    record_progress,
    release,
)

POLL_S = 1.0
#: How long a stopping child may take to give its import back to the queue.
STOP_GRACE_S = 20.0
FAILED_DETAIL = (
    "The import could not be completed because of a fault on the node; nothing was imported. "
    "Send the file again, or ask the node's operator."
)
log = get_logger("mentornet.imports")


class _LostClaim(Exception):
    """Another worker holds the import now (this one stalled past its lease)."""


class _Stopping(Exception):
    """The worker is stopping: give the import back, written or not, nothing is kept."""


def _never() -> bool:
    return False


def done_detail(report: ImportReport) -> str:
    counts = (
        f"{report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.left} left"
    )
    return f"Dry run, nothing saved: {counts}." if report.dry_run else f"Imported: {counts}."


@dataclass
class ImportRun:
    """One claimed import, run to its end. ``stop`` is asked between chunks; ``on_progress``
    is awaited after each progress report is committed."""

    sessionmaker: async_sessionmaker[AsyncSession]
    claim: Claim
    chunk_rows: int = CHUNK_ROWS
    stop: Callable[[], bool] = _never
    on_progress: Callable[[], Awaitable[None]] | None = None

    async def run(self) -> ImportState | None:
        """How the import ended; None if another worker took it over."""
        try:
            return await self._run()
        except _LostClaim:
            log.warning("staff_import_claim_lost", staff_import=str(self.claim.job_id))
            return None
        except _Stopping:
            await self._commit(lambda s: release(s, self.claim))
            return ImportState.QUEUED
        except Exception as exc:
            if store_fault(exc) is not None:
                # The database failed under it: try again later (this attempt counts). If the
                # database cannot even take it back, the claim runs out and it is claimed again.
                log_pass_failure(log, "staff_import_interrupted", exc)
                await self._commit(lambda s: release(s, self.claim, attempt_used=True))
                return ImportState.QUEUED
            log.error(
                "staff_import_error",
                staff_import=str(self.claim.job_id),
                error_type=type(exc).__name__,
                exc_info=exc,
            )
            await self._commit(
                lambda s: finish(s, self.claim, utcnow(), ImportState.FAILED, None, FAILED_DETAIL)
            )
            return ImportState.FAILED

    async def _run(self) -> ImportState:
        claim = self.claim
        async with self.sessionmaker() as session:
            content = await claimed_file(session, claim)
        if content is None:
            raise _LostClaim
        await self._progress(rows_total=count_rows(content))
        check = StaffCsvCheck(content, claim.columns)
        while check.step(self.chunk_rows):
            await self._progress(rows_checked=check.rows_checked)
        rows, errors = check.result()
        writing = "Comparing with the staff records." if claim.dry_run else "Writing the changes."
        checked = check.rows_checked
        await self._progress(rows_total=checked, rows_checked=checked, detail=writing)
        if errors:
            report = ImportReport(errors=errors, dry_run=claim.dry_run)
            detail = StaffImportFailed(report).detail
            await self._commit(
                lambda s: finish(s, claim, utcnow(), ImportState.FAILED, report, detail)
            )
            return ImportState.FAILED
        async with self.sessionmaker() as session, session.begin():
            report = await StaffImporter(session, claim.org_id).apply(
                rows,
                dry_run=claim.dry_run,
                progress=lambda n: self._progress(rows_written=n),
                chunk_rows=self.chunk_rows,
            )
            detail = done_detail(report)
            if not await finish(session, claim, utcnow(), ImportState.DONE, report, detail):
                raise _LostClaim
        return ImportState.DONE

    async def _progress(self, **counts: Any) -> None:
        """Commit how far the import is (in a transaction of its own, so it is seen while the
        rows are being written), renewing the lease."""
        if self.stop():
            raise _Stopping
        async with self.sessionmaker() as session, session.begin():
            if not await record_progress(session, self.claim, utcnow(), **counts):
                raise _LostClaim
        if self.on_progress is not None:
            await self.on_progress()

    async def _commit(self, work: Callable[[AsyncSession], Awaitable[bool]]) -> None:
        async with self.sessionmaker() as session, session.begin():
            await work(session)


@dataclass
class ImportsReport:
    ended: dict[ImportState, int] = field(default_factory=dict)

    def count(self, state: ImportState) -> int:
        return self.ended.get(state, 0)


async def run_queued(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    stop: Callable[[], bool] = _never,
    chunk_rows: int = CHUNK_ROWS,
    first: Claim | None = None,
) -> ImportsReport:
    """Run waiting imports, oldest first (``first`` before them, if given: one already
    claimed), until none is left (or ``stop``)."""
    report = ImportsReport()
    claim = first
    while not stop():
        if claim is None:
            async with sessionmaker() as session, session.begin():
                claim = await claim_next(session, utcnow())
            if claim is None:
                break
        started = time.monotonic()
        state = await ImportRun(sessionmaker, claim, chunk_rows, stop).run()
        log.info(
            "staff_import_ended",
            staff_import=str(claim.job_id),
            state=state.value if state else "taken over",
            seconds=round(time.monotonic() - started, 3),
        )
        if state is not None:
            report.ended[state] = report.ended.get(state, 0) + 1
        claim = None
    return report


# --- in each app worker: start a child when an import waits ---------------------------------


def child_environ(settings: Settings) -> dict[str, str]:
    """The child's environment: our settings, and our code first on its path."""
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))
    return {**os.environ, **to_environ(settings), "PYTHONPATH": path}


async def run_child(settings: Settings, claim: Claim) -> int:
    """Run the claimed import, then any others waiting, in a child process; if cancelled, stop
    the child (it gives its import back to the queue) before passing the cancellation on."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "network.import_worker",
        str(claim.job_id),
        str(claim.token),
        env=child_environ(settings),
    )
    try:
        return await child.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            child.terminate()
        try:
            await asyncio.wait_for(child.wait(), STOP_GRACE_S)
        except TimeoutError:
            child.kill()
            await child.wait()
        raise


async def imports_loop(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, poll_s: float = POLL_S
) -> None:
    """Until cancelled: every ``poll_s``, claim a waiting import, if any, and start a child for
    it. The claim is made here, so that of many workers only the one holding it starts a
    child; a child that never starts leaves its claim to run out (then it is claimed again)."""
    failing = False
    while True:
        await asyncio.sleep(poll_s)
        try:
            async with sessionmaker() as session, session.begin():
                claim = await claim_next(session, utcnow())
            if claim is not None:
                code = await run_child(settings, claim)
                if code != 0:
                    log.error("staff_import_child_failed", exit_code=code)
            failing = False
        except Exception as exc:
            if not failing:  # once per outage, not every second
                log_pass_failure(log, "staff_import_poll_failed", exc)
            failing = True


#: The child's niceness: the web worker that started it comes first for the CPU.
CHILD_NICE = 10


async def _child_main(settings: Settings, job_id: uuid.UUID, token: uuid.UUID) -> None:
    os.nice(CHILD_NICE)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    # No statement timeout: an import's statements are long, and no page waits on them.
    engine = create_engine(settings, statement_timeout=False)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            first = await held_claim(session, job_id, token)
        await run_queued(sessionmaker, stop=stopping.is_set, first=first)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    """``python -m network.import_worker JOB_ID CLAIM_TOKEN``: the child an app worker starts."""
    job_id, token = (uuid.UUID(a) for a in argv)
    settings = load_settings(os.environ)
    configure_logging(settings)
    asyncio.run(_child_main(settings, job_id, token))


if __name__ == "__main__":
    main(sys.argv[1:])
