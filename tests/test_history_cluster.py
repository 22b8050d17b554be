"""A throw-away PostgreSQL cluster for the history store's tests (initdb + pg_ctl in a temporary
folder, on a free port), and the store URLs the tests run against: SQLite always, PostgreSQL
where the Debian `postgresql` package is installed (.ci/run installs it)."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_USER = "postgres"  # initdb refuses to run as root: the cluster runs as this user


def _binaries() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server(command: list[str]) -> list[str]:
    """Run as the server's user when we are root (initdb and postgres refuse root)."""
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def run(*command: object) -> None:
    subprocess.run(_as_server([str(c) for c in command]), check=True, capture_output=True,
                   timeout=300)  # fmt: skip


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The URL prefix (`postgresql+psycopg://kpixl@127.0.0.1:PORT/`) of a running cluster."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.skip(f"running as root and there is no '{SERVER_USER}' user to run PostgreSQL")
    folder = Path(tempfile.mkdtemp(prefix="kpixl-pg-"))  # not under pytest's 0700 root folder
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
    data, port = folder / "data", _free_port()
    try:
        run(binaries / "initdb", "-D", data, "-U", "kpixl", "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync")  # fmt: skip
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(binaries / "pg_ctl", "-D", data, "-o", options, "-l", folder / "log", "-w", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}")
    try:
        yield f"postgresql+psycopg://kpixl@127.0.0.1:{port}/"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            run(binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server: str) -> str:
    """A new, empty database on the cluster: its URL."""
    import psycopg

    name = "kpixl_" + uuid.uuid4().hex[:12]
    admin = server.replace("postgresql+psycopg", "postgresql") + "postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # a name made here, not from input
    return server + name


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each history test once on an SQLite file and once on a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite3'}"
    return new_database(request.getfixturevalue("postgres"))


def test_the_cluster_is_a_real_postgresql_server(postgres: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(new_database(postgres))
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar_one()
    engine.dispose()
    assert int(str(version).split(".")[0]) >= 12
