"""A scheme's eligibility rules: the guided editor (each rule built from lists, previewed
without saving, saved as a new version) and, for org admins, the same document as YAML.

Both write one rules document through ``RulesStore.set``; the guided form is a second way to
write it, not a second store. Who may: ``Action.SET_RULES`` (coordinators and org admins);
the YAML editor also needs ``Action.ADMINISTER`` (org admins), from the same table.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from litestar import Controller, Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.http.dependencies import Db
from network.http.path_params import Id, Slug
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
from network.web.rules_form import (
    FIELDS,
    ROLE_WORDS,
    ROLES,
    TEXT_FIELDS,
    Guided,
    apply_button,
    guided_of,
    key,
    options,
    pick_one,
    to_document,
)
from network.web.rules_form import read_form as read_guided
from orgs.errors import DomainError
from orgs.org_settings import read_settings
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberRepository, MemberStatus
from orgs.people.permissions import Action, authorize, may
from orgs.schemes.eligibility import SchemeRole
from orgs.schemes.eligibility_checks import EligibilityChecks, Preview, split_list
from orgs.schemes.rules_store import EligibilityRules, RulesStore
from orgs.schemes.schemes import Scheme, SchemeService, SchemeTraining

UNSUPPORTED = (
    "These rules use conditions the guided form cannot show (for example combined or "
    "self-declared conditions), so they open here as YAML."
)
UNSUPPORTED_COORDINATOR = (
    "These rules use conditions the guided form cannot show (for example combined or "
    "self-declared conditions). An org admin can change them as YAML."
)

#: The rows evaluate() adds itself (orgs.schemes.eligibility), in words.
BUILT_IN = {"open": "Open to all staff", "roles": "The scheme does not take this role"}


class _Rollback(Exception):
    """Leaves a savepoint without keeping what was written in it (a preview)."""


async def known_values(db: AsyncSession, org_id: uuid.UUID) -> dict[str, list[str]]:
    """The values each field's list offers: the org's grade order, the distinct values in
    current staff data, the training keys of its schemes."""
    staff = await MemberRepository(db, org_id).list(Member.status == MemberStatus.ACTIVE)
    known: dict[str, list[str]] = {
        name: sorted({str(getattr(m, name)).strip() for m in staff} - {""}, key=str.lower)
        for name in TEXT_FIELDS
    }
    known["group"] = sorted(
        {g for m in staff for g in split_list((m.attributes or {}).get("groups"))}, key=str.lower
    )
    keys = await db.scalars(
        select(SchemeTraining.training_key).where(SchemeTraining.org_id == org_id).distinct()
    )
    known["training"] = sorted(set(keys), key=str.lower)
    known["grade"] = list((await read_settings(db, org_id)).grade_order)
    return known


async def previews(
    db: AsyncSession, org_id: uuid.UUID, scheme: Scheme
) -> list[tuple[str, Preview]]:
    checks = EligibilityChecks(db, org_id)
    return [(r.value, await checks.preview(scheme, r)) for r in SchemeRole]


def descriptions(document: object) -> dict[str, str]:
    """Rule id -> the rule's own words, so the preview table names rules as people wrote them."""
    found: dict[str, str] = {}
    if isinstance(document, Mapping):
        for rules in document.values():
            for rule in rules if isinstance(rules, list) else ():
                if isinstance(rule, Mapping) and isinstance(rule.get("rule"), str):
                    found[rule["rule"]] = str(rule.get("admits") or rule.get("excludes") or "")
    return {**BUILT_IN, **found}


