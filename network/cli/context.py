"""What every command shares: settings read once (lazily, so ``--help`` always works),
a way to run one unit of work, and one way to report errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from federation.errors import FederationError
from network.config import Settings, SettingsError, load_settings
from orgs.errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


@dataclass
class CliContext:
    preset: Settings | None = None
    _settings: Settings | None = field(default=None, init=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = self.preset or load_settings(os.environ)
            except SettingsError as exc:
                for problem in exc.problems:
                    click.echo(f"error: {problem}", err=True)
                sys.exit(2)
        return self._settings

    def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` in one transaction: committed if it returns, rolled back if it raises."""
        import asyncio  # with the database: not imported by offline commands

        from federation.local_delivery import settle
        from network.db import create_engine, create_sessionmaker

        settings = self.settings

        async def go() -> T:
            engine = create_engine(settings, statement_timeout=False)
            try:
                async with create_sessionmaker(engine, settings)() as session:
                    async with session.begin():
                        result = await work(session)
                    await settle(session)  # what it queued for this node's own orgs
                    return result
            finally:
                await engine.dispose()

        try:
            return asyncio.run(go())
        except (DomainError, FederationError) as exc:
            fail(exc.detail)


pass_cli = click.make_pass_decorator(CliContext, ensure=True)


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
