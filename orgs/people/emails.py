"""What a notification email looks like when it leaves the node (pure: no I/O).

The outbox keeps what an email says (text, the page it is about, a digest's entries, a calendar
object); :func:`email_message` renders it when it is sent, with the node's public base URL, so
that every link is absolute and points at a page of the recipient's own node. Headers: ``Date``
(when it was sent) and ``Message-ID`` (RFC 5322; one per outbox row, so a retry after a lost
reply is recognisably the same message), ``From`` naming the sender's organisation.

A meeting's invitation or cancellation travels as RFC 6047 (iMIP) expects: a ``text/calendar``
alternative with the iTIP ``method`` parameter, and the same object attached as ``invite.ics``
for clients that only look at attachments (the shape Outlook and Google send themselves).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any
from urllib.parse import urlsplit

import icalendar

FOOTER = (
    "You can choose immediate emails or a daily digest in your MentorNet notification settings."
)


@dataclass(frozen=True)
class Sender:
    """Who an email is from: the organisation, the node's sending address, its public URL."""

    org_name: str
    address: str  # "no-reply@node.example" or a display form of it
    base_url: str

    def absolute(self, link: str) -> str:
        """``link`` is a path on this node (``/orgs/brent/...``); "" stays ""."""
        return f"{self.base_url.rstrip('/')}{link}" if link else ""

    @property
    def from_header(self) -> str:
        return formataddr((f"{self.org_name} via MentorNet", parseaddr(self.address)[1]))

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"


@dataclass(frozen=True)
class DigestItem:
    subject: str
    text: str
    link: str = ""

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> DigestItem:
        return cls(str(value["subject"]), str(value["text"]), str(value.get("link", "")))


def _page(title: str, inner: str, org_name: str) -> str:
    return (
        '<!doctype html><html lang="en"><body style="font-family: Arial, sans-serif">'
        f'<h1 style="font-size: 1.3em">{html.escape(title)}</h1>{inner}'
        f'<p style="color: #505a5f">Sent by MentorNet for {html.escape(org_name)}. '
        f"{FOOTER}</p></body></html>"
    )


def _paragraphs(text: str) -> str:
    return "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n") if p
    )


def _anchor(url: str, words: str = "Open MentorNet") -> str:
    return f'<p><a href="{html.escape(url, quote=True)}">{words}</a></p>' if url else ""


def text_body(text: str, url: str, org_name: str) -> str:
    more = f"\n\nOpen MentorNet: {url}" if url else ""
    return f"{text}{more}\n\n-- \nSent by MentorNet for {org_name}. {FOOTER}\n"


def html_body(subject: str, text: str, url: str, org_name: str) -> str:
    return _page(subject, _paragraphs(text) + _anchor(url), org_name)


def digest_text(items: Sequence[DigestItem], sender: Sender) -> str:
    blocks = [
        f"{i.subject}\n{i.text}" + (f"\n{sender.absolute(i.link)}" if i.link else "") for i in items
    ]
    return text_body("\n\n".join(blocks), "", sender.org_name)


def digest_html(subject: str, items: Sequence[DigestItem], sender: Sender) -> str:
    entries = "".join(
        f"<li><strong>{html.escape(i.subject)}</strong><br>{html.escape(i.text)}"
        + (
            f'<br><a href="{html.escape(sender.absolute(i.link), quote=True)}">Open</a>'
            if i.link
            else ""
        )
        + "</li>"
        for i in items
    )
    return _page(subject, f"<ul>{entries}</ul>", sender.org_name)


def with_organiser(calendar: str, sender: Sender, url: str) -> tuple[bytes, str]:
    """The calendar object with the node's address as its ORGANIZER (iTIP requires one; the
    people are its attendees) and the page it is about as its URL, and its METHOD."""
    cal = icalendar.Calendar.from_ical(calendar)
    organiser = icalendar.vCalAddress(f"mailto:{parseaddr(sender.address)[1]}")
    organiser.params["CN"] = icalendar.vText(sender.org_name)
    for event in cal.walk("VEVENT"):
        event["ORGANIZER"] = organiser
        if url:
            event["URL"] = icalendar.vUri(url)
            event["DESCRIPTION"] = icalendar.vText(f"Open MentorNet: {url}")
    return cal.to_ical(), str(cal["METHOD"])


@dataclass(frozen=True)
class Outgoing:
    """One email as the outbox keeps it."""

    id: uuid.UUID
    to: str
    subject: str
    text: str
    link: str = ""
    digest: Sequence[DigestItem] = ()
    calendar: str = ""


def email_message(mail: Outgoing, sender: Sender, sent_at: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender.from_header
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<{mail.id}@{sender.host}>"
    if mail.digest:
        message.set_content(digest_text(mail.digest, sender))
        message.add_alternative(digest_html(mail.subject, mail.digest, sender), subtype="html")
        return message
    url = sender.absolute(mail.link)
    message.set_content(text_body(mail.text, url, sender.org_name))
    message.add_alternative(
        html_body(mail.subject, mail.text, url, sender.org_name), subtype="html"
    )
    if mail.calendar:
        ics, method = with_organiser(mail.calendar, sender, url)
        message.add_alternative(
            ics.decode(), subtype="calendar", params={"method": method}, charset="utf-8"
        )
        message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return message