class RulesPages(Controller):
    path = "/orgs/{slug:str}/admin/schemes/{scheme_id:uuid}/rules"
    include_in_schema = False

    async def _context(
        self, viewer: PageContext, db: Db, scheme_id: uuid.UUID
    ) -> tuple[Actor, Scheme, RulesStore, EligibilityRules | None]:
        who = viewer.actor
        authorize(who, Action.SET_RULES)
        scheme = await SchemeService(db, who.org_id).get(scheme_id)  # another org's: 404
        store = RulesStore(db, who.org_id)
        return who, scheme, store, await store.current(scheme)

    async def _write(
        self,
        db: Db,
        who: Actor,
        scheme: Scheme,
        document: object,
        note: str,
        *,
        previewing: bool,
        errors: Errors,
    ) -> list[tuple[str, Preview]] | None:
        """Save ``document`` as a new version, or (previewing) the counts under it with
        nothing kept; None after a refusal, named in ``errors``."""
        store = RulesStore(db, who.org_id)
        counted: list[tuple[str, Preview]] = []
        try:
            async with db.begin_nested():
                await store.set(scheme, document, who.ref, note)
                if previewing:
                    counted = await previews(db, who.org_id, scheme)
                    raise _Rollback
        except _Rollback:
            return counted
        except DomainError as exc:
            domain_errors(exc, errors, ())
            return None
        return []

    # --- the guided editor --------------------------------------------------------------------

    async def _guided_page(
        self,
        viewer: PageContext,
        db: Db,
        scheme_id: uuid.UUID,
        *,
        guided: Guided | None = None,
        preview: list[tuple[str, Preview]] | None = None,
        previewed: object = None,
        errors: Errors | None = None,
        note: str = "",
    ) -> Response[Any]:
        who, scheme, store, current = await self._context(viewer, db, scheme_id)
        document = current.document if current else None
        if guided is None:
            guided = guided_of(document)
            if guided is None:  # beyond the guided form: YAML, with a plain message
                return await self._yaml_page(viewer, db, scheme_id, message=True)
        return render(
            "admin/rules.html",
            viewer,
            nav="admin",
            title=f"Eligibility rules: {scheme.name}",
            scheme=scheme,
            current=current,
            versions=await store.versions(scheme),
            guided=guided,
            scheme_roles=ROLES,
            role_words=ROLE_WORDS,
            fields=FIELDS,
            field_choices=[(k, f.label) for k, f in FIELDS.items()],
            known=await known_values(db, who.org_id),
            options=options,
            pick_one=pick_one,
            key=key,
            preview=preview if preview is not None else await previews(db, who.org_id, scheme),
            previewing=preview is not None,
            words=descriptions(previewed if preview is not None else document),
            may_yaml=may(who, Action.ADMINISTER),
            errors=errors,
            note=note,
        )

    @get("/", name="web:admin-rules")
    async def rules(self, slug: Slug, scheme_id: Id, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._guided_page(viewer, db, scheme_id)

    @post("/", name="web:admin-rules-save")
    async def save_rules(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who, scheme, _, current = await self._context(viewer, db, scheme_id)
        if current is not None and guided_of(current.document) is None:
            # The rules in force hold something the form cannot show: saving the form would
            # silently drop it, so only the YAML editor may change them.
            return await self._yaml_page(viewer, db, scheme_id, message=True)
        form = await read_form(request)
        guided = read_guided(form)
        action = one(form, "action")
        note = one(form, "note")
        moved = apply_button(guided, action, form)
        if moved is not None:  # add, remove or reorder: the form again, nothing saved
            return await self._guided_page(
                viewer, db, scheme_id, guided=moved, note=note, errors=None
            )
        errors = Errors()
        document = to_document(guided, errors)
        previewing = action != "save"
        result = None
        if document is not None:
            result = await self._write(
                db, who, scheme, document, note, previewing=previewing, errors=errors
            )
        if result is None:
            return await self._guided_page(
                viewer, db, scheme_id, guided=guided, errors=errors, note=note
            )
        if previewing:
            return await self._guided_page(
                viewer, db, scheme_id, guided=guided, preview=result, previewed=document, note=note
            )
        return see_other(f"{viewer.base}/admin/schemes/{scheme_id}/rules?done=saved")

    # --- YAML, for org admins -----------------------------------------------------------------

    async def _yaml_page(
        self,
        viewer: PageContext,
        db: Db,
        scheme_id: uuid.UUID,
        *,
        text: str | None = None,
        preview: Sequence[tuple[str, Preview]] | None = None,
        previewed: object = None,
        errors: Errors | None = None,
        message: bool = False,
    ) -> Response[Any]:
        who, scheme, store, current = await self._context(viewer, db, scheme_id)
        document = current.document if current else None
        if text is None:
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True) if document else ""
        editable = may(who, Action.ADMINISTER)
        return render(
            "admin/rules_yaml.html",
            viewer,
            nav="admin",
            title=f"Eligibility rules: {scheme.name}",
            scheme=scheme,
            current=current,
            versions=await store.versions(scheme),
            document=text,
            preview=preview if preview is not None else await previews(db, who.org_id, scheme),
            previewing=preview is not None,
            words=descriptions(previewed if preview is not None else document),
            editable=editable,
            guided_ok=guided_of(document) is not None,
            message=(UNSUPPORTED if editable else UNSUPPORTED_COORDINATOR) if message else "",
            errors=errors,
        )

    @get("/yaml", name="web:admin-rules-yaml")
    async def rules_yaml(
        self, slug: Slug, scheme_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        authorize(viewer.actor, Action.ADMINISTER)
        return await self._yaml_page(viewer, db, scheme_id)

    @post("/yaml", name="web:admin-rules-yaml-save")
    async def save_rules_yaml(
        self,
        request: Request[Any, Any, Any],
        slug: Slug,
        scheme_id: Id,
        viewer: PageContext_,
        db: Db,
    ) -> Response[Any]:
        who, scheme, _, _ = await self._context(viewer, db, scheme_id)
        authorize(who, Action.ADMINISTER)
        form = await read_form(request)
        text = one(form, "document")
        errors = Errors()
        try:
            document = yaml.safe_load(text) if text else None
        except yaml.YAMLError as exc:
            errors.add("document", f"The rules are not valid YAML: {exc}".splitlines()[0])
            return await self._yaml_page(viewer, db, scheme_id, text=text, errors=errors)
        previewing = one(form, "action") == "preview"
        result = await self._write(
            db, who, scheme, document, one(form, "note"), previewing=previewing, errors=errors
        )
        if result is None:
            if errors.summary:
                errors.add("document", errors.summary)
                errors.summary = ""
            return await self._yaml_page(viewer, db, scheme_id, text=text, errors=errors)
        if previewing:
            return await self._yaml_page(
                viewer, db, scheme_id, text=text, preview=result, previewed=document
            )
        return see_other(f"{viewer.base}/admin/schemes/{scheme_id}/rules/yaml?done=saved")
