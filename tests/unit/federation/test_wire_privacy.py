"""No wire struct has a field for names, emails, free text or special-category data.

Every field of every struct reachable from a signed payload must be on an allow-list (a new
field is a deliberate, reviewed change here), must not look like personal data, and every string
in it must be constrained by a pattern so it cannot carry free text. The only exceptions:
``Introduction`` (sent on acceptance), the org-level display names of a node document, and the
shared record of a relationship (issue 16): what the two people write for each other, carried
only by ``relationship.record``/``relationship.change``, field by field on its own allow-list,
with no field for what stays with its author (private notes, unshared log entries, concerns,
special-category data, anything about a reporting line).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
import msgspec.inspect as mi

from federation import wire

ALLOWED_FIELDS = {
    # envelope
    *("v", "iss", "aud", "iat", "exp", "jti", "mid"),
    # node document
    *("name", "orgs", "slug", "display_name", "keys", "kid", "public_key", "not_after"),
    *("endpoints", "inbox", "cards"),
    # feed
    *("request_jti", "tombstones", "cursor", "reset", "has_more"),
    *("handle", "org", "topics", "topic", "level", "band", "low", "high", "region", "sector"),
    *("meeting_modes", "free_slots", "languages"),
    # signed GET
    *("method", "path", "query_sha256"),
    # inbox
    *("request_id", "card", "mentee_org", "mentee_band", "importance", "answer_by", "reason"),
    *("handles", "request_ids", "mentor", "mentee", "ask"),
    *("agreement", "meetings", "objectives", "log_entries", "shadowing", "answers", "op"),
    # networks: the record, its changes and each member's entry
    *("network_id", "author_org", "change", "record", "version", "prev", "terms", "founder"),
    *("agreement_version", "members", "node", "standing", "accepted_version", "invited_by"),
    *("contact", "offer", "schemes", "mentors_available", "purpose", "agreement", "review_on"),
    # shared events: the event, a registration, where it stands
    *("event", "event_id", "organiser_org", "kind", "title", "details", "starts_at", "ends_at"),
    *("place", "link", "capacity", "audience", "status", "registration_id", "attendee"),
    *("erase", "waiting_position", "attended"),
    # network reports: one org's figures, counts only (orgs.records.network_figures)
    *("as_of", "figures", "mentors", "mentees", "requests_made", "requests_received"),
    *("matches_inside", "matches_given", "matches_received", "matches_total"),
    *("relationships_active", "relationships_completed", "meetings_held", "hours_released"),
    *("outcome_promotion", "outcome_new_role", "outcome_became_mentor"),
    # the shared relationship record: its envelope-level fields (ids, versions, states)
    *("version", "state", "change_id", "base_version"),
}
#: The structs of the shared record, whose strings may be free text, and where they may go.
SHARED_RECORD_STRUCTS = {
    *("SharedAgreement", "AgreementTerms", "CodeOfConduct", "Confirmation", "SharedMeeting"),
    *("SharedAction", "SharedObjective", "SharedLogEntry", "SharedShadowing", "ChangeAnswer"),
    *("EditAgreement", "ConfirmAgreement", "OwnCodeOfConduct", "AddMeeting", "MeetingHeld"),
    *("CancelMeeting", "RescheduleMeeting", "WriteMeetingRecord", "SaveObjective"),
    *("FinishShadowing", "SharedExtension", "ExtensionProposal", "ProposeExtension"),
    *("AgreeExtension", "DeclineExtension"),
}
SHARED_RECORD_FIELDS = {
    *("terms", "codes_of_conduct", "principles", "confirmations", "party", "text", "at"),
    *("sha256", "frequency", "location", "length_minutes", "contact_by", "communication"),
    *("work_context", "objectives", "expected_outcomes", "shadowing_wanted", "ref", "state"),
    *("starts_at", "duration_minutes", "mode", "summary", "mentor_record", "due_on", "done"),
    *("title", "expected_outcome", "actions", "status", "entry_date", "activity", "learning"),
    *("next_steps", "kind", "host_name", "dates", "purpose", "change_id", "outcome", "reason"),
    *("meeting", "objective", "completed"),
    *("extension", "until", "proposed_by", "proposed_at", "decided_at"),
}
#: What stays with its author never has a field, even in the shared record.
AUTHOR_ONLY = re.compile(
    r"note|private|concern|ethnic|disab|special|health|manager|line_|report|prepar|"
    r"end_reason|unshared|declar|consent",
    re.IGNORECASE,
)
SHARED_RECORD_CARRIERS = {
    *(("RelationshipRecord", f) for f in ("agreement", "meetings", "objectives")),
    *(("RelationshipRecord", f) for f in ("log_entries", "shadowing", "answers", "extensions")),
    ("RelationshipChange", "op"),
}
DENIED = re.compile(
    r"name|mail|phone|mobile|address|postcode|birth|dob|age$|gender|sex|ethnic|race|religio|"
    r"belief|disab|health|medical|diagnos|pregnan|union|politic|biometric|genetic|criminal|"
    r"nhs|insurance|payroll|employee|salary|manager|department|title|note|comment|text|bio|"
    r"description|about|picture|photo|message|reason_text|free_text",
    re.IGNORECASE,
)
PERSONAL_DATA_STRUCTS = {"Introduction", "MenteeWords", "NetworkContact", "EventAttendee"}
ORG_LEVEL_TEXT = {
    ("NodeDocument", "name"),
    ("HostedOrg", "display_name"),
    # A network's terms, written by its members for all of them, and the names of orgs and
    # schemes: organisations' words, never a person's.
    *(("NetworkTerms", field) for field in ("name", "purpose", "agreement")),
    ("NetworkMember", "display_name"),
    ("NetworkFound", "display_name"),
    ("NetworkInvite", "display_name"),
    ("SchemeOffer", "name"),
    # A shared event's words, written by its organising organisation for the whole network.
    *(("SharedEvent", field) for field in ("title", "details", "place")),
}
INTRODUCTION_CARRIERS = {("RequestAccept", "mentor"), ("RequestIntroduce", "mentee")}
#: The mentee's message travels only in the request, to the node of the mentor they chose.
WORDS_CARRIERS = {("RequestCreate", "ask")}
#: Each member organisation's named contact travels only in its network's record and in the
#: changes that set it, to the nodes of the network's members.
CONTACT_CARRIERS = {
    ("NetworkMember", "contact"),
    ("NetworkFound", "contact"),
    ("NetworkAccept", "contact"),
    ("NetworkSetContact", "contact"),
}

#: A person registering for a shared event: their name, organisation and work email, with
#: their consent, only to the organiser's node.
ATTENDEE_CARRIERS = {("EventRegister", "attendee")}


def fields(types: tuple[Any, ...]) -> Iterator[tuple[str, str, mi.Type]]:
    """(struct name, field name, field type) for every struct reachable from ``types``."""
    seen: set[str] = set()
    stack: list[mi.Type] = list(mi.multi_type_info(types))
    while stack:
        info = stack.pop()
        if isinstance(info, mi.StructType):
            if info.cls.__name__ in seen:
                continue
            seen.add(info.cls.__name__)
            for field in info.fields:
                yield info.cls.__name__, field.name, field.type
        stack.extend(children(info))


def children(info: mi.Type) -> list[mi.Type]:
    if isinstance(info, mi.StructType):
        return [field.type for field in info.fields]
    if isinstance(info, mi.UnionType):
        return list(info.types)
    if isinstance(info, mi.VarTupleType | mi.ListType | mi.SetType | mi.FrozenSetType):
        return [info.item_type]
    if isinstance(info, mi.TupleType):
        return list(info.item_types)
    if isinstance(info, mi.DictType):
        return [info.key_type, info.value_type]
    return []


def free_strings(info: mi.Type) -> list[mi.StrType]:
    """Strings in this field type that no pattern constrains (nested structs are walked on
    their own)."""
    if isinstance(info, mi.StrType):
        return [] if info.pattern else [info]
    if isinstance(info, mi.StructType):
        return []
    return [s for child in children(info) for s in free_strings(child)]


def structs_in(info: mi.Type) -> set[str]:
    """Names of the structs a field type holds directly (in unions, tuples, ...)."""
    if isinstance(info, mi.StructType):
        return {info.cls.__name__}
    return {name for child in children(info) for name in structs_in(child)}


def violations(types: tuple[Any, ...]) -> list[str]:
    found = []
    for struct, name, info in fields(types):
        if struct in PERSONAL_DATA_STRUCTS:
            continue
        if struct in SHARED_RECORD_STRUCTS:
            if name not in SHARED_RECORD_FIELDS or AUTHOR_ONLY.search(name):
                found.append(f"{struct}.{name}: not a field of the shared record")
            continue
        shared = structs_in(info) & SHARED_RECORD_STRUCTS
        if shared and (struct, name) not in SHARED_RECORD_CARRIERS:
            found.append(f"{struct}.{name}: carries the shared record outside its messages")
            continue
        if (struct, name) in SHARED_RECORD_CARRIERS:
            continue
        if name not in ALLOWED_FIELDS:
            found.append(f"{struct}.{name}: not on the allow-list")
        if name not in ALLOWED_FIELDS:
            found.append(f"{struct}.{name}: not on the allow-list")
        if (struct, name) in ORG_LEVEL_TEXT:
            continue
        if DENIED.search(name):
            found.append(f"{struct}.{name}: looks like personal data")
        if free_strings(info):
            found.append(f"{struct}.{name}: a string without a pattern could carry free text")
        carries_personal_data = structs_in(info) & PERSONAL_DATA_STRUCTS
        if carries_personal_data and (struct, name) not in (
            INTRODUCTION_CARRIERS | WORDS_CARRIERS | CONTACT_CARRIERS | ATTENDEE_CARRIERS
        ):
            found.append(f"{struct}.{name}: carries an introduction outside acceptance")
    return found


def test_no_wire_struct_has_a_field_for_personal_data_or_free_text() -> None:
    assert violations(wire.SIGNED_TYPES) == []


def test_the_introduction_is_reachable_only_from_acceptance() -> None:
    carriers = {
        (struct, name)
        for struct, name, info in fields(wire.SIGNED_TYPES)
        if isinstance(info, mi.StructType | mi.UnionType) and "Introduction" in repr(info)
    }
    assert carriers == INTRODUCTION_CARRIERS


def test_a_card_says_only_what_the_protocol_lists() -> None:
    assert set(wire.Card.__struct_fields__) == {
        *("handle", "org", "topics", "band", "region", "sector"),
        *("meeting_modes", "free_slots", "languages"),
    }


class _LeakyCard(wire.WireStruct, frozen=True, kw_only=True):
    handle: wire.Handle
    notes: str
    mentor_email: wire.WorkEmail
    preferred_name: str | None = None


class _LeakyPage(wire.Addressed, tag="leaky.page", frozen=True, kw_only=True):
    cards: tuple[_LeakyCard, ...]
    mentor: wire.Introduction
    mentees: tuple[wire.Introduction, ...] = ()


def test_the_checker_catches_leaks() -> None:
    found = violations((_LeakyPage,))
    assert "_LeakyCard.notes: not on the allow-list" in found
    assert "_LeakyCard.notes: a string without a pattern could carry free text" in found
    assert "_LeakyCard.mentor_email: looks like personal data" in found
    assert "_LeakyCard.preferred_name: a string without a pattern could carry free text" in found
    assert "_LeakyPage.mentor: carries an introduction outside acceptance" in found
    assert "_LeakyPage.mentees: carries an introduction outside acceptance" in found
    assert msgspec.json.encode(_LeakyCard(handle="h" * 43, notes="x", mentor_email="a@b.c"))


class _LeakyRecord(wire.WireStruct, frozen=True, kw_only=True):
    summary: str
    private_note: str


class _LeakyShare(wire.Addressed, tag="leaky.share", frozen=True, kw_only=True):
    meetings: tuple[wire.SharedMeeting, ...]


def test_the_checker_catches_leaks_of_the_shared_record(monkeypatch: Any) -> None:
    monkeypatch.setattr(
        "tests.unit.federation.test_wire_privacy.SHARED_RECORD_STRUCTS",
        {*SHARED_RECORD_STRUCTS, "_LeakyRecord"},
    )
    found = violations((_LeakyShare, _LeakyRecord))
    assert "_LeakyRecord.private_note: not a field of the shared record" in found
    assert "_LeakyShare.meetings: carries the shared record outside its messages" in found
    assert not any(f.startswith("_LeakyRecord.summary") for f in found)
