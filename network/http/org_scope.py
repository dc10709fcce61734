"""What the organisation routes share: the org in the path is the actor's own, and the
domain's view of the actor (``orgs.people.acting.Acting``)."""

from __future__ import annotations

from network.http.actor import Actor
from orgs.errors import Forbidden, NotFound
from orgs.people.acting import Acting
from orgs.people.roles import Role


def acting(slug: str, actor: Actor) -> Acting:
    """The actor as the domain sees it; another org's slug is exactly like a missing org."""
    if slug != actor.org_slug:
        raise NotFound(f"No organisation {slug!r} on this node.")
    if actor.member is not None:
        label = f"member {actor.member.id}"
    else:
        label = "org token (" + ", ".join(sorted(r.value for r in actor.roles)) + ")"
    return Acting(actor.org_id, actor.member, actor.roles, label)


def require(who: Acting, *roles: Role) -> None:
    if not who.has_any(*roles):
        names = " or ".join(r.value.replace("_", " ") for r in roles)
        raise Forbidden(f"Only an {names} may do this.")


STAFF = (Role.ORG_ADMIN, Role.COORDINATOR, Role.HR_DIRECTOR)
