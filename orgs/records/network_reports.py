"""Network reports: each member organisation's figures (``orgs.records.network_figures``), sent on a
schedule to every other member node and kept on each, so every member sees the same report.

Suppression happens twice. **At the sender**: counts of 1-4, and any count its own row's sums
would give away, are sent as "not shown", so an exact small number never leaves its node.
**On the combined table**: the rows together satisfy a relation no single row does (every
match given by one member is a match received by another, so Σ given = Σ received), and one
hidden "given" could be worked out from the other rows. Every node therefore audits the
combined table with the same engine (``orgs.records.suppression``) and hides more shown cells
where that is so; the hidden values are not known here, and stand in as small counts. The same
figures give the same table on every node.

Node-wide, like the record: a network belongs to no single org here.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, utcnow
from orgs.errors import NotFound
from orgs.mentoring.remote_events import RemoteEvent, RemoteSink, discard
from orgs.networks.record import NetworkRecord, Standing
from orgs.networks.replica import Replica
from orgs.networks.service import Networks
from orgs.people.actor import Actor
from orgs.people.permissions import Action, authorize
from orgs.records.network_figures import (
    FIGURES,
    KEYS,
    MATCH_PARTS,
    Figures,
    count_figures,
    row_relations,
    suppress_own,
)
from orgs.records.suppression import Cell, Relation, suppress
from orgs.registry import OrgRegistry

#: How often each member org's figures are counted and sent again.
EVERY: Final = timedelta(hours=24)
HIDDEN: Final = "[hidden]"
HIDDEN_NOTE: Final = (
    f"{HIDDEN}: not shown, to protect people in small groups (fewer than five), or because it "
    "could otherwise be worked out from the other figures."
)
_STANDS_IN: Final = 1  # a hidden value, to the combined audit: a small count


class NetworkFigureRow(Base):
    """The latest figures of one member org of one network, as its node sent them."""

    __tablename__ = "network_figures"
    __table_args__ = (UniqueConstraint("network_id", "org_ref"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    network_id: Mapped[str] = mapped_column(String(64))
    #: ``slug@node``: the org whose figures they are.
    org_ref: Mapped[str] = mapped_column(String(300))
    as_of: Mapped[datetime]
    #: figure key -> count, or None when not shown (suppressed at the sender).
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The JWS its node sent ("" for an org of this node).
    signed: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class ReportLine:
    org_ref: str
    name: str
    as_of: datetime | None
    #: figure key -> count shown, or None (hidden, or not received yet).
    figures: Figures


@dataclass(frozen=True)
class FiguresReport:
    network_id: str
    name: str
    lines: list[ReportLine]

    def column(self, key: str) -> list[tuple[str, int | None]]:
        return [(line.name, line.figures[key]) for line in self.lines]


def wire_body(network_id: str, slug: str, as_of: datetime, figures: Figures) -> dict[str, Any]:
    """The fields of ``network.figures``."""
    return {
        "network_id": network_id,
        "org": slug,
        "as_of": int(as_of.timestamp()),
        "figures": dict(figures),
    }


async def _row(session: AsyncSession, network_id: str, org_ref: str) -> NetworkFigureRow | None:
    return await session.scalar(
        select(NetworkFigureRow).where(
            NetworkFigureRow.network_id == network_id, NetworkFigureRow.org_ref == org_ref
        )
    )


async def store(
    session: AsyncSession,
    network_id: str,
    org_ref: str,
    as_of: datetime,
    figures: Figures,
    signed: str = "",
) -> None:
    """Keep the newest figures of ``org_ref``; older ones than those held change nothing."""
    row = await _row(session, network_id, org_ref)
    if row is None:
        session.add(
            NetworkFigureRow(
                network_id=network_id,
                org_ref=org_ref,
                as_of=as_of,
                figures=dict(figures),
                signed=signed,
            )
        )
    elif as_of > row.as_of:
        row.as_of, row.figures, row.signed, row.received_at = as_of, dict(figures), signed, utcnow()
    await session.flush()


async def receive(
    session: AsyncSession,
    network_id: str,
    org_ref: str,
    as_of: datetime,
    figures: Figures,
    signed: str,
) -> None:
    """Figures from a member node (verified and tenancy-checked by the inbox): taken only for
    a network held here of which ``org_ref`` is a member; else 404, as for no such network."""
    record = await Replica(session).current(network_id)
    entry = record.member(org_ref) if record is not None else None
    if entry is None or entry.standing is not Standing.MEMBER:
        raise NotFound("No such network here.")
    await store(session, network_id, org_ref, as_of, figures, signed)


async def send_due(session: AsyncSession, me: str, now: datetime, remote: RemoteSink) -> int:
    """Count, store and send the figures of every member org here whose last ones are older
    than ``EVERY``; how many were sent."""
    sent = 0
    registry = OrgRegistry(session)
    for record in await Replica(session).all_current():
        for member in record.members:
            if member.node != me or member.standing is not Standing.MEMBER:
                continue
            held = await _row(session, record.network_id, member.ref)
            org = await registry.find(member.org)
            if org is None or (held is not None and now - held.as_of < EVERY):
                continue
            figures = suppress_own(await count_figures(session, org.id, org.slug, record, me))
            as_of = now.replace(microsecond=0)  # what the wire carries: every copy the same
            await store(session, record.network_id, member.ref, as_of, figures)
            for node in sorted(_other_nodes(record, me)):
                body = wire_body(record.network_id, org.slug, as_of, figures)
                remote(RemoteEvent("network.figures", node, body))
            sent += 1
    return sent


def _other_nodes(record: NetworkRecord, me: str) -> set[str]:
    return {m.node for m in record.members if m.standing is Standing.MEMBER} - {me}


# --- the combined report ------------------------------------------------------------------------


def combined_relations(refs: list[str]) -> list[Relation]:
    """Each row's sums, and the network's: Σ matches given = Σ matches received."""
    relations = [rel for ref in refs for rel in row_relations(ref)]
    exchange: dict[Cell, int] = {(ref, "matches_given"): 1 for ref in refs}
    exchange.update({(ref, "matches_received"): -1 for ref in refs})
    return [*relations, exchange] if refs else relations


def protect_combined(rows: dict[str, Figures]) -> dict[str, Figures]:
    """Hide shown cells of the combined table that, with the others, would give away a hidden
    one (the subtraction attack across organisations)."""
    refs = sorted(rows)
    audited = ("matches_total", *MATCH_PARTS)
    values = {
        (ref, k): _STANDS_IN if rows[ref][k] is None else int(rows[ref][k] or 0)
        for ref in refs
        for k in audited
    }
    more = suppress(values, combined_relations(refs)).secondary
    return {ref: {k: None if (ref, k) in more else rows[ref][k] for k in KEYS} for ref in refs}


async def figures_report(session: AsyncSession, record: NetworkRecord) -> FiguresReport:
    """The report every member sees: one line per member org, in the record's order."""
    held = {
        r.org_ref: r
        for r in await session.scalars(
            select(NetworkFigureRow).where(NetworkFigureRow.network_id == record.network_id)
        )
    }
    members = [m for m in record.members if m.standing is Standing.MEMBER]
    received = {
        m.ref: {k: held[m.ref].figures.get(k) for k in KEYS} for m in members if m.ref in held
    }
    protected = protect_combined(received)
    lines = [
        ReportLine(
            org_ref=m.ref,
            name=m.display_name,
            as_of=held[m.ref].as_of if m.ref in held else None,
            figures=protected.get(m.ref, dict.fromkeys(KEYS)),
        )
        for m in members
    ]
    return FiguresReport(record.network_id, record.terms.name, lines)


async def view_figures(
    session: AsyncSession, actor: Actor, me: str, network_id: str
) -> FiguresReport:
    """The report, for network coordinators and org admins of a member org (404 for an org
    outside the network, as for a network that does not exist)."""
    authorize(actor, Action.READ_NETWORK_REPORTS)
    _, record = await Networks(session, me, discard).visible(actor, network_id, Standing.MEMBER)
    return await figures_report(session, record)


def cell_text(value: int | None) -> str:
    return HIDDEN if value is None else str(value)


def report_csv(report: FiguresReport) -> str:
    """One line per organisation, one column per figure, as the page's table shows them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Organisation", "Figures as of", *(f.label for f in FIGURES)])
    for line in report.lines:
        writer.writerow(
            [
                line.name,
                line.as_of.isoformat() if line.as_of else "not received yet",
                *(cell_text(line.figures[k]) for k in KEYS),
            ]
        )
    writer.writerow([])
    writer.writerow([HIDDEN_NOTE])
    return out.getvalue()
