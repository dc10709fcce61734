"""Fixtures of the relationship tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.relationships.mail import Smtp


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.start()
    yield server
    server.stop()
