"""Members: the people of an org, from its HR data and/or its identity provider.

A member is known by (org, IdP issuer, subject) once they have signed in, and by
(org, employee id) once HR data has been imported; the two are linked at first sign-in.
Email is an attribute, never a key.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orgs.db import Base, OrgOwned, enum_column, utcnow
from orgs.repository import OrgRepository


class MemberStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class Member(OrgOwned, Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("org_id", "employee_id"),
        UniqueConstraint("org_id", "idp_issuer", "idp_subject"),
        Index("ix_members_org_id_manager_id", "org_id", "manager_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    employee_id: Mapped[str | None] = mapped_column(String(64), default=None)
    idp_issuer: Mapped[str | None] = mapped_column(String(500), default=None)
    idp_subject: Mapped[str | None] = mapped_column(String(255), default=None)
    email: Mapped[str] = mapped_column(String(320), default="")
    given_name: Mapped[str] = mapped_column(String(100), default="")
    family_name: Mapped[str] = mapped_column(String(100), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    grade: Mapped[str] = mapped_column(String(50), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    employment_type: Mapped[str] = mapped_column(String(50), default="")
    school_based: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date | None] = mapped_column(default=None)
    manager_employee_id: Mapped[str | None] = mapped_column(String(64), default=None)
    manager_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    #: Other HR columns, kept for eligibility rules. Never special-category data.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[MemberStatus] = mapped_column(
        enum_column(MemberStatus), default=MemberStatus.ACTIVE
    )
    left_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip() or "(no name)"


class MemberRepository(OrgRepository[Member]):
    model = Member
    noun = "member"
