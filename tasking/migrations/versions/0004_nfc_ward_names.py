"""Problems' ward names in Unicode NFC, the one form ward files and names are read in.

A log written before ward names were normalised may hold a name in another form (``"Cafe"``
and a combining acute accent, as macOS writes it, for ``"Café"``): it looks the same but
equals no ward of the boundaries, so ``list_problems(ward=...)`` and the briefing pack's
problems and actions miss it. The upgrade rewrites each such ``problems.ward`` in NFC and
changes nothing else (no version, time stamp or audit row: the name reads the same). New
names are stored in NFC already (``tasking._log_repository``).

The downgrade changes nothing: an NFC name is read by the older revision as it is.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_PROBLEMS = sa.table("problems", sa.column("id", sa.Integer()), sa.column("ward", sa.String()))


def upgrade() -> None:
    """Rewrite every problem's ward name that is not in NFC."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_PROBLEMS.c.id, _PROBLEMS.c.ward).where(_PROBLEMS.c.ward.is_not(None))
    ).all()
    for problem_id, ward in rows:
        normal = unicodedata.normalize("NFC", ward)
        if normal != ward:
            bind.execute(_PROBLEMS.update().where(_PROBLEMS.c.id == problem_id).values(ward=normal))


def downgrade() -> None:
    """Leave the names in NFC: the older revision reads them as they are."""
