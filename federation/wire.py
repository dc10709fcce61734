"""Wire format of federation protocol v1: frozen, versioned msgspec Structs.

Every payload is a JSON object tagged by ``type`` with ``v`` = protocol version, signed as a
compact JWS (``federation.signing``). Unknown fields, unknown types and unknown versions are
refused. Strings are constrained by patterns wherever the value is an id, so a field meant for a
slug cannot carry free text; only ``Introduction`` (sent on acceptance) carries personal data.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Literal, TypeAlias, TypeVar

import msgspec
from msgspec import Meta

from federation.errors import MalformedMessage, UnsupportedVersion

PROTOCOL_VERSION: Final = 1
SUPPORTED_VERSIONS: Final = frozenset({PROTOCOL_VERSION})

# --- constrained scalars -------------------------------------------------------------------

NodeId = Annotated[
    str,
    Meta(
        pattern=r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*$",
        max_length=200,
        description="a node's base URL: lower-case scheme and host, no trailing slash",
    ),
]
Url = Annotated[str, Meta(pattern=r"^https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$", max_length=300)]
TokenId = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
Kid = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{22}$")]
RawKey = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{43}$", description="base64url raw Ed25519")]
Sha256 = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{43}$", description="base64url SHA-256")]
Handle = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{43}$")]
OrgSlug = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")]
TaxonomyId = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
LanguageTag = Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")]
Timestamp = Annotated[int, Meta(ge=0, le=2**40, description="seconds since the epoch, UTC")]
Band = Annotated[int, Meta(ge=1, le=9)]
TopicLevel = Annotated[int, Meta(ge=1, le=3)]
Importance = Annotated[int, Meta(ge=1, le=5)]
MeetingMode = Literal["in_person", "remote"]
FreeSlots = Literal["1", "2-3", "4+"]
DeclineReason = Literal["no-capacity", "not-a-fit", "org-rules", "unavailable"]
EndReason = Literal["completed", "ended-early"]

# Free text, allowed only where a person is introduced (after acceptance) and for org names.
PersonName = Annotated[str, Meta(min_length=1, max_length=200)]
WorkEmail = Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
PenPicture = Annotated[str, Meta(max_length=4000)]
DisplayName = Annotated[str, Meta(min_length=1, max_length=200)]

T = TypeVar("T")
Few = Annotated[tuple[T, ...], Meta(max_length=32)]


class WireStruct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every wire Struct: immutable, strict, keyword-only."""


class Signed(WireStruct, tag_field="type", frozen=True, kw_only=True):
    """Claims every signed payload carries. ``exp`` - ``iat`` is limited per payload kind."""

    v: Literal[1] = PROTOCOL_VERSION
    iss: NodeId
    iat: Timestamp
    exp: Timestamp
    jti: TokenId


class Addressed(Signed, frozen=True, kw_only=True):
    aud: NodeId


# --- node document ------------------------------------------------------------------------


class HostedOrg(WireStruct, frozen=True, kw_only=True):
    slug: OrgSlug
    display_name: DisplayName


class PublishedKey(WireStruct, frozen=True, kw_only=True):
    kid: Kid
    public_key: RawKey
    not_after: Timestamp | None = None


class Endpoints(WireStruct, frozen=True, kw_only=True):
    inbox: Url
    cards: Url


class NodeDocument(Signed, tag="node.document", frozen=True, kw_only=True):
    """Served at ``/.well-known/mentornet-node``; public, so no ``aud``. ``exp`` is its
    not_after. ``iss`` is the node id (its base URL)."""

    name: DisplayName
    orgs: Few[HostedOrg]
    keys: Annotated[tuple[PublishedKey, ...], Meta(min_length=1, max_length=8)]
    endpoints: Endpoints


# --- card feed ----------------------------------------------------------------------------


class BandRange(WireStruct, frozen=True, kw_only=True):
    """Seniority band, coarsened to a range (``low == high`` when published exactly)."""

    low: Band
    high: Band


class TopicOffer(WireStruct, frozen=True, kw_only=True):
    topic: TaxonomyId
    level: TopicLevel


