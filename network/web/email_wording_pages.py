"""A scheme's email wording on its set-up pages (issue 17.5): for each email the scheme sends,
the coordinator writes the subject and the opening paragraph, sees a preview of the email as it
will be sent (sample values for the person, the real scheme and organisation, the link and the
footer the code adds), saves it, or restores the built-in wording.

Who may is the permission table's ``MANAGE_SCHEMES``, as for the rest of the set-up; another
org's scheme, or an email the scheme does not send, is 404."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.mail import default_sender
from network.runtime import Runtime
from network.web.coordinator_pages import coordinator
from network.web.pages import (
    Errors,
    PageContext,
    PageContext_,
    domain_errors,
    one,
    read_form,
    render,
    see_other,
)
from orgs.errors import DomainError, NotFound
from orgs.people.emails import Sender, text_body
from orgs.people.permissions import Action
from orgs.schemes.email_wording import (
    EMAILS,
    OPENING_MAX,
    PLACEHOLDERS,
    SAMPLE_FIRST_NAME,
    SUBJECT_MAX,
    SchemeEmail,
    Wording,
    WordingIn,
    check_wording,
    compose,
    filled,
    restore_default,
    save_wording,
    wording_of,
)
from orgs.schemes.schemes import Scheme, SchemeService

#: The email in the path (checked by ``email_of``: unknown → 404).
PathWord = FromPath[str]
LABELS = {"subject": "Subject", "opening": "Opening paragraph"}


def email_of(word: str) -> SchemeEmail:
    try:
        return SchemeEmail(word)
    except ValueError:
        raise NotFound("No such email.") from None


def preview(
    request: Request[Any, Any, Any],
    viewer: PageContext,
    scheme: Scheme,
    email: SchemeEmail,
    wording: Wording,
) -> dict[str, str]:
    """The email as it will be sent, with sample values: From, Subject and the text body."""
    settings = Runtime.of(request.app.state).settings
    org = viewer.org.name
    values = {"first_name": SAMPLE_FIRST_NAME, "scheme": scheme.name, "organisation": org}
    info = EMAILS[email]
    address = default_sender(settings.node_name, settings.base_url)
    sender = Sender(org, address, settings.base_url)
    sample = filled(wording, values)
    text = compose(sample.opening, info.rest_sample)
    return {
        "from": sender.from_header,
        "subject": sample.subject,
        "body": text_body(text, sender.absolute(f"{viewer.base}{info.link}"), viewer.org.name),
    }


class EmailWordingPages(Controller):
    path = "/orgs/{slug:str}/coordinate/schemes/{scheme_id:uuid}/emails"
    include_in_schema = False

    def _page(
        self,
        request: Request[Any, Any, Any],
        viewer: PageContext,
        scheme: Scheme,
        email: SchemeEmail,
        typed: Wording,
        *,
        own: bool,
        errors: Errors | None = None,
    ) -> Response[Any]:
        info = EMAILS[email]
        return render(
            "coordinator/email_wording.html",
            viewer,
            nav="coordinate",
            title=f"Wording of the email: {info.title.lower()}",
            scheme=scheme,
            email=email.value,
            info=info,
            own=own,
            placeholders=PLACEHOLDERS,
            sample_name=SAMPLE_FIRST_NAME,
            subject_max=SUBJECT_MAX,
            opening_max=OPENING_MAX,
            values={"subject": typed.subject, "opening": typed.opening},
            # A refused wording is not previewed: the preview shows only what could be sent.
            shown=None if errors else preview(request, viewer, scheme, email, typed),
            action=f"{viewer.base}/coordinate/schemes/{scheme.id}/emails/{email.value}",
            errors=errors,
        )

    @get("/{email:str}", name="web:email-wording")
    async def show(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        email: PathWord,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who = coordinator(viewer, Action.MANAGE_SCHEMES)
        kind = email_of(email)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        wording, own = await wording_of(db, who.org_id, scheme.id, kind)
        return self._page(request, viewer, scheme, kind, wording, own=own)

    @post("/{email:str}", name="web:email-wording-save")
    async def save(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        email: PathWord,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        """``action=preview`` shows the typed wording as it would be sent; ``action=save``
        keeps it. Either way a refused wording is shown again with its errors, unsaved."""
        who = coordinator(viewer, Action.MANAGE_SCHEMES)
        kind = email_of(email)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        form = await read_form(request)
        data = WordingIn(subject=one(form, "subject"), opening=one(form, "opening"))
        typed = Wording(data.subject, data.opening)
        _, own = await wording_of(db, who.org_id, scheme.id, kind)
        errors = Errors()
        try:
            if one(form, "action") == "preview":
                check_wording(data)
                return self._page(request, viewer, scheme, kind, typed, own=own)
            async with db.begin_nested():
                await save_wording(db, who.org_id, scheme.id, kind, data, who.ref)
        except DomainError as exc:
            domain_errors(exc, errors, LABELS)
            return self._page(request, viewer, scheme, kind, typed, own=own, errors=errors)
        return see_other(
            f"{viewer.base}/coordinate/schemes/{scheme.id}/setup?done=email-wording-saved#emails"
        )

    @post("/{email:str}/default", name="web:email-wording-default")
    async def restore(
        self, slug: Slug, scheme_id: Id, email: PathWord, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = coordinator(viewer, Action.MANAGE_SCHEMES)
        kind = email_of(email)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)
        await restore_default(db, who.org_id, scheme.id, kind, who.ref)
        return see_other(
            f"{viewer.base}/coordinate/schemes/{scheme.id}/setup?done=email-wording-restored#emails"
        )
