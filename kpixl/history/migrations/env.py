"""Alembic's entry point: kpixl runs migrations on the connection it opened (see store.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection: Connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True, version_table="kpixl_schema_version")
with context.begin_transaction():
    context.run_migrations()
