"""Entry point and top-level commands."""

from __future__ import annotations

import importlib

import click

from network.cli.context import CliContext

# Commands that start without the rest: `cohort match` is an offline run of the pure engine, and
# importing the web stack (Litestar, SQLAlchemy, the demo) for it cost seconds per run.
_ALONE = {"cohort": "network.cli.cohort_commands"}


def _register_all(group: click.Group) -> None:
    from network.cli.application_commands import application
    from network.cli.cohort_commands import cohort
    from network.cli.db_commands import db
    from network.cli.demo_command import demo
    from network.cli.eligibility_commands import eligibility
    from network.cli.federation_commands import federation, keys, peer
    from network.cli.mentoring_commands import jobs, mentoring
    from network.cli.org_commands import org
    from network.cli.scheme_commands import scheme
    from network.cli.serve_command import serve
    from network.cli.staff_commands import chain, import_staff, org_settings, role_group

    for command in (serve, db, demo, org, eligibility, scheme, application, keys, cohort):
        group.add_command(command)
    for command in (peer, federation, jobs, mentoring):
        group.add_command(command)
    for command in (import_staff, org_settings, role_group, chain):
        org.add_command(command)


class _LazyGroup(click.Group):
    """Imports the command modules when a command is looked up, not when the CLI starts."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in _ALONE:
                self.add_command(getattr(importlib.import_module(_ALONE[cmd_name]), cmd_name))
            else:
                _register_all(self)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _register_all(self)
        return super().list_commands(ctx)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="mentornet")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """MentorNet node: federated mentoring for public-sector organisations.

    Settings come from MENTORNET_* environment variables (see the README).
    """
    ctx.ensure_object(CliContext)


def main() -> None:
    cli(prog_name="mentornet")
