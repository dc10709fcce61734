"""What a network shows: the directory, to the people of its member organisations, and the
report, to network coordinators. Both read only the record, which holds no figure below
``SMALL_NUMBER`` and no personal data but each organisation's named contact."""

from __future__ import annotations

from datetime import date

import msgspec

from orgs.networks.record import (
    SMALL_NUMBER,
    Contact,
    NetworkMember,
    NetworkRecord,
    SchemeOffer,
    Standing,
)

FEWER_THAN = f"fewer than {SMALL_NUMBER}"


def shown_count(count: int | None) -> str:
    """A published count as people read it: a small number is never shown exactly."""
    return FEWER_THAN if count is None or count < SMALL_NUMBER else str(count)


class DirectoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    org: str
    node: str
    name: str
    contact: Contact | None
    #: Accepted the agreement as it now stands (False: asked to accept the new version).
    accepted_current: bool
    schemes: list[SchemeOffer]
    mentors_available: str


class Directory(msgspec.Struct, frozen=True, kw_only=True):
    network_id: str
    name: str
    purpose: str
    agreement_version: int
    review_on: date
    organisations: list[DirectoryEntry]


class ReportRow(msgspec.Struct, frozen=True, kw_only=True):
    """One organisation's figures: no names, no contacts."""

    org: str
    name: str
    standing: Standing
    accepted_current: bool
    schemes_open: int
    mentors_available: str


class NetworkReport(msgspec.Struct, frozen=True, kw_only=True):
    network_id: str
    name: str
    version: int
    agreement_version: int
    review_on: date
    members: int
    organisations: list[ReportRow]


def _accepted(record: NetworkRecord, member: NetworkMember) -> bool:
    return member.accepted_version == record.agreement_version


def directory(record: NetworkRecord) -> Directory:
    return Directory(
        network_id=record.network_id,
        name=record.terms.name,
        purpose=record.terms.purpose,
        agreement_version=record.agreement_version,
        review_on=record.terms.review_on,
        organisations=[
            DirectoryEntry(
                org=m.org,
                node=m.node,
                name=m.display_name,
                contact=m.contact,
                accepted_current=_accepted(record, m),
                schemes=list(m.offer.schemes),
                mentors_available=shown_count(m.offer.mentors_available),
            )
            for m in record.members
            if m.standing is Standing.MEMBER
        ],
    )


def report(record: NetworkRecord) -> NetworkReport:
    return NetworkReport(
        network_id=record.network_id,
        name=record.terms.name,
        version=record.version,
        agreement_version=record.agreement_version,
        review_on=record.terms.review_on,
        members=sum(m.standing is Standing.MEMBER for m in record.members),
        organisations=[
            ReportRow(
                org=m.org,
                name=m.display_name,
                standing=m.standing,
                accepted_current=_accepted(record, m),
                schemes_open=len(m.offer.schemes),
                mentors_available=shown_count(m.offer.mentors_available),
            )
            for m in record.members
        ],
    )
