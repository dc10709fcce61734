"""``mentornet org sso set/show/check`` and the admin API's validation."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.models import TokenRole
from tests.conftest import Cli
from tests.integration.network.helpers import assert_problem, org_with_token
from tests.integration.sso.idp import IdpServer


def test_set_show_and_check_from_the_cli(mentornet: Cli, idp: IdpServer) -> None:
    assert mentornet("org", "create", "--slug", "brent", "--name", "Brent").exit_code == 0
    issuer = idp.issuers["brent"]
    result = mentornet(
        "org", "sso", "set", "--org", "brent", "--issuer", issuer,
        "--client-id", "mentornet-brent", "--client-secret-ref", "env:MENTORNET_SSO_BRENT_SECRET",
        "--scope", "openid", "--scope", "email", "--scope", "mentornet",
        "--claim", "employee_id=employeeNumber", "--group-role", "admins=org_admin",
        "--link-by", "employee_id_or_verified_email",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8000/orgs/brent/callback" in result.output

    shown = json.loads(mentornet("org", "sso", "show", "--org", "brent", "--json").output)
    assert shown["issuer"] == issuer
    assert shown["client_secret_ref"] == "env:MENTORNET_SSO_BRENT_SECRET"
    assert shown["scopes"] == ["openid", "email", "mentornet"]
    assert shown["claims"]["employee_id"] == "employeeNumber"
    assert shown["group_roles"] == {"admins": ["org_admin"]}
    assert shown["linking"] == "employee_id_or_verified_email"

    changed = mentornet("org", "sso", "set", "--org", "brent", "--disable")
    assert changed.exit_code == 0, changed.output
    again = json.loads(mentornet("org", "sso", "show", "--org", "brent", "--json").output)
    assert again["enabled"] is False
    assert again["issuer"] == issuer  # options not given stay as they were

    check = mentornet("org", "sso", "check", "--org", "brent")
    assert check.exit_code == 0, check.output
    assert "1 signing key" in check.output


def test_a_plain_secret_is_refused(mentornet: Cli) -> None:
    assert mentornet("org", "create", "--slug", "brent", "--name", "Brent").exit_code == 0
    result = mentornet(
        "org", "sso", "set", "--org", "brent", "--issuer", "https://login.example",
        "--client-id", "x", "--client-secret-ref", "hunter2-the-actual-secret",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "client_secret_ref" in result.output


async def test_the_admin_api_validates_what_it_stores(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    admin = await org_with_token(db, "brent", TokenRole.ADMIN)
    coordinator = await org_with_token(db, "brent", TokenRole.COORDINATOR)
    body = {
        "issuer": "https://login.brent.example",
        "client_id": "mentornet",
        "client_secret_ref": "file:/run/secrets/brent-oidc",
        "group_roles": {"HR-Leads": ["hr_director"]},
    }
    assert_problem(
        await client.get("/api/v1/orgs/brent/sso", headers=admin.headers), 404, "not-found"
    )
    put = await client.put("/api/v1/orgs/brent/sso", json=body, headers=admin.headers)
    assert put.status_code == 200, put.text
    out = put.json()
    assert out["redirect_uri"] == "http://127.0.0.1:8000/orgs/brent/callback"
    assert out["settings"]["client_secret_ref"] == "file:/run/secrets/brent-oidc"
    assert_problem(
        await client.get("/api/v1/orgs/brent/sso", headers=coordinator.headers), 403, "forbidden"
    )
    for field, value in (
        ("issuer", "http://login.brent.example"),  # not https (and not a loopback dev IdP)
        ("client_secret_ref", "s3cr3t"),
        ("scopes", ["email"]),
    ):
        bad = await client.put(
            "/api/v1/orgs/brent/sso", json={**body, field: value}, headers=admin.headers
        )
        problem = assert_problem(bad, 422, "invalid-input")
        assert problem["errors"][0]["field"] == field
    unknown_role = await client.put(
        "/api/v1/orgs/brent/sso",
        json={**body, "group_roles": {"x": ["superuser"]}},
        headers=admin.headers,
    )
    assert unknown_role.status_code == 400
