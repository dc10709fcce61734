"""``/api/v1/me/…``, ``/api/v1/requests/…`` and ``/api/v1/relationships/…``: what mentees,
mentors and line managers do, from a request to the end of a relationship.

Every route acts as the signed-in member of the actor's org; a row of another org, or one the
member is not a party to, is a 404. Changes that concern another node go to the federation
outbox in the same transaction (``outbox_sink``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from federation.asking import ask_mentors
from federation.relationship_outbox import outbox_sink
from network.http.actor import Actor_
from network.http.dependencies import Db, here_of
from network.http.mentoring_out import (
    AgreementOut,
    ConcernOut,
    EvaluationOut,
    LogEntryOut,
    MarkedReadOut,
    MeetingOut,
    MeetingResultOut,
    NoteOut,
    NotificationOut,
    ObjectiveOut,
    RelationshipOut,
    RequestOut,
    ShadowingOut,
    TimeReleaseOut,
    evaluation_out,
    relationship_out,
    request_out,
)
from network.http.path_params import Id
from network.http.problems import API_PROBLEMS
from network.http.profiles_api import member_of
from network.http.text_responses import text_response
from orgs.db import utcnow
from orgs.mentoring import (
    agreements,
    concerns,
    evaluations,
    learning_log,
    meetings,
    objectives,
    shadowing,
    shared_record,
)
from orgs.mentoring.ending import EndIn, end_relationship
from orgs.mentoring.relationships import (
    Party,
    Relationship,
    Relationships,
    for_party,
    relationships_of,
)
from orgs.pairing.requests import DeclineIn, MentoringRequest, RequestService, RequestsIn
from orgs.people.members import Member, MemberRepository
from orgs.people.notifications import (
    PreferenceIn,
    inbox,
    mark_all_read,
    mark_read,
    set_preference,
)
from orgs.records.records_export import member_record, record_csv
from orgs.structs import out

T = TypeVar("T")


async def _names(db: Db, member: Member, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await MemberRepository(db, member.org_id).list(Member.id.in_(wanted))
    return {m.id: m.display_name for m in rows}


async def _requests_out(db: Db, member: Member, rows: list[MentoringRequest]) -> list[RequestOut]:
    names = await _names(db, member, [i for r in rows for i in (r.mentee_id, r.mentor_id)])
    return [request_out(r, member, names) for r in rows]


async def _relationship_out(db: Db, member: Member, rel: Relationship) -> RelationshipOut:
    party = rel.party_of(member.id)
    other_id = rel.other_party_id(party) if party else None
    other = (
        await MemberRepository(db, member.org_id).find_one(Member.id == other_id)
        if other_id
        else None
    )
    release = await meetings.time_release(db, rel)
    return relationship_out(rel, member, other, release, await shared_record.in_flight(db, rel))


async def _shared(
    db: Db,
    me: Member,
    relationship_id: uuid.UUID,
    op: dict[str, Any] | None,
    item: str,
    party: Party | None = None,
) -> bool:
    """Tell the other side of a cross-organisation relationship of an edit just made here
    (``orgs.mentoring.shared_record``); nothing for a pair within one organisation. True when
    the edit waits for the other organisation's node (the mentor's side): answered 202."""
    return await shared_record.after_edit(
        db, me, relationship_id, op, item, utcnow(), outbox_sink(db), party
    )


#: The 202 of an edit on the mentor's side of a pair across nodes.
PENDING_DESCRIPTION = (
    "Made on this node and sent to the mentee's organisation's node, which keeps the shared "
    "record: shown as pending (the relationship's `pending_changes`) until it answers. If the "
    "other party changed the same item meanwhile it is not made there, and the relationship "
    "lists it in `changes_not_made` with the current record."
)


def pending_or(model: type[Any]) -> dict[int, ResponseSpec]:
    """The problems an edit of the shared record may answer, and its 202 (same body)."""
    return {
        **API_PROBLEMS,
        HTTP_202_ACCEPTED: ResponseSpec(data_container=model, description=PENDING_DESCRIPTION),
    }


def _made(body: T, *, pending: bool, status: int = HTTP_200_OK) -> Response[T]:
    """``body`` with 202 Accepted when the edit waits for the other organisation's node."""
    return Response(body, status_code=HTTP_202_ACCEPTED if pending else status)


