"""Erasure after a full cross-node journey: two real nodes on loopback ports, a Brent mentee and
a Nottingham City Homes mentor meet through a card, exchange introductions, get emails, end the
relationship; one of them is erased. Then every text and JSON column of every table of both
nodes is searched for their name, email and ids: nothing may be left but the allowlist below."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.erasure import erase_everywhere
from federation.feed import FeedEntry
from federation.outbox import Outbox, OutboxMessage, OutboxStatus, build_attempt
from federation.relationship_outbox import outbox_sink
from network.config import Settings
from network.federation.delivery import deliver_due
from network.federation.feed_pull import pull_feed
from network.jobs import send_emails
from orgs.audit import ActorRef, AuditEntry
from orgs.mentoring.ending import EndIn, end_relationship
from orgs.mentoring.relationship_states import RelationshipEvent
from orgs.pairing.requests import (
    RankedMentor,
    RemoteMentor,
    RequestService,
    RequestsIn,
    apply_remote_accept,
)
from orgs.pairing.sharing import SharingPolicy, set_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.profiles import ProfileService
from orgs.redaction import ERASED_NAME
from orgs.registry import OrgRegistry
from orgs.schemes.applications import Application, ApplicationRepository, AppState
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.schemes import SchemeService, SchemeSpec
from tests.conftest import Cli
from tests.integration.relationships.builders import World, world
from tests.integration.relationships.mail import Smtp
from tests.live import free_port, live_node
from tests.nodes import Node, node


@dataclass(frozen=True)
class Person:
    """Someone whose every trace is searched for: names nobody else in the test shares."""

    employee_id: str
    given: str
    family: str
    subject: str

    @property
    def email(self) -> str:
        return f"{self.given.lower()}.{self.family.lower()}@{self.employee_id[:3].lower()}.example"

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


MENTEE = Person("BRE-77431", "Zephyrine", "Quarrington", "idp-sub-zq-5521")
MENTOR = Person("NCH-90210", "Thaddeus", "Wolverstone", "idp-sub-tw-8803")
OTHER_MENTOR = Person("NCH-11111", "Other", "Mentor", "idp-sub-om-1111")  # k = 2 needs two


OPERATOR = ActorRef.system("operator (cli)")


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
async def brent_node(settings: Settings, ports: tuple[int, int]) -> AsyncIterator[Node]:
    here = node(settings, f"http://127.0.0.1:{ports[0]}")
    yield here
    await here.runtime.close()


@pytest.fixture
async def nch_node(peer_settings: Settings, ports: tuple[int, int]) -> AsyncIterator[Node]:
    there = node(peer_settings, f"http://127.0.0.1:{ports[1]}")
    yield there
    await there.runtime.close()


async def org_with_scheme(where: Node, slug: str, policy: SharingPolicy) -> tuple[uuid.UUID, ...]:
    async with where.runtime.sessionmaker() as session, session.begin():
        org = await OrgRegistry(session).create(slug, slug.upper())
        await set_policy(session, org.id, policy)
        scheme = await SchemeService(session, org.id).create(
            SchemeSpec(slug="mentoring", name="Mentoring")
        )
        return org.id, scheme.id


async def approved(
    where: Node, org_id: uuid.UUID, scheme_id: uuid.UUID, person: Person, role: SchemeRole
) -> Member:
    async with where.runtime.sessionmaker() as session, session.begin():
        member = MemberRepository(session, org_id).add(
            Member(
                employee_id=person.employee_id,
                given_name=person.given,
                family_name=person.family,
                email=person.email,
                idp_issuer="https://idp.example",
                idp_subject=person.subject,
            )
        )
        await session.flush()
        profiles = ProfileService(session, member)
        if role is SchemeRole.MENTEE:
            await profiles.save_mentee(topics={"housing": 5}, open_to_other_orgs=True)
        else:
            await profiles.save_mentor(
                topics={"housing": 3},
                open_to_other_orgs=True,
                seniority_band=6,
                pen_picture=f"{person.name} leads housing repairs",
            )
        ApplicationRepository(session, org_id).add(
            Application(
                scheme_id=scheme_id,
                member_id=member.id,
                role=role,
                state=AppState.APPROVED,
                eligible=True,
                eligibility_reasons=[],
            )
        )
        return member


async def deliver(here: Node, client: httpx.AsyncClient) -> int:
    report = await deliver_due(here.runtime, datetime.now(UTC), client)
    assert report.failed == 0, report.errors
    return report.delivered


@dataclass
class Journey:
    mentee: Member
    mentor: Member
    brent: uuid.UUID
    nch: uuid.UUID
    handles: list[str]


async def journey(
    brent_node: Node, nch_node: Node, client: httpx.AsyncClient, smtp: Smtp
) -> Journey:
    """Card, request with a message, acceptance, both introductions, emails sent, the end."""
    brent, brent_scheme = await org_with_scheme(brent_node, "brent", SharingPolicy(cross_org=True))
    nch, nch_scheme = await org_with_scheme(
        nch_node,
        "nch",
        SharingPolicy(
            cross_org=True, publish_cards=True, k=2, sector="housing", region="east-midlands"
        ),
    )
    mentee = await approved(brent_node, brent, brent_scheme, MENTEE, SchemeRole.MENTEE)
    mentor = await approved(nch_node, nch, nch_scheme, MENTOR, SchemeRole.MENTOR)
    await approved(nch_node, nch, nch_scheme, OTHER_MENTOR, SchemeRole.MENTOR)
    await brent_node.pin(nch_node)
    await nch_node.pin(brent_node)
    pulled = await pull_feed(brent_node.runtime, nch_node.settings.base_url, client)
    assert (pulled.error, pulled.cards) == (None, 2)
    async with nch_node.runtime.sessionmaker() as session:
        handle = await session.scalar(
            select(FeedEntry.handle).where(FeedEntry.mentor_id == mentor.id)
        )
        assert handle is not None
    async with brent_node.runtime.sessionmaker() as session, session.begin():
        await RequestService(session, brent, outbox_sink(session)).send(
            mentee,
            RequestsIn(
                scheme_id=brent_scheme,
                mentors=[
                    RankedMentor(
                        remote=RemoteMentor(peer=nch_node.settings.base_url, handle=handle)
                    )
                ],
                message=f"Hello, I am {MENTEE.name} ({MENTEE.email}).",
            ),
            datetime.now(UTC),
        )
    assert await deliver(brent_node, client) == 1  # request.create
    async with nch_node.runtime.sessionmaker() as session, session.begin():
        service = RequestService(session, nch, outbox_sink(session))
        [incoming] = await service.mine(mentor)
        await service.accept(mentor, incoming.id, datetime.now(UTC))
    assert await deliver(nch_node, client) == 1  # request.accept, the mentor's introduction
    # request.introduce (the mentee's) and the shared record's first version
    assert await deliver(brent_node, client) == 2
    for where in (brent_node, nch_node):
        report = await send_emails(
            where.runtime.sessionmaker, datetime.now(UTC), smtp.mailer, where.settings.base_url
        )
        assert report.sent >= 1
    async with nch_node.runtime.sessionmaker() as session, session.begin():
        rel_id = (
            await session.execute(text("SELECT id FROM mentoring_relationships"))
        ).scalar_one()
        await end_relationship(
            session,
            mentor,
            rel_id,
            EndIn(how=RelationshipEvent.NO_FIT, reason=f"{MENTOR.given} is moving on"),
            datetime.now(UTC),
            outbox_sink(session),
        )
    # The mentor's code of conduct for the shared agreement, then relationship.end
    assert await deliver(nch_node, client) == 2
    assert await deliver(brent_node, client) == 1  # the shared record, with both codes
    return Journey(mentee, mentor, brent, nch, [handle])


async def traces(where: Node, needles: dict[str, str]) -> set[tuple[str, str, str]]:
    """(table, column, what) for every text, varchar and JSON column holding a needle."""
    found: set[tuple[str, str, str]] = set()
    async with where.runtime.sessionmaker() as session:
        columns = (
            await session.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND data_type IN "
                    "('text', 'character varying', 'character', 'json', 'jsonb')"
                )
            )
        ).all()
        for table, column in columns:
            for what, needle in needles.items():
                hit = await session.scalar(
                    text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE :pattern'),
                    {"pattern": f"%{needle}%"},
                )
                if hit:
                    found.add((table, column, what))
    return found


def needles_of(person: Person, member: Member, handles: list[str]) -> dict[str, str]:
    return {
        "given name": person.given,
        "family name": person.family,
        "email": person.email,
        "employee id": person.employee_id,
        "idp subject": person.subject,
        "member id": str(member.id),
        "member id (hex)": member.id.hex,
        **{f"handle {i}": h for i, h in enumerate(handles)},
    }


@pytest.mark.parametrize("who", ["mentee", "mentor"])
async def test_an_erased_person_leaves_no_trace_on_either_node(
    brent_node: Node, nch_node: Node, ports: tuple[int, int], who: str
) -> None:
    smtp = Smtp()
    smtp.start()
    try:
        with (
            live_node(brent_node.settings, port=ports[0]),
            live_node(nch_node.settings, port=ports[1]),
        ):
            async with httpx.AsyncClient(timeout=15) as client:
                done = await journey(brent_node, nch_node, client, smtp)
                person, member = (MENTEE, done.mentee) if who == "mentee" else (MENTOR, done.mentor)
                home, peer = (brent_node, nch_node) if who == "mentee" else (nch_node, brent_node)
                needles = needles_of(person, member, done.handles if who == "mentor" else [])
                # Before: the journey left copies on both nodes (else the search proves nothing).
                assert await traces(home, needles)
                assert await traces(peer, needles)
                async with home.runtime.sessionmaker() as session, session.begin():
                    await erase_everywhere(
                        session, member.org_id, member.id, by=OPERATOR, now=datetime.now(UTC)
                    )
                assert await deliver(home, client) == 1  # member.erase
    finally:
        smtp.stop()
    # A mentor's feed keeps a tombstone per consumer (handle, no card): a consumer that missed
    # member.erase drops the card at its next pull. The handle is a keyed hash that names nobody
    # without this node's secret, and the consumer has forgotten it.
    allowed = {("federation_feed_entries", "handle", "handle 0")} if who == "mentor" else set()
    assert await traces(home, needles) == allowed
    assert await traces(peer, needles) == set()


# --- messages still to be sent when the person is erased --------------------------------------

PEER = "https://harrow.example"


async def asking_mentee(db: AsyncSession, now: datetime) -> tuple[World, OutboxMessage]:
    """Brent's mentee has asked a Harrow mentor, with a message; the request.create row."""
    w = await world(db)
    mentee = w.members["mentee"]
    await ProfileService(db, mentee).save_mentee(topics={"leadership-management": 5})
    await RequestService(db, w.org.org.id, outbox_sink(db)).send(
        mentee,
        RequestsIn(
            scheme_id=w.scheme_id,
            mentors=[RankedMentor(remote=RemoteMentor(peer=PEER, handle="h" * 43))],
            message="Hello, this is Mentee Smith (mentee@brent.example).",
        ),
        now,
    )
    await db.commit()
    [create] = (await db.scalars(select(OutboxMessage))).all()
    assert create.body["ask"]["words"].startswith("Hello, this is Mentee Smith")
    return w, create


