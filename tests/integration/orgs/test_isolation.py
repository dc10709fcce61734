"""Tenancy matrix: every org route, every kind of actor, another org's ids → 404, and each write
attempt leaves its target, re-read through the org that owns it, exactly as it was."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.models import TokenRole
from orgs.records.staff_import_jobs import StaffImports
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
    # A staff import of harrow's that runs as a job (queued: the tests here run no worker).
    job = StaffImports(db, harrow.org.id).queue(
        b"employee_id,email\n", {}, ActorRef.system("test"), dry_run=False
    )
    await db.commit()
    ids = {
        "import": str(job.id),
        "member": harrow.id("MENTEE"),
        "scheme": harrow.scheme_id,
        "app": app.json()["id"],
        "training": training.json()["id"],
        "coordinator": harrow.id("COORD"),  # holds the coordinator role a revoke would take
    }
    return brent, harrow, ids


#: A read of what an org holds, through that org itself: (org slug, acting member, path under
#: /api/v1/orgs/<slug>). A refused write must leave every read of its target as it was.
Read = tuple[str, str, str]


async def snapshot(client: Client, orgs: dict[str, ApiOrg], reads: Iterable[Read]) -> list[Any]:
    seen = []
    for slug, who, path in reads:
        response = await client.get(f"/api/v1/orgs/{slug}{path}", headers=orgs[slug].as_(who))
        assert response.status_code == 200, (slug, who, path, response.text)
        seen.append(response.json())
    return seen


def routes(ids: dict[str, str], brent: ApiOrg) -> list[tuple[str, str, Any, tuple[Read, ...]]]:
    """(method, path under /api/v1/orgs/brent, body, what a write would change) naming a harrow
    id somewhere; every write's target exists and the write would change it if it landed."""
    m, s, a, t, c = ids["member"], ids["scheme"], ids["app"], ids["training"], ids["coordinator"]
    own_scheme = brent.scheme_id
    roles = (("harrow", "ADMIN", "/roles"), ("brent", "ADMIN", "/roles"))
    rules = (
        ("harrow", "ADMIN", f"/schemes/{s}/rules"),
        ("harrow", "ADMIN", f"/schemes/{s}/rules/versions"),
    )
    trainings = (("harrow", "ADMIN", f"/schemes/{s}/trainings"),)
    attendance = (("harrow", "ADMIN", f"/schemes/{s}/trainings/{t}/attendance"),)
    application = (
        ("harrow", "ADMIN", f"/applications/{a}"),
        ("harrow", "ADMIN", f"/applications/{a}/audit"),
        ("harrow", "ADMIN", f"/schemes/{s}/applications"),
    )
    return [
        ("GET", f"/staff/{m}", None, ()),
        ("GET", f"/staff/{m}/chain", None, ()),
        ("GET", f"/staff/imports/{ids['import']}", None, ()),
        ("POST", "/roles", {"member_id": m, "role": "coordinator"}, roles),
        ("DELETE", f"/roles/{c}/coordinator", None, roles),
        ("GET", f"/schemes/{s}", None, ()),
        ("GET", f"/schemes/{s}/rules", None, ()),
        ("PUT", f"/schemes/{s}/rules", {"document": {"mentee": []}}, rules),
        ("GET", f"/schemes/{s}/rules/versions", None, ()),
        ("GET", f"/schemes/{s}/eligibility/preview?role=mentee", None, ()),
        ("GET", f"/schemes/{s}/eligibility/check?role=mentee&member_id={m}", None, ()),
        ("GET", f"/schemes/{own_scheme}/eligibility/check?role=mentee&member_id={m}", None, ()),
        ("GET", f"/schemes/{s}/trainings", None, ()),
        (
            "POST",
            f"/schemes/{s}/trainings",
            {"role": "mentor", "title": "T", "training_key": "k"},
            trainings,
        ),
        ("PUT", f"/schemes/{s}/trainings/{t}/attendance/{m}", {"attended": True}, attendance),
        ("GET", f"/schemes/{s}/trainings/{t}/attendance", None, ()),
        ("GET", f"/schemes/{s}/applications", None, ()),
        (
            "POST",
            f"/schemes/{s}/shortlist",
            {"role": "mentee", "application_ids": [a]},
            application,
        ),
        (
            "POST",
            "/applications",
            {"scheme_id": s, "role": "mentee", "hoped_gains": "x"},
            application,
        ),
        ("GET", f"/applications/{a}", None, ()),
        ("GET", f"/applications/{a}/audit", None, ()),
        ("POST", f"/applications/{a}/decision", {"approve": True}, application),
        ("POST", f"/applications/{a}/exception-request", {"reason": "x"}, application),
        (
            "POST",
            f"/applications/{a}/exception-decision",
            {"grant": True, "reason": "x"},
            application,
        ),
        ("POST", f"/applications/{a}/withdraw", {}, application),
    ]


