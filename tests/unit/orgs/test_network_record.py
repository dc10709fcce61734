"""The rule for changing a network's record: who may change what, and the version chain."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from federation import wire
from orgs.errors import Forbidden, InvalidInput
from orgs.networks.directory import directory, report
from orgs.networks.record import (
    Accept,
    Amend,
    Change,
    Contact,
    Found,
    Invite,
    Leave,
    NetworkRecord,
    Offer,
    SetOffer,
    Standing,
    Terms,
    apply_change,
    record_hash,
)

A, B, C = "http://a.test", "http://b.test", "http://c.test"
BRENT, NCH, DERBY = f"brent@{A}", f"nch@{B}", f"derby@{C}"
TERMS = Terms(name="MyMentor", purpose="Share mentors", agreement="v1", review_on=date(2027, 6, 1))
ANNA = Contact(name="Anna Kowalski", work_email="anna.kowalski@brent.example")
NINA = Contact(name="Nina Shah", work_email="nina.shah@nch.example")


def founded() -> NetworkRecord:
    found = Found(network_id="n" * 24, terms=TERMS, display_name="Brent", contact=ANNA)
    return apply_change(None, found, BRENT)


def with_nch() -> NetworkRecord:
    invited = apply_change(founded(), Invite(org="nch", node=B, display_name="NCH"), BRENT)
    return apply_change(invited, Accept(agreement_version=1, contact=NINA), NCH)


def test_founding_makes_version_one_with_the_founder_as_its_member() -> None:
    record = founded()
    assert (record.version, record.prev, record.agreement_version) == (1, "", 1)
    [brent] = record.members
    assert (brent.ref, brent.standing, brent.accepted_version) == (BRENT, Standing.MEMBER, 1)


def test_each_version_names_the_one_before_by_hash() -> None:
    one = founded()
    two = apply_change(one, Invite(org="nch", node=B, display_name="NCH"), BRENT)
    assert (two.version, two.prev) == (2, record_hash(one))


def test_an_invited_org_joins_by_accepting_the_current_version() -> None:
    record = with_nch()
    nch = record.member(NCH)
    assert nch is not None
    assert (nch.standing, nch.accepted_version, nch.contact) == (Standing.MEMBER, 1, NINA)


def test_accepting_an_old_version_is_refused() -> None:
    invited = apply_change(founded(), Invite(org="nch", node=B, display_name="NCH"), BRENT)
    amended = apply_change(invited, Amend(terms=TERMS), BRENT)
    with pytest.raises(InvalidInput) as refused:
        apply_change(amended, Accept(agreement_version=1, contact=NINA), NCH)
    assert refused.value.errors[0].field == "agreement_version"


def test_a_new_agreement_version_needs_every_other_member_s_acceptance_again() -> None:
    amended = apply_change(with_nch(), Amend(terms=TERMS), NCH)
    assert amended.agreement_version == 2
    assert [m.ref for m in amended.in_good_standing()] == [NCH]
    again = apply_change(amended, Accept(agreement_version=2, contact=ANNA), BRENT)
    assert {m.ref for m in again.in_good_standing()} == {BRENT, NCH}


@pytest.mark.parametrize(
    "change",
    [
        Invite(org="derby", node=C, display_name="Derby"),
        Amend(terms=TERMS),
        SetOffer(offer=Offer()),
        Accept(agreement_version=1, contact=NINA),
        Leave(),
    ],
    ids=lambda c: type(c).__name__,
)
def test_an_org_outside_the_network_changes_nothing(change: Change) -> None:
    with pytest.raises(Forbidden):
        apply_change(with_nch(), change, DERBY)


def test_an_invited_org_may_not_invite_or_amend_before_it_joins() -> None:
    invited = apply_change(founded(), Invite(org="nch", node=B, display_name="NCH"), BRENT)
    with pytest.raises(Forbidden):
        apply_change(invited, Invite(org="derby", node=C, display_name="Derby"), NCH)
    with pytest.raises(Forbidden):
        apply_change(invited, Amend(terms=TERMS), NCH)


def test_a_member_that_leaves_keeps_no_contact_or_offer_and_may_be_invited_again() -> None:
    offered = apply_change(with_nch(), SetOffer(offer=Offer(mentors_available=7)), NCH)
    left = apply_change(offered, Leave(), NCH)
    nch = left.member(NCH)
    assert nch is not None
    assert (nch.standing, nch.contact, nch.offer) == (Standing.LEFT, None, Offer())
    assert left.nodes() == {A}
    again = apply_change(left, Invite(org="nch", node=B, display_name="NCH"), BRENT)
    assert again.member(NCH).standing is Standing.INVITED  # type: ignore[union-attr]


def test_the_directory_never_shows_a_small_number_exactly() -> None:
    record = apply_change(with_nch(), SetOffer(offer=Offer(mentors_available=12)), NCH)
    shown = {e.org: e.mentors_available for e in directory(record).organisations}
    assert shown == {"brent": "fewer than 5", "nch": "12"}
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"mentors_available": 3}, Offer)
    assert "anna" not in msgspec.json.encode(report(record)).decode().lower()


def test_the_record_survives_the_wire_unchanged() -> None:
    record = apply_change(with_nch(), SetOffer(offer=Offer(mentors_available=12)), NCH)
    as_sent = msgspec.convert(msgspec.to_builtins(record), wire.NetworkRecord)
    back = msgspec.convert(msgspec.to_builtins(as_sent), NetworkRecord)
    assert record_hash(back) == record_hash(record)
