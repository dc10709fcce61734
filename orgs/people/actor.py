"""Who is acting: always one org; a member of it (a person) or none (the org's script, the
node operator, a job); and the roles they act with.

``network`` builds one per request, once (a session's member, or an org API token's roles);
the CLI builds one for the node operator. The permission table (``orgs.people.permissions``)
and the services decide what it may do. Line manager is derived from HR data, never stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from orgs.audit import ActorRef
from orgs.people.members import Member
from orgs.people.roles import Role


@dataclass(frozen=True)
class Actor:
    org_id: uuid.UUID
    member: Member | None
    roles: frozenset[Role]
    label: str
    org_slug: str = ""
    via: Literal["session", "token", "operator"] = "operator"
    line_manager: bool = False  # someone reports to them in HR data

    def has(self, role: Role) -> bool:
        return role in self.roles

    def has_any(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def ref(self) -> ActorRef:
        return ActorRef(self.member.id if self.member else None, self.label)

    @classmethod
    def of_member(cls, member: Member, roles: frozenset[Role] = frozenset()) -> Actor:
        return cls(member.org_id, member, roles, f"member {member.id}")

    @classmethod
    def operator(cls, org_id: uuid.UUID) -> Actor:
        """The node operator at the CLI: every org role, no member."""
        return cls(org_id, None, frozenset(Role), "operator (cli)")