def holdings(ids: dict[str, str], brent: ApiOrg) -> tuple[Read, ...]:
    """Everything of harrow's that an org route could change, read through harrow (each read
    answering 200 also shows the ids are real)."""
    m, s = ids["member"], ids["scheme"]
    targets = {read for *_, reads in routes(ids, brent) for read in reads}
    return (
        *sorted(r for r in targets if r[0] == "harrow"),
        ("harrow", "ADMIN", "/settings"),
        ("harrow", "ADMIN", "/staff"),
        ("harrow", "ADMIN", f"/staff/{m}"),
        ("harrow", "COORD", "/schemes"),
        ("harrow", "COORD", f"/schemes/{s}"),
        ("harrow", "COORD", "/mentoring-settings"),
        ("harrow", "COORD", f"/schemes/{s}/terms"),
        ("harrow", "COORD", f"/schemes/{s}/questionnaires"),
        ("harrow", "COORD", f"/schemes/{s}/cohort-runs"),
        ("harrow", "MENTEE", "/me/special-category"),
        ("harrow", "MENTEE", "/applications/mine"),
    )


async def test_another_orgs_ids_are_404_for_every_route_and_actor_and_change_nothing(
    client: Client, db: AsyncSession
) -> None:
    brent, harrow, ids = await two_orgs(client, db)
    orgs = {"brent": brent, "harrow": harrow}
    for viewer in (None, "ADMIN", "COORD", "HRD", "MGR", "MENTEE"):
        for method, path, body, target in routes(ids, brent):
            before = await snapshot(client, orgs, target)
            response = await client.request(
                method, f"/api/v1/orgs/brent{path}", json=body, headers=brent.as_(viewer)
            )
            assert response.status_code == 404, (viewer, method, path, response.text)
            assert_problem(response, 404, "not-found")
            assert await snapshot(client, orgs, target) == before, (viewer, method, path)


def query_for(path: str) -> str:
    """Required query parameters, so a route is refused for its org alone."""
    if "/eligibility/" in path:
        return "?role=mentee"
    return "?characteristic=disability" if path.endswith("/equality/pipeline") else ""


class AnyOtherId(dict[str, str]):
    """Path values: the other org's real ids where the test holds one, else an id of nothing
    (a route added later is still probed, and must answer 404 as well)."""

    def __missing__(self, key: str) -> str:
        return str(uuid.uuid4())


async def test_another_orgs_slug_is_404_for_every_org_route_and_changes_nothing(
    client: Client, app: Litestar, db: AsyncSession
) -> None:
    brent, harrow, ids = await two_orgs(client, db)
    orgs = {"brent": brent, "harrow": harrow}
    schema = app.openapi_schema.to_schema()
    values = {
        "slug": "harrow",
        "member_id": ids["member"],
        "scheme_id": ids["scheme"],
        "application_id": ids["app"],
        "training_id": ids["training"],
        "token_id": ids["member"],
        "import_id": ids["import"],
        "role": "coordinator",
    }
    bodies = {(m.lower(), p): b for m, p, b, _ in routes(ids, brent)}
    bodies[("put", "/settings")] = {}
    held = await snapshot(client, orgs, holdings(ids, brent))
    checked = writes = 0
    for path, item in schema["paths"].items():
        if not path.startswith(MINE):
            continue
        for method in item:
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            # A revoke names the member who holds the role, so it would show if it landed.
            named = {**values, "member_id": ids["coordinator"]} if "/roles/" in path else values
            concrete = path.format_map(AnyOtherId(named)) + query_for(path)
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
            if method != "get":
                writes += 1
                assert await snapshot(client, orgs, holdings(ids, brent)) == held, (method, path)
    assert checked >= 30
    assert writes >= 15
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


#: Who in harrow may make each write of the matrix, by method and the last word of its path
#: (shortlisting needs a cohort programme and the exception routes a declined application, so
#: those are shown by the same application reads changing under a decision and a withdrawal).
OWNERS = {
    ("POST", "roles"): "ADMIN",
    ("DELETE", "coordinator"): "ADMIN",
    ("PUT", "rules"): "COORD",
    ("POST", "trainings"): "COORD",
    ("PUT", "attendance"): "COORD",
    ("POST", "applications"): "PEER",
    ("POST", "decision"): "MGR",
    ("POST", "withdraw"): "MENTEE",
}


def last_word(path: str) -> str:
    """The route's last word, not an id: ``/applications/<id>/decision`` → ``decision``."""
    return next(w for w in reversed(path.split("?")[0].split("/")) if not is_id(w))


def is_id(word: str) -> bool:
    try:
        uuid.UUID(word)
    except ValueError:
        return False
    return True


async def test_the_reads_see_the_writes_they_guard(client: Client, db: AsyncSession) -> None:
    """The matrix's before/after comparison can fail: each write, made by harrow itself, changes
    what the matrix re-reads for it."""
    brent, harrow, ids = await two_orgs(client, db)
    orgs = {"brent": brent, "harrow": harrow}
    shown = []
    # The revoke goes last: it takes the coordinator role the other writes need.
    for method, path, body, target in sorted(routes(ids, brent), key=lambda r: r[0] == "DELETE"):
        owner = OWNERS.get((method, last_word(path)))
        if owner is None:
            continue
        before = await snapshot(client, orgs, target)
        response = await client.request(
            method, f"/api/v1/orgs/harrow{path}", json=body, headers=harrow.as_(owner)
        )
        assert response.status_code in (200, 201, 204), (method, path, response.text)
        assert await snapshot(client, orgs, target) != before, (method, path)
        shown.append((method, last_word(path)))
    assert sorted(shown) == sorted(OWNERS)
