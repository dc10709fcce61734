"""Mentoring requests: a mentee asks up to N ranked mentors, local or on other nodes.

One batch per send. In ``cascading`` mode only the best-ranked request is open; when it is
declined or expires the next one goes. In ``parallel`` mode all are open and the first
acceptance supersedes the rest. A mentor never sees a request that is still queued.

Remote counterparts: a request to a mentor on another node is ``outgoing`` (``mentor_id`` is
None, the card ``remote_handle`` and ``remote_peer`` say where it went); a request from a mentee
on another node is ``incoming`` (``mentee_id`` is None). Both nodes name the request by
``remote_ref`` (the wire ``request_id``). Names cross only after acceptance.

The federation inbox calls :func:`receive_remote_request`, :func:`apply_remote_accept`,
:func:`apply_remote_introduce`, :func:`apply_remote_decline` and :func:`apply_remote_withdraw`;
local actions that concern another node call the :data:`~orgs.mentoring.remote_events.RemoteSink`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import msgspec
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from orgs.audit import ActorRef, AuditLog
from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.errors import AlreadyExists, FieldError, IllegalTransition, InvalidInput, NotFound
from orgs.mentoring.agreements import start_agreement
from orgs.mentoring.mentoring_settings import MentoringSettings, RequestMode, mentoring_settings
from orgs.mentoring.relationship_states import (
    RequestEvent,
    RequestState,
    next_request_state,
)
from orgs.mentoring.relationships import (
    LIVE,
    NeverAgainPair,
    NeverAgainPairs,
    Relationship,
    Relationships,
    free_capacity,
    new_relationship,
)
from orgs.mentoring.remote_events import RemoteEvent, RemoteSink, discard
from orgs.models import Org
from orgs.pairing.candidates import approved_members, mentor_scheme_of
from orgs.people.chains import ManagementChains
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.notifications import NotificationKind, notify
from orgs.people.profiles import MenteeProfileRow, MenteeProfiles, MentorProfileRow, MentorProfiles
from orgs.repository import OrgRepository
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.email_wording import SchemeEmail, Wording, compose, worded
from orgs.schemes.schemes import Scheme, SchemeRepository

#: Wire decline reasons (``federation.wire.DeclineReason``) and what the mentee is told.
DECLINE_CODES = ("no-capacity", "not-a-fit", "org-rules", "unavailable")


class Direction(StrEnum):
    LOCAL = "local"
    OUTGOING = "outgoing"  # our mentee, a mentor on another node
    INCOMING = "incoming"  # a mentee on another node, our mentor


class MentoringRequest(OrgOwned, Base):
    __tablename__ = "mentoring_requests"
    __table_args__ = (
        Index("ix_mentoring_requests_org_id_mentee_id", "org_id", "mentee_id"),
        Index("ix_mentoring_requests_org_id_mentor_id", "org_id", "mentor_id"),
        Index("ix_mentoring_requests_due", "state", "expires_at"),
        # On one node both sides of a request between two of its orgs are rows here.
        UniqueConstraint("remote_peer", "remote_ref", "direction"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    batch_id: Mapped[uuid.UUID] = mapped_column(index=True)
    rank: Mapped[int] = mapped_column(default=1)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction), default=Direction.LOCAL)
    scheme_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schemes.id", ondelete="SET NULL"), default=None
    )
    mentee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None
    )
    mentor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None
    )
    remote_peer: Mapped[str | None] = mapped_column(String(500), default=None)
    remote_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    remote_handle: Mapped[str | None] = mapped_column(String(64), default=None)
    #: What the mentee asks for (topics with importance, meeting modes, languages) and, for an
    #: incoming request, their org and band: what the mentor decides on. No names.
    remote_summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    counterpart_name: Mapped[str] = mapped_column(String(200), default="")
    counterpart_email: Mapped[str] = mapped_column(String(320), default="")
    #: The other party's organisation (display name) when it is another one: the mentee sees
    #: it for a mentor they asked, the mentor for a mentee who asked them, from the start.
    counterpart_org: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[RequestState] = mapped_column(
        enum_column(RequestState), default=RequestState.QUEUED
    )
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    decline_code: Mapped[str] = mapped_column(String(20), default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    #: A private reason stays with the mentor: the mentee is told only that it was declined.
    decline_reason_private: Mapped[bool] = mapped_column(default=False)
    relationship_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MentoringRequests(OrgRepository[MentoringRequest]):
    model = MentoringRequest
    noun = "request"


# --- inputs -----------------------------------------------------------------------------

Message = Annotated[str, msgspec.Meta(max_length=2000)]


class RemoteMentor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A mentor on another node, by the card a peer published."""

    peer: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    handle: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{43}$")]


