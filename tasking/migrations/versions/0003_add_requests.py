"""Idempotent adds: the request ids of adds, each unique.

Adds the table ``add_requests``: one row per add made with a request id (``request_id``,
unique), naming the record it created (``entity``, ``entity_id``) and a SHA-256 digest of the
values given, so a retried add returns the record the first attempt stored and a reused id
with other values is refused. Records added without a request id have no row here.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "add_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_add_requests")),
        sa.UniqueConstraint("request_id", name=op.f("uq_add_requests_request_id")),
    )


def downgrade() -> None:
    """Downgrade the schema (the request ids are lost; the records stay)."""
    op.drop_table("add_requests")
