"""``/api/v1/orgs/{slug}/schemes/{id}/emails``: a scheme's wording of the emails it sends (the
subject and opening of each), set or put back to the built-in wording. The permission table's
``MANAGE_SCHEMES`` decides who may, as on the set-up pages; a refused wording is problem+json
naming the field, and nothing is written."""

from __future__ import annotations

import msgspec
from litestar import Controller, delete, get, put
from litestar.params import FromPath, JSONBody

from network.http.actor import Actor_
from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.http.problems import API_PROBLEMS
from orgs.errors import NotFound
from orgs.people.permissions import Action, authorize
from orgs.schemes.email_wording import (
    EMAILS,
    SchemeEmail,
    WordingIn,
    restore_default,
    save_wording,
    wording_of,
)
from orgs.schemes.schemes import SchemeRepository

EmailWord = FromPath[str]


class WordingOut(msgspec.Struct, frozen=True):
    email: SchemeEmail
    title: str
    sent_when: str
    subject: str
    opening: str
    #: True: the scheme's own wording; False: the built-in one.
    own: bool


def _email(word: str) -> SchemeEmail:
    try:
        return SchemeEmail(word)
    except ValueError:
        raise NotFound("No such email: see GET .../emails for the emails a scheme sends.") from None


class EmailWordingController(Controller):
    path = "/api/v1/orgs/{slug:str}/schemes/{scheme_id:uuid}/emails"
    tags = ("schemes",)

    @get("/", summary="The wording of each email the scheme sends", responses=API_PROBLEMS)
    async def list_wordings(
        self, slug: Slug, scheme_id: Id, actor: Actor_, db: Db
    ) -> list[WordingOut]:
        authorize(actor, Action.MANAGE_SCHEMES)
        scheme = await SchemeRepository(db, actor.org_id).get(scheme_id)
        found = []
        for email, info in EMAILS.items():
            wording, own = await wording_of(db, actor.org_id, scheme.id, email)
            found.append(
                WordingOut(
                    email, info.title, info.sent_when, wording.subject, wording.opening, own=own
                )
            )
        return found

    @put(
        "/{email:str}",
        summary="Set the subject and opening of one email ({first_name}, {scheme}, "
        "{organisation} are filled in)",
        responses=API_PROBLEMS,
    )
    async def put_wording(
        self,
        slug: Slug,
        scheme_id: Id,
        email: EmailWord,
        actor: Actor_,
        db: Db,
        data: JSONBody[WordingIn],
    ) -> WordingOut:
        authorize(actor, Action.MANAGE_SCHEMES)
        kind = _email(email)
        scheme = await SchemeRepository(db, actor.org_id).get(scheme_id)
        row = await save_wording(db, actor.org_id, scheme.id, kind, data, actor.ref)
        info = EMAILS[kind]
        return WordingOut(kind, info.title, info.sent_when, row.subject, row.opening, own=True)

    @delete(
        "/{email:str}",
        summary="Put back the built-in wording of one email",
        responses=API_PROBLEMS,
        status_code=200,
    )
    async def restore(
        self, slug: Slug, scheme_id: Id, email: EmailWord, actor: Actor_, db: Db
    ) -> WordingOut:
        authorize(actor, Action.MANAGE_SCHEMES)
        kind = _email(email)
        scheme = await SchemeRepository(db, actor.org_id).get(scheme_id)
        await restore_default(db, actor.org_id, scheme.id, kind, actor.ref)
        info = EMAILS[kind]
        return WordingOut(
            kind, info.title, info.sent_when, info.default.subject, info.default.opening, own=False
        )
