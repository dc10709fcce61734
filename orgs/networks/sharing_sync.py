"""Joining a network sets the sharing policy with its members; leaving undoes it.

An org's policy keeps the partners its admin named by hand; the partners a network brought are
remembered apart (``settings["networks"]["from_networks"]``), so the next sync replaces exactly
those. Both sides still consent (each org's own policy is checked at both ends), and an org
may exclude a member of a network it is in (``exclude``), which no network change overrides.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.models import Org
from orgs.networks.record import NetworkRecord
from orgs.pairing.sharing import org_ref, policy_of, set_policy

KEY: Final = "networks"


def network_settings(org: Org) -> dict[str, Any]:
    stored: dict[str, Any] = dict((org.settings or {}).get(KEY) or {})
    stored.setdefault("from_networks", [])
    stored.setdefault("exclude", {})
    stored.setdefault("schemes", {})
    return stored


def save_network_settings(org: Org, stored: dict[str, Any]) -> None:
    org.settings = {**(org.settings or {}), KEY: stored}


def ref_seen_from(me: str, org: str, node: str) -> str:
    """How an org of a record is named in the sharing policy of an org of node ``me``."""
    return org_ref(org, None if node == me else node)


def partners_from(org: Org, me: str, records: list[NetworkRecord]) -> set[str]:
    """The orgs ``org`` is paired with through its networks: the other members in good
    standing of every network where it is in good standing, less those it excluded."""
    own = f"{org.slug}@{me}"
    excluded = network_settings(org)["exclude"]
    found: set[str] = set()
    for record in records:
        standing = record.in_good_standing()
        if own not in {m.ref for m in standing}:
            continue
        skip = set(excluded.get(record.network_id, []))
        found |= {
            ref_seen_from(me, m.org, m.node)
            for m in standing
            if m.ref != own and ref_seen_from(me, m.org, m.node) not in skip
        }
    return found


async def sync_sharing(
    session: AsyncSession, org: Org, me: str, records: list[NetworkRecord]
) -> None:
    stored = network_settings(org)
    before, after = set(stored["from_networks"]), partners_from(org, me, records)
    if before == after:
        return
    policy = policy_of(org)
    if policy.cross_org and policy.partners is None:
        partners = None  # already open to every org that consents too
    else:
        manual = [p for p in policy.partners or [] if p not in before]
        partners = manual + sorted(after - set(manual))
    cross_org = policy.cross_org or bool(after)
    await set_policy(
        session, org.id, msgspec.structs.replace(policy, cross_org=cross_org, partners=partners)
    )
    stored["from_networks"] = sorted(after)
    save_network_settings(org, stored)
