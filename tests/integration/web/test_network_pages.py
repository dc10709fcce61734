"""Two organisations of one node form a network: the invitation and acceptance need no message
(the record here is both orgs' copy), joining sets both sharing policies, and the directory page
shows each member's offer with small numbers never exact; an org may exclude a member; an org
outside the network gets the 404 page."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox import OutboxMessage
from network.config import Settings
from orgs.networks.replica import NetworkVersion
from orgs.pairing.sharing import read_policy
from orgs.people.members import Member, MemberRepository
from orgs.people.roles import MemberRole, Role
from orgs.registry import OrgRegistry
from tests.sessions import SignedIn, sign_in

Client = AsyncTestClient[Litestar]
TERMS = {
    "name": "West London Mentoring",
    "agreement": "We share mentors.",
    "review_on": "2027-03-31",
}


async def people(settings: Settings, db: AsyncSession, slug: str, name: str) -> list[SignedIn]:
    """An org with an admin and a plain member, each signed in."""
    org = await OrgRegistry(db).create(slug, name)
    admin, member = (
        MemberRepository(db, org.id).add(
            Member(employee_id=e, given_name=e, family_name=slug, email=f"{e}@{slug}.example")
        )
        for e in ("admin", "member")
    )
    await db.flush()
    db.add(MemberRole(org_id=org.id, member_id=admin.id, role=Role.ORG_ADMIN))
    await db.commit()
    return await sign_in(slug, [admin, member], settings=settings)


async def test_a_network_of_two_orgs_on_one_node_and_its_directory_page(
    settings: Settings, client: Client, db: AsyncSession
) -> None:
    brent_admin, brent_member = await people(settings, db, "brent", "London Borough of Brent")
    harrow_admin, _ = await people(settings, db, "harrow", "London Borough of Harrow")
    _, outsider = await people(settings, db, "ealing", "London Borough of Ealing")
    api = "/api/v1/orgs/{}/networks"

    contact = {"name": "Anna Kowalski", "work_email": "anna@brent.example"}
    made = await client.post(
        api.format("brent"), json={**TERMS, "contact": contact}, headers=brent_admin.headers
    )
    assert made.status_code == 201, made.text
    nid = made.json()["network_id"]
    invited = await client.post(
        f"{api.format('brent')}/{nid}/invitations",
        json={"org": "harrow", "display_name": "Harrow"},
        headers=brent_admin.headers,
    )
    assert invited.status_code == 201, invited.text
    accepted = await client.post(
        f"{api.format('harrow')}/{nid}/acceptance",
        json={
            "agreement_version": 1,
            "contact": {"name": "Hari Patel", "work_email": "hari@harrow.example"},
        },
        headers=harrow_admin.headers,
    )
    assert accepted.status_code == 201, accepted.text

    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert await db.scalar(select(func.count()).select_from(NetworkVersion)) == 3
    brent_id = (await OrgRegistry(db).get("brent")).id
    harrow_id = (await OrgRegistry(db).get("harrow")).id
    assert (await read_policy(db, brent_id)).partners == ["harrow"]
    assert (await read_policy(db, harrow_id)).partners == ["brent"]

    # brent excludes harrow: harrow still names brent, but a pair needs both to consent.
    excluded = await client.put(
        f"{api.format('brent')}/{nid}/exclusions",
        json={"exclude": ["harrow"]},
        headers=brent_admin.headers,
    )
    assert excluded.status_code == 200, excluded.text
    db.expire_all()
    assert (await read_policy(db, brent_id)).partners == []
    assert (await read_policy(db, harrow_id)).partners == ["brent"]

    page = await client.get(f"/orgs/brent/networks/{nid}", headers=brent_member.headers)
    assert page.status_code == 200, page.text
    assert "West London Mentoring" in page.text
    assert "Hari Patel" in page.text
    assert page.text.count("fewer than 5") == 2  # neither has published 5 mentors or more
    listed = await client.get("/orgs/brent/networks/", headers=brent_member.headers)
    assert nid in listed.text

    before = await db.scalar(select(func.count()).select_from(NetworkVersion))
    hidden = await client.get(f"/orgs/ealing/networks/{nid}", headers=outsider.headers)
    assert hidden.status_code == 404
    assert "Hari" not in hidden.text
    refused = await client.post(
        f"{api.format('brent')}/{nid}/invitations",
        json={"org": "ealing", "display_name": "Ealing"},
        headers=brent_member.headers,
    )
    assert refused.status_code == 403
    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(NetworkVersion)) == before
