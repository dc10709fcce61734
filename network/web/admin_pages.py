"""An org admin's pages: staff import (CSV upload, dry run, the error report by row and
column), single sign-on settings (the secret's reference, never a secret) and the
partner-organisation sharing policy. Org admins only. (A scheme's eligibility rules:
network/web/rules_pages.py.)"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile

from federation.card_facts import check_card_facts
from network.config import Settings
from network.http.dependencies import Db
from network.http.path_params import Id, Slug
from network.http.staff_api import MAX_IMPORT_BYTES, runs_as_job
from network.runtime import Runtime
from network.sso.flow import SsoRuntime
from network.web.pages import (
    Errors,
    Form,
    PageContext,
    PageContext_,
    decode,
    domain_errors,
    one,
    read_form,
    render,
    see_other,
    values_of,
)
from network.web.staff_leavers import Leavers, spreadsheet_row, would_leave
from orgs.errors import DomainError
from orgs.org_settings import read_settings
from orgs.pairing.sharing import SharingPolicy, read_policy, set_policy
from orgs.people.actor import Actor
from orgs.people.members import Member, MemberRepository
from orgs.people.permissions import Action, authorize
from orgs.people.sso_config import SsoConfigService, SsoSettings
from orgs.records.staff_import import ImportReport, StaffImporter, StaffImportFailed
from orgs.records.staff_import_jobs import StaffImports, StaffImportView
from orgs.schemes.schemes import SchemeService
from orgs.structs import out


def admin(viewer: PageContext, action: Action) -> Actor:
    """The viewer, if the permission table lets them ``action``; else the 403 page."""
    who = viewer.actor
    authorize(who, action)
    return who


class AdminPages(Controller):
    path = "/orgs/{slug:str}/admin"
    include_in_schema = False

    @get("/", name="web:admin")
    async def index(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        who = admin(viewer, Action.ADMINISTER)
        schemes = await SchemeService(db, who.org_id).list()
        return render("admin/index.html", viewer, nav="admin", title="Administer", schemes=schemes)

    # --- staff import -------------------------------------------------------------------------

    async def _staff_page(
        self,
        viewer: PageContext,
        db: Db,
        settings: Settings,
        *,
        report: ImportReport | None = None,
        errors: Errors | None = None,
        dry_run: bool = True,
        leavers: Leavers | None = None,
    ) -> Response[Any]:
        who = admin(viewer, Action.IMPORT_STAFF)
        if report is not None:  # numbered as in the spreadsheet, the header being row 1
            report = msgspec.structs.replace(
                report, errors=[spreadsheet_row(e) for e in report.errors]
            )
        return render(
            "admin/staff_import.html",
            viewer,
            nav="admin",
            title="Import staff",
            report=report,
            leavers=leavers,
            errors=errors,
            values={"dry_run": "yes" if dry_run else ""},
            recent=await StaffImports(db, who.org_id).recent(),
            inline_rows=f"{settings.staff_import_inline_rows:,}",
        )

    @get("/staff-import", name="web:admin-staff")
    async def staff_form(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        return await self._staff_page(viewer, db, Runtime.of(request.app.state).settings)

    @post(
        "/staff-import",
        name="web:admin-staff-import",
        request_max_body_size=MAX_IMPORT_BYTES + 64 * 1024,  # the file and the form around it
    )
    async def staff_import(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = admin(viewer, Action.IMPORT_STAFF)
        settings = Runtime.of(request.app.state).settings
        data = await request.form()
        upload = data.get("file")
        dry_run = data.get("dry_run") == "yes"
        errors = Errors()
        report: ImportReport | None = None
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        if not content:
            errors.add("file", "Choose a CSV file of your staff")
        elif len(content) > MAX_IMPORT_BYTES:
            errors.add("file", f"The file must be smaller than {MAX_IMPORT_BYTES // 2**20} MB")
        else:
            columns = (await read_settings(db, who.org_id)).staff_columns
            leavers = await would_leave(db, who.org_id, content, columns)
            if not dry_run and leavers.count and data.get("confirm_leavers") != "yes":
                # The file is the complete list: nobody becomes a leaver without a yes.
                errors.add(
                    "confirm_leavers",
                    f"Confirm that the {leavers.count} people not in the file have left, "
                    "or do a dry run first",
                )
                return await self._staff_page(
                    viewer, db, settings, errors=errors, dry_run=False, leavers=leavers
                )
            if runs_as_job(content, settings):
                job = StaffImports(db, who.org_id).queue(content, columns, who.ref, dry_run=dry_run)
                await db.flush()
                return see_other(f"{viewer.base}/admin/staff-imports/{job.id}")
            try:
                async with db.begin_nested():
                    report = await StaffImporter(db, who.org_id).run(
                        content, columns, dry_run=dry_run
                    )
            except StaffImportFailed as exc:
                report = exc.report
                errors.summary = exc.detail
            except DomainError as exc:
                domain_errors(exc, errors, ())
            return await self._staff_page(
                viewer, db, settings, report=report, errors=errors, dry_run=dry_run, leavers=leavers
            )
        return await self._staff_page(viewer, db, settings, errors=errors, dry_run=dry_run)

    @get("/staff-imports/{import_id:uuid}", name="web:admin-staff-import-status")
    async def staff_import_status(
        self, slug: Slug, import_id: Id, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = viewer.actor
        row = await StaffImports(db, who.org_id).get(import_id)
        admin(viewer, Action.IMPORT_STAFF)
        # Who sent it, by name while they are a member (the import keeps only their id).
        sender = (
            await MemberRepository(db, who.org_id).find_one(Member.id == row.created_by_id)
            if row.created_by_id is not None
            else None
        )
        job = out(StaffImportView, row)
        return render(
            "admin/staff_import_status.html",
            viewer,
            nav="admin",
            title="Dry run of a staff import" if job.dry_run else "Staff import",
            job=job,
            sent_by=sender.display_name if sender is not None else job.created_by,
            report=(
                msgspec.structs.replace(
                    job.report, errors=[spreadsheet_row(e) for e in job.report.errors]
                )
                if job.report is not None
                else None
            ),
            leavers=None,
        )

    # --- single sign-on -----------------------------------------------------------------------

    async def _sso_page(
        self,
        viewer: PageContext,
        db: Db,
        errors: Errors | None = None,
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        who = admin(viewer, Action.CONFIGURE_SIGN_IN)
        config = await SsoConfigService(db, who.org_id).find()
        if values is None and config is not None:
            values = {
                "issuer": config.issuer,
                "client_id": config.client_id,
                "client_secret_ref": config.client_secret_ref,
                "scopes": config.scopes,
            }
        return render(
            "admin/sso.html",
            viewer,
            nav="admin",
            title="Single sign-on",
            config=config,
            errors=errors,
            values=values or {},
        )

    @get("/sso", name="web:admin-sso")
    async def sso(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._sso_page(viewer, db)

    @post("/sso", name="web:admin-sso-save")
    async def save_sso(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = admin(viewer, Action.CONFIGURE_SIGN_IN)
        form = await read_form(request)
        errors = Errors()
        service = SsoConfigService(db, who.org_id)
        config = await service.find()
        base = msgspec.to_builtins(config.to_settings()) if config else {}
        fields = {
            "issuer": one(form, "issuer"),
            "client_id": one(form, "client_id"),
            "client_secret_ref": one(form, "client_secret_ref"),
            "scopes": one(form, "scopes").split(),
        }
        data = decode(SsoSettings, {**base, **fields}, errors)
        if data is not None:
            sso = SsoRuntime.of(request.app.state)
            try:
                async with db.begin_nested():
                    await service.set(data, allow_http_loopback=not sso.settings.is_prod)
            except DomainError as exc:
                domain_errors(exc, errors, fields)
            else:
                sso.idp.forget(who.org_id)
                return see_other(f"{viewer.base}/admin/sso?done=saved")
        return await self._sso_page(viewer, db, errors, values_of(form))

    # --- partner organisations ----------------------------------------------------------------

    async def _sharing_page(
        self, viewer: PageContext, db: Db, errors: Errors | None = None, form: Form | None = None
    ) -> Response[Any]:
        who = admin(viewer, Action.SET_SHARING)
        policy = await read_policy(db, who.org_id)
        if form is None:
            values: dict[str, Any] = {
                "cross_org": "yes" if policy.cross_org else "",
                "partners": "\n".join(policy.partners or []),
                "publish_cards": "yes" if policy.publish_cards else "",
                "k": str(policy.k),
                "sector": policy.sector,
                "region": policy.region,
            }
        else:
            values = values_of(form)
        return render(
            "admin/sharing.html",
            viewer,
            nav="admin",
            title="Partner organisations",
            policy=policy,
            errors=errors,
            values=values,
        )

    @get("/sharing", name="web:admin-sharing")
    async def sharing(self, slug: Slug, viewer: PageContext_, db: Db) -> Response[Any]:
        return await self._sharing_page(viewer, db)

    @post("/sharing", name="web:admin-sharing-save")
    async def save_sharing(
        self, request: Request[Any, Any, Any], slug: Slug, viewer: PageContext_, db: Db
    ) -> Response[Any]:
        who = admin(viewer, Action.SET_SHARING)
        form = await read_form(request)
        errors = Errors()
        partners = [p.strip() for p in one(form, "partners").splitlines() if p.strip()]
        data = decode(
            SharingPolicy,
            {
                "cross_org": one(form, "cross_org") == "yes",
                "partners": partners or None,
                "publish_cards": one(form, "publish_cards") == "yes",
                "k": one(form, "k") or "5",
                "sector": one(form, "sector"),
                "region": one(form, "region"),
            },
            errors,
            {"k": "Smallest group (k)"},
        )
        if data is not None:
            try:
                async with db.begin_nested():
                    check_card_facts(data)
                    await set_policy(db, who.org_id, data)
            except DomainError as exc:
                domain_errors(
                    exc, errors, ("cross_org", "partners", "publish_cards", "k", "sector", "region")
                )
            else:
                return see_other(f"{viewer.base}/admin/sharing?done=saved")
        return await self._sharing_page(viewer, db, errors, form)