class RequestsController(Controller):
    path = "/api/v1"
    tags = ("mentoring requests",)

    @get("/me/requests", summary="Requests I sent and requests sent to me", responses=API_PROBLEMS)
    async def mine(self, actor: Actor_, db: Db) -> list[RequestOut]:
        me = member_of(actor)
        return await _requests_out(
            db, me, await RequestService(db, me.org_id, outbox_sink(db)).mine(me)
        )

    @post(
        "/me/requests",
        summary="Ask up to N ranked mentors (cascading or in parallel, per org setting)",
        responses=API_PROBLEMS,
    )
    async def send(
        self, request: Request[Any, Any, Any], actor: Actor_, db: Db, data: JSONBody[RequestsIn]
    ) -> list[RequestOut]:
        me = member_of(actor)
        rows = await ask_mentors(db, me, actor.org_slug, data, utcnow(), here_of(request))
        return await _requests_out(db, me, rows)

    @get("/requests/{request_id:uuid}", summary="One request", responses=API_PROBLEMS)
    async def one(self, request_id: Id, actor: Actor_, db: Db) -> RequestOut:
        me = member_of(actor)
        req = await RequestService(db, me.org_id, outbox_sink(db)).visible(me, request_id)
        return (await _requests_out(db, me, [req]))[0]

    @post(
        "/requests/{request_id:uuid}/accept",
        summary="Accept a request: the relationship starts",
        responses=API_PROBLEMS,
    )
    async def accept(self, request_id: Id, actor: Actor_, db: Db) -> RelationshipOut:
        me = member_of(actor)
        rel = await RequestService(db, me.org_id, outbox_sink(db)).accept(me, request_id, utcnow())
        return await _relationship_out(db, me, rel)

    @post(
        "/requests/{request_id:uuid}/decline",
        summary="Decline a request, with a reason that may be kept private",
        responses=API_PROBLEMS,
    )
    async def decline(
        self, request_id: Id, actor: Actor_, db: Db, data: JSONBody[DeclineIn]
    ) -> RequestOut:
        me = member_of(actor)
        req = await RequestService(db, me.org_id, outbox_sink(db)).decline(
            me, request_id, data, utcnow()
        )
        return (await _requests_out(db, me, [req]))[0]

    @post(
        "/requests/{request_id:uuid}/withdraw",
        summary="Withdraw this request and the rest of its batch",
        responses=API_PROBLEMS,
    )
    async def withdraw(self, request_id: Id, actor: Actor_, db: Db) -> list[RequestOut]:
        me = member_of(actor)
        rows = await RequestService(db, me.org_id, outbox_sink(db)).withdraw(
            me, request_id, utcnow()
        )
        return await _requests_out(db, me, rows)


