"""Staff imports that run as jobs: a large export is stored (``queued``), a worker claims it
(``running``), checks every row (saying how far it has got), then writes it in one transaction
that also marks it ``done``; any bad row and it ends ``failed`` with every error, having
written nothing. The file is kept only until the import ends.

A claim is a lease: the worker that holds it renews ``heartbeat_at`` with each progress report,
and every write it makes names its claim token, so a worker that lost its claim (it stalled
past the lease and another took over) can change nothing. An import whose worker died is
claimed again once the lease runs out, at most :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec
from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    and_,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, deferred, mapped_column

from orgs.audit import ActorRef
from orgs.db import Base, JSONType, OrgOwned, enum_column, utcnow
from orgs.records.staff_import import ImportReport
from orgs.repository import OrgRepository

#: A claim not renewed for this long is taken to be a dead worker's.
LEASE = timedelta(minutes=5)
#: Claims of one import before it is failed (a file that stops every worker that runs it).
MAX_ATTEMPTS = 3


class ImportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class StaffImportJob(OrgOwned, Base):
    __tablename__ = "staff_imports"
    __table_args__ = (Index("ix_staff_imports_state_created_at", "state", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    state: Mapped[ImportState] = mapped_column(enum_column(ImportState), default=ImportState.QUEUED)
    dry_run: Mapped[bool] = mapped_column(default=False)
    #: The export as sent, until the import ends. Deferred: status reads never load it.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    #: The org's column mapping when the file was sent (our field → their header).
    columns: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rows_total: Mapped[int | None] = mapped_column(default=None)
    rows_checked: Mapped[int] = mapped_column(default=0)
    rows_written: Mapped[int] = mapped_column(default=0)
    #: The :class:`ImportReport` once ended: counts when done, every row error when failed.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    claim: Mapped[uuid.UUID | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)


class StaffImportView(msgspec.Struct, frozen=True):
    """An import as its org's admins see it (never the file)."""

    id: uuid.UUID
    state: ImportState
    dry_run: bool
    #: Data rows in the file; null until a worker has counted them.
    rows_total: int | None
    rows_checked: int
    rows_written: int
    #: When ``done``: the counts, as the import answers when it runs at once. When ``failed``
    #: because of the file: every error by row and column (nothing was written).
    report: ImportReport | None
    detail: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


QUEUED_DETAIL = "Waiting for a worker."


class StaffImports(OrgRepository[StaffImportJob]):
    model = StaffImportJob
    noun = "staff import"

    def queue(
        self, content: bytes, columns: dict[str, str], who: ActorRef, *, dry_run: bool
    ) -> StaffImportJob:
        return self.add(
            StaffImportJob(
                state=ImportState.QUEUED,
                dry_run=dry_run,
                content=content,
                columns=dict(columns),
                rows_checked=0,
                rows_written=0,
                detail=QUEUED_DETAIL,
                created_by_id=who.member_id,
                created_by=who.label[:200],
                created_at=utcnow(),
                attempts=0,
            )
        )

    async def recent(self, limit: int = 5) -> Sequence[StaffImportJob]:
        query = self.select().order_by(StaffImportJob.created_at.desc()).limit(limit)
        return (await self.session.scalars(query)).all()


