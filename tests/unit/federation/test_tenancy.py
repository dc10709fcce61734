"""A peer speaks only for the organisations it hosts: one table covers every signed type."""

from __future__ import annotations

import typing
from collections.abc import Iterator

import msgspec.inspect as mi
import pytest

from federation import errors, wire
from federation.tenancy import SENDER_ORG_FIELDS, check_hosted, orgs_spoken_for

from .builders import NODE_C, NOW, request_create

ORG_SLUG_PATTERN = typing.get_args(wire.OrgSlug)[1].pattern
#: Org slugs that are not the sender speaking for an org: the node document's list of what it
#: hosts is the reference the others are checked against.
DEFINES_HOSTING = {(wire.NodeDocument, "orgs[].slug")}
#: Org slugs naming other organisations: a network's other members and the org invited. The
#: receiver checks those against its own copy of the record (``orgs.networks.record``).
NAMES_OTHERS = {(wire.NetworkChange, "record.members[].org"), (wire.NetworkChange, "change.org")}


def org_slug_paths(info: mi.Type, prefix: str = "") -> Iterator[str]:
    """Paths (``a[].b``) of every string field shaped like an org slug, at any depth."""
    if isinstance(info, mi.Metadata):
        yield from org_slug_paths(info.type, prefix)
    elif isinstance(info, mi.StrType):
        if info.pattern == ORG_SLUG_PATTERN:
            yield prefix
    elif isinstance(info, mi.StructType):
        for field in info.fields:
            yield from org_slug_paths(field.type, f"{prefix}.{field.name}".lstrip("."))
    elif isinstance(info, mi.UnionType):
        for member in info.types:
            yield from org_slug_paths(member, prefix)
    elif isinstance(info, mi.VarTupleType | mi.ListType):
        yield from org_slug_paths(info.item_type, prefix + "[]")


def test_every_signed_type_has_a_decision() -> None:
    assert set(SENDER_ORG_FIELDS) == set(wire.SIGNED_TYPES)


@pytest.mark.parametrize("kind", wire.SIGNED_TYPES, ids=lambda kind: kind.__name__)
def test_every_org_slug_field_is_checked(kind: type[wire.Signed]) -> None:
    """A new field typed as an org slug fails here until the table says whose org it is."""
    found = set(org_slug_paths(mi.type_info(kind)))
    exempt = {path for owner, path in DEFINES_HOSTING | NAMES_OTHERS if owner is kind}
    assert found - exempt == set(SENDER_ORG_FIELDS[kind])


def card(org: str, handle: str) -> wire.Card:
    return wire.Card(
        handle=handle,
        org=org,
        topics=(wire.TopicOffer(topic="housing", level=2),),
        band=wire.BandRange(low=4, high=6),
        region="england",
        sector="housing",
        meeting_modes=("remote",),
        free_slots="1",
    )


def page(*orgs: str) -> wire.FeedPage:
    return wire.FeedPage(
        iss=NODE_C,
        aud="https://node-a.example",
        iat=NOW,
        exp=NOW + 3600,
        jti="page-jti-0000000001",
        request_jti="request-jti-0000001",
        cards=tuple(card(org, chr(ord("a") + i) * 43) for i, org in enumerate(orgs)),
        tombstones=(),
        cursor="1",
    )


def test_the_orgs_a_payload_speaks_for() -> None:
    assert orgs_spoken_for(request_create()) == {"brent"}
    assert orgs_spoken_for(page("nch", "nch", "harrow")) == {"nch", "harrow"}
    assert orgs_spoken_for(page()) == set()


def test_a_hosted_org_passes() -> None:
    check_hosted(request_create(), {"brent", "harrow"})
    check_hosted(page("nch"), {"nch"})


@pytest.mark.parametrize(
    ("payload", "hosted"),
    [
        (request_create(), {"harrow"}),
        (request_create(), set()),
        (page("nch", "harrow"), {"nch"}),
    ],
    ids=["request-for-another-org", "sender-hosts-none", "one-foreign-card"],
)
def test_an_org_the_sender_does_not_host_is_refused(payload: wire.Signed, hosted: set[str]) -> None:
    with pytest.raises(errors.OrgNotHosted) as refused:
        check_hosted(payload, hosted)
    assert refused.value.status == 403
    assert "does not host" in refused.value.detail
