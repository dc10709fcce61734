"""Whom an org's members may be paired with outside the org, and whether its mentors'
availability is published to other nodes. Both sides must consent to every cross-org pair.

Kept in ``orgs.settings["sharing"]``. Orgs are named by *org refs*: ``slug`` for an org on
this node, ``slug@https://node.example`` for an org on another node.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.errors import InvalidInput, NotFound
from orgs.models import Org

SETTINGS_KEY: Final = "sharing"
DEFAULT_K: Final = 5
ORG_REF = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9](@https?://[a-z0-9.-]+(:[0-9]{1,5})?)?$")

OrgRef = Annotated[str, msgspec.Meta(max_length=300)]
FactId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{0,40}$")]


class SharingPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    #: Members may be paired with people of other organisations at all.
    cross_org: bool = False
    #: The orgs they may be paired with (org refs); None: any org that consents too.
    partners: list[OrgRef] | None = None
    #: Publish anonymised cards of opted-in mentors to peer nodes whose orgs are allowed.
    publish_cards: bool = False
    #: Every published (org, band, region, sector) combination covers at least k mentors.
    k: Annotated[int, msgspec.Meta(ge=2, le=100)] = DEFAULT_K
    #: Coarse facts for cards (ids of the hierarchies in federation/anonymise.py).
    sector: FactId = ""
    region: FactId = ""

    def allows(self, other: str) -> bool:
        """This org's side of the consent for a pair with the org ``other`` (an org ref)."""
        if not self.cross_org:
            return False
        return self.partners is None or other in self.partners


def check_policy(policy: SharingPolicy) -> SharingPolicy:
    for index, ref in enumerate(policy.partners or []):
        if not ORG_REF.fullmatch(ref):
            raise InvalidInput.on(
                f"partners[{index}]",
                f"{ref!r} is not an org ref: use 'slug' or 'slug@https://node.example'",
            )
    if policy.publish_cards and not policy.cross_org:
        raise InvalidInput.on("publish_cards", "needs cross_org: publishing invites requests")
    if policy.publish_cards and not (policy.sector and policy.region):
        raise InvalidInput.on("publish_cards", "set sector and region first: cards carry them")
    return policy


def org_ref(slug: str, node: str | None = None) -> str:
    return slug if node is None else f"{slug}@{node}"


def policy_of(org: Org) -> SharingPolicy:
    stored = (org.settings or {}).get(SETTINGS_KEY) or {}
    return msgspec.convert(stored, SharingPolicy)


async def read_policy(session: AsyncSession, org_id: uuid.UUID) -> SharingPolicy:
    org = await session.get(Org, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    return policy_of(org)


async def set_policy(session: AsyncSession, org_id: uuid.UUID, policy: SharingPolicy) -> None:
    check_policy(policy)
    org = await session.get(Org, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    org.settings = {**(org.settings or {}), SETTINGS_KEY: msgspec.to_builtins(policy)}
    await session.flush()
