"""Programme reports (issue 19): the CSV matches the pipeline page, the PDF is tagged and
readable and names nobody, and a scheduled report is sent by the jobs through a real SMTP
server (aiosmtpd) once a month, to its named recipients."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pypdf
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from network.config import Settings
from network.db import create_sessionmaker
from network.jobs import run_once
from orgs.audit import AuditEntry
from orgs.people.members import MemberRepository
from orgs.schemes.schemes import add_months
from tests.integration.network.helpers import assert_problem
from tests.integration.orgs.builders import ApiOrg
from tests.integration.orgs.equality_builders import (
    API,
    ELIGIBLE,
    OFFERED,
    WAITING,
    Client,
    monitoring_org,
    population,
)
from tests.integration.relationships.mail import Smtp


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.start()
    yield server
    server.stop()


async def crafted(client: Client, db: AsyncSession) -> ApiOrg:
    o = await monitoring_org(client, db)
    await population(
        db,
        o,
        [
            ("asian_chinese", 7, OFFERED),
            ("asian_bangladeshi", 3, WAITING),
            ("black_caribbean", 2, ELIGIBLE),
            ("white_other", 6, OFFERED),
            ("white_roma", 4, WAITING),
        ],
    )
    return o


async def names_of(db: AsyncSession, o: ApiOrg) -> list[str]:
    """Every string that names a member of the org."""
    members = await MemberRepository(db, o.org.id).list()
    return [n for m in members for n in (m.given_name, m.family_name, m.email) if n]


def pdf_text(data: bytes) -> tuple[str, pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def structure_types(node: Any, seen: set[str], depth: int = 0) -> set[str]:
    """The structure element types of a tagged PDF (``/H1``, ``/Table``, ``/TH`` …)."""
    node = node.get_object()
    if isinstance(node, pypdf.generic.ArrayObject):
        for item in node:
            structure_types(item, seen, depth + 1)
    elif isinstance(node, pypdf.generic.DictionaryObject) and depth < 40:
        if "/S" in node:
            seen.add(str(node["/S"]))
        if "/K" in node:
            structure_types(node["/K"], seen, depth + 1)
    return seen


def assert_tagged(reader: pypdf.PdfReader) -> None:
    root: Any = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    # Tagged: headings and tables with header cells, for screen readers.
    types = structure_types(root["/StructTreeRoot"], set())
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Caption"} <= types, types


async def test_the_csv_matches_the_page_and_the_pdf_is_tagged_and_names_nobody(
    client: Client, db: AsyncSession
) -> None:
    o = await crafted(client, db)
    page = await client.get(
        f"{API}/schemes/{o.scheme_id}/equality/pipeline",
        params={"characteristic": "ethnic_group"},
        headers=o.as_("COORD"),
    )
    shown = {(r["category"], c): v for r in page.json()["rows"] for c, v in r["counts"].items()}

    response = await client.get(
        f"{API}/schemes/{o.scheme_id}/reports/programme.csv", headers=o.as_("COORD")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    in_csv = {
        (r["category"], r["measure"]): r["value"]
        for r in rows
        if r["section"] == "pipeline" and r["characteristic"] == "ethnic_group"
    }
    assert in_csv == {cell: "[hidden]" if v is None else str(v) for cell, v in shown.items()}
    assert {r["characteristic"] for r in rows if r["section"] == "pipeline"} == {
        "ethnic_group",
        "disability",
        "sex",
    }
    names = await names_of(db, o)
    assert not [n for n in names if n in response.text]

    pdf = await client.get(
        f"{API}/schemes/{o.scheme_id}/reports/programme.pdf", headers=o.as_("HRD")
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    text, reader = pdf_text(pdf.content)
    assert_tagged(reader)
    assert "Programme report: Positive-action pilot" in text
    assert "Pipeline of mentees by ethnic group" in text
    assert "[hidden]" in text
    assert not [n for n in names if n in text]

    # Not for a member or an org admin; nothing is audited for them.
    for who in ("MENTEE", "ADMIN"):
        refused = await client.get(
            f"{API}/schemes/{o.scheme_id}/reports/programme.pdf", headers=o.as_(who)
        )
        assert_problem(refused, 403, "forbidden")
    db.expire_all()
    views = await db.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "equality_figures")
    )
    assert len(views.all()) == 3  # the page, the CSV and the PDF


async def test_a_scheduled_report_is_sent_monthly_through_smtp_by_the_jobs(
    client: Client, db: AsyncSession, engine: AsyncEngine, settings: Settings, smtp: Smtp
) -> None:
    o = await crafted(client, db)
    url = f"{API}/schemes/{o.scheme_id}/report-schedules"
    bad = await client.post(url, json={"recipients": ["not an email"]}, headers=o.as_("COORD"))
    assert bad.status_code == 400
    assert_problem(
        await client.post(url, json={"recipients": ["x@brent.example"]}, headers=o.as_("MENTEE")),
        403,
        "forbidden",
    )
    assert (await client.get(url, headers=o.as_("COORD"))).json() == []

    leaders = ["chief.executive@brent.example", "Board@Brent.example"]
    made = await client.post(url, json={"recipients": leaders}, headers=o.as_("COORD"))
    assert made.status_code == 201, made.text
    schedule = made.json()
    today = datetime.now(UTC).date()
    first = add_months(today.replace(day=1), 1)
    assert schedule["next_send_on"] == first.isoformat()
    assert schedule["recipients"] == ["chief.executive@brent.example", "board@brent.example"]

    sessions = create_sessionmaker(engine)
    before = datetime(today.year, today.month, today.day, 23, tzinfo=UTC)
    assert (await run_once(sessions, settings, before, mailer=smtp.mailer)).reports_sent == 0
    on_the_day = datetime(first.year, first.month, first.day, 7, tzinfo=UTC)
    report = await run_once(sessions, settings, on_the_day, mailer=smtp.mailer)
    assert report.reports_sent == 1
    [message] = [m for m in smtp.sink.messages if "Programme report" in str(m["Subject"])]
    assert message["To"] == "chief.executive@brent.example, board@brent.example"
    last_month = add_months(first, -1)
    assert str(message["Subject"]) == (
        f"Programme report: Positive-action pilot, {last_month} to {first - timedelta(days=1)}"
    )
    attachments = {part.get_filename(): part for part in message.walk() if part.get_filename()}
    pdf_part, csv_part = sorted(attachments.values(), key=lambda p: p.get_content_type())
    assert pdf_part.get_content_type() == "application/pdf"
    text, reader = pdf_text(payload(pdf_part))
    assert_tagged(reader)
    names = await names_of(db, o)
    assert not [n for n in names if n in text]
    assert not [n for n in names if n in payload(csv_part).decode()]

    # Sent once: the next pass that day sends nothing; the next is due a month later.
    again = await run_once(sessions, settings, on_the_day + timedelta(hours=1), mailer=smtp.mailer)
    assert again.reports_sent == 0
    listed = (await client.get(url, headers=o.as_("HRD"))).json()
    assert listed[0]["next_send_on"] == add_months(first, 1).isoformat()
    db.expire_all()
    sent = await db.scalars(select(AuditEntry).where(AuditEntry.action == "sent"))
    assert [e.reason for e in sent] == [
        f"{last_month} to {first - timedelta(days=1)} to 2 recipient(s)"
    ]

    gone = await client.delete(f"{url}/{schedule['id']}", headers=o.as_("COORD"))
    assert gone.status_code == 204
    assert (await client.get(url, headers=o.as_("COORD"))).json() == []


def payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data
