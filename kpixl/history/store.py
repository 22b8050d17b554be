"""Open the history store: SQLite (WAL, a busy timeout) or PostgreSQL, upgraded to this kpixl's
schema by the migrations shipped in the package, one locked transaction per run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError

from kpixl.history.location import StoreError

MIGRATIONS = "kpixl.history:migrations"
VERSION_TABLE = "kpixl_schema_version"
# The newest migration's revision. A store already at it is opened without importing Alembic
# and reading its scripts (most of the time `kpixl history REF` took); the tests check that it
# is the migrations' head.
HEAD = "0003"
# How long a run waits for another run's write to finish before giving up (SQLite).
BUSY_SECONDS = 120
# Runs writing to one PostgreSQL store take turns on this advisory lock ("kpixl" in ASCII).
_PG_LOCK = 0x6B70_6978_6C


class Store:
    """An open store. `writing()` is one transaction, taken in turn by concurrent runs."""

    def __init__(self, engine: Engine, shown: str) -> None:
        self.engine, self.shown = engine, shown

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.said(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction: everything it writes, or (on any failure) nothing."""
        with self.said(), self.engine.connect() as conn:
            conn.execution_options(kpixl_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK)))
                yield conn

    @contextlib.contextmanager
    def said(self) -> Iterator[None]:
        """A database's failure as one line naming the store."""
        try:
            yield
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"history store {self.shown}: {reason}") from None


def open_store(url: URL, make_folder: bool = False) -> Store:
    """The store at `url` (checked by location.checked), upgraded to this kpixl's schema.

    `make_folder`: create the SQLite file's folder (the user's data folder) if need be."""
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        store = Store(_sqlite_engine(url, make_folder), url.database or shown)
    else:
        # a server that does not answer is one line after 10 s, not a run stuck for minutes
        engine = sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        store = Store(engine, shown)
    try:
        upgrade(store)
    except BaseException:
        store.close()
        raise
    return store


def _sqlite_engine(url: URL, make_folder: bool) -> Engine:
    path = Path(url.database or "")
    if make_folder:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder {path.parent}: {exc.strerror}") from None
    elif not path.parent.is_dir():
        raise StoreError(f"history store {path}: the folder {path.parent} does not exist")
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _connected(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is off: kpixl begins them (below), so a run that
        # writes takes the write lock first (BEGIN IMMEDIATE) and never dead-locks on upgrade.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        # WAL lets people read while a run writes; it is kept in the file, so it is set only
        # on a new file or a kpixl store: another program's database is left as it was.
        found = dbapi_connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in found.fetchall()}
        if not tables or VERSION_TABLE in tables:
            dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        writes = conn.get_execution_options().get("kpixl_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def upgrade(store: Store) -> None:
    """Bring the store to this kpixl's schema (a new store is made; an older one upgraded);
    refuse a file that is not a kpixl store, or one written by a newer kpixl."""
    with store.reading() as conn:
        if _at_head(conn):  # the usual case, answered without loading Alembic
            return
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    with store.reading() as conn:
        if _revision(store, conn, script) == head:
            return
    with store.writing() as conn:  # in turn: two first runs must not both make the tables
        if _revision(store, conn, script) == head:
            return
        from alembic import command

        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _at_head(conn: Connection) -> bool:
    """Whether the store is at HEAD: read from the version table, as Alembic keeps it."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return False
    found = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return found == [HEAD]


def _revision(store: Store, conn: Connection, script: Any) -> str | None:
    from alembic.migration import MigrationContext

    tables = set(sa.inspect(conn).get_table_names())
    if tables and VERSION_TABLE not in tables:
        raise StoreError(
            f"history store {store.shown}: not a kpixl history store (it holds other tables): "
            "give another --store, or move this one away"
        )
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    current = context.get_current_revision()
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        raise StoreError(
            f"history store {store.shown}: written by a newer kpixl (schema {current}): "
            "use that version of kpixl, or newer"
        )
    return current
