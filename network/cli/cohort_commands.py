"""``mentornet cohort``: matching runs a coordinator can do offline, from a spreadsheet export."""

from __future__ import annotations

from pathlib import Path

import click

from matching.errors import MatchingError
from matching.offline import run_offline
from network.cli.context import fail


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
def match(input_path: Path, output_path: Path, mode: str | None) -> None:
    """A what-if cohort run: reads --input, writes --output, touches no database."""
    try:
        result = run_offline(input_path.read_bytes(), mode)
    except MatchingError as exc:
        fail(f"{input_path}: {exc}")
    output_path.write_bytes(result + b"\n")
    click.echo(f"wrote {output_path}")
