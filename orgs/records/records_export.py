"""Records and export: a member's whole mentoring record (JSON and CSV), and the HR export of
completed relationships and hours (e.g. for Oracle HR) as CSV.

A cross-organisation relationship is in both organisations' records and exports, each from its
own side; the other person appears only as introduced after acceptance (name, organisation).

A member's record holds what they may read: their requests (a private decline reason only if
they are the mentor who wrote it), relationships, meetings with summaries and records, their own
private notes, objectives, their own learning log (a mentor gets the entries shared with them),
shadowing, the evaluations they answered, concerns they raised and their notifications.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from orgs.mentoring.concerns import my_concerns
from orgs.mentoring.evaluations import my_evaluations
from orgs.mentoring.learning_log import visible_entries
from orgs.mentoring.meetings import MeetingNote, MeetingNotes, meetings_of, time_release_of
from orgs.mentoring.objectives import objectives_of
from orgs.mentoring.relationship_states import COMPLETED_KINDS, RelationshipState
from orgs.mentoring.relationships import Relationship, Relationships, relationships_of
from orgs.mentoring.shadowing import list_for_party
from orgs.pairing.requests import RequestService
from orgs.people.members import Member, MemberRepository
from orgs.people.notifications import inbox

HR_COLUMNS = (
    "employee_id",
    "name",
    "role",
    "relationship_id",
    "scheme_id",
    "counterpart",
    "cross_organisation",
    "counterpart_organisation",
    "started_on",
    "ended_on",
    "end_kind",
    "sessions_held",
    "hours",
)


def _row(obj: Any, *fields: str) -> dict[str, Any]:
    return {f: msgspec.to_builtins(getattr(obj, f)) for f in fields}


async def member_record(session: AsyncSession, member: Member) -> dict[str, Any]:
    requests = await RequestService(session, member.org_id, lambda _: None).mine(member)
    record: dict[str, Any] = {
        "member": {
            "id": str(member.id),
            "employee_id": member.employee_id,
            "name": member.display_name,
            "email": member.email,
        },
        "requests": [
            {
                **_row(
                    r, "id", "rank", "direction", "state", "sent_at", "expires_at", "answered_at"
                ),
                "role": "mentee" if r.mentee_id == member.id else "mentor",
                "counterpart_organisation": r.counterpart_org,
                "message": r.message,
                "decline_reason": r.decline_reason
                if (r.mentor_id == member.id or not r.decline_reason_private)
                else "",
            }
            for r in requests
        ],
        "relationships": [],
        "evaluations": [
            _row(
                e, "id", "relationship_id", "questionnaire_id", "due_at", "submitted_at", "answers"
            )
            for e in await my_evaluations(session, member)
        ],
        "concerns": [
            _row(
                c, "id", "relationship_id", "category", "text", "state", "resolution", "created_at"
            )
            for c in await my_concerns(session, member)
        ],
        "notifications": [
            _row(n, "id", "kind", "subject", "text", "created_at", "read_at")
            for n in await inbox(session, member)
        ],
    }
    notes = MeetingNotes(session, member.org_id)
    for rel in await relationships_of(session, member):
        meetings = await meetings_of(session, rel)
        mine: list[MeetingNote] = list(await notes.list(MeetingNote.author_id == member.id))
        release = time_release_of(rel, meetings)
        record["relationships"].append(
            {
                **_row(
                    rel,
                    "id",
                    "scheme_id",
                    "state",
                    "started_at",
                    "planned_end_on",
                    "ended_at",
                    "end_kind",
                ),
                "role": "mentee" if rel.mentee_id == member.id else "mentor",
                **await _counterpart(session, member, rel),
                "hours_used": release.used_hours,
                "hours_budget": release.budget_hours,
                "meetings": [
                    {
                        **_row(
                            m,
                            "id",
                            "state",
                            "starts_at",
                            "duration_minutes",
                            "mode",
                            "summary",
                            "mentor_record",
                            "preparation_minutes",
                        ),
                        "my_private_notes": [n.text for n in mine if n.meeting_id == m.id],
                    }
                    for m in meetings
                ],
                "objectives": [
                    _row(o, "id", "title", "expected_outcome", "actions", "status")
                    for o in await objectives_of(session, member, rel.id)
                ],
                "learning_log": [
                    _row(e, "id", "entry_date", "activity", "learning", "next_steps", "shared")
                    for e in await visible_entries(session, member, rel.id)
                ],
                "shadowing": [
                    _row(s, "id", "kind", "host_name", "dates", "purpose", "state")
                    for s in await list_for_party(session, member, rel.id)
                ],
            }
        )
    return record


async def _counterpart(session: AsyncSession, member: Member, rel: Relationship) -> dict[str, Any]:
    """Who the member worked with, as they may see them: a colleague by name; a person of
    another organisation by the name and organisation they were introduced by."""
    other_id = rel.mentor_id if rel.mentee_id == member.id else rel.mentee_id
    other = await MemberRepository(session, member.org_id).find_one(Member.id == other_id)
    return {
        "counterpart": other.display_name if other else rel.counterpart_name,
        "cross_organisation": rel.is_remote,
        "counterpart_organisation": rel.counterpart_org if rel.is_remote else "",
    }


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else key, inner, out)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _flatten(f"{prefix}[{i}]", inner, out)
    else:
        out.append((prefix, "" if value is None else str(value)))


def record_csv(record: dict[str, Any]) -> str:
    """The same record as CSV: one ``field,value`` row per leaf, in a stable order."""
    rows: list[tuple[str, str]] = []
    _flatten("", record, rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("field", "value"))
    writer.writerows(rows)
    return buffer.getvalue()


async def hr_export(session: AsyncSession, org_id: uuid.UUID, since: datetime | None = None) -> str:
    """One row per local party of each completed relationship, with sessions and hours."""
    members = {m.id: m for m in await MemberRepository(session, org_id).list()}
    rels = await Relationships(session, org_id).list(
        Relationship.state == RelationshipState.ENDED, Relationship.end_kind.in_(COMPLETED_KINDS)
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HR_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for rel in sorted(rels, key=lambda r: r.ended_at or r.started_at):
        if since is not None and rel.ended_at is not None and rel.ended_at < since:
            continue
        release = time_release_of(rel, await meetings_of(session, rel))
        for role, member_id, other_id in (
            ("mentee", rel.mentee_id, rel.mentor_id),
            ("mentor", rel.mentor_id, rel.mentee_id),
        ):
            if member_id is None or member_id not in members:
                continue
            member = members[member_id]
            other = members.get(other_id) if other_id else None
            writer.writerow(
                {
                    "employee_id": member.employee_id or "",
                    "name": member.display_name,
                    "role": role,
                    "relationship_id": str(rel.id),
                    "scheme_id": str(rel.scheme_id or ""),
                    "counterpart": other.display_name if other else rel.counterpart_name,
                    "cross_organisation": "yes" if rel.is_remote else "no",
                    "counterpart_organisation": rel.counterpart_org if rel.is_remote else "",
                    "started_on": rel.started_at.date().isoformat(),
                    "ended_on": rel.ended_at.date().isoformat() if rel.ended_at else "",
                    "end_kind": rel.end_kind.value if rel.end_kind else "",
                    "sessions_held": release.sessions_held,
                    "hours": f"{release.used_minutes / 60:.2f}",
                }
            )
    return buffer.getvalue()
