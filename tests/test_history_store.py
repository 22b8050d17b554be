"""The history store itself: where it is, which places and URLs are refused, SQLite's settings,
and a store written by an older kpixl upgraded with nothing lost (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpixl.history.location import (
    StoreError,
    checked,
    default_url,
    mount_of,
    network_place,
    store_url,
)
from kpixl.history.query import changes, series
from kpixl.history.store import BUSY_SECONDS, HEAD, MIGRATIONS, VERSION_TABLE, open_store
from tests.test_history_cluster import any_store, postgres  # noqa: F401

MOUNTS = """\
sysfs /sys sysfs rw,nosuid 0 0
/dev/sda1 / ext4 rw,relatime 0 0
server:/export/perf /mnt/perf nfs4 rw,relatime,vers=4.2 0 0
//files/kpi /mnt/kpi\\040share cifs rw,relatime 0 0
/dev/sdb1 /mnt/perf/local ext4 rw 0 0
"""


def test_the_default_store_is_one_file_per_organisation_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    kent, other = default_url("Kent County Council"), default_url("Other Borough")
    assert kent.database == str(tmp_path / "kpixl" / "kent-county-council.sqlite3")
    assert other.database != kent.database
    assert Path(default_url("").database or "").name == "kpixl.sqlite3"


def test_the_command_line_wins_over_the_register_which_wins_over_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    given, setting = tmp_path / "given.sqlite3", "postgresql://perf-db.council.local/kpis"
    assert store_url(f"sqlite:///{given}", setting, "Kent").database == str(given)
    team = store_url(None, setting, "Kent")
    assert (team.drivername, team.host, team.database) == (
        "postgresql+psycopg",
        "perf-db.council.local",
        "kpis",
    )
    assert store_url(None, "", "Kent").database == str(tmp_path / "kpixl" / "kent.sqlite3")
    # a relative path in the register's setting is taken from the register's folder
    beside = store_url(None, "sqlite:///team/history.sqlite3", "Kent", tmp_path / "registers")
    assert beside.database == str(tmp_path / "registers" / "team" / "history.sqlite3")


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql+psycopg://officer:s3cret@db/kpis", "holds a password"),
        ("postgresql://officer@db/kpis?password=s3cret", "holds a password"),
        ("mysql://db/kpis", "SQLite or PostgreSQL"),
        ("not a url", "not a database URL"),
        ("sqlite://", "as a file"),
        ("sqlite:///\\\\fileserver\\performance\\kpixl.sqlite3", "UNC path"),
        ("sqlite://////fileserver/performance/kpixl.sqlite3", "UNC path"),
    ],
)
def test_urls_refused_with_one_line(url: str, says: str) -> None:
    with pytest.raises(StoreError) as refused:
        checked(url)
    message = str(refused.value)
    assert says in message and "\n" not in message
    assert "s3cret" not in message


def test_a_network_share_points_the_team_to_postgresql() -> None:
    with pytest.raises(StoreError, match=r"locking is not safe .* postgresql\+psycopg://"):
        checked("sqlite:///\\\\fileserver\\performance\\kpixl.sqlite3")


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/mnt/perf/kpixl.sqlite3", "nfs4"),
        ("/mnt/perf/team/kpixl.sqlite3", "nfs4"),
        ("/mnt/kpi share/kpixl.sqlite3", "cifs"),
        ("/mnt/perf/local/kpixl.sqlite3", "ext4"),  # a local disk mounted inside the share
        ("/home/officer/.local/share/kpixl/kent.sqlite3", "ext4"),
    ],
)
def test_the_mount_holding_a_path_is_the_longest_that_contains_it(path: str, kind: str) -> None:
    assert mount_of(Path(path), MOUNTS)[1] == kind
    refused = network_place(path, MOUNTS)
    assert bool(refused) == (kind != "ext4")
    if refused:
        assert kind in refused


def test_a_local_sqlite_store_is_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    store = open_store(checked(f"sqlite:///{tmp_path / 'h.sqlite3'}"))
    with store.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_SECONDS * 1000
        tables = set(sa.inspect(conn).get_table_names())
    store.close()
    assert {"runs", "return_files", "figures", "thresholds", "ratings", VERSION_TABLE} <= tables


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(checked(f"sqlite:///{tmp_path / 'no' / 'h.sqlite3'}"))


def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "figures.sqlite3"
    path.write_bytes(b"PK\x03\x04 an xlsx saved under the wrong name" * 50)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a database"):
        open_store(checked(f"sqlite:///{path}"))
    assert path.read_bytes() == before


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "finance.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount REAL)")
        db.execute("INSERT INTO ledger (amount) VALUES (12.5)")
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a kpixl history store"):
        open_store(checked(f"sqlite:///{path}"))
    assert path.read_bytes() == before
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    db.close()


def _migrate(url: str, revision: str) -> None:
    """Bring a store to an older schema, as an older kpixl left it."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