class RankedMentor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Either ``member_id`` (a mentor of this org) or ``remote`` (a card of a peer)."""

    member_id: uuid.UUID | None = None
    remote: RemoteMentor | None = None


class RequestsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    scheme_id: uuid.UUID
    mentors: Annotated[list[RankedMentor], msgspec.Meta(min_length=1, max_length=10)]
    message: Message = ""


class DeclineIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    reason: Message = ""
    private: bool = False
    code: str = "not-a-fit"


# --- the service ------------------------------------------------------------------------


class RequestService:
    """Every use case of requests. Takes the session; never commits."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID, remote: RemoteSink) -> None:
        self.session = session
        self.org_id = org_id
        self.remote = remote
        self.requests = MentoringRequests(session, org_id)
        self.audit = AuditLog(session, org_id)

    def _move(
        self,
        req: MentoringRequest,
        event: RequestEvent,
        who: ActorRef,
        now: datetime,
        reason: str = "",
    ) -> None:
        to = next_request_state(req.state, event)
        self.audit.record(
            "request",
            req.id,
            event.value,
            who,
            from_state=req.state.value,
            to_state=to.value,
            reason=reason,
            at=now,
        )
        req.state = to

    # --- sending --------------------------------------------------------------------------

    async def send(
        self,
        mentee: Member,
        data: RequestsIn,
        now: datetime,
        *,
        on_behalf_by: ActorRef | None = None,
    ) -> list[MentoringRequest]:
        """The mentee's ranked requests; ``on_behalf_by`` is the coordinator who opened them
        for the mentee (a published cohort run), recorded in the audit trail."""
        settings = await mentoring_settings(self.session, self.org_id)
        if len(data.mentors) > settings.max_ranked_requests:
            raise InvalidInput.on(
                "mentors", f"at most {settings.max_ranked_requests} ranked mentors at once"
            )
        scheme = await SchemeRepository(self.session, self.org_id).get(data.scheme_id)
        approved = await approved_members(
            self.session, self.org_id, SchemeRole.MENTEE, scheme.id, today=now.date()
        )
        if mentee.id not in approved:
            raise IllegalTransition(
                f"You need an approved application to {scheme.name} as a mentee first."
            )
        pending = await self.requests.find_one(
            MentoringRequest.mentee_id == mentee.id,
            MentoringRequest.state.in_((RequestState.QUEUED, RequestState.OPEN)),
        )
        if pending is not None:
            raise AlreadyExists("You already have requests waiting; withdraw them first.")
        live = await Relationships(self.session, self.org_id).find_one(
            Relationship.mentee_id == mentee.id, Relationship.state.in_(LIVE)
        )
        if live is not None:
            raise IllegalTransition("You already have a mentor; end that relationship first.")
        await self._check_targets(mentee, data.mentors, now)
        _check_reachable(mentee, data.mentors)
        batch = uuid.uuid4()
        asked = await self._asked(mentee.id)
        _check_asks_something(asked, data.mentors)
        rows: list[MentoringRequest] = []
        for rank, target in enumerate(data.mentors, start=1):
            remote = target.remote
            rows.append(
                self.requests.add(
                    MentoringRequest(
                        id=uuid.uuid4(),
                        batch_id=batch,
                        rank=rank,
                        direction=Direction.OUTGOING if remote else Direction.LOCAL,
                        scheme_id=scheme.id,
                        mentee_id=mentee.id,
                        mentor_id=target.member_id,
                        remote_peer=remote.peer if remote else None,
                        remote_ref=uuid.uuid4().hex if remote else None,
                        remote_handle=remote.handle if remote else None,
                        remote_summary=asked,
                        message=data.message,
                        state=RequestState.QUEUED,
                        created_at=now,
                    )
                )
            )
        who = on_behalf_by or ActorRef(mentee.id, f"member {mentee.id}")
        for row in rows:
            self.audit.record("request", row.id, "create", who, to_state="queued", at=now)
        first = rows if settings.request_mode is RequestMode.PARALLEL else rows[:1]
        for row in first:
            await self._open(row, settings, who, now)
        await self.session.flush()
        return rows

    async def _check_targets(
        self, mentee: Member, targets: Sequence[RankedMentor], now: datetime
    ) -> None:
        errors: list[FieldError] = []
        chain = await ManagementChains(self.session, self.org_id).chain(mentee.id)
        never = {
            p.mentor_id
            for p in await NeverAgainPairs(self.session, self.org_id).list(
                NeverAgainPair.mentee_id == mentee.id
            )
        }
        seen: set[str] = set()
        for i, target in enumerate(targets):
            field = f"mentors[{i}]"
            if (target.member_id is None) == (target.remote is None):
                errors.append(FieldError(field, "give either member_id or remote"))
                continue
            key = str(target.member_id) if target.member_id else repr(target.remote)
            if key in seen:
                errors.append(FieldError(field, "ranked twice"))
            seen.add(key)
            if target.member_id is None:
                continue
            mentor = await MemberRepository(self.session, self.org_id).find_one(
                Member.id == target.member_id, Member.status == MemberStatus.ACTIVE
            )
            profile = await MentorProfiles(self.session, self.org_id).find_one(
                MentorProfileRow.member_id == target.member_id
            )
            if mentor is not None and mentor.id in chain.related:
                errors.append(FieldError(field, "is in your management chain"))
            elif mentor is None or profile is None or mentor.id == mentee.id:
                errors.append(FieldError(field, "no mentor of your organisation by that id"))
            elif mentor.id in never:
                errors.append(FieldError(field, "is a pair that must not be matched again"))
            elif profile.paused_on(now.date()) or await free_capacity(self.session, profile) < 1:
                errors.append(FieldError(field, "has no free capacity"))
        if errors:
            raise InvalidInput(
                "Some mentors cannot be asked: "
                + "; ".join(f"{e.field}: {e.message}" for e in errors),
                tuple(errors),
            )

    async def _open(
        self, req: MentoringRequest, settings: MentoringSettings, who: ActorRef, now: datetime
    ) -> None:
        self._move(req, RequestEvent.SEND, who, now)
        req.sent_at = now
        req.expires_at = now + timedelta(days=settings.request_expiry_days)
        if req.direction is Direction.OUTGOING:
            assert req.remote_peer is not None
            assert req.remote_ref is not None
            self.remote(
                RemoteEvent(
                    "request.create", req.remote_peer, await self._create_body(req, settings)
                )
            )
        else:
            await notify(
                self.session,
                self.org_id,
                req.mentor_id,
                NotificationKind.REQUEST_RECEIVED,
                "You have a new mentoring request",
                "A colleague has asked you to be their mentor. Please accept or decline by "
                f"{req.expires_at:%d %B %Y}.",
                now=now,
                link="/requests",
            )

    async def _asked(self, mentee_id: uuid.UUID | None) -> dict[str, Any]:
        """What the mentee asks for, as the mentor is shown it: topics with importance,
        meeting modes, languages (the same shape an incoming ``request.create`` is stored in)."""
        profile = await MenteeProfiles(self.session, self.org_id).find_one(
            MenteeProfileRow.member_id == mentee_id
        )
        topics = [
            {"topic": t, "importance": int(v)}
            for t, v in (profile.topics if profile else {}).items()
        ]
        mode = profile.meeting_mode.value if profile else "either"
        modes = ["in_person", "remote"] if mode == "either" else [mode]
        languages = list(profile.languages) if profile else []
        return {"topics": topics, "meeting_modes": modes, "languages": languages}

    async def _create_body(
        self, req: MentoringRequest, settings: MentoringSettings
    ) -> dict[str, Any]:
        org = await self.session.get(Org, self.org_id)
        assert org is not None
        assert req.expires_at is not None
        # The mentor's node is sent what was stored when the mentee asked (what a local mentor
        # is shown too); rows from before it was stored, or whose summary was erased, read the
        # profile again.
        asked = req.remote_summary or await self._asked(req.mentee_id)
        body: dict[str, Any] = {
            "request_id": req.remote_ref,
            "card": req.remote_handle,
            "mentee_org": org.slug,
            "mentee_band": None,
            **asked,
            "answer_by": int(req.expires_at.timestamp()),
        }
        if req.message:  # only to this mentor's node, the mentee chose them
            body["ask"] = {"words": req.message}
        return body

    async def _cascade(self, req: MentoringRequest, who: ActorRef, now: datetime) -> None:
        """After ``req`` was declined or expired: send the next ranked request, if any."""
        settings = await mentoring_settings(self.session, self.org_id)
        batch = await self.requests.list(MentoringRequest.batch_id == req.batch_id)
        if any(r.state in (RequestState.OPEN, RequestState.ACCEPTED) for r in batch):
            return
        queued = sorted((r for r in batch if r.state is RequestState.QUEUED), key=lambda r: r.rank)
        if queued:
            await self._open(queued[0], settings, ActorRef.system("cascade"), now)
            return
        await notify(
            self.session,
            self.org_id,
            req.mentee_id,
            NotificationKind.BACK_TO_MATCHING,
            "None of your requests was accepted",
            "None of the mentors you asked could take you on this time. You are back in "
            "matching: choose new mentors to ask.",
            now=now,
            link="/suggestions",
        )

    # --- reading --------------------------------------------------------------------------

    async def visible(self, member: Member, request_id: uuid.UUID) -> MentoringRequest:
        req = await self.requests.get(request_id)
        if req.mentee_id == member.id:
            return req
        if req.mentor_id == member.id and req.state is not RequestState.QUEUED:
            return req
        raise NotFound("No such request.")

    async def mine(self, member: Member) -> list[MentoringRequest]:
        sent = await self.requests.list(MentoringRequest.mentee_id == member.id)
        received = await self.requests.list(
            MentoringRequest.mentor_id == member.id,
            MentoringRequest.state != RequestState.QUEUED,
        )
        return sorted([*sent, *received], key=lambda r: (r.created_at, r.rank), reverse=True)

    # --- the mentor answers -----------------------------------------------------------------

    async def accept(self, mentor: Member, request_id: uuid.UUID, now: datetime) -> Relationship:
        req = await self.visible(mentor, request_id)
        if req.mentor_id != mentor.id:
            raise NotFound("No such request.")
        if req.state is RequestState.OPEN:
            profile = await MentorProfiles(self.session, self.org_id).find_one(
                MentorProfileRow.member_id == mentor.id
            )
            if profile is None or await free_capacity(self.session, profile) < 1:
                raise IllegalTransition(
                    "You have no free capacity; end a relationship or raise your capacity first."
                )
        if req.direction is Direction.INCOMING and not mentor.email:
            raise IllegalTransition(NO_WORK_EMAIL.format(them="mentee"))
        who = ActorRef(mentor.id, f"member {mentor.id}")
        self._move(req, RequestEvent.ACCEPT, who, now)
        req.answered_at = now
        rel = await self._pair(req, who, now)
        if req.direction is Direction.INCOMING:
            assert req.remote_peer is not None
            intro = {"name": mentor.display_name, "work_email": mentor.email}
            self.remote(
                RemoteEvent(
                    "request.accept",
                    req.remote_peer,
                    {"request_id": req.remote_ref, "mentor": intro},
                )
            )
        words = await self._accepted_words(req)
        await notify(
            self.session,
            self.org_id,
            req.mentee_id,
            NotificationKind.REQUEST_ACCEPTED,
            words.subject,
            compose(
                words.opening,
                f"{mentor.display_name} has agreed to mentor you. Arrange your first meeting "
                "and agree how you will work together.",
            ),
            now=now,
            link=f"/relationships/{rel.id}",
        )
        await self.session.flush()
        return rel

    async def _accepted_words(self, req: MentoringRequest) -> Wording:
        """The mentee's "your mentor agreed" subject and opening, in the scheme's wording."""
        scheme = (
            await SchemeRepository(self.session, self.org_id).find_one(Scheme.id == req.scheme_id)
            if req.scheme_id
            else None
        )
        mentee = (
            await MemberRepository(self.session, self.org_id).find_one(Member.id == req.mentee_id)
            if req.mentee_id
            else None
        )
        return await worded(
            self.session,
            self.org_id,
            scheme.id if scheme else None,
            scheme.name if scheme else "mentoring",
            SchemeEmail.REQUEST_ACCEPTED,
            mentee,
        )

    async def _pair(self, req: MentoringRequest, who: ActorRef, now: datetime) -> Relationship:
        """Create the relationship of an accepted request and supersede the rest of its batch."""
        for other in await self.requests.list(
            MentoringRequest.batch_id == req.batch_id, MentoringRequest.id != req.id
        ):
            if other.state in (RequestState.QUEUED, RequestState.OPEN):
                was_open = other.state is RequestState.OPEN
                self._move(
                    other, RequestEvent.SUPERSEDE, ActorRef.system("accepted elsewhere"), now
                )
                if was_open:
                    await self._tell_withdrawn(other, now)
        rel = await new_relationship(
            self.session,
            self.org_id,
            scheme_id=req.scheme_id,
            request_id=req.id,
            mentee_id=req.mentee_id,
            mentor_id=req.mentor_id,
            remote_peer=req.remote_peer,
            remote_ref=req.remote_ref,
            counterpart_name=req.counterpart_name,
            counterpart_email=req.counterpart_email,
            counterpart_org=req.counterpart_org,
            now=now,
            who=who,
        )
        req.relationship_id = rel.id
        await start_agreement(self.session, rel)
        return rel

    async def _tell_withdrawn(self, req: MentoringRequest, now: datetime) -> None:
        if req.direction is Direction.OUTGOING:
            assert req.remote_peer is not None
            self.remote(
                RemoteEvent("request.withdraw", req.remote_peer, {"request_id": req.remote_ref})
            )
        else:
            await notify(
                self.session,
                self.org_id,
                req.mentor_id,
                NotificationKind.REQUEST_WITHDRAWN,
                "A mentoring request was withdrawn",
                "A request you received has been withdrawn; there is nothing for you to do.",
                now=now,
                link="/requests",
            )

    async def decline(
        self, mentor: Member, request_id: uuid.UUID, data: DeclineIn, now: datetime
    ) -> MentoringRequest:
        req = await self.visible(mentor, request_id)
        if req.mentor_id != mentor.id:
            raise NotFound("No such request.")
        if data.code not in DECLINE_CODES:
            raise InvalidInput.on("code", f"one of {', '.join(DECLINE_CODES)}")
        who = ActorRef(mentor.id, f"member {mentor.id}")
        self._move(req, RequestEvent.DECLINE, who, now)
        req.answered_at = now
        req.decline_code = data.code
        req.decline_reason = data.reason
        req.decline_reason_private = data.private
        if req.direction is Direction.INCOMING:
            assert req.remote_peer is not None
            self.remote(
                RemoteEvent(
                    "request.decline",
                    req.remote_peer,
                    {"request_id": req.remote_ref, "reason": data.code},
                )
            )
        else:
            told = "" if data.private or not data.reason else f"\n\nTheir reason: {data.reason}"
            await notify(
                self.session,
                self.org_id,
                req.mentee_id,
                NotificationKind.REQUEST_DECLINED,
                "A mentor could not take your request",
                "One of the mentors you asked is not able to mentor you." + told,
                now=now,
                link="/requests",
            )
            await self._cascade(req, who, now)
        await self.session.flush()
        return req

    # --- the mentee withdraws ---------------------------------------------------------------

    async def withdraw(
        self, mentee: Member, request_id: uuid.UUID, now: datetime
    ) -> list[MentoringRequest]:
        """Withdraw the whole batch of ``request_id`` (what is still queued or open)."""
        req = await self.visible(mentee, request_id)
        if req.mentee_id != mentee.id:
            raise NotFound("No such request.")
        batch = await self.requests.list(MentoringRequest.batch_id == req.batch_id)
        if not any(r.state in (RequestState.QUEUED, RequestState.OPEN) for r in batch):
            next_request_state(req.state, RequestEvent.WITHDRAW)  # raises the 409
        who = ActorRef(mentee.id, f"member {mentee.id}")
        for row in batch:
            if row.state in (RequestState.QUEUED, RequestState.OPEN):
                was_open = row.state is RequestState.OPEN
                self._move(row, RequestEvent.WITHDRAW, who, now)
                if was_open:
                    await self._tell_withdrawn(row, now)
        await self.session.flush()
        return list(batch)

    # --- the expiry job ---------------------------------------------------------------------

    async def expire(self, req: MentoringRequest, now: datetime) -> None:
        system = ActorRef.system("expiry job")
        self._move(req, RequestEvent.EXPIRE, system, now)
        if req.direction is Direction.INCOMING:
            assert req.remote_peer is not None
            self.remote(
                RemoteEvent(
                    "request.decline",
                    req.remote_peer,
                    {"request_id": req.remote_ref, "reason": "unavailable"},
                )
            )
            await notify(
                self.session,
                self.org_id,
                req.mentor_id,
                NotificationKind.REQUEST_EXPIRED,
                "A mentoring request expired",
                "A request from a mentee of another organisation expired unanswered.",
                now=now,
                link="/requests",
            )
            return
        for member_id, text in (
            (req.mentee_id, "One of your requests expired without an answer."),
            (req.mentor_id, "A mentoring request to you expired without an answer."),
        ):
            await notify(
                self.session,
                self.org_id,
                member_id,
                NotificationKind.REQUEST_EXPIRED,
                "A mentoring request expired",
                text,
                now=now,
                link="/requests",
            )
        await self._cascade(req, system, now)

    # --- what another node tells us ---------------------------------------------------------

    async def received(
        self,
        mentor: Member,
        peer: str,
        remote_ref: str,
        summary: dict[str, Any],
        answer_by: datetime,
        now: datetime,
        message: str,
        mentee_org_name: str = "",
    ) -> MentoringRequest:
        """A request from another organisation for our ``mentor``, opened as our settings say.
        It belongs to the mentor's own scheme: our budget, questionnaires and reports apply to
        our person, whatever the mentee's organisation's are."""
        settings = await mentoring_settings(self.session, self.org_id)
        scheme_id = await mentor_scheme_of(self.session, self.org_id, mentor.id, today=now.date())
        req = self.requests.add(
            MentoringRequest(
                id=uuid.uuid4(),
                batch_id=uuid.uuid4(),
                rank=1,
                direction=Direction.INCOMING,
                scheme_id=scheme_id,
                mentor_id=mentor.id,
                remote_peer=peer,
                remote_ref=remote_ref,
                remote_summary=summary,
                counterpart_org=mentee_org_name[:200],
                message=message[:2000],
                state=RequestState.QUEUED,
                created_at=now,
            )
        )
        who = ActorRef.system(f"peer {peer}")
        self.audit.record("request", req.id, "create", who, to_state="queued", at=now)
        await self._open(req, settings, who, now)
        assert req.expires_at is not None
        req.expires_at = min(req.expires_at, answer_by)
        await self.session.flush()
        return req

    async def accepted_remotely(
        self, req: MentoringRequest, peer: str, mentor_name: str, mentor_email: str, now: datetime
    ) -> Relationship:
        """Our outgoing request was accepted on the mentor's node: the pairing starts here too,
        and the mentor's node learns our mentee's name."""
        who = ActorRef.system(f"peer {peer}")
        self._move(req, RequestEvent.ACCEPT, who, now)
        req.answered_at = now
        req.counterpart_name = mentor_name[:200]
        req.counterpart_email = mentor_email[:320]
        rel = await self._pair(req, who, now)
        mentee = (
            await MemberRepository(self.session, self.org_id).get(req.mentee_id)
            if req.mentee_id
            else None
        )
        # A mentee always had a work email when they asked (``_check_reachable``); one removed
        # by a staff import since leaves the mentor with what they have, never a made-up one.
        if mentee is not None and mentee.email:
            self.remote(
                RemoteEvent(
                    "request.introduce",
                    peer,
                    {
                        "request_id": req.remote_ref,
                        "mentee": {
                            "name": mentee.display_name,
                            "work_email": mentee.email,
                        },
                    },
                )
            )
        words = await self._accepted_words(req)
        await notify(
            self.session,
            self.org_id,
            req.mentee_id,
            NotificationKind.REQUEST_ACCEPTED,
            words.subject,
            compose(
                words.opening, f"{mentor_name} (another organisation) has agreed to mentor you."
            ),
            now=now,
            link=f"/relationships/{rel.id}",
        )
        await self.session.flush()
        return rel

    async def declined_remotely(
        self, req: MentoringRequest, peer: str, reason_code: str, now: datetime
    ) -> MentoringRequest:
        """Our outgoing request was declined (or expired) on the mentor's node: it cascades."""
        who = ActorRef.system(f"peer {peer}")
        self._move(req, RequestEvent.DECLINE, who, now, reason=reason_code)
        req.answered_at = now
        req.decline_code = reason_code if reason_code in DECLINE_CODES else "unavailable"
        await notify(
            self.session,
            self.org_id,
            req.mentee_id,
            NotificationKind.REQUEST_DECLINED,
            "A mentor could not take your request",
            "A mentor of another organisation is not able to mentor you.",
            now=now,
            link="/requests",
        )
        await self._cascade(req, who, now)
        await self.session.flush()
        return req

    async def withdrawn_remotely(
        self, req: MentoringRequest, peer: str, now: datetime
    ) -> MentoringRequest:
        """The mentee on the other node withdrew a request to our mentor."""
        self._move(req, RequestEvent.WITHDRAW, ActorRef.system(f"peer {peer}"), now)
        await self._tell_withdrawn(req, now)
        await self.session.flush()
        return req

    # --- the org leaves a network -------------------------------------------------------------

    async def withdraw_across(
        self, peers: dict[str, set[str]], who: ActorRef, now: datetime
    ) -> list[MentoringRequest]:
        """Withdraw the org's pending requests with the orgs of ``peers`` (node -> org slugs):
        its mentees' requests to those nodes are withdrawn, and requests its mentors received
        from those orgs are declined (``org-rules``). Each other node is told as usual."""
        pending = await self.requests.list(
            MentoringRequest.state.in_((RequestState.QUEUED, RequestState.OPEN)),
            MentoringRequest.remote_peer.in_(list(peers)),
        )
        touched = []
        for req in pending:
            assert req.remote_peer is not None
            if req.direction is Direction.OUTGOING:
                was_open = req.state is RequestState.OPEN
                self._move(req, RequestEvent.WITHDRAW, who, now, "left the network")
                if was_open:
                    await self._tell_withdrawn(req, now)
            elif req.remote_summary.get("mentee_org") in peers[req.remote_peer]:
                self._move(req, RequestEvent.DECLINE, who, now, "left the network")
                req.answered_at, req.decline_code = now, "org-rules"
                self.remote(
                    RemoteEvent(
                        "request.decline",
                        req.remote_peer,
                        {"request_id": req.remote_ref, "reason": "org-rules"},
                    )
                )
            else:
                continue
            touched.append(req)
        await self.session.flush()
        return touched