class Card(WireStruct, frozen=True, kw_only=True):
    """An available mentor as one consumer sees them: no name, no free text."""

    handle: Handle
    org: OrgSlug
    topics: Annotated[tuple[TopicOffer, ...], Meta(min_length=1, max_length=32)]
    band: BandRange
    region: TaxonomyId
    sector: TaxonomyId
    meeting_modes: Annotated[tuple[MeetingMode, ...], Meta(min_length=1, max_length=2)]
    free_slots: FreeSlots
    languages: Few[LanguageTag] = ()


class Tombstone(WireStruct, frozen=True, kw_only=True):
    """A card to drop (mentor paused, full, withdrawn or erased); the reason is not shared."""

    handle: Handle


class FeedPage(Addressed, tag="feed.page", frozen=True, kw_only=True):
    """One page of a producer's cards for one consumer (``aud``). ``exp`` is the page's
    ``expires_at``: the consumer keeps these cards until then. ``request_jti`` binds the page
    to the signed request it answers, so an old page cannot be served again in its place."""

    request_jti: TokenId
    cards: Annotated[tuple[Card, ...], Meta(max_length=1000)]
    tombstones: Annotated[tuple[Tombstone, ...], Meta(max_length=1000)]
    cursor: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_.-]{0,128}$")]
    reset: bool = False
    has_more: bool = False

    @property
    def expires_at(self) -> int:
        return self.exp


# --- signed GET requests ------------------------------------------------------------------


class RequestToken(Addressed, tag="http.request", frozen=True, kw_only=True):
    """Carried in ``Authorization: MentorNet <token>`` on GET requests between nodes."""

    method: Literal["GET"]
    path: Annotated[str, Meta(pattern=r"^/[A-Za-z0-9._~/-]*$", max_length=300)]
    query_sha256: Sha256


# --- inbox messages -----------------------------------------------------------------------


class InboxMessage(Addressed, frozen=True, kw_only=True):
    """``mid`` names the message across delivery attempts (the inbox's idempotency key);
    ``jti`` names this one signed token (the replay cache's key). A retry is re-signed with a
    fresh ``jti``/``iat``/``exp`` and the same ``mid``."""

    mid: TokenId


class TopicWant(WireStruct, frozen=True, kw_only=True):
    topic: TaxonomyId
    importance: Importance


class Introduction(WireStruct, frozen=True, kw_only=True):
    """The only personal data on the wire, sent once a mentor has accepted."""

    name: PersonName
    work_email: WorkEmail
    pen_picture: PenPicture | None = None


class MenteeWords(WireStruct, frozen=True, kw_only=True):
    """The mentee's own message to the mentor they chose: free text, so like ``Introduction``
    it is a reviewed exception, carried only by ``request.create`` to that mentor's node."""

    words: Annotated[str, Meta(min_length=1, max_length=2000)]


class RequestCreate(InboxMessage, tag="request.create", frozen=True, kw_only=True):
    """A mentee (known only by org and band until acceptance) asks for the mentor behind
    ``card``. The mentee's node has checked eligibility and line-manager approval."""

    request_id: TokenId
    card: Handle
    mentee_org: OrgSlug
    mentee_band: Band | None = None
    topics: Annotated[tuple[TopicWant, ...], Meta(min_length=1, max_length=32)]
    meeting_modes: Annotated[tuple[MeetingMode, ...], Meta(min_length=1, max_length=2)]
    languages: Few[LanguageTag] = ()
    answer_by: Timestamp
    #: What the mentee wrote to this mentor (absent when they wrote nothing).
    ask: MenteeWords | None = None


class RequestAccept(InboxMessage, tag="request.accept", frozen=True, kw_only=True):
    request_id: TokenId
    mentor: Introduction


class RequestIntroduce(InboxMessage, tag="request.introduce", frozen=True, kw_only=True):
    """The mentee's half of the introduction, sent by the mentee's node on ``request.accept``."""

    request_id: TokenId
    mentee: Introduction


class RequestDecline(InboxMessage, tag="request.decline", frozen=True, kw_only=True):
    request_id: TokenId
    reason: DeclineReason


class RequestWithdraw(InboxMessage, tag="request.withdraw", frozen=True, kw_only=True):
    request_id: TokenId


class RelationshipEnd(InboxMessage, tag="relationship.end", frozen=True, kw_only=True):
    request_id: TokenId
    reason: EndReason


