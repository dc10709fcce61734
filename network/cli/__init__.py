"""The ``mentornet`` command line: the node operator's only interface besides config."""

from __future__ import annotations

from network.cli.main import main

__all__ = ["main"]
