"""How this node's copy of a network takes other nodes' versions: in order only, each checked
by re-applying its change; two versions made at once on the same version are settled the same
way on every node (the smaller hash stays) and the losing change, if it was made here, is made
again on top of the winner and sent on."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox import OutboxMessage
from orgs.errors import Forbidden, IllegalTransition
from orgs.mentoring.remote_events import CollectingSink
from orgs.networks.record import (
    Accept,
    Amend,
    Contact,
    Invite,
    NetworkRecord,
    SetContact,
    Terms,
    apply_change,
    record_hash,
)
from orgs.networks.replica import Replica
from orgs.networks.service import InviteIn, NetworkIn, Networks, TermsIn
from orgs.people.actor import Actor
from orgs.people.roles import Role
from orgs.registry import OrgRegistry

ME, PEER = "http://a.test", "http://b.test"
NCH = f"nch@{PEER}"
NINA = Contact(name="Nina Shah", work_email="nina@nch.example")


async def founded(db: AsyncSession) -> tuple[Networks, Actor, CollectingSink, NetworkRecord]:
    """brent (here) founded a network and invited nch (on PEER), which accepted."""
    org = await OrgRegistry(db).create("brent", "Brent")
    admin = Actor(org.id, None, frozenset({Role.ORG_ADMIN}), "test", org_slug="brent")
    sink = CollectingSink()
    networks = Networks(db, ME, sink)
    contact = Contact(name="Anna K", work_email="anna@brent.example")
    record = await networks.create(
        admin, NetworkIn(name="Net", agreement="v1", review_on=date(2027, 1, 1), contact=contact)
    )
    record = await networks.invite(
        admin, record.network_id, InviteIn(org="nch", node=PEER, display_name="NCH")
    )
    accepted = apply_change(record, Accept(agreement_version=1, contact=NINA), NCH)
    await networks.apply_remote(accepted, Accept(agreement_version=1, contact=NINA), NCH)
    return networks, admin, sink, accepted


async def test_a_version_that_does_not_follow_the_copy_here_waits(db: AsyncSession) -> None:
    networks, _, _, held = await founded(db)
    three = apply_change(held, SetContact(contact=NINA), NCH)
    four = apply_change(three, SetContact(contact=NINA), NCH)
    with pytest.raises(IllegalTransition):
        await networks.apply_remote(four, SetContact(contact=NINA), NCH)
    assert await Replica(db).current(held.network_id) == held
    await networks.apply_remote(three, SetContact(contact=NINA), NCH)
    await networks.apply_remote(four, SetContact(contact=NINA), NCH)
    assert await Replica(db).current(held.network_id) == four


async def test_a_record_that_is_not_what_its_change_makes_is_refused(db: AsyncSession) -> None:
    networks, _, _, held = await founded(db)
    honest = apply_change(held, SetContact(contact=NINA), NCH)
    claims_more = msgspec.structs.replace(honest, agreement_version=9)
    with pytest.raises(Forbidden):
        await networks.apply_remote(claims_more, SetContact(contact=NINA), NCH)
    assert await Replica(db).current(held.network_id) == held


async def test_two_changes_at_once_are_settled_by_hash_and_the_loser_made_again(
    db: AsyncSession,
) -> None:
    networks, admin, sink, held = await founded(db)
    theirs = Invite(org="derby", node="http://c.test", display_name="Derby")
    their_version = apply_change(held, theirs, NCH)
    # Our own change on the same version, worded so that theirs wins the tie-break.
    text = next(
        f"v2 draft {i}"
        for i in range(1000)
        if record_hash(apply_change(held, Amend(terms=_terms(f"v2 draft {i}")), f"brent@{ME}"))
        > record_hash(their_version)
    )
    ours = await networks.amend(
        admin, held.network_id, TermsIn(**msgspec.to_builtins(_terms(text)))
    )
    sink.events.clear()

    await networks.apply_remote(their_version, theirs, NCH)

    history = await Replica(db).history(held.network_id)
    assert [(v.version, v.author, v.change["op"]) for v in history[-2:]] == [
        (held.version + 1, NCH, "invite"),
        (held.version + 2, f"brent@{ME}", "amend"),
    ]
    current = history[-1].as_record()
    assert (current.terms.agreement, current.agreement_version) == (text, 2)
    assert {e.peer for e in sink.events} == {PEER, "http://c.test"}  # the rebased amend
    # The losing version, arriving again late, changes nothing.
    await networks.apply_remote(ours, Amend(terms=_terms(text)), f"brent@{ME}")
    assert await Replica(db).current(held.network_id) == current
    assert (await db.scalars(select(OutboxMessage))).all() == []  # the sink, not the outbox


def _terms(text: str) -> Terms:
    return Terms(name="Net", purpose="", agreement=text, review_on=date(2027, 1, 1))