# --- the shared relationship record (issue 16) -------------------------------------------
# Free text the two people write for each other (agreement, meeting summaries, objectives,
# shared log entries, shadowing) crosses here: it is the relationship both of them work on.
# Private notes, unshared log entries, concerns and special-category data have no field.

SharedText = Annotated[str, Meta(max_length=10000)]
ShortText = Annotated[str, Meta(max_length=300)]
SharedRef = Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$", description="a shared item's id")]
Version = Annotated[int, Meta(ge=0, le=2**31)]
Minutes = Annotated[int, Meta(ge=5, le=480)]
IsoDate = Annotated[str, Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
PartyName = Literal["mentee", "mentor"]
SharedMeetingMode = Literal["in_person", "remote", "phone"]
MeetingState = Literal["scheduled", "held", "cancelled"]
ObjectiveStatus = Literal["open", "achieved", "dropped"]
ShadowingKind = Literal["one_off", "series"]
ShadowingState = Literal["proposed", "agreed", "declined", "completed", "cancelled"]
RecordState = Literal["agreeing", "active", "ended"]
Outcome = Literal["applied", "stale", "refused"]


class CodeOfConduct(WireStruct, frozen=True, kw_only=True):
    """The code of conduct one party's organisation requires; both are part of the agreement."""

    party: PartyName
    text: Annotated[str, Meta(max_length=20000)]


class Confirmation(WireStruct, frozen=True, kw_only=True):
    """A party confirmed the agreement whose canonical text hashes to ``sha256``."""

    party: PartyName
    at: Timestamp
    sha256: Sha256


class AgreementTerms(WireStruct, frozen=True, kw_only=True):
    """What the parties agree at the first meeting (``orgs.mentoring.agreements.AgreementIn``)."""

    frequency: SharedText = ""
    location: SharedText = ""
    length_minutes: Annotated[int, Meta(ge=15, le=480)] | None = None
    contact_by: PartyName | None = None
    communication: SharedText = ""
    work_context: SharedText = ""
    objectives: SharedText = ""
    expected_outcomes: SharedText = ""
    shadowing_wanted: bool = False


class SharedAgreement(WireStruct, frozen=True, kw_only=True):
    terms: AgreementTerms
    codes_of_conduct: Annotated[tuple[CodeOfConduct, ...], Meta(max_length=2)] = ()
    principles: Annotated[tuple[Annotated[str, Meta(max_length=500)], ...], Meta(max_length=30)]
    confirmations: Annotated[tuple[Confirmation, ...], Meta(max_length=2)] = ()


class SharedMeeting(WireStruct, frozen=True, kw_only=True):
    ref: SharedRef
    state: MeetingState
    starts_at: Timestamp
    duration_minutes: Minutes
    mode: SharedMeetingMode
    location: ShortText = ""
    summary: SharedText = ""
    mentor_record: SharedText = ""


class SharedAction(WireStruct, frozen=True, kw_only=True):
    text: Annotated[str, Meta(min_length=1, max_length=500)]
    due_on: IsoDate | None = None
    done: bool = False


class SharedObjective(WireStruct, frozen=True, kw_only=True):
    ref: SharedRef
    title: Annotated[str, Meta(min_length=1, max_length=300)]
    expected_outcome: SharedText = ""
    actions: Annotated[tuple[SharedAction, ...], Meta(max_length=50)] = ()
    status: ObjectiveStatus = "open"


class SharedLogEntry(WireStruct, frozen=True, kw_only=True):
    """A learning-log entry its author (the mentee) shares; unshared entries never cross."""

    ref: SharedRef
    entry_date: IsoDate
    activity: SharedText = ""
    learning: SharedText = ""
    next_steps: SharedText = ""
    at: Timestamp


class SharedShadowing(WireStruct, frozen=True, kw_only=True):
    ref: SharedRef
    kind: ShadowingKind
    host_name: Annotated[str, Meta(min_length=1, max_length=200)]
    dates: Annotated[tuple[IsoDate, ...], Meta(max_length=20)]
    purpose: SharedText = ""
    state: ShadowingState


ExtensionState = Literal["proposed", "agreed", "declined"]
ExtensionReason = Annotated[str, Meta(max_length=500)]


class SharedExtension(WireStruct, frozen=True, kw_only=True):
    """A proposal to carry on past the planned end, and where it stands (issue 19.4)."""

    ref: SharedRef
    until: IsoDate
    reason: ExtensionReason = ""
    proposed_by: PartyName
    proposed_at: Timestamp
    state: ExtensionState
    decided_at: Timestamp | None = None


class ChangeAnswer(WireStruct, frozen=True, kw_only=True):
    """What became of one ``relationship.change`` of the replica."""

    change_id: TokenId
    outcome: Outcome
    reason: Annotated[str, Meta(max_length=300)] = ""


Many = Annotated[tuple[T, ...], Meta(max_length=500)]


class RelationshipRecord(InboxMessage, tag="relationship.record", frozen=True, kw_only=True):
    """The whole shared record at ``version``, from the authority (the mentee's node) to the
    replica (the mentor's). ``org`` is the mentee's organisation, which the sender must host."""

    request_id: TokenId
    org: OrgSlug
    version: Version
    state: RecordState
    agreement: SharedAgreement
    meetings: Many[SharedMeeting] = ()
    objectives: Many[SharedObjective] = ()
    log_entries: Many[SharedLogEntry] = ()
    shadowing: Many[SharedShadowing] = ()
    extensions: Annotated[tuple[SharedExtension, ...], Meta(max_length=100)] = ()
    answers: Annotated[tuple[ChangeAnswer, ...], Meta(max_length=100)] = ()


# The edits a person makes on the replica, one per ``relationship.change``.


class EditAgreement(WireStruct, tag="agreement.edit", tag_field="op", frozen=True, kw_only=True):
    terms: AgreementTerms


class ConfirmAgreement(
    WireStruct, tag="agreement.confirm", tag_field="op", frozen=True, kw_only=True
):
    sha256: Sha256  # of the agreement text the mentor read


class OwnCodeOfConduct(WireStruct, tag="agreement.code", tag_field="op", frozen=True, kw_only=True):
    """The mentor's organisation's code of conduct, for the agreement both confirm."""

    text: Annotated[str, Meta(max_length=20000)]


class AddMeeting(WireStruct, tag="meeting.add", tag_field="op", frozen=True, kw_only=True):
    meeting: SharedMeeting


class MeetingHeld(WireStruct, tag="meeting.held", tag_field="op", frozen=True, kw_only=True):
    ref: SharedRef
    duration_minutes: Minutes
    summary: SharedText = ""


class CancelMeeting(WireStruct, tag="meeting.cancel", tag_field="op", frozen=True, kw_only=True):
    ref: SharedRef


class RescheduleMeeting(
    WireStruct, tag="meeting.reschedule", tag_field="op", frozen=True, kw_only=True
):
    """Move a scheduled meeting in place: the same meeting, a new slot (all of it given). Each
    node sends its own person the invitation again with a higher SEQUENCE."""

    ref: SharedRef
    starts_at: Timestamp
    duration_minutes: Minutes
    mode: SharedMeetingMode
    location: ShortText = ""


class WriteMeetingRecord(
    WireStruct, tag="meeting.record", tag_field="op", frozen=True, kw_only=True
):
    ref: SharedRef
    summary: SharedText | None = None
    mentor_record: SharedText | None = None


class SaveObjective(WireStruct, tag="objective.save", tag_field="op", frozen=True, kw_only=True):
    objective: SharedObjective


class FinishShadowing(
    WireStruct, tag="shadowing.finish", tag_field="op", frozen=True, kw_only=True
):
    ref: SharedRef
    completed: bool


class ExtensionProposal(WireStruct, frozen=True, kw_only=True):
    ref: SharedRef
    until: IsoDate
    reason: ExtensionReason = ""


class ProposeExtension(
    WireStruct, tag="extension.propose", tag_field="op", frozen=True, kw_only=True
):
    """The mentor proposes carrying on until a new end date; the mentee answers on their node."""

    extension: ExtensionProposal


class AgreeExtension(WireStruct, tag="extension.agree", tag_field="op", frozen=True, kw_only=True):
    """The mentor agrees to the mentee's proposal ``ref``: the planned end moves on both."""

    ref: SharedRef


class DeclineExtension(
    WireStruct, tag="extension.decline", tag_field="op", frozen=True, kw_only=True
):
    ref: SharedRef


ChangeOp: TypeAlias = (
    EditAgreement
    | ConfirmAgreement
    | OwnCodeOfConduct
    | AddMeeting
    | MeetingHeld
    | CancelMeeting
    | RescheduleMeeting
    | WriteMeetingRecord
    | SaveObjective
    | FinishShadowing
    | ProposeExtension
    | AgreeExtension
    | DeclineExtension
)


class RelationshipChange(InboxMessage, tag="relationship.change", frozen=True, kw_only=True):
    """One edit by the mentor, made against the record at ``base_version``, from the replica to
    the authority; applied once (``change_id``), in order, or answered ``stale``/``refused`` in
    the next ``relationship.record``. ``org`` is the mentor's organisation."""

    request_id: TokenId
    org: OrgSlug
    change_id: TokenId
    base_version: Version
    op: ChangeOp


class CardRevoke(InboxMessage, tag="card.revoke", frozen=True, kw_only=True):
    handles: Annotated[tuple[Handle, ...], Meta(min_length=1, max_length=1000)]


class MemberErase(InboxMessage, tag="member.erase", frozen=True, kw_only=True):
    """Delete everything held about one person: the cards (handles) of a mentor and the
    requests/relationships they took part in. It names nobody: ids only."""

    handles: Annotated[tuple[Handle, ...], Meta(max_length=1000)] = ()
    request_ids: Annotated[tuple[TokenId, ...], Meta(max_length=1000)] = ()


# --- networks (consortia of organisations across nodes; docs/federation.md, "Networks") ----

OrgRefOnNode = Annotated[
    str,
    Meta(
        pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]@https?://[a-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*$",
        max_length=250,
        description="an org on a node: slug@node-id",
    ),
]
RecordHash = Annotated[
    str, Meta(pattern=r"^([A-Za-z0-9_-]{43})?$", description="base64url SHA-256")
]
SchemeSlug = Annotated[str, Meta(pattern=r"^[a-z0-9-]{1,60}$")]
NetworkName = Annotated[str, Meta(min_length=1, max_length=200)]
NetworkPurpose = Annotated[str, Meta(max_length=4000)]
AgreementText = Annotated[str, Meta(min_length=1, max_length=20000)]
Standing = Literal["invited", "member", "left"]


