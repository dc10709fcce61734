"""Who is acting inside the domain: an org, maybe one of its members, and their roles.

``network`` builds one from its request actor (token or session); the CLI builds one for the
node operator. Services decide what it may do; line manager is derived, never stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from orgs.audit import Who
from orgs.people.members import Member
from orgs.people.roles import Role


@dataclass(frozen=True)
class Acting:
    org_id: uuid.UUID
    member: Member | None
    roles: frozenset[Role]
    label: str

    def has(self, role: Role) -> bool:
        return role in self.roles

    def has_any(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def who(self) -> Who:
        return Who(self.member.id if self.member else None, self.label)

    @classmethod
    def of_member(cls, member: Member, roles: frozenset[Role] = frozenset()) -> Acting:
        return cls(member.org_id, member, roles, f"member {member.id}")

    @classmethod
    def operator(cls, org_id: uuid.UUID) -> Acting:
        """The node operator at the CLI: every org role, no member."""
        return cls(org_id, None, frozenset(Role), "operator (cli)")
