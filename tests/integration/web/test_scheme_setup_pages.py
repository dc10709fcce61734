"""The scheme set-up pages keep to the viewer's organisation: a Brent coordinator naming
Harrow's scheme gets 404 on every page and form (an unknown questionnaire too), and
Harrow's scheme, re-read, is unchanged; with no JavaScript, the form posts straight to check
your answers and then creates."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from network.sso.sessions import CSRF_FIELD
from orgs.mentoring.evaluations import Questionnaire
from orgs.people.roles import Role
from orgs.registry import OrgRegistry
from orgs.schemes.schemes import Scheme, SchemeService, SchemeSpec, SchemeTraining
from tests.integration.web.test_permission_table import Client, setup_org, sign_in

NEW = {
    "action": "check",
    "name": "Autumn scheme",
    "slug": "autumn",
    "kind": "one_to_one",
    "form": "open",
    "max_months": "9",
    "time_release_hours": "12",
    "recommended_sessions": "6",
}


async def test_another_orgs_scheme_is_404_and_unchanged(
    settings: Settings, client: Client, db: AsyncSession
) -> None:
    org_id, own = await setup_org(db)
    own_id = own.scheme_id
    harrow = await OrgRegistry(db).create("harrow", "London Borough of Harrow")
    theirs = await SchemeService(db, harrow.id).create(
        SchemeSpec(slug="harrow-pilot", name="Harrow's")
    )
    theirs_id = theirs.id
    await db.commit()
    csrf = await sign_in(settings, client, db, org_id, Role.COORDINATOR)
    base = f"/orgs/brent/coordinate/schemes/{theirs_id}"
    for path in ("/setup", "/edit", "/questionnaires/mentee/end"):
        assert (await client.get(base + path)).status_code == 404, path
    form = {**NEW, "name": "Taken over", "slug": "harrow-pilot", CSRF_FIELD: csrf}
    assert (await client.post(f"{base}/edit", data=form)).status_code == 404
    training = {"role": "mentor", "title": "T", "training_key": "t", CSRF_FIELD: csrf}
    assert (await client.post(f"{base}/trainings", data=training)).status_code == 404
    asked = {"rows": "1", "title": "Ours now", "text-0": "Q?", "kind-0": "text", CSRF_FIELD: csrf}
    assert (await client.post(f"{base}/questionnaires/mentee/end", data=asked)).status_code == 404
    assert (
        await client.get(f"/orgs/brent/coordinate/schemes/{own_id}/questionnaires/x/end")
    ).status_code == 404
    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(Questionnaire)) == 0
    again = await db.get_one(Scheme, theirs_id)
    assert again.name == "Harrow's"
    count = select(func.count()).select_from(SchemeTraining)
    assert await db.scalar(count.where(SchemeTraining.scheme_id == theirs_id)) == 0


async def test_without_javascript_the_form_checks_then_creates(
    settings: Settings, client: Client, db: AsyncSession
) -> None:
    org_id, _ = await setup_org(db)
    csrf = await sign_in(settings, client, db, org_id, Role.ORG_ADMIN)
    page = await client.post("/orgs/brent/coordinate/schemes/new", data={**NEW, CSRF_FIELD: csrf})
    assert page.status_code == 200
    assert "Check the scheme before you create it" in page.text
    assert "autumn" not in [s.slug for s in await SchemeService(db, org_id).list()]
    setup = await client.post(
        "/orgs/brent/coordinate/schemes/new",
        data={**NEW, "action": "confirm", CSRF_FIELD: csrf},
    )  # the client follows the 303 to the set-up page
    assert setup.status_code == 200
    assert setup.url.path.endswith("/setup")
    assert setup.url.params["done"] == "scheme-created"
    assert "Scheme created" in setup.text
    db.expire_all()
    made = await SchemeService(db, org_id).by_slug("autumn")
    assert made.name == "Autumn scheme"