class NetworkContact(WireStruct, frozen=True, kw_only=True):
    """The named work contact an organisation gives its network: personal data, like
    ``Introduction``, and carried only in a network's record and the changes that set it."""

    name: PersonName
    work_email: WorkEmail


class NetworkTerms(WireStruct, frozen=True, kw_only=True):
    """What every member accepts: org-level text, written by the member that set it."""

    name: NetworkName
    purpose: NetworkPurpose
    agreement: AgreementText
    review_on: date


class SchemeOffer(WireStruct, frozen=True, kw_only=True):
    slug: SchemeSlug
    name: DisplayName


class NetworkOffer(WireStruct, frozen=True, kw_only=True):
    schemes: Annotated[tuple[SchemeOffer, ...], Meta(max_length=50)] = ()
    #: None when fewer than 5: a small number never crosses.
    mentors_available: Annotated[int, Meta(ge=5, le=1_000_000)] | None = None


class NetworkMember(WireStruct, frozen=True, kw_only=True):
    org: OrgSlug
    node: NodeId
    display_name: DisplayName
    standing: Standing
    accepted_version: Annotated[int, Meta(ge=0, le=2**31)] = 0
    invited_by: Annotated[
        str, Meta(pattern=r"^([a-z][a-z0-9-]{0,38}[a-z0-9]@https?://\S+)?$", max_length=250)
    ] = ""
    contact: NetworkContact | None = None
    offer: NetworkOffer = NetworkOffer()


