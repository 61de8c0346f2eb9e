"""Alembic revisions of the tasking log, oldest first."""
