"""Small helpers for API tests: orgs with tokens, built through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from httpx import Response
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.models import Org, TokenRole
from orgs.people.members import Member, MemberRepository
from orgs.registry import OrgRegistry
from orgs.tokens import TokenService
from tests.sessions import sign_in


@dataclass(frozen=True)
class OrgWithToken:
    org: Org
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def org_with_token(
    db: AsyncSession, slug: str, role: TokenRole = TokenRole.ADMIN
) -> OrgWithToken:
    org = await OrgRegistry(db).find(slug) or await OrgRegistry(db).create(slug, slug.title())
    token, _ = await TokenService(db).create(org, role, "test")
    await db.commit()
    return OrgWithToken(org, token)


def assert_problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:mentornet:problem:{code}"
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    assert response.headers["x-request-id"]
    return body


async def member_of(
    db: AsyncSession, org: OrgWithToken, employee_id: str, **fields: Any
) -> dict[str, str]:
    """A member of ``org``, signed in: the headers their browser sends (session cookie and
    CSRF token; no org token, which never acts as a person)."""
    member = MemberRepository(db, org.org.id).add(
        Member(employee_id=employee_id, given_name=employee_id.title(), **fields)
    )
    await db.commit()
    [session] = await sign_in(org.org.slug, [member])
    return session.headers
