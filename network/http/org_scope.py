"""What the organisation routes share: the org in the path is the actor's own, and the
domain's view of the actor (``orgs.people.acting.Acting``)."""

from __future__ import annotations

from network.http.actor import Actor
from orgs.errors import NotFound
from orgs.people.acting import Acting


def acting(slug: str, actor: Actor) -> Acting:
    """The actor as the domain sees it; another org's slug is exactly like a missing org."""
    if slug != actor.org_slug:
        raise NotFound(f"No organisation {slug!r} on this node.")
    if actor.member is not None:
        label = f"member {actor.member.id}"
    else:
        label = "org token (" + ", ".join(sorted(r.value for r in actor.roles)) + ")"
    return Acting(actor.org_id, actor.member, actor.roles, label)