FIRST_SCHEMA_RUN = """INSERT INTO runs (id, started_at, user_name, kpixl_version, command,
    register_name, register_sha256, period) VALUES (1, :when, 'jsmith', '0.0.9', 'build',
    'register.xlsx', :sha, '2024-12')"""
FIRST_SCHEMA_FIGURES = """INSERT INTO figures (id, run_id, ref, period, value, numerator,
    denominator, commentary, file, sheet, cell, superseded_by) VALUES
    (1, 1, 'FN07', '2024-12', 0.86, 43, 50, 'Two late invoices', 'Finance.xlsx', 'KPIs', 'K3', 2),
    (2, 1, 'FN07', '2024-12', 0.9, 45, 50, 'Corrected', 'Finance_v2.xlsx', 'KPIs', 'K3', NULL)"""


def test_the_head_kpixl_knows_without_alembic_is_the_migrations_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


@pytest.mark.parametrize("older", ["0001", "0002"])
def test_a_store_made_with_an_older_schema_is_upgraded_with_nothing_lost(
    any_store: str,  # noqa: F811
    older: str,
) -> None:
    _migrate(any_store, older)
    engine = sa.create_engine(any_store)
    with engine.begin() as conn:
        when = dt.datetime(2025, 1, 10, 9, 12, tzinfo=dt.UTC)
        conn.execute(sa.text(FIRST_SCHEMA_RUN), {"when": when, "sha": "ab" * 32})
        conn.execute(sa.text(FIRST_SCHEMA_FIGURES))
    engine.dispose()

    store = open_store(checked(any_store))  # this kpixl: upgrades on open
    with store.reading() as conn:
        version = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one()
        tables = set(sa.inspect(conn).get_table_names())
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("figures")}
    months = series(store, "FN07")
    revised = changes(store, ref="FN07")
    store.close()
    assert version == HEAD == "0003" and {"thresholds", "ratings"} <= tables
    assert {"figures_ref_period", "figures_current", "figures_superseded"} <= indexes
    [december] = months
    old, new = december.versions
    assert (old.value, old.numerator, old.commentary, old.source) == (
        0.86, 43, "Two late invoices", "Finance.xlsx!KPIs!K3",
    )  # fmt: skip
    assert (new.value, new.user, new.recorded_at) == (0.9, "jsmith", when)
    assert new.file_sha256 is None  # not known to the first schema
    [change] = revised  # found through the index of superseded figures (0003)
    assert (change.old.value, change.new.value, change.changed()) == (
        0.86, 0.9, ["value", "numerator", "commentary"],
    )  # fmt: skip


def test_a_store_written_by_a_newer_kpixl_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    open_store(checked(url)).close()
    with sqlite3.connect(tmp_path / "h.sqlite3") as db:
        db.execute(f"UPDATE {VERSION_TABLE} SET version_num = '0099'")
    db.close()
    with pytest.raises(StoreError, match="newer kpixl"):
        open_store(checked(url))