class RelationshipsController(Controller):
    path = "/api/v1/relationships"
    tags = ("mentoring relationships",)

    @get("/", summary="My relationships, as mentee or mentor", responses=API_PROBLEMS)
    async def mine(self, actor: Actor_, db: Db) -> list[RelationshipOut]:
        me = member_of(actor)
        return [await _relationship_out(db, me, r) for r in await relationships_of(db, me)]

    @get("/{rel_id:uuid}", summary="One relationship with its time release", responses=API_PROBLEMS)
    async def one(self, rel_id: Id, actor: Actor_, db: Db) -> RelationshipOut:
        me = member_of(actor)
        rel, _ = await for_party(db, me, rel_id)
        return await _relationship_out(db, me, rel)

    @post(
        "/{rel_id:uuid}/end",
        summary="Close, no-fit after the first meeting, or change mentor",
        responses=API_PROBLEMS,
    )
    async def end(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[EndIn]
    ) -> RelationshipOut:
        me = member_of(actor)
        rel = await end_relationship(db, me, rel_id, data, utcnow(), outbox_sink(db))
        await _shared(db, me, rel.id, None, "state")
        return await _relationship_out(db, me, rel)

    # --- agreement ---------------------------------------------------------------------------

    @get("/{rel_id:uuid}/agreement", summary="The first-meeting agreement", responses=API_PROBLEMS)
    async def agreement(self, rel_id: Id, actor: Actor_, db: Db) -> AgreementOut:
        row, _, _ = await agreements.agreement_for(db, member_of(actor), rel_id)
        return out(AgreementOut, row)

    @put(
        "/{rel_id:uuid}/agreement",
        summary="Write the agreement (clears both confirmations)",
        responses=pending_or(AgreementOut),
    )
    async def edit_agreement(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[agreements.AgreementIn]
    ) -> Response[AgreementOut]:
        me = member_of(actor)
        row = await agreements.edit_agreement(db, me, rel_id, data)
        rel = await Relationships(db, me.org_id).get(rel_id)
        pending = await _shared(
            db, me, rel_id, shared_record.agreement_edit_op(row, rel), "agreement"
        )
        return _made(out(AgreementOut, row), pending=pending)

    @post(
        "/{rel_id:uuid}/agreement/confirm",
        summary="Confirm the agreement, the code of conduct and the principles",
        responses=pending_or(AgreementOut),
    )
    async def confirm(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[agreements.ConfirmIn]
    ) -> Response[AgreementOut]:
        me = member_of(actor)
        row = await agreements.confirm_agreement(db, me, rel_id, data, utcnow())
        pending = await _shared(
            db, me, rel_id, shared_record.agreement_confirm_op(row), "agreement"
        )
        return _made(out(AgreementOut, row), pending=pending, status=HTTP_201_CREATED)

    # --- meetings ------------------------------------------------------------------------------

    @get("/{rel_id:uuid}/meetings", summary="Meetings, scheduled and held", responses=API_PROBLEMS)
    async def list_meetings(self, rel_id: Id, actor: Actor_, db: Db) -> list[MeetingOut]:
        rel, _ = await for_party(db, member_of(actor), rel_id)
        return [out(MeetingOut, m) for m in await meetings.meetings_of(db, rel)]

    @get(
        "/{rel_id:uuid}/time-release",
        summary="Time release used against the budget",
        responses=API_PROBLEMS,
    )
    async def time_release(self, rel_id: Id, actor: Actor_, db: Db) -> TimeReleaseOut:
        rel, _ = await for_party(db, member_of(actor), rel_id)
        return out(TimeReleaseOut, await meetings.time_release(db, rel))

    @post(
        "/{rel_id:uuid}/meetings",
        summary="Schedule a meeting, or record one held",
        responses=pending_or(MeetingResultOut),
    )
    async def add_meeting(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[meetings.MeetingIn]
    ) -> Response[MeetingResultOut]:
        me = member_of(actor)
        meeting, release = await meetings.add_meeting(db, me, rel_id, data, utcnow())
        op = shared_record.meeting_add_op(meeting)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(meeting))
        return _made(
            MeetingResultOut(out(MeetingOut, meeting), out(TimeReleaseOut, release)),
            pending=pending,
            status=HTTP_201_CREATED,
        )

    @post(
        "/{rel_id:uuid}/meetings/{meeting_id:uuid}/held",
        summary="Mark a scheduled meeting held (counts against the time release)",
        responses=pending_or(MeetingResultOut),
    )
    async def held(
        self, rel_id: Id, meeting_id: Id, actor: Actor_, db: Db, data: JSONBody[meetings.HeldIn]
    ) -> Response[MeetingResultOut]:
        me = member_of(actor)
        meeting, release = await meetings.mark_held(db, me, rel_id, meeting_id, data, utcnow())
        op = shared_record.meeting_held_op(meeting)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(meeting))
        return _made(
            MeetingResultOut(out(MeetingOut, meeting), out(TimeReleaseOut, release)),
            pending=pending,
            status=HTTP_201_CREATED,
        )

    @post(
        "/{rel_id:uuid}/meetings/{meeting_id:uuid}/cancel",
        summary="Cancel a scheduled meeting",
        responses=pending_or(MeetingOut),
    )
    async def cancel(
        self, rel_id: Id, meeting_id: Id, actor: Actor_, db: Db
    ) -> Response[MeetingOut]:
        me = member_of(actor)
        meeting = await meetings.cancel_meeting(db, me, rel_id, meeting_id, utcnow())
        op = shared_record.meeting_cancel_op(meeting)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(meeting))
        return _made(out(MeetingOut, meeting), pending=pending, status=HTTP_201_CREATED)

    @post(
        "/{rel_id:uuid}/meetings/{meeting_id:uuid}/reschedule",
        summary="Move a scheduled meeting (both people get the updated calendar invitation)",
        responses=pending_or(MeetingOut),
    )
    async def reschedule(
        self,
        rel_id: Id,
        meeting_id: Id,
        actor: Actor_,
        db: Db,
        data: JSONBody[meetings.RescheduleIn],
    ) -> Response[MeetingOut]:
        me = member_of(actor)
        meeting = await meetings.reschedule_meeting(db, me, rel_id, meeting_id, data, utcnow())
        op = shared_record.meeting_reschedule_op(meeting)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(meeting))
        return _made(out(MeetingOut, meeting), pending=pending, status=HTTP_201_CREATED)

    @patch(
        "/{rel_id:uuid}/meetings/{meeting_id:uuid}",
        summary="Write the shared summary or (mentor) the meeting record",
        responses=pending_or(MeetingOut),
    )
    async def record(
        self, rel_id: Id, meeting_id: Id, actor: Actor_, db: Db, data: JSONBody[meetings.RecordIn]
    ) -> Response[MeetingOut]:
        me = member_of(actor)
        meeting = await meetings.write_record(db, me, rel_id, meeting_id, data)
        op = shared_record.meeting_record_op(meeting, data.summary, data.mentor_record)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(meeting))
        return _made(out(MeetingOut, meeting), pending=pending)

    @get(
        "/{rel_id:uuid}/meetings/{meeting_id:uuid}/invitation.ics",
        summary="A calendar invitation (.ics) for the meeting",
        responses=API_PROBLEMS,
        media_type="text/calendar",
    )
    async def invitation(self, rel_id: Id, meeting_id: Id, actor: Actor_, db: Db) -> Response[str]:
        me = member_of(actor)
        meeting, rel, _ = await meetings.meeting_for(db, me, rel_id, meeting_id)
        people = await MemberRepository(db, me.org_id).list(Member.id.in_(rel.local_party_ids))
        emails = [p.email for p in people] + ([rel.counterpart_email] if rel.is_remote else [])
        body = meetings.ics(meeting, meetings.MEETING_TITLE, me.email, emails, utcnow())
        return text_response(body, "text/calendar", download=f"meeting-{meeting.id}.ics")

    @get(
        "/{rel_id:uuid}/meetings/{meeting_id:uuid}/notes",
        summary="My private notes on a meeting (nobody else can read them)",
        responses=API_PROBLEMS,
    )
    async def notes(self, rel_id: Id, meeting_id: Id, actor: Actor_, db: Db) -> list[NoteOut]:
        rows = await meetings.my_notes(db, member_of(actor), rel_id, meeting_id)
        return [out(NoteOut, n) for n in rows]

    @post(
        "/{rel_id:uuid}/meetings/{meeting_id:uuid}/notes",
        summary="Add a private note",
        responses=API_PROBLEMS,
    )
    async def add_note(
        self, rel_id: Id, meeting_id: Id, actor: Actor_, db: Db, data: JSONBody[meetings.NoteIn]
    ) -> NoteOut:
        note = await meetings.add_note(db, member_of(actor), rel_id, meeting_id, data, utcnow())
        return out(NoteOut, note)

    # --- objectives and the learning log ---------------------------------------------------

    @get("/{rel_id:uuid}/objectives", summary="Objectives and action plans", responses=API_PROBLEMS)
    async def list_objectives(self, rel_id: Id, actor: Actor_, db: Db) -> list[ObjectiveOut]:
        rows = await objectives.objectives_of(db, member_of(actor), rel_id)
        return [out(ObjectiveOut, o) for o in rows]

    @post(
        "/{rel_id:uuid}/objectives", summary="Add an objective", responses=pending_or(ObjectiveOut)
    )
    async def add_objective(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[objectives.ObjectiveIn]
    ) -> Response[ObjectiveOut]:
        me = member_of(actor)
        row = await objectives.save_objective(db, me, rel_id, data, utcnow())
        op = shared_record.objective_op(row)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(row))
        return _made(out(ObjectiveOut, row), pending=pending, status=HTTP_201_CREATED)

    @put(
        "/{rel_id:uuid}/objectives/{objective_id:uuid}",
        summary="Update an objective and its action plan",
        responses=pending_or(ObjectiveOut),
    )
    async def edit_objective(
        self,
        rel_id: Id,
        objective_id: Id,
        actor: Actor_,
        db: Db,
        data: JSONBody[objectives.ObjectiveIn],
    ) -> Response[ObjectiveOut]:
        me = member_of(actor)
        row = await objectives.save_objective(db, me, rel_id, data, utcnow(), objective_id)
        op = shared_record.objective_op(row)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(row))
        return _made(out(ObjectiveOut, row), pending=pending)

    @get(
        "/{rel_id:uuid}/learning-log",
        summary="The learning log: all of it for the mentee, shared entries for the mentor",
        responses=API_PROBLEMS,
    )
    async def log(self, rel_id: Id, actor: Actor_, db: Db) -> list[LogEntryOut]:
        rows = await learning_log.visible_entries(db, member_of(actor), rel_id)
        return [out(LogEntryOut, e) for e in rows]

    @post(
        "/{rel_id:uuid}/learning-log",
        summary="Add a log entry (mentee; private unless shared)",
        responses=API_PROBLEMS,
    )
    async def add_log(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[learning_log.LogEntryIn]
    ) -> LogEntryOut:
        me = member_of(actor)
        entry = await learning_log.add_entry(db, me, rel_id, data, utcnow())
        if entry.shared:  # an unshared entry is the mentee's alone: nothing to tell
            await _shared(db, me, rel_id, None, shared_record.item_ref(entry))
        return out(LogEntryOut, entry)

    # --- shadowing and concerns -----------------------------------------------------------

    @get("/{rel_id:uuid}/shadowing", summary="Shadowing placements", responses=API_PROBLEMS)
    async def list_shadowing(self, rel_id: Id, actor: Actor_, db: Db) -> list[ShadowingOut]:
        rows = await shadowing.list_for_party(db, member_of(actor), rel_id)
        return [out(ShadowingOut, s) for s in rows]

    @post(
        "/{rel_id:uuid}/shadowing",
        summary="Propose shadowing (the mentee's line manager decides)",
        responses=API_PROBLEMS,
    )
    async def propose_shadowing(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[shadowing.ShadowingIn]
    ) -> ShadowingOut:
        me = member_of(actor)
        row = await shadowing.propose(db, me, rel_id, data, utcnow())
        await _shared(db, me, rel_id, None, shared_record.item_ref(row))
        return out(ShadowingOut, row)

    @post(
        "/{rel_id:uuid}/shadowing/{shadowing_id:uuid}/complete",
        summary="Shadowing took place",
        responses=pending_or(ShadowingOut),
    )
    async def complete_shadowing(
        self, rel_id: Id, shadowing_id: Id, actor: Actor_, db: Db
    ) -> Response[ShadowingOut]:
        me = member_of(actor)
        row = await shadowing.finish(db, me, rel_id, shadowing_id, completed=True, now=utcnow())
        op = shared_record.shadowing_finish_op(row)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(row))
        return _made(out(ShadowingOut, row), pending=pending, status=HTTP_201_CREATED)

    @post(
        "/{rel_id:uuid}/shadowing/{shadowing_id:uuid}/cancel",
        summary="Cancel shadowing",
        responses=pending_or(ShadowingOut),
    )
    async def cancel_shadowing(
        self, rel_id: Id, shadowing_id: Id, actor: Actor_, db: Db
    ) -> Response[ShadowingOut]:
        me = member_of(actor)
        row = await shadowing.finish(db, me, rel_id, shadowing_id, completed=False, now=utcnow())
        op = shared_record.shadowing_finish_op(row)
        pending = await _shared(db, me, rel_id, op, shared_record.item_ref(row))
        return _made(out(ShadowingOut, row), pending=pending, status=HTTP_201_CREATED)

    @post(
        "/{rel_id:uuid}/concerns",
        summary="Raise a concern, confidentially, with the scheme coordinator",
        responses=API_PROBLEMS,
    )
    async def raise_concern(
        self, rel_id: Id, actor: Actor_, db: Db, data: JSONBody[concerns.ConcernIn]
    ) -> ConcernOut:
        row = await concerns.raise_concern(db, member_of(actor), rel_id, data, utcnow())
        return out(ConcernOut, row)


