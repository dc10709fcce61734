"""A scheme's evaluation questionnaires written on a page (issue 17.5): one per audience
(mentee, mentor, the mentee's line manager) and stage (midpoint, end); each question is a line
of text and a kind of answer. With no JavaScript the form shows the questions there are and
blank rows to add more; an emptied row is dropped. A question keeps its key when its words
change, so answers already given stay with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.web.coordinator_pages import coordinator
from network.web.pages import (
    Errors,
    Form,
    PageContext,
    PageContext_,
    domain_errors,
    one,
    read_form,
    render,
    see_other,
)
from orgs.errors import DomainError, NotFound
from orgs.mentoring.evaluations import (
    Audience,
    Question,
    QuestionKind,
    QuestionnaireIn,
    Questionnaires,
    Stage,
    save_questionnaire,
)
from orgs.mentoring.evaluations import Questionnaire as QuestionnaireRow
from orgs.people.permissions import Action
from orgs.schemes.schemes import Scheme, SchemeService

#: The audience or stage in the path (checked by ``audience_and_stage``: unknown → 404).
PathWord = FromPath[str]
BLANK_ROWS = 3
MAX_QUESTIONS = 40
AUDIENCES = {
    Audience.MENTEE: "Mentees",
    Audience.MENTOR: "Mentors",
    Audience.LINE_MANAGER: "Mentees' line managers",
}
STAGES = {Stage.MIDPOINT: "Halfway through", Stage.END: "At the end"}
KIND_WORDS = (
    (QuestionKind.SCALE.value, "A rating from 1 to 5"),
    (QuestionKind.YES_NO.value, "Yes or no"),
    (QuestionKind.TEXT.value, "Their own words"),
)


def questionnaire_rows(
    found: Sequence[QuestionnaireRow],
) -> list[tuple[str, str, str, QuestionnaireRow | None]]:
    """Every audience and stage, in words, with its questionnaire if the scheme has one."""
    have = {(q.audience, q.stage): q for q in found}
    return [
        (a.value, s.value, f"{AUDIENCES[a]}, {STAGES[s].lower()}", have.get((a, s)))
        for a in AUDIENCES
        for s in STAGES
    ]


def typed_rows(form: Form) -> list[dict[str, str]]:
    """The rows as typed, to show them again on an error (at the same places)."""
    count = one(form, "rows", "0")
    n = min(int(count) if count.isdigit() else 0, MAX_QUESTIONS + BLANK_ROWS)
    return [
        {
            "key": one(form, f"key-{i}"),
            "text": one(form, f"text-{i}"),
            "kind": one(form, f"kind-{i}"),
        }
        for i in range(n)
    ]


def questions_of(form: Form, errors: Errors) -> list[Question]:
    """The form's rows as questions (rows left empty are dropped; new ones get a free key)."""
    rows = [(r["key"], r["text"], r["kind"]) for r in typed_rows(form)]
    taken = {key for key, text, _ in rows if key and text}
    questions, fresh = [], 1
    for i, (key, text, kind) in enumerate(rows):
        if not text:
            continue
        if len(text) > 500:
            errors.add(f"text-{i}", f"Question {i + 1} must be 500 characters or fewer")
            continue
        while not key:
            key = f"q{fresh}" if f"q{fresh}" not in taken else ""
            fresh += 1
        taken.add(key)
        words = {v for v, _ in KIND_WORDS}
        questions.append(
            Question(key=key, text=text, kind=QuestionKind(kind if kind in words else "text"))
        )
    return questions


class QuestionnairePages(Controller):
    path = "/orgs/{slug:str}/coordinate/schemes/{scheme_id:uuid}/questionnaires"
    include_in_schema = False

    async def _page(
        self,
        viewer: PageContext,
        scheme: Scheme,
        audience: Audience,
        stage: Stage,
        title: str,
        questions: list[dict[str, Any]],
        errors: Errors | None = None,
    ) -> Response[Any]:
        blank = {"key": "", "text": "", "kind": QuestionKind.SCALE.value}
        return render(
            "coordinator/questionnaire.html",
            viewer,
            nav="coordinate",
            title=f"Questionnaire for {AUDIENCES[audience].lower()}: {STAGES[stage].lower()}",
            scheme=scheme,
            action=f"{viewer.base}/coordinate/schemes/{scheme.id}/questionnaires/"
            f"{audience.value}/{stage.value}",
            questionnaire_title=title,
            questions=[*questions, *([blank] * BLANK_ROWS)],
            kinds=KIND_WORDS,
            errors=errors,
        )

    @get("/{audience:str}/{stage:str}", name="web:questionnaire")
    async def show(
        self,
        slug: Slug,
        scheme_id: Id,
        audience: PathWord,
        stage: PathWord,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.COORDINATE)
        aud, stg = audience_and_stage(audience, stage)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        row = await Questionnaires(db, who.org_id).find_one(
            QuestionnaireRow.scheme_id == scheme.id,
            QuestionnaireRow.audience == aud,
            QuestionnaireRow.stage == stg,
        )
        title = row.title if row else f"{scheme.name}: {STAGES[stg].lower()}"
        return await self._page(viewer, scheme, aud, stg, title, list(row.questions) if row else [])

    @post("/{audience:str}/{stage:str}", name="web:questionnaire-save")
    async def save(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        audience: PathWord,
        stage: PathWord,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.COORDINATE)
        aud, stg = audience_and_stage(audience, stage)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        form = await read_form(request)
        errors = Errors()
        title = one(form, "title")
        if not title:
            errors.add("title", "Enter the title people see")
        questions = questions_of(form, errors)
        if not questions and not errors:
            errors.add("text-0", "Write at least one question")
        if len(questions) > MAX_QUESTIONS:
            errors.add("text-0", f"A questionnaire has at most {MAX_QUESTIONS} questions")
        if not errors:
            data = QuestionnaireIn(audience=aud, stage=stg, title=title[:200], questions=questions)
            try:
                async with db.begin_nested():
                    await save_questionnaire(db, who.org_id, scheme.id, data)
            except DomainError as exc:
                domain_errors(exc, errors, ())
            else:
                return see_other(
                    f"{viewer.base}/coordinate/schemes/{scheme.id}/setup?done=questionnaire-saved"
                    "#questionnaires"
                )
        typed = [r for r in typed_rows(form) if r["text"] or r["key"]]
        return await self._page(viewer, scheme, aud, stg, title, typed, errors)


def audience_and_stage(audience: str, stage: str) -> tuple[Audience, Stage]:
    """The path's audience and stage; anything else is a page that does not exist."""
    try:
        return Audience(audience), Stage(stage)
    except ValueError:
        raise NotFound("No such questionnaire.") from None
