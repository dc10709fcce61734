"""One mentoring relationship: the first-meeting agreement (both confirm the scheme's code of
conduct and principles), meetings and the time release, objectives, the learning log (private
unless shared, per entry), shadowing, ending or changing mentor, and the evaluations."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post

from federation.relationship_outbox import outbox_sink
from network.http.dependencies import Db
from network.http.mentoring_api import _relationship_out
from network.http.mentoring_out import (
    AgreementOut,
    LogEntryOut,
    MeetingOut,
    ObjectiveOut,
    ShadowingOut,
    evaluation_out,
)
from network.http.path_params import Id, Slug
from network.web.concern_pages import CATEGORIES, STATE_WORDS, mine_for, raise_from_form
from network.web.pages import (
    Errors,
    Form,
    PageContext,
    PageContext_,
    date_parts,
    decode,
    domain_errors,
    one,
    read_date,
    read_form,
    render,
    see_other,
    values_of,
)
from network.web.uk_time import NoSuchTime, example_date, from_london, london_today, parse_time
from orgs.db import utcnow
from orgs.errors import DomainError
from orgs.mentoring import (
    agreements,
    evaluations,
    learning_log,
    meetings,
    objectives,
    shadowing,
    shared_record,
)
from orgs.mentoring.ending import EndIn, end_relationship
from orgs.mentoring.relationships import Relationships, for_party
from orgs.structs import out

END_CHOICES = (
    ("close", "The work is done"),
    ("no_fit", "It is not a good fit"),
    ("change_mentor", "I would like a different mentor"),
)
#: Which form of the page an error belongs to, and the fields it shows.
SECTIONS = {
    "agreement": ("frequency", "location", "length_minutes", "contact_by", "communication"),
    "confirm": ("accept_code_of_conduct", "accept_principles"),
    "meeting": ("meeting_date", "meeting_time", "duration_minutes", "mode", "location_m"),
    "objective": ("title", "expected_outcome"),
    "log": ("entry_date", "activity", "learning", "next_steps"),
    "shadowing": ("host_name", "shadow_date", "purpose"),
    "end": ("how", "reason"),
}
LABELS = {
    "frequency": "How often you will meet",
    "location": "Where you will meet",
    "length_minutes": "How long each meeting lasts",
    "contact_by": "Who makes contact",
    "communication": "How you will keep in touch",
    "duration_minutes": "How long it lasted",
    "starts_at": "When",
    "title": "Objective",
    "entry_date": "Date",
    "host_name": "Who you will shadow",
    "dates": "Date",
    "how": "How it ends",
    "reason": "Reason",
}


def _date_time(form: Form, errors: Errors, date_field: str, time_field: str) -> str | None:
    """The date input and time box, read as London time, as a UTC instant (ISO text)."""
    day = read_date(form, date_field, "The date of the meeting", errors)
    at, problem = parse_time(one(form, time_field) or "09:00", "the start time")
    if problem:
        errors.add(time_field, problem)
    if day is None or at is None:
        return None
    try:
        return from_london(day, at).isoformat()
    except NoSuchTime as exc:
        errors.add(time_field, f"{exc}: enter a time before 1am or from 2am")
        return None


def _iso_date(form: Form, errors: Errors, name: str, label: str, default: date) -> str | None:
    """A date input as ISO text for the services; an empty one is ``default``."""
    if date_parts(form, name).empty:
        return default.isoformat()
    day = read_date(form, name, label, errors)
    return day.isoformat() if day else None


async def _shared(
    db: Db, viewer: PageContext, relationship_id: uuid.UUID, op: dict[str, Any] | None, item: str
) -> None:
    """The other side of a cross-organisation relationship hears of the edit just made, as
    through the API (``orgs.mentoring.shared_record``)."""
    await shared_record.after_edit(
        db, viewer.member, relationship_id, op, item, utcnow(), outbox_sink(db)
    )


class RelationshipPages(Controller):
    path = "/orgs/{slug:str}/relationships/{rel_id:uuid}"
    include_in_schema = False

    async def _page(
        self,
        viewer: PageContext_,
        db: Db,
        rel_id: uuid.UUID,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
        section: str = "",
    ) -> Response[Any]:
        me = viewer.member
        rel, party = await for_party(db, me, rel_id)
        agreement, _, _ = await agreements.agreement_for(db, me, rel_id)
        evaluations_due = []
        for e in await evaluations.my_evaluations(db, me):
            if e.relationship_id == rel.id and e.submitted_at is None:
                q = await evaluations.Questionnaires(db, me.org_id).get(e.questionnaire_id)
                evaluations_due.append(evaluation_out(e, q))
        return render(
            "relationship.html",
            viewer,
            nav="home",
            title=f"Mentoring with {(await _relationship_out(db, me, rel)).counterpart}",
            rel=await _relationship_out(db, me, rel),
            party=party.value,
            agreement=out(AgreementOut, agreement),
            meetings=[out(MeetingOut, m) for m in await meetings.meetings_of(db, rel)],
            objectives=[
                out(ObjectiveOut, o) for o in await objectives.objectives_of(db, me, rel_id)
            ],
            log=[out(LogEntryOut, e) for e in await learning_log.visible_entries(db, me, rel_id)],
            shadowing=[
                out(ShadowingOut, s) for s in await shadowing.list_for_party(db, me, rel_id)
            ],
            evaluations=evaluations_due,
            concerns=await mine_for(viewer, db, rel_id),
            concern_categories=CATEGORIES,
            concern_states=STATE_WORDS,
            section=section,
            today=london_today(),
            date_hint=example_date(london_today()),
            errors=errors,
            values=values or {},
        )

    @get("/", name="web:relationship")
    async def show(self, slug: Slug, rel_id: Id, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._page(viewer, db, rel_id)

    async def _act(
        self,
        request: Request[Any, Any, Any],
        viewer: PageContext_,
        db: Db,
        rel_id: uuid.UUID,
        section: str,
        build: Any,
        call: Any,
        anchor: str,
        *,
        form: Form | None = None,
        done: str = "",
    ) -> Response[Any]:
        """Read the form, build the input (or errors), call the service, redirect or re-render."""
        form = form if form is not None else await read_form(request)
        errors = Errors()
        data = build(form, errors)
        if data is not None and not errors:
            try:
                async with db.begin_nested():
                    await call(data)
            except DomainError as exc:
                domain_errors(
                    exc,
                    errors,
                    SECTIONS.get(section, ()),
                    labels=LABELS,
                    aliases={"starts_at": "meeting_date", "dates": "shadow_date"},
                )
            else:
                query = f"?done={done}" if done else ""
                return see_other(f"{viewer.base}/relationships/{rel_id}{query}#{anchor}")
        return await self._page(viewer, db, rel_id, errors, values_of(form), section)

    # --- agreement -------------------------------------------------------------------------

    @post("/agreement", name="web:agreement")
    async def agreement(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> agreements.AgreementIn | None:
            for name in ("frequency", "location", "contact_by"):
                if not one(form, name):
                    errors.add(name, f"Enter {LABELS[name].lower()}")
            if not one(form, "length_minutes").isdigit():
                errors.add("length_minutes", "Enter how long each meeting lasts, in minutes")
            if errors:
                return None
            return decode(
                agreements.AgreementIn,
                {
                    "frequency": one(form, "frequency"),
                    "location": one(form, "location"),
                    "length_minutes": int(one(form, "length_minutes")),
                    "contact_by": one(form, "contact_by"),
                    "communication": one(form, "communication"),
                    "work_context": one(form, "work_context"),
                    "objectives": one(form, "objectives_text"),
                    "expected_outcomes": one(form, "expected_outcomes"),
                    "shadowing_wanted": one(form, "shadowing_wanted") == "yes",
                },
                errors,
                LABELS,
            )

        async def call(data: agreements.AgreementIn) -> None:
            row = await agreements.edit_agreement(db, viewer.member, rel_id, data)
            rel = await Relationships(db, viewer.member.org_id).get(rel_id)
            await _shared(
                db, viewer, rel_id, shared_record.agreement_edit_op(row, rel), "agreement"
            )

        return await self._act(request, viewer, db, rel_id, "agreement", build, call, "agreement")

    @post("/agreement/confirm", name="web:agreement-confirm")
    async def confirm(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> agreements.ConfirmIn | None:
            accepted = form.get("accept", [])
            if "code_of_conduct" not in accepted or "principles" not in accepted:
                errors.add(
                    "accept", "Confirm that you accept both the code of conduct and the principles"
                )
                return None
            return agreements.ConfirmIn(accept_code_of_conduct=True, accept_principles=True)

        async def call(data: agreements.ConfirmIn) -> None:
            row = await agreements.confirm_agreement(db, viewer.member, rel_id, data, utcnow())
            await _shared(db, viewer, rel_id, shared_record.agreement_confirm_op(row), "agreement")

        return await self._act(request, viewer, db, rel_id, "confirm", build, call, "agreement")

    # --- meetings --------------------------------------------------------------------------

    @post("/meetings", name="web:meeting-add")
    async def add_meeting(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> meetings.MeetingIn | None:
            starts = _date_time(form, errors, "meeting_date", "meeting_time")
            if not one(form, "duration_minutes").isdigit():
                errors.add("duration_minutes", "Enter how long the meeting lasts, in minutes")
            if one(form, "held") not in ("yes", "no"):
                errors.add("held", "Choose whether the meeting has taken place")
            if errors:
                return None
            return decode(
                meetings.MeetingIn,
                {
                    "starts_at": starts,
                    "duration_minutes": int(one(form, "duration_minutes")),
                    "mode": one(form, "mode", "in_person"),
                    "location": one(form, "location_m"),
                    "held": one(form, "held") == "yes",
                    "summary": one(form, "summary"),
                },
                errors,
                LABELS,
            )

        async def call(data: meetings.MeetingIn) -> None:
            meeting, _ = await meetings.add_meeting(db, viewer.member, rel_id, data, utcnow())
            op = shared_record.meeting_add_op(meeting)
            await _shared(db, viewer, rel_id, op, shared_record.item_ref(meeting))

        return await self._act(request, viewer, db, rel_id, "meeting", build, call, "meetings")

    @post("/meetings/{meeting_id:uuid}/held", name="web:meeting-held")
    async def held(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        rel_id: Id,
        meeting_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> meetings.HeldIn | None:
            return meetings.HeldIn()

        async def call(data: meetings.HeldIn) -> None:
            meeting, _ = await meetings.mark_held(
                db, viewer.member, rel_id, meeting_id, data, utcnow()
            )
            op = shared_record.meeting_held_op(meeting)
            await _shared(db, viewer, rel_id, op, shared_record.item_ref(meeting))

        return await self._act(request, viewer, db, rel_id, "meeting", build, call, "meetings")

    @post("/meetings/{meeting_id:uuid}/cancel", name="web:meeting-cancel")
    async def cancel_meeting(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        rel_id: Id,
        meeting_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        """Both people are emailed the calendar cancellation (``meetings.cancel_meeting``)."""

        def build(form: Form, errors: Errors) -> str:
            return "cancel"  # nothing to read: the button is the whole form

        async def call(_: str) -> None:
            await meetings.cancel_meeting(db, viewer.member, rel_id, meeting_id, utcnow())

        return await self._act(request, viewer, db, rel_id, "meeting", build, call, "meetings")

    # --- objectives and the learning log ----------------------------------------------------

    @post("/objectives", name="web:objective-add")
    async def add_objective(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> objectives.ObjectiveIn | None:
            if not one(form, "title"):
                errors.add("title", "Enter the objective")
                return None
            actions = [{"text": line.strip()} for line in one(form, "actions").splitlines()]
            return decode(
                objectives.ObjectiveIn,
                {
                    "title": one(form, "title"),
                    "expected_outcome": one(form, "expected_outcome"),
                    "actions": [a for a in actions if a["text"]],
                },
                errors,
                LABELS,
            )

        async def call(data: objectives.ObjectiveIn) -> None:
            row = await objectives.save_objective(db, viewer.member, rel_id, data, utcnow())
            op = shared_record.objective_op(row)
            await _shared(db, viewer, rel_id, op, shared_record.item_ref(row))

        return await self._act(request, viewer, db, rel_id, "objective", build, call, "objectives")

    @post("/learning-log", name="web:log-add")
    async def add_log(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> learning_log.LogEntryIn | None:
            entry_date = _iso_date(form, errors, "entry_date", "The date", london_today())
            if not (one(form, "activity") or one(form, "learning")):
                errors.add("activity", "Enter what you did or what you learned")
            if errors or entry_date is None:
                return None
            return decode(
                learning_log.LogEntryIn,
                {
                    "entry_date": entry_date,
                    "activity": one(form, "activity"),
                    "learning": one(form, "learning"),
                    "next_steps": one(form, "next_steps"),
                    "shared": one(form, "shared") == "yes",
                },
                errors,
                LABELS,
            )

        async def call(data: learning_log.LogEntryIn) -> None:
            entry = await learning_log.add_entry(db, viewer.member, rel_id, data, utcnow())
            if entry.shared:  # an unshared entry is the mentee's alone: nothing to tell
                await _shared(db, viewer, rel_id, None, shared_record.item_ref(entry))

        return await self._act(request, viewer, db, rel_id, "log", build, call, "learning-log")

    @post("/learning-log/{entry_id:uuid}/sharing", name="web:log-share")
    async def share(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        rel_id: Id,
        entry_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> learning_log.ShareIn:
            return learning_log.ShareIn(shared=one(form, "shared") == "yes")

        async def call(data: learning_log.ShareIn) -> None:
            entry = await learning_log.set_shared(
                db, viewer.member, entry_id, shared=data.shared, now=utcnow()
            )
            await _shared(db, viewer, entry.relationship_id, None, shared_record.item_ref(entry))

        return await self._act(request, viewer, db, rel_id, "log", build, call, "learning-log")

    # --- shadowing, ending, evaluation ------------------------------------------------------

    @post("/shadowing", name="web:shadowing-add")
    async def propose_shadowing(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> shadowing.ShadowingIn | None:
            if not one(form, "host_name"):
                errors.add("host_name", "Enter who you will shadow")
            shadow_date = read_date(form, "shadow_date", "The date of the shadowing", errors)
            if errors or shadow_date is None:
                return None
            return decode(
                shadowing.ShadowingIn,
                {
                    "kind": "one_off",
                    "host_name": one(form, "host_name"),
                    "dates": [shadow_date.isoformat()],
                    "purpose": one(form, "purpose"),
                },
                errors,
                {**LABELS, "dates": "Date of the shadowing"},
            )

        async def call(data: shadowing.ShadowingIn) -> None:
            row = await shadowing.propose(db, viewer.member, rel_id, data, utcnow())
            await _shared(db, viewer, rel_id, None, shared_record.item_ref(row))

        return await self._act(request, viewer, db, rel_id, "shadowing", build, call, "shadowing")

    @post("/end", name="web:relationship-end")
    async def end(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        def build(form: Form, errors: Errors) -> EndIn | None:
            if one(form, "how") not in ("close", "no_fit", "change_mentor"):
                errors.add("how", "Choose how the mentoring ends")
                return None
            return decode(
                EndIn,
                {
                    "how": one(form, "how"),
                    "reason": one(form, "reason"),
                    "never_again": one(form, "never_again") == "yes",
                },
                errors,
                LABELS,
            )

        async def call(data: EndIn) -> None:
            await end_relationship(db, viewer.member, rel_id, data, utcnow(), outbox_sink(db))
            await _shared(db, viewer, rel_id, None, "state")

        form = await read_form(request)
        action = one(form, "action")
        if action == "change":
            return await self._page(viewer, db, rel_id, Errors(), values_of(form), "end")
        if action != "confirm":  # check the answers first: ending cannot be undone
            errors = Errors()
            data = build(form, errors)
            if data is None or errors:
                return await self._page(viewer, db, rel_id, errors, values_of(form), "end")
            return await self._end_check(viewer, db, rel_id, form)
        return await self._act(
            request, viewer, db, rel_id, "end", build, call, "ending", form=form, done="ended"
        )

    async def _end_check(
        self, viewer: PageContext_, db: Db, rel_id: uuid.UUID, form: Form
    ) -> Response[Any]:
        rel, _ = await for_party(db, viewer.member, rel_id)
        shown = await _relationship_out(db, viewer.member, rel)
        how = dict(END_CHOICES)[one(form, "how")]
        rows = [("With", shown.counterpart), ("How it ends", how)]
        rows.append(("Reason", one(form, "reason") or "None given"))
        rows.append(("Match you again", "No" if one(form, "never_again") == "yes" else "Yes"))
        return render(
            "check.html",
            viewer,
            nav="home",
            title="Check before you end the mentoring",
            caption=f"Mentoring with {shown.counterpart}",
            rows=rows,
            items=[],
            hidden={k: one(form, k) for k in ("how", "reason", "never_again")},
            action=f"{viewer.base}/relationships/{rel_id}/end",
            confirm="End the mentoring",
            change="Change your answers",
            warning="Ending cannot be undone: meetings and the learning log stop, and "
            f"{shown.counterpart} is told.",
            danger=True,
            back=f"{viewer.base}/relationships/{rel_id}",
            back_text="Keep the mentoring going",
        )

    @post("/concerns", name="web:concern-raise")
    async def raise_concern(
        self, request: Request[Any, Any, Any], slug: Slug, rel_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        errors, values = await raise_from_form(request, viewer, db, rel_id)
        if not errors:
            return see_other(f"{viewer.base}/relationships/{rel_id}?done=concern-raised#concerns")
        return await self._page(viewer, db, rel_id, errors, values, "concern")

    @post("/evaluations/{evaluation_id:uuid}", name="web:evaluation-answer")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        rel_id: Id,
        evaluation_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        me = viewer.member
        due = next(
            (e for e in await evaluations.my_evaluations(db, me) if e.id == evaluation_id), None
        )
        questions: list[dict[str, Any]] = []
        if due is not None:
            questions = list(
                (
                    await evaluations.Questionnaires(db, me.org_id).get(due.questionnaire_id)
                ).questions
            )

        def build(form: Form, errors: Errors) -> evaluations.AnswersIn | None:
            answers: dict[str, Any] = {}
            for q in questions:
                name = f"q-{q['key']}"
                text = one(form, name)
                if not text:
                    errors.add(name, f"Answer: {q['text']}")
                elif q["kind"] == "scale":
                    answers[q["key"]] = int(text) if text.isdigit() else text
                elif q["kind"] == "yes_no":
                    answers[q["key"]] = text == "yes"
                else:
                    answers[q["key"]] = text
            return None if errors else evaluations.AnswersIn(answers)

        async def call(data: evaluations.AnswersIn) -> None:
            await evaluations.submit(db, me, evaluation_id, data, utcnow())

        return await self._act(request, viewer, db, rel_id, "evaluation", build, call, "evaluation")
