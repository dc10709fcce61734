"""Demo data for mentoring: each demo scheme's code of conduct and principles (HPMA's) and its
evaluation questionnaires (Nottingham City Homes: mentee, mentor and the mentee's line manager).
Idempotent: what exists is left alone."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.mentoring.agreements import (
    HPMA_PRINCIPLES,
    SchemeTerms,
    SchemeTermsIn,
    SchemeTermsRepository,
    set_terms,
)
from orgs.mentoring.evaluations import (
    Audience,
    Question,
    QuestionKind,
    QuestionnaireIn,
    Stage,
    questionnaires_of,
    save_questionnaire,
)
from orgs.registry import OrgRegistry
from orgs.schemes.schemes import SchemeService

CODE_OF_CONDUCT = (
    "We meet in work time within the scheme's time release (up to twelve hours; preparation in "
    "our own time). What is said stays between us unless someone is at risk. Either of us may "
    "end the relationship without blame, and either may raise a concern with the coordinator."
)
SCALE, YES_NO, TEXT = QuestionKind.SCALE, QuestionKind.YES_NO, QuestionKind.TEXT
QUESTIONS = {
    Audience.MENTEE: (
        Question(key="useful", text="How useful was mentoring to you?", kind=SCALE),
        Question(key="objectives_met", text="Did you meet your objectives?", kind=YES_NO),
        Question(key="confidence", text="How much has your confidence grown?", kind=SCALE),
        Question(key="improve", text="What would make the scheme better?", kind=TEXT),
    ),
    Audience.MENTOR: (
        Question(key="useful", text="How useful was mentoring to your mentee?", kind=SCALE),
        Question(key="own_growth", text="Did you develop your own skills?", kind=YES_NO),
        Question(key="improve", text="What would make the scheme better?", kind=TEXT),
    ),
    Audience.LINE_MANAGER: (
        Question(
            key="change",
            text="How much change have you seen in attitude, knowledge and skills at work?",
            kind=SCALE,
        ),
        Question(key="service", text="Was service delivery maintained?", kind=YES_NO),
    ),
}


async def seed_demo_mentoring(session: AsyncSession, slugs: list[str]) -> None:
    registry = OrgRegistry(session)
    for slug in slugs:
        org = await registry.find(slug)
        if org is None:
            continue
        for scheme in await SchemeService(session, org.id).list():
            terms = await SchemeTermsRepository(session, org.id).find_one(
                SchemeTerms.scheme_id == scheme.id
            )
            if terms is None:
                await set_terms(
                    session,
                    org.id,
                    scheme.id,
                    SchemeTermsIn(
                        code_of_conduct=CODE_OF_CONDUCT,
                        principles=list(HPMA_PRINCIPLES),
                        midpoint_evaluation=True,
                    ),
                )
            if await questionnaires_of(session, org.id, scheme.id):
                continue
            for audience, questions in QUESTIONS.items():
                who = audience.value.replace("_", " ")
                await save_questionnaire(
                    session,
                    org.id,
                    scheme.id,
                    QuestionnaireIn(
                        audience=audience,
                        stage=Stage.END,
                        title=f"{scheme.name}: end of mentoring ({who})",
                        questions=list(questions),
                    ),
                )