class NetworkRecord(WireStruct, frozen=True, kw_only=True):
    """One version of a network's record, whole (see ``orgs.networks.record``)."""

    network_id: TokenId
    version: Annotated[int, Meta(ge=1, le=2**31)]
    prev: RecordHash
    terms: NetworkTerms
    agreement_version: Annotated[int, Meta(ge=1, le=2**31)]
    founder: OrgRefOnNode
    members: Annotated[tuple[NetworkMember, ...], Meta(min_length=1, max_length=200)]


class NetworkOp(WireStruct, tag_field="op", frozen=True, kw_only=True):
    """One change to a network's record, made by one member organisation."""


class NetworkFound(NetworkOp, tag="found", frozen=True, kw_only=True):
    network_id: TokenId
    terms: NetworkTerms
    display_name: DisplayName
    contact: NetworkContact


class NetworkInvite(NetworkOp, tag="invite", frozen=True, kw_only=True):
    org: OrgSlug
    node: NodeId
    display_name: DisplayName


class NetworkAccept(NetworkOp, tag="accept", frozen=True, kw_only=True):
    agreement_version: Annotated[int, Meta(ge=1, le=2**31)]
    contact: NetworkContact


class NetworkAmend(NetworkOp, tag="amend", frozen=True, kw_only=True):
    terms: NetworkTerms