#: Names are exchanged once a request is accepted; across organisations that means a work email.
NO_WORK_EMAIL = (
    "Your record has no work email, which the {them}'s organisation needs to introduce you; "
    "ask your HR team to add it."
)


def _check_reachable(mentee: Member, targets: Sequence[RankedMentor]) -> None:
    """A mentee asking a mentor at another organisation must be reachable there."""
    if mentee.email:
        return
    for i, target in enumerate(targets):
        if target.remote is not None:
            raise InvalidInput.on(f"mentors[{i}]", NO_WORK_EMAIL.format(them="mentor"))


def _check_asks_something(asked: dict[str, Any], targets: Sequence[RankedMentor]) -> None:
    """A mentor elsewhere decides on what the mentee asks for: at least one topic."""
    if asked["topics"]:
        return
    for i, target in enumerate(targets):
        if target.remote is not None:
            raise InvalidInput.on(
                f"mentors[{i}]",
                "a mentor at another organisation needs to know what you want help with; "
                "choose your topics in your mentee profile first",
            )


async def expire_due_requests(session: AsyncSession, now: datetime, remote: RemoteSink) -> int:
    """Expire every open request (of every org on the node) whose answer date has passed."""
    due = (
        await session.scalars(
            select(MentoringRequest)
            .where(
                MentoringRequest.state == RequestState.OPEN,
                MentoringRequest.expires_at <= now,
                MentoringRequest.direction != Direction.OUTGOING,  # the mentor's node decides
            )
            .order_by(MentoringRequest.expires_at)
        )
    ).all()
    for req in due:
        await RequestService(session, req.org_id, remote).expire(req, now)
    await session.flush()
    return len(due)


