"""Tenancy matrix: every org route, every kind of actor, another org's ids → 404."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.models import TokenRole
from orgs.tokens import TokenService
from tests.integration.network.helpers import assert_problem
from tests.integration.orgs.builders import ApiOrg, api_org

Client = AsyncTestClient[Litestar]
#: The organisation routes built here (tokens, profiles and SSO have their own tests).
MINE = tuple(
    "/api/v1/orgs/{slug}/" + p
    for p in ("staff", "settings", "roles", "schemes", "applications", "me")
)


async def two_orgs(client: Client, db: AsyncSession) -> tuple[ApiOrg, ApiOrg, dict[str, str]]:
    brent = await api_org(db, "brent")
    harrow = await api_org(db, "harrow")
    h = "/api/v1/orgs/harrow"
    app = await client.post(
        f"{h}/applications",
        json={"scheme_id": harrow.scheme_id, "role": "mentee", "hoped_gains": "x"},
        headers=harrow.as_("MENTEE"),
    )
    training = await client.post(
        f"{h}/schemes/{harrow.scheme_id}/trainings",
        json={"role": "mentor", "title": "Mentor training", "training_key": "mentor-training"},
        headers=harrow.as_("COORD"),
    )
    ids = {
        "member": harrow.id("MENTEE"),
        "scheme": harrow.scheme_id,
        "app": app.json()["id"],
        "training": training.json()["id"],
    }
    return brent, harrow, ids


def routes(ids: dict[str, str], brent: ApiOrg) -> list[tuple[str, str, Any]]:
    """(method, path under /api/v1/orgs/brent, body) naming a harrow id somewhere."""
    m, s, a, t = ids["member"], ids["scheme"], ids["app"], ids["training"]
    own_scheme = brent.scheme_id
    return [
        ("GET", f"/staff/{m}", None),
        ("GET", f"/staff/{m}/chain", None),
        ("POST", "/roles", {"member_id": m, "role": "coordinator"}),
        ("DELETE", f"/roles/{m}/coordinator", None),
        ("GET", f"/schemes/{s}", None),
        ("GET", f"/schemes/{s}/rules", None),
        ("PUT", f"/schemes/{s}/rules", {"document": {"mentee": []}}),
        ("GET", f"/schemes/{s}/rules/versions", None),
        ("GET", f"/schemes/{s}/eligibility/preview?role=mentee", None),
        ("GET", f"/schemes/{s}/eligibility/check?role=mentee&member_id={m}", None),
        ("GET", f"/schemes/{own_scheme}/eligibility/check?role=mentee&member_id={m}", None),
        ("GET", f"/schemes/{s}/trainings", None),
        ("POST", f"/schemes/{s}/trainings", {"role": "mentor", "title": "T", "training_key": "k"}),
        ("PUT", f"/schemes/{s}/trainings/{t}/attendance/{m}", {"attended": True}),
        ("GET", f"/schemes/{s}/trainings/{t}/attendance", None),
        ("GET", f"/schemes/{s}/applications", None),
        ("POST", f"/schemes/{s}/shortlist", {"role": "mentee", "application_ids": [a]}),
        ("POST", "/applications", {"scheme_id": s, "role": "mentee", "hoped_gains": "x"}),
        ("GET", f"/applications/{a}", None),
        ("GET", f"/applications/{a}/audit", None),
        ("POST", f"/applications/{a}/decision", {"approve": True}),
        ("POST", f"/applications/{a}/exception-request", {"reason": "x"}),
        ("POST", f"/applications/{a}/exception-decision", {"grant": True, "reason": "x"}),
        ("POST", f"/applications/{a}/withdraw", {}),
    ]


async def test_another_orgs_ids_are_404_for_every_route_and_actor(
    client: Client, db: AsyncSession
) -> None:
    brent, _, ids = await two_orgs(client, db)
    for viewer in (None, "ADMIN", "COORD", "HRD", "MGR", "MENTEE"):
        for method, path, body in routes(ids, brent):
            response = await client.request(
                method, f"/api/v1/orgs/brent{path}", json=body, headers=brent.as_(viewer)
            )
            assert response.status_code == 404, (viewer, method, path, response.text)
            assert_problem(response, 404, "not-found")


async def test_another_orgs_slug_is_404_for_every_org_route(
    client: Client, app: Litestar, db: AsyncSession
) -> None:
    brent, harrow, ids = await two_orgs(client, db)
    schema = app.openapi_schema.to_schema()
    values = {
        "slug": "harrow",
        "member_id": ids["member"],
        "scheme_id": ids["scheme"],
        "application_id": ids["app"],
        "training_id": ids["training"],
        "token_id": ids["member"],
        "role": "coordinator",
    }
    bodies = {(m.lower(), p): b for m, p, b in routes(ids, brent)}
    bodies[("put", "/settings")] = {}
    checked = 0
    for path, item in schema["paths"].items():
        if not path.startswith(MINE):
            continue
        for method in item:
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            concrete = path.format(**values) + ("?role=mentee" if "/eligibility/" in path else "")
            body: Any = next(
                (
                    b
                    for (m, p), b in bodies.items()
                    if m == method and concrete.split("?")[0].endswith(p.split("?")[0])
                ),
                {},
            )
            response = await client.request(
                method.upper(), concrete, json=body, headers=brent.as_("ADMIN")
            )
            assert response.status_code == 404, (method, path, response.text)
            checked += 1
    assert checked >= 30
    # and the ids are real: harrow itself can read them
    own = await client.get(f"/api/v1/orgs/harrow/applications/{ids['app']}", headers=harrow.as_())
    assert own.status_code == 200


async def test_a_token_naming_a_member_gains_none_of_their_roles(
    client: Client, db: AsyncSession
) -> None:
    """A coordinator's script that names the org admin in ``X-Acting-Member`` (the header that
    once made a token that member, issue 13) stays a coordinator: it grants no role."""
    brent = await api_org(db, "brent")
    coordinator_token, _ = await TokenService(db).create(brent.org, TokenRole.COORDINATOR, "job")
    await db.commit()
    roles = "/api/v1/orgs/brent/roles"
    before = (await client.get(roles, headers=brent.as_("ADMIN"))).json()
    posing = {"Authorization": f"Bearer {coordinator_token}", "X-Acting-Member": brent.id("ADMIN")}
    grant = {"member_id": brent.id("PEER"), "role": "hr_director"}
    assert_problem(await client.post(roles, json=grant, headers=posing), 403, "forbidden")
    revoke = f"{roles}/{brent.id('HRD')}/hr_director"
    assert_problem(await client.delete(revoke, headers=posing), 403, "forbidden")
    assert (await client.get(roles, headers=brent.as_("ADMIN"))).json() == before