class MyMentoringController(Controller):
    path = "/api/v1/me"
    tags = ("mentoring: me",)

    @get("/notes/{note_id:uuid}", summary="One of my private notes", responses=API_PROBLEMS)
    async def note(self, note_id: Id, actor: Actor_, db: Db) -> NoteOut:
        return out(NoteOut, await meetings.read_note(db, member_of(actor), note_id))

    @get("/learning-log/{entry_id:uuid}", summary="One log entry", responses=API_PROBLEMS)
    async def log_entry(self, entry_id: Id, actor: Actor_, db: Db) -> LogEntryOut:
        return out(LogEntryOut, await learning_log.read_entry(db, member_of(actor), entry_id))

    @put(
        "/learning-log/{entry_id:uuid}/sharing",
        summary="Share a log entry with my mentor, or stop sharing it",
        responses=API_PROBLEMS,
    )
    async def share(
        self, entry_id: Id, actor: Actor_, db: Db, data: JSONBody[learning_log.ShareIn]
    ) -> LogEntryOut:
        me = member_of(actor)
        entry = await learning_log.set_shared(db, me, entry_id, shared=data.shared, now=utcnow())
        await _shared(db, me, entry.relationship_id, None, shared_record.item_ref(entry))
        return out(LogEntryOut, entry)

    @get("/concerns", summary="Concerns I raised", responses=API_PROBLEMS)
    async def my_concerns(self, actor: Actor_, db: Db) -> list[ConcernOut]:
        return [out(ConcernOut, c) for c in await concerns.my_concerns(db, member_of(actor))]

    @get("/concerns/{concern_id:uuid}", summary="One concern I raised", responses=API_PROBLEMS)
    async def my_concern(self, concern_id: Id, actor: Actor_, db: Db) -> ConcernOut:
        return out(ConcernOut, await concerns.my_concern(db, member_of(actor), concern_id))

    @get("/evaluations", summary="Evaluations for me to answer", responses=API_PROBLEMS)
    async def my_evaluations(self, actor: Actor_, db: Db) -> list[EvaluationOut]:
        me = member_of(actor)
        out = []
        for e in await evaluations.my_evaluations(db, me):
            q = await evaluations.Questionnaires(db, me.org_id).get(e.questionnaire_id)
            out.append(evaluation_out(e, q))
        return out

    @post(
        "/evaluations/{evaluation_id:uuid}/answers",
        summary="Answer an evaluation",
        responses=API_PROBLEMS,
    )
    async def answer(
        self, evaluation_id: Id, actor: Actor_, db: Db, data: JSONBody[evaluations.AnswersIn]
    ) -> EvaluationOut:
        me = member_of(actor)
        row = await evaluations.submit(db, me, evaluation_id, data, utcnow())
        q = await evaluations.Questionnaires(db, me.org_id).get(row.questionnaire_id)
        return evaluation_out(row, q)

    @get(
        "/shadowing-to-decide",
        summary="Shadowing awaiting my agreement as line manager",
        responses=API_PROBLEMS,
    )
    async def shadowing_to_decide(self, actor: Actor_, db: Db) -> list[ShadowingOut]:
        rows = await shadowing.awaiting_manager(db, member_of(actor))
        return [out(ShadowingOut, s) for s in rows]

    @post(
        "/shadowing-to-decide/{shadowing_id:uuid}",
        summary="Agree or decline shadowing (line manager)",
        responses=API_PROBLEMS,
    )
    async def decide_shadowing(
        self,
        shadowing_id: Id,
        actor: Actor_,
        db: Db,
        data: JSONBody[shadowing.ShadowingDecisionIn],
    ) -> ShadowingOut:
        me = member_of(actor)
        row = await shadowing.decide(db, me, shadowing_id, data, utcnow())
        item = shared_record.item_ref(row)
        await _shared(db, me, row.relationship_id, None, item, Party.MENTEE)
        return out(ShadowingOut, row)

    @get("/notifications", summary="My notifications, newest first", responses=API_PROBLEMS)
    async def notifications(self, actor: Actor_, db: Db) -> list[NotificationOut]:
        return [out(NotificationOut, n) for n in await inbox(db, member_of(actor))]

    @post(
        "/notifications/{notification_id:uuid}/read",
        summary="Mark a notification read",
        responses=API_PROBLEMS,
    )
    async def read(self, notification_id: Id, actor: Actor_, db: Db) -> NotificationOut:
        return out(
            NotificationOut, await mark_read(db, member_of(actor), notification_id, utcnow())
        )

    @post(
        "/notifications/read-all",
        summary="Mark all my notifications read",
        responses=API_PROBLEMS,
    )
    async def read_all(self, actor: Actor_, db: Db) -> MarkedReadOut:
        return MarkedReadOut(await mark_all_read(db, member_of(actor), utcnow()))

    @put(
        "/notification-preference",
        summary="Emails at once, a daily digest, or in the app only",
        responses=API_PROBLEMS,
    )
    async def preference(self, actor: Actor_, db: Db, data: JSONBody[PreferenceIn]) -> PreferenceIn:
        row = await set_preference(db, member_of(actor), data.delivery)
        return PreferenceIn(row.delivery)

    @get(
        "/mentoring-record.json",
        summary="My whole mentoring record (JSON)",
        responses=API_PROBLEMS,
        media_type="application/json",
    )
    async def record_json(self, actor: Actor_, db: Db) -> Response[bytes]:
        import msgspec

        record = await member_record(db, member_of(actor))
        return Response(
            msgspec.json.encode(record),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="mentoring-record.json"'},
        )

    @get(
        "/mentoring-record.csv",
        summary="My whole mentoring record (CSV: field, value)",
        responses=API_PROBLEMS,
        media_type="text/csv",
    )
    async def record_csv(self, actor: Actor_, db: Db) -> Response[str]:
        record = await member_record(db, member_of(actor))
        return text_response(record_csv(record), "text/csv", download="mentoring-record.csv")
