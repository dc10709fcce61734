"""The network record and the one rule for changing it (pure: no I/O, no clock).

A network's record is replicated on every member node. It moves by *versions*: version n + 1
is one change (an ``op``) applied by one member organisation (its author) to version n, and it
names version n by hash (``prev``), so every node applies the same changes in the same order
and can check each one itself: the receiver re-applies the op to its own copy of version n and
takes the version only if the result is the record it was sent, byte for byte.

Who may change what (``apply_change``):

| op | who | effect |
|---|---|---|
| ``found`` | anyone, for a new network | version 1: the author its one member, agreement v1 |
| ``invite`` | a member | the org becomes ``invited`` (a member that left may be invited again) |
| ``accept`` | the invited org, or a member | ``member``, the *current* agreement accepted |
| ``amend`` | a member | new terms: agreement version + 1, accepted by the author only |
| ``contact`` | a member | its own contact |
| ``offer`` | a member | its own offer (schemes open to the network, mentors available) |
| ``leave`` | a member or an invited org | ``left`` |

Nobody changes another organisation's entry except by inviting it.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from enum import StrEnum
from typing import Annotated, Final, TypeAlias

import msgspec
from msgspec import Meta

from orgs.errors import Forbidden, InvalidInput

SMALL_NUMBER: Final = 5  # mentors available below this are published as "fewer than 5"

Text200 = Annotated[str, Meta(min_length=1, max_length=200)]
Slug = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")]
NodeUrl = Annotated[
    str, Meta(pattern=r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*$", max_length=200)
]
Email = Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
NetworkId = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{16,64}$")]


class Standing(StrEnum):
    INVITED = "invited"
    MEMBER = "member"
    LEFT = "left"


class Contact(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The named person an organisation gives the network to talk to (a work contact)."""

    name: Text200
    work_email: Email


