"""equality monitoring (answers, consents, what each org monitors, workforce profile),
registered interest, programme report schedules, check-ins, review points and extensions (issue 19)

Revision ID: 0019_equality
Revises: 0018_shared_record
Create Date: 2026-12-02 17:59:09.397105
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orgs.db

revision: str = "0019_equality"
down_revision: str | None = "0018_shared_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equality_monitoring",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "characteristics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_equality_monitoring_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equality_monitoring")),
        sa.UniqueConstraint("org_id", name=op.f("uq_equality_monitoring_org_id")),
    )
    op.create_index(
        op.f("ix_equality_monitoring_org_id"), "equality_monitoring", ["org_id"], unique=False
    )
    op.create_table(
        "equality_workforce",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "characteristic",
            sa.Enum(
                "ethnic_group",
                "disability",
                "sex",
                "gender_identity",
                "age_band",
                "religion_or_belief",
                "sexual_orientation",
                "pregnancy_maternity",
                "marriage_civil_partnership",
                name="characteristic",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_equality_workforce_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equality_workforce")),
        sa.UniqueConstraint(
            "org_id",
            "characteristic",
            "category",
            name=op.f("uq_equality_workforce_org_id_characteristic_category"),
        ),
    )
    op.create_index(
        op.f("ix_equality_workforce_org_id"), "equality_workforce", ["org_id"], unique=False
    )
    op.create_table(
        "checkin_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("first_after_days", sa.Integer(), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_checkin_settings_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_checkin_settings_scheme_id_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_settings")),
        sa.UniqueConstraint("scheme_id", name=op.f("uq_checkin_settings_scheme_id")),
    )
    op.create_index(
        op.f("ix_checkin_settings_org_id"), "checkin_settings", ["org_id"], unique=False
    )
    op.create_table(
        "equality_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("given", "withdrawn", name="consentaction", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("statement_version", sa.String(length=20), nullable=False),
        sa.Column("at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_equality_consents_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_equality_consents_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equality_consents")),
    )
    op.create_index(
        op.f("ix_equality_consents_member_id"), "equality_consents", ["member_id"], unique=False
    )
    op.create_index(
        op.f("ix_equality_consents_org_id"), "equality_consents", ["org_id"], unique=False
    )
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column(
            "recipients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "frequency",
            sa.Enum("monthly", "quarterly", name="frequency", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("next_send_on", sa.Date(), nullable=False),
        sa.Column("last_sent_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_report_schedules_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_report_schedules_scheme_id_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )
    op.create_index(
        op.f("ix_report_schedules_org_id"), "report_schedules", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_report_schedules_scheme_id"), "report_schedules", ["scheme_id"], unique=False
    )
    op.create_table(
        "scheme_interests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("mentor", "mentee", name="schemerole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_scheme_interests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_scheme_interests_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_scheme_interests_scheme_id_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_interests")),
        sa.UniqueConstraint(
            "scheme_id",
            "member_id",
            "role",
            name=op.f("uq_scheme_interests_scheme_id_member_id_role"),
        ),
    )
    op.create_index(
        op.f("ix_scheme_interests_org_id"), "scheme_interests", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_scheme_interests_scheme_id"), "scheme_interests", ["scheme_id"], unique=False
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("respondent_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("due_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("going", sa.Integer(), nullable=True),
        sa.Column("meeting_regularly", sa.Boolean(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_checkins_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationships.id"],
            name=op.f("fk_checkins_relationship_id_mentoring_relationships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["members.id"],
            name=op.f("fk_checkins_respondent_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint(
            "relationship_id",
            "respondent_id",
            "round",
            name=op.f("uq_checkins_relationship_id_respondent_id_round"),
        ),
    )
    op.create_index(op.f("ix_checkins_org_id"), "checkins", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_checkins_relationship_id"), "checkins", ["relationship_id"], unique=False
    )
    op.create_index(op.f("ix_checkins_respondent_id"), "checkins", ["respondent_id"], unique=False)
    op.create_table(
        "equality_answers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column(
            "characteristic",
            sa.Enum(
                "ethnic_group",
                "disability",
                "sex",
                "gender_identity",
                "age_band",
                "religion_or_belief",
                "sexual_orientation",
                "pregnancy_maternity",
                "marriage_civil_partnership",
                name="characteristic",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("answer", sa.String(length=40), nullable=False),
        sa.Column("consent_id", sa.Uuid(), nullable=False),
        sa.Column("declared_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["equality_consents.id"],
            name=op.f("fk_equality_answers_consent_id_equality_consents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_equality_answers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_equality_answers_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equality_answers")),
        sa.UniqueConstraint(
            "member_id", "characteristic", name=op.f("uq_equality_answers_member_id_characteristic")
        ),
    )
    op.create_index(
        op.f("ix_equality_answers_org_id"), "equality_answers", ["org_id"], unique=False
    )

    op.create_table(
        "review_points",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column(
            "recorded_by",
            sa.Enum("mentee", "mentor", name="party", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reminded_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_review_points_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationships.id"],
            name=op.f("fk_review_points_relationship_id_mentoring_relationships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_points")),
    )
    op.create_index(op.f("ix_review_points_org_id"), "review_points", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_review_points_relationship_id"),
        "review_points",
        ["relationship_id"],
        unique=False,
    )

    op.create_table(
        "relationship_extensions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("previous_end_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "proposed_by",
            sa.Enum("mentee", "mentor", name="party", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("proposed_at", orgs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agreed_at", orgs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_relationship_extensions_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationships.id"],
            name=op.f("fk_relationship_extensions_relationship_id_mentoring_relationships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relationship_extensions")),
    )
    op.create_index(
        op.f("ix_relationship_extensions_org_id"),
        "relationship_extensions",
        ["org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_relationship_extensions_relationship_id"),
        "relationship_extensions",
        ["relationship_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_relationship_extensions_relationship_id"), table_name="relationship_extensions"
    )
    op.drop_index(op.f("ix_relationship_extensions_org_id"), table_name="relationship_extensions")
    op.drop_table("relationship_extensions")
    op.drop_index(op.f("ix_review_points_relationship_id"), table_name="review_points")
    op.drop_index(op.f("ix_review_points_org_id"), table_name="review_points")
    op.drop_table("review_points")
    op.drop_index(op.f("ix_equality_answers_org_id"), table_name="equality_answers")
    op.drop_table("equality_answers")
    op.drop_index(op.f("ix_checkins_respondent_id"), table_name="checkins")
    op.drop_index(op.f("ix_checkins_relationship_id"), table_name="checkins")
    op.drop_index(op.f("ix_checkins_org_id"), table_name="checkins")
    op.drop_table("checkins")
    op.drop_index(op.f("ix_scheme_interests_scheme_id"), table_name="scheme_interests")
    op.drop_index(op.f("ix_scheme_interests_org_id"), table_name="scheme_interests")
    op.drop_table("scheme_interests")
    op.drop_index(op.f("ix_report_schedules_scheme_id"), table_name="report_schedules")
    op.drop_index(op.f("ix_report_schedules_org_id"), table_name="report_schedules")
    op.drop_table("report_schedules")
    op.drop_index(op.f("ix_equality_consents_org_id"), table_name="equality_consents")
    op.drop_index(op.f("ix_equality_consents_member_id"), table_name="equality_consents")
    op.drop_table("equality_consents")
    op.drop_index(op.f("ix_checkin_settings_org_id"), table_name="checkin_settings")
    op.drop_table("checkin_settings")
    op.drop_index(op.f("ix_equality_workforce_org_id"), table_name="equality_workforce")
    op.drop_table("equality_workforce")
    op.drop_index(op.f("ix_equality_monitoring_org_id"), table_name="equality_monitoring")
    op.drop_table("equality_monitoring")