# --- federation inbox hooks ----------------------------------------------------------------


async def locate_remote(
    session: AsyncSession, peer: str, remote_ref: str, direction: Direction
) -> MentoringRequest | None:
    """The node-level lookup of a request by (peer, shared request id) on one side; the only
    query here that is not scoped to one org, because a peer's message names no org of ours.
    The side is always named: between two orgs of this node, the mentee's outgoing request and
    the mentor's incoming one are both here, under the same (peer, ref)."""
    row: MentoringRequest | None = await session.scalar(
        select(MentoringRequest)
        .where(
            MentoringRequest.remote_peer == peer,
            MentoringRequest.remote_ref == remote_ref,
            MentoringRequest.direction == direction,
        )
        .execution_options(populate_existing=True)
    )
    return row


async def receive_remote_request(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    peer: str,
    remote_ref: str,
    mentor_id: uuid.UUID,
    summary: dict[str, Any],
    answer_by: datetime,
    now: datetime,
    message: str = "",
    mentee_org_name: str = "",
) -> MentoringRequest:
    """``request.create`` arrived for ``mentor_id`` (the federation side resolved the card and
    the display name of the mentee's organisation). Idempotent on (peer, remote_ref). The
    request expires at the sooner of ``answer_by`` and the org's own expiry."""
    existing = await locate_remote(session, peer, remote_ref, Direction.INCOMING)
    if existing is not None:
        return existing
    mentor = await MemberRepository(session, org_id).get(mentor_id)
    return await RequestService(session, org_id, discard).received(
        mentor, peer, remote_ref, summary, answer_by, now, message, mentee_org_name
    )


