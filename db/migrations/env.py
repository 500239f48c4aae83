"""Alembic environment, driven programmatically by `db.database.migrate` (no alembic.ini).

The caller passes an open connection in `config.attributes["connection"]`; offline (SQL script)
mode is not used.
"""

from __future__ import annotations

from alembic import context

from db.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