class Terms(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    name: Text200
    purpose: Annotated[str, Meta(max_length=4000)]
    agreement: Annotated[str, Meta(min_length=1, max_length=20000)]
    review_on: date


class SchemeOffer(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    slug: Annotated[str, Meta(pattern=r"^[a-z0-9-]{1,60}$")]
    name: Text200


class Offer(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    schemes: tuple[SchemeOffer, ...] = ()
    #: Mentors available to the network; None when fewer than ``SMALL_NUMBER`` (never exact).
    mentors_available: Annotated[int, Meta(ge=SMALL_NUMBER)] | None = None


class NetworkMember(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    org: Slug
    node: NodeUrl
    display_name: Text200
    standing: Standing
    #: The agreement version this org accepted (0: none yet).
    accepted_version: Annotated[int, Meta(ge=0)] = 0
    invited_by: str = ""
    contact: Contact | None = None
    offer: Offer = Offer()

    @property
    def ref(self) -> str:
        return f"{self.org}@{self.node}"


class NetworkRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    network_id: NetworkId
    version: Annotated[int, Meta(ge=1)]
    #: Hash of version - 1 ("" for version 1): the chain every node checks.
    prev: str
    terms: Terms
    agreement_version: Annotated[int, Meta(ge=1)]
    founder: str  # org ref
    members: tuple[NetworkMember, ...]

    def member(self, ref: str) -> NetworkMember | None:
        return next((m for m in self.members if m.ref == ref), None)

    def in_good_standing(self) -> list[NetworkMember]:
        """Members who accepted the agreement as it now stands."""
        return [
            m
            for m in self.members
            if m.standing is Standing.MEMBER and m.accepted_version == self.agreement_version
        ]

    def nodes(self) -> set[str]:
        """Nodes that hold (or are about to hold) a copy: every org not gone."""
        return {m.node for m in self.members if m.standing is not Standing.LEFT}


# --- changes ---------------------------------------------------------------------------------


class Op(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, tag_field="op"):
    """One change, made by one member organisation (its author)."""


class Found(Op, tag="found", frozen=True, kw_only=True):
    network_id: NetworkId
    terms: Terms
    display_name: Text200
    contact: Contact


class Invite(Op, tag="invite", frozen=True, kw_only=True):
    org: Slug
    node: NodeUrl
    display_name: Text200


class Accept(Op, tag="accept", frozen=True, kw_only=True):
    agreement_version: Annotated[int, Meta(ge=1)]
    contact: Contact


class Amend(Op, tag="amend", frozen=True, kw_only=True):
    terms: Terms


class SetContact(Op, tag="contact", frozen=True, kw_only=True):
    contact: Contact


class SetOffer(Op, tag="offer", frozen=True, kw_only=True):
    offer: Offer


class Leave(Op, tag="leave", frozen=True, kw_only=True):
    pass


Change: TypeAlias = Found | Invite | Accept | Amend | SetContact | SetOffer | Leave


def record_hash(record: NetworkRecord) -> str:
    digest = hashlib.sha256(msgspec.json.encode(record)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _replace(record: NetworkRecord, ref: str, **fields: object) -> tuple[NetworkMember, ...]:
    return tuple(
        msgspec.structs.replace(m, **fields) if m.ref == ref else m for m in record.members
    )


def _author(record: NetworkRecord, author: str, *allowed: Standing) -> NetworkMember:
    entry = record.member(author)
    if entry is None or entry.standing not in allowed:
        raise Forbidden(f"{author} may not change this network: it is not a member.")
    return entry


def _found(change: Found, author: str) -> NetworkRecord:
    org, _, node = author.partition("@")
    founder = NetworkMember(
        org=org,
        node=node,
        display_name=change.display_name,
        standing=Standing.MEMBER,
        accepted_version=1,
        contact=change.contact,
    )
    return NetworkRecord(
        network_id=change.network_id,
        version=1,
        prev="",
        terms=change.terms,
        agreement_version=1,
        founder=author,
        members=(founder,),
    )


def _invite(record: NetworkRecord, change: Invite, author: str) -> tuple[NetworkMember, ...]:
    _author(record, author, Standing.MEMBER)
    invited = NetworkMember(
        org=change.org,
        node=change.node,
        display_name=change.display_name,
        standing=Standing.INVITED,
        invited_by=author,
    )
    existing = record.member(invited.ref)
    if existing is None:
        return (*record.members, invited)
    if existing.standing is not Standing.LEFT:
        raise InvalidInput.on("org", f"{invited.ref} is already {existing.standing.value}")
    return _replace(record, invited.ref, standing=Standing.INVITED, invited_by=author)


def _members_after(
    record: NetworkRecord, change: Change, author: str
) -> tuple[tuple[NetworkMember, ...], Terms, int]:
    terms, version = record.terms, record.agreement_version
    if isinstance(change, Invite):
        return _invite(record, change, author), terms, version
    if isinstance(change, Accept):
        _author(record, author, Standing.INVITED, Standing.MEMBER)
        if change.agreement_version != record.agreement_version:
            raise InvalidInput.on(
                "agreement_version",
                f"the agreement now stands at version {record.agreement_version}: "
                "read it and accept that one",
            )
        members = _replace(
            record,
            author,
            standing=Standing.MEMBER,
            accepted_version=version,
            contact=change.contact,
        )
        return members, terms, version
    if isinstance(change, Amend):
        _author(record, author, Standing.MEMBER)
        return _replace(record, author, accepted_version=version + 1), change.terms, version + 1
    if isinstance(change, SetContact):
        _author(record, author, Standing.MEMBER)
        return _replace(record, author, contact=change.contact), terms, version
    if isinstance(change, SetOffer):
        _author(record, author, Standing.MEMBER)
        return _replace(record, author, offer=change.offer), terms, version
    if isinstance(change, Leave):
        _author(record, author, Standing.INVITED, Standing.MEMBER)
        left = _replace(record, author, standing=Standing.LEFT, offer=Offer(), contact=None)
        return left, terms, version
    raise InvalidInput.on("op", "a network that exists cannot be founded again")


def apply_change(record: NetworkRecord | None, change: Change, author: str) -> NetworkRecord:
    """Version n + 1 of ``record`` after ``author`` (an org ref) makes ``change``; ``Forbidden``
    or ``InvalidInput`` if the rule above does not let them."""
    if record is None:
        if not isinstance(change, Found):
            raise InvalidInput.on("op", "only `found` starts a network")
        return _found(change, author)
    members, terms, agreement_version = _members_after(record, change, author)
    return NetworkRecord(
        network_id=record.network_id,
        version=record.version + 1,
        prev=record_hash(record),
        terms=terms,
        agreement_version=agreement_version,
        founder=record.founder,
        members=members,
    )
