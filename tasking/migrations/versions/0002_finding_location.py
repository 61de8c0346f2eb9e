"""EVA findings get a location; EVA routes keep their stops.

Adds ``eva_findings.x_m`` and ``eva_findings.y_m`` (where a finding was seen, British National
Grid metres, nullable: findings recorded before this revision have none) and ``areas.stops_wkt``
(an EVA route's stops in visiting order as a MultiPoint WKT, nullable).

The downgrade drops the columns in place (``ALTER TABLE ... DROP COLUMN``, SQLite 3.35+) rather
than copying the tables: on SQLite with foreign keys on, rebuilding ``areas`` would cascade-delete
every finding recorded against a route.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("areas", recreate="never") as batch:
        batch.add_column(sa.Column("stops_wkt", sa.Text(), nullable=True))
    with op.batch_alter_table("eva_findings", recreate="never") as batch:
        batch.add_column(sa.Column("x_m", sa.Float(), nullable=True))
        batch.add_column(sa.Column("y_m", sa.Float(), nullable=True))


def downgrade() -> None:
    """Downgrade the schema (the stored locations and stops are lost)."""
    with op.batch_alter_table("eva_findings", recreate="never") as batch:
        batch.drop_column("y_m")
        batch.drop_column("x_m")
    with op.batch_alter_table("areas", recreate="never") as batch:
        batch.drop_column("stops_wkt")
