"""Alembic migrations of the tasking log (run them with ``tasking.store.upgrade_database``)."""
