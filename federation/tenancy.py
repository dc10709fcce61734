"""Whom a signed payload may speak for: an organisation a peer names as its own must be one that
peer hosts, as its verified node document (pinned in ``peers``) lists.

One table says, for every signed type, which fields name an organisation of the sender; the
inbox and the feed consumer check them all the same way, before anything is stored. A unit test
walks every wire type and fails on an org-slug field the table does not list, so a new message
type or field cannot skip the check.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Final

from federation import wire
from federation.errors import OrgNotHosted

#: type -> paths of the fields naming an org of the sender (``a[].b``: field b of each item of
#: a). An empty tuple is a decision too: that type names no org of its sender.
SENDER_ORG_FIELDS: Final[dict[type[wire.Signed], tuple[str, ...]]] = {
    # Its ``orgs`` are what the sender hosts: the reference everything else is checked against.
    wire.NodeDocument: (),
    wire.FeedPage: ("cards[].org",),
    wire.RequestToken: (),
    wire.RequestCreate: ("mentee_org",),
    wire.RequestAccept: (),
    wire.RequestIntroduce: (),
    wire.RequestDecline: (),
    wire.RequestWithdraw: (),
    wire.RelationshipEnd: (),
    # The org of the party whose side the sender holds: the mentee's, the mentor's.
    wire.RelationshipRecord: ("org",),
    wire.RelationshipChange: ("org",),
    wire.CardRevoke: (),
    wire.MemberErase: (),
    # The org whose change it is; the record's other orgs are the other members'.
    wire.NetworkChange: ("author_org",),
    # Shared events: the organiser's event, the attendee's organisation; the other two are
    # looked up by (sender, registration) and name no org.
    wire.EventPublish: ("event.organiser_org",),
    wire.EventRegister: ("attendee.org",),
    wire.EventUnregister: (),
    wire.EventPlace: (),
    # The org whose figures they are.
    wire.NetworkFigures: ("org",),
}


def _values(value: object, steps: list[str]) -> Iterator[str]:
    if not steps:
        yield str(value)
        return
    step, rest = steps[0], steps[1:]
    if step.endswith("[]"):
        for item in getattr(value, step[:-2]):
            yield from _values(item, rest)
    else:
        yield from _values(getattr(value, step), rest)


def orgs_spoken_for(payload: wire.Signed) -> set[str]:
    """The org slugs ``payload`` names as its sender's. ``KeyError`` for a type not in the
    table: an unlisted type is a programming error, never a pass."""
    paths = SENDER_ORG_FIELDS[type(payload)]
    return {slug for path in paths for slug in _values(payload, path.split("."))}


def check_hosted(payload: wire.Signed, hosted: Collection[str]) -> None:
    """Refuse ``payload`` if it speaks for an org its sender does not host."""
    foreign = sorted(orgs_spoken_for(payload) - set(hosted))
    if foreign:
        raise OrgNotHosted(
            f"{payload.iss} does not host {', '.join(foreign)} (its node document lists "
            f"{', '.join(sorted(hosted)) or 'no organisation'})"
        )