class NetworkSetContact(NetworkOp, tag="contact", frozen=True, kw_only=True):
    contact: NetworkContact


class NetworkSetOffer(NetworkOp, tag="offer", frozen=True, kw_only=True):
    offer: NetworkOffer


class NetworkLeave(NetworkOp, tag="leave", frozen=True, kw_only=True):
    pass


NetworkChangeOp: TypeAlias = (
    NetworkFound
    | NetworkInvite
    | NetworkAccept
    | NetworkAmend
    | NetworkSetContact
    | NetworkSetOffer
    | NetworkLeave
)


class NetworkChange(InboxMessage, tag="network.change", frozen=True, kw_only=True):
    """Version ``record.version`` of a network, made by ``author_org`` (an org of the sender)
    applying ``change`` to version ``record.version - 1``; sent to every node holding a copy."""

    network_id: TokenId
    author_org: OrgSlug
    change: NetworkChangeOp
    record: NetworkRecord


# --- shared events of a network (docs/networks.md, "Shared events") -----------------------

EventKind = Literal["workshop", "briefing", "information"]
EventAudience = Literal["mentors", "mentees", "anyone"]
EventStatus = Literal["scheduled", "cancelled"]
PlaceState = Literal["confirmed", "waiting", "cancelled", "refused"]
AttendeeRole = Literal["mentor", "mentee", "other"]


class SharedEvent(WireStruct, frozen=True, kw_only=True):
    """One event a member organisation offers its network, as its organiser's node last
    published it. Its words are the organisation's, like a network's terms."""

    event_id: TokenId
    network_id: TokenId
    organiser_org: OrgSlug
    version: Annotated[int, Meta(ge=1, le=2**31)]
    kind: EventKind
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    details: Annotated[str, Meta(max_length=4000)] = ""
    starts_at: Timestamp
    ends_at: Timestamp
    #: Where it is held ("" when online only) and the link to join (None when in person only).
    place: Annotated[str, Meta(max_length=300)] = ""
    link: Url | None = None
    capacity: Annotated[int, Meta(ge=1, le=10_000)]
    audience: EventAudience
    status: EventStatus = "scheduled"


class EventAttendee(WireStruct, frozen=True, kw_only=True):
    """Who registers: their name, their organisation and their work email, nothing more;
    sent, with their consent, only to the organiser's node (a reviewed exception like
    ``Introduction``)."""

    name: PersonName
    org: OrgSlug
    work_email: WorkEmail
    role: AttendeeRole


class EventPublish(InboxMessage, tag="event.publish", frozen=True, kw_only=True):
    """The organiser's node → every other member node: an event, new or changed (a greater
    ``version``), or cancelled."""

    event: SharedEvent


class EventRegister(InboxMessage, tag="event.register", frozen=True, kw_only=True):
    """The attendee's node → the organiser's: a person of ``attendee.org`` takes a place."""

    event_id: TokenId
    registration_id: TokenId
    attendee: EventAttendee


class EventUnregister(InboxMessage, tag="event.unregister", frozen=True, kw_only=True):
    """The attendee's node → the organiser's: the place is given up; ``erase``: the person was
    erased, so the registration goes whole."""

    event_id: TokenId
    registration_id: TokenId
    erase: bool = False