async def _remote(
    session: AsyncSession, peer: str, remote_ref: str, direction: Direction
) -> MentoringRequest:
    req = await locate_remote(session, peer, remote_ref, direction)
    if req is None:
        raise NotFound("No such request.")
    return req


async def apply_remote_accept(
    session: AsyncSession,
    *,
    peer: str,
    remote_ref: str,
    mentor_name: str,
    mentor_email: str,
    now: datetime,
    remote: RemoteSink,
) -> Relationship:
    """``request.accept`` for one of our outgoing requests: the pairing starts here too. The
    caller sends ``request.introduce`` with our mentee's name (see :func:`introduction_of`)."""
    req = await _remote(session, peer, remote_ref, Direction.OUTGOING)
    if req.direction is not Direction.OUTGOING:
        raise NotFound("No such request.")
    if req.state is RequestState.ACCEPTED and req.relationship_id is not None:
        return await Relationships(session, req.org_id).get(req.relationship_id)
    return await RequestService(session, req.org_id, remote).accepted_remotely(
        req, peer, mentor_name, mentor_email, now
    )


async def apply_remote_introduce(
    session: AsyncSession, *, peer: str, remote_ref: str, mentee_name: str, mentee_email: str
) -> None:
    """``request.introduce``: the remote mentee's name, after our mentor accepted."""
    req = await _remote(session, peer, remote_ref, Direction.INCOMING)
    if req.direction is not Direction.INCOMING or req.state is not RequestState.ACCEPTED:
        raise NotFound("No such request.")
    req.counterpart_name = mentee_name[:200]
    req.counterpart_email = mentee_email[:320]
    if req.relationship_id is not None:
        rel = await Relationships(session, req.org_id).get(req.relationship_id)
        rel.counterpart_name = req.counterpart_name
        rel.counterpart_email = req.counterpart_email
    await session.flush()


async def apply_remote_decline(
    session: AsyncSession,
    *,
    peer: str,
    remote_ref: str,
    reason_code: str,
    now: datetime,
    remote: RemoteSink,
) -> MentoringRequest:
    """``request.decline`` for an outgoing request: declined (or expired there); cascades."""
    req = await _remote(session, peer, remote_ref, Direction.OUTGOING)
    if req.direction is not Direction.OUTGOING:
        raise NotFound("No such request.")
    if req.state is RequestState.DECLINED:
        return req
    return await RequestService(session, req.org_id, remote).declined_remotely(
        req, peer, reason_code, now
    )


async def apply_remote_withdraw(
    session: AsyncSession, *, peer: str, remote_ref: str, now: datetime
) -> MentoringRequest:
    """``request.withdraw`` for an incoming request."""
    req = await _remote(session, peer, remote_ref, Direction.INCOMING)
    if req.direction is not Direction.INCOMING:
        raise NotFound("No such request.")
    if req.state is RequestState.WITHDRAWN:
        return req
    return await RequestService(session, req.org_id, discard).withdrawn_remotely(req, peer, now)
