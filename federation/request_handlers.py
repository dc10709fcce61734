"""Inbox handlers for cross-node requests and relationships: the mentor's node checks its own
org's rules on receipt; either node applies the other's answers to the same state machine.

A refusal on receipt is not an HTTP error: the message was valid, so it is stored (202) and
answered with ``request.decline`` through the outbox, saying only a coarse reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation import wire
from federation.erasure import forget_remote_person
from federation.feed import Feed
from federation.org_names import org_display_name
from federation.relationship_outbox import outbox_sink
from federation.this_node import ref_of
from orgs.db import utcnow
from orgs.mentoring.ending import apply_remote_end
from orgs.mentoring.relationships import free_capacity
from orgs.mentoring.remote_events import RemoteEvent
from orgs.mentoring.shared_record import share_new
from orgs.models import Org
from orgs.pairing.candidates import approved_members
from orgs.pairing.requests import (
    apply_remote_accept,
    apply_remote_decline,
    apply_remote_introduce,
    apply_remote_withdraw,
    receive_remote_request,
)
from orgs.pairing.sharing import policy_of
from orgs.people.members import Member, MemberStatus
from orgs.people.profiles import MentorProfileRow, MentorProfiles
from orgs.schemes.eligibility import SchemeRole


def _decline(session: AsyncSession, message: wire.RequestCreate, reason: str) -> None:
    outbox_sink(session)(
        RemoteEvent(
            "request.decline", message.iss, {"request_id": message.request_id, "reason": reason}
        )
    )


async def _refusal(session: AsyncSession, message: wire.RequestCreate) -> tuple[str, Member | None]:
    """Why this node will not put the request to a mentor (or "" and the mentor)."""
    mentor_id = await Feed(session, message.iss).mentor_for(message.card)
    mentor = await session.get(Member, mentor_id) if mentor_id is not None else None
    if mentor is None or mentor.status is not MemberStatus.ACTIVE:
        return "unavailable", None
    org = await session.get(Org, mentor.org_id)
    assert org is not None
    if not policy_of(org).allows(ref_of(message.mentee_org, message.iss, message.aud)):
        return "org-rules", None
    profile = await MentorProfiles(session, org.id).find_one(
        MentorProfileRow.member_id == mentor.id
    )
    if profile is None or not profile.open_to_other_orgs:
        return "unavailable", None
    today = utcnow().date()
    if mentor.id not in await approved_members(
        session, org.id, SchemeRole.MENTOR, None, today=today
    ):
        return "org-rules", None
    if profile.paused_on(today) or await free_capacity(session, profile) < 1:
        return "no-capacity", None
    return "", mentor


async def receive_request(session: AsyncSession, message: wire.RequestCreate) -> None:
    reason, mentor = await _refusal(session, message)
    if mentor is None:
        _decline(session, message, reason)
        return
    await receive_remote_request(
        session,
        mentor.org_id,
        peer=message.iss,
        remote_ref=message.request_id,
        mentor_id=mentor.id,
        summary={
            "mentee_org": message.mentee_org,
            "mentee_band": message.mentee_band,
            "topics": [{"topic": t.topic, "importance": t.importance} for t in message.topics],
            "meeting_modes": list(message.meeting_modes),
            "languages": list(message.languages),
        },
        answer_by=datetime.fromtimestamp(message.answer_by, UTC),
        now=utcnow(),
        message=message.ask.words if message.ask else "",
        mentee_org_name=await org_display_name(session, message.iss, message.mentee_org),
    )


async def accepted(session: AsyncSession, message: wire.RequestAccept) -> None:
    rel = await apply_remote_accept(
        session,
        peer=message.iss,
        remote_ref=message.request_id,
        mentor_name=message.mentor.name,
        mentor_email=message.mentor.work_email,
        now=utcnow(),
        remote=outbox_sink(session),
    )
    # The mentee's side holds the shared record: the mentor's side gets its first version.
    await share_new(session, rel, outbox_sink(session), utcnow())


async def introduced(session: AsyncSession, message: wire.RequestIntroduce) -> None:
    await apply_remote_introduce(
        session,
        peer=message.iss,
        remote_ref=message.request_id,
        mentee_name=message.mentee.name,
        mentee_email=message.mentee.work_email,
    )


async def declined(session: AsyncSession, message: wire.RequestDecline) -> None:
    await apply_remote_decline(
        session,
        peer=message.iss,
        remote_ref=message.request_id,
        reason_code=message.reason,
        now=utcnow(),
        remote=outbox_sink(session),
    )


async def withdrawn(session: AsyncSession, message: wire.RequestWithdraw) -> None:
    await apply_remote_withdraw(
        session, peer=message.iss, remote_ref=message.request_id, now=utcnow()
    )


async def ended(session: AsyncSession, message: wire.RelationshipEnd) -> None:
    await apply_remote_end(
        session,
        peer=message.iss,
        remote_ref=message.request_id,
        completed=message.reason == "completed",
        now=utcnow(),
    )


async def erased(session: AsyncSession, message: wire.MemberErase) -> None:
    await forget_remote_person(session, message)
