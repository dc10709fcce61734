"""Entry point and top-level commands."""

from __future__ import annotations

import click

from network.cli.application_commands import application
from network.cli.cohort_commands import cohort
from network.cli.context import CliContext
from network.cli.db_commands import db
from network.cli.demo_command import demo
from network.cli.eligibility_commands import eligibility
from network.cli.federation_commands import federation, keys, peer
from network.cli.mentoring_commands import jobs, mentoring
from network.cli.org_commands import org
from network.cli.scheme_commands import scheme
from network.cli.serve_command import serve
from network.cli.staff_commands import chain, import_staff, org_settings, role_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="mentornet")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """MentorNet node: federated mentoring for public-sector organisations.

    Settings come from MENTORNET_* environment variables (see the README).
    """
    ctx.ensure_object(CliContext)


cli.add_command(serve)
cli.add_command(db)
cli.add_command(demo)
cli.add_command(org)
org.add_command(import_staff)
org.add_command(org_settings)
org.add_command(role_group)
org.add_command(chain)
cli.add_command(eligibility)
cli.add_command(scheme)
cli.add_command(application)
cli.add_command(keys)
cli.add_command(cohort)
cli.add_command(peer)
cli.add_command(federation)
cli.add_command(jobs)
cli.add_command(mentoring)


def main() -> None:
    cli(prog_name="mentornet")