async def forget_ended(session: AsyncSession, now: datetime, keep: timedelta) -> int:
    """Delete the imports of every org that ended more than ``keep`` ago (a job): their errors
    quote the file (emails, the names in a cycle)."""
    result = await session.execute(
        delete(StaffImportJob).where(StaffImportJob.finished_at < now - keep)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- the worker's side: node-wide, each write naming its claim ------------------------------


@dataclass(frozen=True)
class Claim:
    """One worker's hold on one import, with what it needs to run it but the file."""

    job_id: uuid.UUID
    org_id: uuid.UUID
    token: uuid.UUID
    columns: dict[str, str]
    dry_run: bool

    @classmethod
    def of(cls, job: StaffImportJob) -> Claim:
        assert job.claim is not None
        return cls(job.id, job.org_id, job.claim, dict(job.columns), job.dry_run)


def _claimable(now: datetime) -> Any:
    stale = and_(
        StaffImportJob.state == ImportState.RUNNING, StaffImportJob.heartbeat_at < now - LEASE
    )
    return or_(StaffImportJob.state == ImportState.QUEUED, stale)


async def claim_next(session: AsyncSession, now: datetime) -> Claim | None:
    """Claim the oldest import waiting (or left by a dead worker), skipping those another
    worker is claiming; the caller commits at once. One claimed :data:`MAX_ATTEMPTS` times
    already is failed instead. Cheap when nothing waits: app workers ask every second."""
    while True:
        query = (
            select(StaffImportJob)
            .where(_claimable(now))
            .order_by(StaffImportJob.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        job = (await session.scalars(query)).first()
        if job is None:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            _end(job, ImportState.FAILED, now, None, _STOPPED.format(n=job.attempts))
            await session.flush()
            continue
        job.state = ImportState.RUNNING
        job.claim = uuid.uuid4()
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.rows_checked = job.rows_written = 0
        job.detail = "Checking the file."
        await session.flush()
        return Claim.of(job)


async def held_claim(session: AsyncSession, job_id: uuid.UUID, token: uuid.UUID) -> Claim | None:
    """The claim ``token`` on an import, if it is still held (how a worker hands its claim to
    the process that runs the import)."""
    job = await session.scalar(
        select(StaffImportJob).where(
            StaffImportJob.id == job_id,
            StaffImportJob.claim == token,
            StaffImportJob.state == ImportState.RUNNING,
        )
    )
    return Claim.of(job) if job is not None else None


async def claimed_file(session: AsyncSession, claim: Claim) -> bytes | None:
    """The export of a claimed import; None if the claim is no longer held."""
    return await session.scalar(select(StaffImportJob.content).where(_held(claim)))


_STOPPED = (
    "The import stopped {n} times before it could finish; nothing was imported. "
    "Send the file again, or ask the node's operator."
)


def _end(
    job: StaffImportJob, state: ImportState, now: datetime, report: ImportReport | None, detail: str
) -> None:
    job.state = state
    job.report = msgspec.to_builtins(report) if report is not None else None
    job.detail = detail
    job.finished_at = now
    job.content = None
    job.claim = None


def _held(claim: Claim) -> Any:
    return and_(
        StaffImportJob.id == claim.job_id,
        StaffImportJob.org_id == claim.org_id,
        StaffImportJob.claim == claim.token,
        StaffImportJob.state == ImportState.RUNNING,
    )


async def _update_held(session: AsyncSession, held: Claim, /, **values: Any) -> bool:
    result = await session.execute(
        update(StaffImportJob)
        .where(_held(held))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def record_progress(
    session: AsyncSession, claim: Claim, now: datetime, **counts: Any
) -> bool:
    """Store how far the import is (``rows_total``, ``rows_checked``, ``rows_written``,
    ``detail``) and renew the lease; False if the claim is no longer held."""
    return await _update_held(session, claim, heartbeat_at=now, **counts)


async def finish(
    session: AsyncSession,
    claim: Claim,
    now: datetime,
    state: ImportState,
    report: ImportReport | None,
    detail: str,
) -> bool:
    """End the import (done or failed) and drop the file; False if the claim is not held.
    A done import is finished in the transaction that wrote its rows."""
    return await _update_held(
        session,
        claim,
        state=state,
        report=msgspec.to_builtins(report) if report is not None else None,
        detail=detail,
        finished_at=now,
        heartbeat_at=now,
        content=None,
        claim=None,
    )


async def release(session: AsyncSession, claim: Claim, *, attempt_used: bool = False) -> bool:
    """Give the import back to the queue (its worker is stopping, or the database failed under
    it); it starts again from the first row with the next worker, as nothing was written. A
    stop does not count as an attempt; a failure does (``attempt_used``)."""
    return await _update_held(
        session,
        claim,
        state=ImportState.QUEUED,
        claim=None,
        heartbeat_at=None,
        rows_checked=0,
        rows_written=0,
        attempts=StaffImportJob.attempts - (0 if attempt_used else 1),
        detail=QUEUED_DETAIL,
    )
