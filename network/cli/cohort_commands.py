"""``mentornet cohort``: offline what-if matching from a spreadsheet export, and stored cohort
runs of a scheme (run, publish).

`match` touches no database, so the database side (SQLAlchemy, orgs) is imported only by the
commands that use it: an offline run starts in a fraction of a second.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click
import msgspec

from network.cli.context import CliContext, fail, pass_cli

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from orgs.pairing.cohort_runs import CohortRunOut

READ_BYTES = 8 << 20  # the score grid is read and parsed this much at a time


@click.group()
def cohort() -> None:
    """Cohort matching."""


@cohort.command("match")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON with mentees, mentors and optional scores, forbidden and pinned pairs.",
)
@click.option(
    "--scores",
    "scores_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV score grid instead of the input's `scores`: a header of mentor ids, then a line "
    "per mentee (id, then a score 0..100 or nothing for each mentor). Fast for large cohorts.",
)
@click.option(
    "--output",
    "output_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the result JSON (pairs, waiting list, totals).",
)
@click.option(
    "--mode",
    type=click.Choice(["optimal", "stable"]),
    default=None,
    help="optimal: most mentees matched, then highest total score (exact). "
    "stable: mentee-proposing, no blocking pair. Default: the input's mode, else optimal.",
)
def match(input_path: Path, scores_path: Path | None, output_path: Path, mode: str | None) -> None:
    """A what-if cohort run: reads --input (and --scores), writes --output, touches no
    database."""
    from matching.errors import MatchingError, ScoreFileError
    from matching.offline import run_offline

    try:
        grid = None if scores_path is None else _chunks(scores_path)
        result = run_offline(input_path.read_bytes(), mode, grid)
    except ScoreFileError as exc:
        fail(f"{scores_path}: {exc}")
    except MatchingError as exc:
        fail(f"{input_path}: {exc}")
    output_path.write_bytes(result + b"\n")
    click.echo(f"wrote {output_path}")


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(READ_BYTES):
            yield chunk


def _print_run(view: CohortRunOut) -> None:
    click.echo(
        f"cohort run {view.id} ({view.state.value}, {view.mode.value}, min score "
        f"{view.min_score}): {view.matched} matched, total score {view.total_score}, "
        f"{len(view.waiting)} waiting; {view.mentors} mentors, {view.seats} seats"
    )
    for p in view.pairs:
        flag = " (pinned)" if p.pinned else " (moved)" if p.moved else ""
        click.echo(f"  {p.mentee_name} → {p.mentor_name}: {p.score}{flag}")
    for w in view.waiting:
        click.echo(f"  waiting: {w.mentee_name}: {w.reason}")
    for s in view.skipped:
        click.echo(f"  left out: {s.mentee_name}: {s.reason}")


@cohort.command("run")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.option("--scheme", "scheme_slug", required=True, help="The scheme's slug.")
@click.option(
    "--mode",
    type=click.Choice(["optimal", "stable"]),
    default="optimal",
    show_default=True,
    help="optimal: most mentees matched, then highest total score. stable: no blocking pair.",
)
@click.option(
    "--min-score",
    type=click.IntRange(0, 100),
    default=0,
    show_default=True,
    help="Pairs scoring below this are never made.",
)
@click.option(
    "--include-network",
    is_flag=True,
    help="Also the mentors of the org's networks' other organisations (their cards).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON (the API's shape).")
@pass_cli
def run_command(
    cli: CliContext,
    *,
    slug: str,
    scheme_slug: str,
    mode: str,
    min_score: int,
    include_network: bool,
    as_json: bool,
) -> None:
    """Run cohort matching for a scheme's cleared applicants; stored as a draft to adjust
    (through the API) and publish."""
    from federation.cohort_pool import network_pool
    from matching.assignment import Mode
    from network.cli.staff_commands import org_id_of
    from network.federation.wiring import node_id
    from orgs.db import utcnow
    from orgs.pairing.cohort_runs import CohortRunService, RunIn
    from orgs.people.actor import Actor
    from orgs.schemes.schemes import SchemeService

    here = node_id(cli.settings)

    async def work(session: AsyncSession) -> CohortRunOut:
        org_id = await org_id_of(session, slug)
        scheme = await SchemeService(session, org_id).by_slug(scheme_slug)
        service = CohortRunService(session, org_id)
        now = utcnow()
        data = RunIn(mode=Mode(mode), min_score=min_score, include_network=include_network)
        pool = await network_pool(session, org_id, now, here) if include_network else None
        found = await service.run(Actor.operator(org_id), scheme.id, data, now, pool)
        return await service.view(found)

    view = cli.run(work)
    if as_json:
        click.echo(msgspec.json.format(msgspec.json.encode(view)).decode())
    else:
        _print_run(view)


@cohort.command("publish")
@click.option("--org", "slug", required=True, help="The organisation's slug.")
@click.argument("run_id", type=click.UUID)
@pass_cli
def publish_command(cli: CliContext, slug: str, run_id: uuid.UUID) -> None:
    """Publish a draft run: each pair becomes a request from the mentee to the mentor (to their
    card, through the outbox, for a mentor of another organisation of the network)."""
    from federation.cohort_pool import CardAsk
    from federation.relationship_outbox import outbox_sink
    from network.cli.staff_commands import org_id_of
    from network.federation.wiring import node_id
    from orgs.db import utcnow
    from orgs.models import Org
    from orgs.pairing.cohort_runs import CohortRunService
    from orgs.people.actor import Actor

    here = node_id(cli.settings)

    async def work(session: AsyncSession) -> CohortRunOut:
        org_id = await org_id_of(session, slug)
        org = await session.get(Org, org_id)
        assert org is not None
        service = CohortRunService(session, org_id)
        now = utcnow()
        ask = CardAsk(session, org, now, here)
        run = await service.publish(Actor.operator(org_id), run_id, outbox_sink(session), now, ask)
        return await service.view(run)

    view = cli.run(work)
    sent = [p for p in view.proposals if p.request_id]
    click.echo(f"published cohort run {view.id}: {len(sent)} of {len(view.proposals)} proposed")
    for p in view.proposals:
        if p.request_id is None:
            click.echo(f"  not proposed: {p.mentee_name} → {p.mentor_name}: {p.problem}")