class EventPlace(InboxMessage, tag="event.place", frozen=True, kw_only=True):
    """The organiser's node → the attendee's: where a registration stands (a place, the
    waiting list, moved up, cancelled) and, afterwards, whether the person attended."""

    event_id: TokenId
    registration_id: TokenId
    state: PlaceState
    waiting_position: Annotated[int, Meta(ge=1, le=10_000)] | None = None
    attended: bool | None = None


#: A count sent to a network: None when it is not shown (fewer than 5, or hidden so that a hidden
#: one cannot be worked out from the others). The exact small number never leaves its node.
Figure = Annotated[int, Meta(ge=0, le=10_000_000)] | None


class NetworkFigureValues(WireStruct, frozen=True, kw_only=True):
    """One organisation's aggregate figures (``orgs.records.network_figures``): counts only,
    no names, no ids, no free text."""

    mentors: Figure = None
    mentees: Figure = None
    requests_made: Figure = None
    requests_received: Figure = None
    matches_inside: Figure = None
    matches_given: Figure = None
    matches_received: Figure = None
    matches_total: Figure = None
    relationships_active: Figure = None
    relationships_completed: Figure = None
    meetings_held: Figure = None
    hours_released: Figure = None
    outcome_promotion: Figure = None
    outcome_new_role: Figure = None
    outcome_became_mentor: Figure = None


class NetworkFigures(InboxMessage, tag="network.figures", frozen=True, kw_only=True):
    """``org`` (an org of the sender, a member of ``network_id``) reports its figures as of
    ``as_of``, already suppressed at the sender; sent to every other member node."""

    network_id: TokenId
    org: OrgSlug
    as_of: Timestamp
    figures: NetworkFigureValues


Message: TypeAlias = (
    RequestCreate
    | RequestAccept
    | RequestIntroduce
    | RequestDecline
    | RequestWithdraw
    | RelationshipEnd
    | RelationshipRecord
    | RelationshipChange
    | CardRevoke
    | MemberErase
    | NetworkChange
    | EventPublish
    | EventRegister
    | EventUnregister
    | EventPlace
    | NetworkFigures
)
MESSAGE_TYPES: Final[tuple[type[InboxMessage], ...]] = (
    RequestCreate,
    RequestAccept,
    RequestIntroduce,
    RequestDecline,
    RequestWithdraw,
    RelationshipEnd,
    RelationshipRecord,
    RelationshipChange,
    CardRevoke,
    MemberErase,
    NetworkChange,
    EventPublish,
    EventRegister,
    EventUnregister,
    EventPlace,
    NetworkFigures,
)
SIGNED_TYPES: Final[tuple[type[Signed], ...]] = (
    NodeDocument,
    FeedPage,
    RequestToken,
    *MESSAGE_TYPES,
)

# --- decoding -----------------------------------------------------------------------------


class _VersionProbe(msgspec.Struct):
    v: int | None = None


_probe = msgspec.json.Decoder(_VersionProbe)
_message_decoder: msgspec.json.Decoder[Message] = msgspec.json.Decoder(Message)
_node_document_decoder = msgspec.json.Decoder(NodeDocument)
_feed_page_decoder = msgspec.json.Decoder(FeedPage)
_request_token_decoder = msgspec.json.Decoder(RequestToken)

S = TypeVar("S")


def _decode(data: bytes, decoder: msgspec.json.Decoder[S]) -> S:
    try:
        version = _probe.decode(data).v
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise MalformedMessage(f"payload is not a versioned object: {error}") from None
    if version is None:
        raise MalformedMessage("payload has no protocol version `v`")
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(
            f"protocol version {version} is not supported; this node speaks "
            f"{', '.join(str(v) for v in sorted(SUPPORTED_VERSIONS))}"
        )
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise MalformedMessage(str(error)) from None


def decode_message(data: bytes) -> Message:
    """An inbox message from JSON bytes (call only on bytes whose signature was verified)."""
    return _decode(data, _message_decoder)


def decode_node_document(data: bytes) -> NodeDocument:
    return _decode(data, _node_document_decoder)


def decode_feed_page(data: bytes) -> FeedPage:
    return _decode(data, _feed_page_decoder)


def decode_request_token(data: bytes) -> RequestToken:
    return _decode(data, _request_token_decoder)


def encode(payload: Signed) -> bytes:
    """The exact JSON bytes that get signed: ``type`` first, then fields in declared order."""
    return msgspec.json.encode(payload)
