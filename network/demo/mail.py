"""The demo's SMTP sink: a real SMTP server on a loopback port (aiosmtpd) that keeps every
message as an ``.eml`` file, so a demo user can read the notification emails both nodes send."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from network.logs import get_logger

log = get_logger("mentornet.demo.mail")


class SaveToFolder:
    """aiosmtpd handler: one ``.eml`` file per message in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{next(self.counter):04d}.eml"
        data: bytes = envelope.content
        path.write_bytes(data)
        subject = message_from_bytes(data, policy=default).get("Subject", "")
        log.info("demo_mail", to=", ".join(envelope.rcpt_tos), subject=subject, file=str(path))
        return "250 Message accepted for delivery"


def start_sink(folder: Path, port: int) -> Controller:
    controller = Controller(SaveToFolder(folder), hostname="127.0.0.1", port=port)
    controller.start()
    return controller