async def bodies(db: AsyncSession) -> dict[str, OutboxMessage]:
    db.expire_all()
    rows = (await db.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))).all()
    return {row.message_type: row for row in rows}


async def test_a_queued_request_keeps_going_without_the_words_of_the_erased_mentee(
    db: AsyncSession,
) -> None:
    now = datetime.now(UTC)
    w, create = await asking_mentee(db, now)
    await erase_everywhere(db, w.org.org.id, w.members["mentee"].id, by=OPERATOR, now=now)
    await db.commit()
    rows = await bodies(db)
    assert set(rows) == {"request.create", "member.erase"}
    # Still sendable (the request stands until the peer hears of the erasure), without the ask.
    sent = build_attempt(rows["request.create"], me="https://brent.example", now=1_800_000_000)
    assert isinstance(sent, wire.RequestCreate)
    assert sent.ask is None
    assert (sent.request_id, sent.card) == (create.body["request_id"], "h" * 43)
    assert "Smith" not in str(rows["request.create"].body)


async def test_a_dead_letter_introduction_is_neutral_after_erasure_and_replays_as_such(
    db: AsyncSession,
) -> None:
    now = datetime.now(UTC)
    w, create = await asking_mentee(db, now)
    org_id, mentee_id, ref = w.org.org.id, w.members["mentee"].id, create.body["request_id"]
    outbox = Outbox(db)
    await outbox.delivered(create, now)
    await apply_remote_accept(
        db,
        peer=PEER,
        remote_ref=ref,
        mentor_name="Marta Harrow",
        mentor_email="marta@harrow.example",
        now=now,
        remote=outbox_sink(db),
    )
    await db.commit()
    introduce = (await bodies(db))["request.introduce"]
    assert introduce.body["mentee"]["work_email"] == "mentee@brent.example"
    # Harrow is down for two days: the mentee's introduction is a dead letter.
    await outbox.unreachable(introduce, now + timedelta(hours=49), "connection refused", [])
    assert introduce.status is OutboxStatus.DEAD
    await db.commit()

    later = now + timedelta(hours=50)
    await erase_everywhere(db, org_id, mentee_id, by=OPERATOR, now=later)
    await db.commit()
    rows = await bodies(db)
    assert rows["request.create"].body == {}  # delivered: nothing more to do with it
    dead = rows["request.introduce"]
    assert dead.status is OutboxStatus.DEAD
    assert dead.body["mentee"] == {"name": ERASED_NAME, "work_email": "erased@erased.invalid"}
    await Outbox(db).replay(dead.id, later)
    sent = build_attempt(dead, me="https://brent.example", now=1_800_000_000)
    assert isinstance(sent, wire.RequestIntroduce)
    assert sent.mentee.name == ERASED_NAME
    assert rows["member.erase"].body["request_ids"] == [ref]


async def test_the_cli_erases_a_member_and_audits_it_against_the_tombstone(
    db: AsyncSession, mentornet: Cli
) -> None:
    w = await world(db)
    mentee_id, org_id = w.members["mentee"].id, w.org.org.id
    erase = ("org", "erase-member", "--org", "brent", "--employee", "brent-mentee")
    refused = await asyncio.to_thread(mentornet, *erase)
    assert refused.exit_code != 0
    db.expire_all()
    still = await db.get(Member, mentee_id)
    assert still is not None
    assert still.email == "mentee@brent.example"

    done = await asyncio.to_thread(mentornet, *erase, "--yes")  # the CLI runs its own loop
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"erased member {mentee_id}; told no peer"
    db.expire_all()
    gone = await db.get(Member, mentee_id)
    assert gone is not None
    assert (gone.display_name, gone.email, gone.employee_id, gone.status) == (
        ERASED_NAME,
        "",
        None,
        "left",
    )
    [audit] = (
        await db.scalars(
            select(AuditEntry).where(AuditEntry.org_id == org_id, AuditEntry.action == "erase")
        )
    ).all()
    assert (audit.subject_id, audit.actor_label, audit.reason) == (mentee_id, "operator (cli)", "")
