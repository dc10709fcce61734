"""Checks that an org's sharing policy names region and sector ids cards can carry."""

from __future__ import annotations

from federation.anonymise import REGIONS, SECTORS
from orgs.errors import InvalidInput
from orgs.pairing.sharing import SharingPolicy


def check_card_facts(policy: SharingPolicy) -> None:
    if policy.region and not REGIONS.knows(policy.region):
        raise InvalidInput.on("region", f"{policy.region!r} is not a known region id")
    if policy.sector and not SECTORS.knows(policy.sector):
        raise InvalidInput.on("sector", f"{policy.sector!r} is not a known sector id")
