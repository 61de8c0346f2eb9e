"""Initial tasking log schema.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 17:19:11.829918
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """
    Upgrade the schema.

    long: one linear schema migration, frozen once released.
    """
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("entity_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"])

    op.create_table(
        "nag_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nag_meetings")),
    )
    op.create_table(
        "problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sara_stage", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ward", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "sara_stage IN ('scanning', 'analysis', 'response', 'assessment')",
            name=op.f("ck_problems_sara_stage"),
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_problems_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problems")),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("epic", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_agency", sa.String(length=200), nullable=False),
        sa.Column("owner_person", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "epic IN ('enforcement', 'prevention', 'intelligence', 'communication')",
            name=op.f("ck_actions_epic"),
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'open', 'in_progress', 'done', 'cancelled')",
            name=op.f("ck_actions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name=op.f("fk_actions_problem_id_problems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index(op.f("ix_actions_problem_id"), "actions", ["problem_id"])

    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("geometry_wkt", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "kind IN ('patrol_area', 'eva_route', 'comparison_area')", name=op.f("ck_areas_kind")
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name=op.f("fk_areas_problem_id_problems"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
    )
    op.create_index(op.f("ix_areas_problem_id"), "areas", ["problem_id"])

    op.create_table(
        "nag_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["nag_meetings.id"],
            name=op.f("fk_nag_decisions_meeting_id_nag_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name=op.f("fk_nag_decisions_problem_id_problems"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nag_decisions")),
    )
    op.create_index(op.f("ix_nag_decisions_meeting_id"), "nag_decisions", ["meeting_id"])
    op.create_index(op.f("ix_nag_decisions_problem_id"), "nag_decisions", ["problem_id"])

    op.create_table(
        "eva_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("stop_number", sa.Integer(), nullable=False),
        sa.Column("walked_on", sa.Date(), nullable=True),
        sa.Column("answers_json", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo_ref", sa.String(length=500), nullable=True),
        sa.Column("spoken_to", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["areas.id"],
            name=op.f("fk_eva_findings_route_id_areas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eva_findings")),
    )
    op.create_index(op.f("ix_eva_findings_route_id"), "eva_findings", ["route_id"])


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index(op.f("ix_eva_findings_route_id"), table_name="eva_findings")

    op.drop_table("eva_findings")
    op.drop_index(op.f("ix_nag_decisions_problem_id"), table_name="nag_decisions")
    op.drop_index(op.f("ix_nag_decisions_meeting_id"), table_name="nag_decisions")

    op.drop_table("nag_decisions")
    op.drop_index(op.f("ix_areas_problem_id"), table_name="areas")

    op.drop_table("areas")
    op.drop_index(op.f("ix_actions_problem_id"), table_name="actions")

    op.drop_table("actions")
    op.drop_table("problems")
    op.drop_table("nag_meetings")
    op.drop_index("ix_audit_log_entity", table_name="audit_log")

    op.drop_table("audit_log")
