"""
Alembic environment of the tasking log.

Runs on the connection passed in ``config.attributes["connection"]`` (as
:func:`tasking.store.upgrade_database` does), or else opens ``sqlalchemy.url`` / the tasking
database URL. ``render_as_batch`` lets later revisions alter tables on SQLite too.

To write a new revision after changing the models in ``tasking/_log_schema.py``::

    python -c "from alembic import command; from tasking._log_database import alembic_config; \
c = alembic_config(); c.set_main_option('sqlalchemy.url', 'sqlite:///scratch.sqlite'); \
command.upgrade(c, 'head'); command.revision(c, 'what changed', autogenerate=True)"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from tasking._log_database import resolve_database_url
from tasking._log_schema import Base


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]  # a sqlalchemy Connection
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    if context.is_offline_mode():
        context.configure(
            url=resolve_database_url(config.get_main_option("sqlalchemy.url")),
            target_metadata=Base.metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    elif (given := config.attributes.get("connection")) is not None:
        _run(given)
    else:
        engine = create_engine(resolve_database_url(config.get_main_option("sqlalchemy.url")))
        with engine.begin() as opened:
            _run(opened)
        engine.dispose()


if hasattr(context, "config"):  # only when Alembic runs this file (not on a plain import)
    _main()
