"""Extensions of a cross-organisation relationship as items of its shared record (issue 19.4).

One item, ``extension``, for staleness: a proposal, an agreement or a refusal the mentor sends
against a version after which the mentee proposed, agreed or declined is ``stale`` (the mentor
sees the current proposal instead). Each proposal is a row on both nodes with the same
``shared_ref``; the authority's record lists them all (``extensions``) with where each stands.

- The mentee proposes, agrees or declines on the authority: made there, a new record.
- The mentor proposes on the replica: made there at once and sent (``extension.propose``); the
  authority checks the date against its own planned end, records it and tells the mentee.
- The mentor agrees or declines on the replica: only sent (``extension.agree`` /
  ``extension.decline``); the authority moves its planned end (or not) and its record moves the
  replica's. The replica never moves a planned end on its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orgs.audit import ActorRef
from orgs.errors import IllegalTransition, NotFound
from orgs.mentoring.extensions import (
    Extension,
    Extensions,
    ExtensionState,
    agreed,
    ask_to_carry_on,
    check_until,
    declined,
    open_proposals,
    record_proposal,
    tell_proposer,
)
from orgs.mentoring.relationships import Party, Relationship

EXTENSION_ITEM = "extension"


def _ts(value: datetime) -> int:
    return int(value.astimezone(UTC).timestamp())


def _from_ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _ref(row: Extension) -> str:
    if row.shared_ref is None:  # a row from before 0030
        row.shared_ref = row.id.hex
    return row.shared_ref


def extension_body(row: Extension) -> dict[str, Any]:
    decided = row.agreed_at or row.declined_at
    return {
        "ref": _ref(row),
        "until": row.until.isoformat(),
        "reason": row.reason,
        "proposed_by": row.proposed_by.value,
        "proposed_at": _ts(row.proposed_at),
        "state": row.state.value,
        "decided_at": _ts(decided) if decided else None,
    }


async def record_extensions(session: AsyncSession, rel: Relationship) -> list[dict[str, Any]]:
    """The authority's extensions of ``rel``, for ``relationship.record``."""
    rows = await Extensions(session, rel.org_id).list(Extension.relationship_id == rel.id)
    return [extension_body(r) for r in sorted(rows, key=lambda r: (r.proposed_at, r.id.hex))]


# --- the ops the replica sends ---------------------------------------------------------------


def propose_op(row: Extension) -> dict[str, Any]:
    return {
        "op": "extension.propose",
        "extension": {"ref": _ref(row), "until": row.until.isoformat(), "reason": row.reason},
    }


def agree_op(row: Extension) -> dict[str, Any]:
    return {"op": "extension.agree", "ref": _ref(row)}


def decline_op(row: Extension) -> dict[str, Any]:
    return {"op": "extension.decline", "ref": _ref(row)}


# --- on the authority: the mentor's op ----------------------------------------------------------


async def _by_ref(session: AsyncSession, rel: Relationship, ref: str) -> Extension | None:
    return await Extensions(session, rel.org_id).find_one(
        Extension.relationship_id == rel.id, Extension.shared_ref == ref
    )


async def apply_extension_op(
    session: AsyncSession, rel: Relationship, data: dict[str, Any], who: ActorRef, now: datetime
) -> None:
    """Make the mentor's extension op on the authority's tables; ``DomainError`` refuses it
    (the savepoint of ``shared_record.apply_change`` leaves nothing behind)."""
    if data["op"] == "extension.propose":
        proposal = data["extension"]
        if await _by_ref(session, rel, str(proposal["ref"])) is not None:
            return  # made already
        until = date.fromisoformat(proposal["until"])
        check_until(rel, until)  # against this side's own planned end
        for open_one in await open_proposals(session, rel):
            await session.delete(open_one)  # replaced, as a local proposal replaces one
        row = record_proposal(
            session,
            rel,
            until=until,
            reason=str(proposal.get("reason", "")),
            proposed_by=Party.MENTOR,
            who=who,
            now=now,
            shared_ref=str(proposal["ref"]),
        )
        await ask_to_carry_on(session, rel, row, now)
        return
    found = await _by_ref(session, rel, str(data["ref"]))
    if found is None:
        raise NotFound("No such extension.")
    row = found
    if row.state is not ExtensionState.PROPOSED:
        raise IllegalTransition("This extension is not waiting for an answer.")
    if row.proposed_by is not Party.MENTEE:
        raise IllegalTransition("The other person must answer your proposal.")
    if data["op"] == "extension.agree":
        agreed(session, rel, row, who, now)
    else:
        declined(session, rel, row, who, now)
    await tell_proposer(session, rel, row, now)


# --- on the replica: the record's extensions ------------------------------------------------------


async def apply_extensions(
    session: AsyncSession,
    rel: Relationship,
    items: list[dict[str, Any]],
    *,
    keep_unlisted: bool,
    who: ActorRef,
    now: datetime,
) -> None:
    """Bring the replica's extensions to the record's: new proposals (the mentor is asked),
    agreements (the planned end moves here too, audited) and refusals. An open proposal the
    record does not list was replaced, unless ``keep_unlisted`` (one of ours still on its way)."""
    rows = {
        r.shared_ref: r
        for r in await Extensions(session, rel.org_id).list(Extension.relationship_id == rel.id)
    }
    for data in items:
        row = rows.get(data["ref"])
        if row is None:
            row = record_proposal(
                session,
                rel,
                until=date.fromisoformat(data["until"]),
                reason=data.get("reason", ""),
                proposed_by=Party(data["proposed_by"]),
                who=who,
                now=now,
                shared_ref=data["ref"],
            )
            if data["state"] == ExtensionState.PROPOSED.value:
                await ask_to_carry_on(session, rel, row, now)
        row.until = date.fromisoformat(data["until"])
        row.reason = data.get("reason", "")
        row.proposed_at = _from_ts(int(data["proposed_at"]))
        if row.state is not ExtensionState.PROPOSED:
            continue
        if data["state"] == ExtensionState.AGREED.value:
            agreed(session, rel, row, who, now)
        elif data["state"] == ExtensionState.DECLINED.value:
            declined(session, rel, row, who, now)
        else:
            continue
        if data.get("decided_at"):
            setattr(row, f"{data['state']}_at", _from_ts(int(data["decided_at"])))
        await tell_proposer(session, rel, row, now)
    listed = {data["ref"] for data in items}
    for ref, row in rows.items():
        if ref not in listed and row.state is ExtensionState.PROPOSED and not keep_unlisted:
            await session.delete(row)
