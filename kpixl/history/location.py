"""Where the history store is: `--store URL`, else the register's `store` setting, else an SQLite
file per organisation in the user's data folder; and which places are refused for SQLite."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from kpixl.errors import KpixlError

TEAM_STORE = (
    "a store shared over the network belongs in PostgreSQL: "
    "--store postgresql+psycopg://HOST/DATABASE (see docs/history.md)"
)
# Linux file systems on another machine: SQLite's file locks are not reliable on them.
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "lustre",
     "fuse.sshfs"}
)  # fmt: skip
_DRIVE_REMOTE = 4  # GetDriveTypeW: a mapped network drive


class StoreError(KpixlError):
    """The history store cannot be found, opened, upgraded or written."""


def default_url(organisation: str) -> URL:
    """The SQLite store of an organisation in the user's data folder (one file each)."""
    folder = platformdirs.user_data_path("kpixl", appauthor=False)
    name = re.sub(r"[^a-z0-9]+", "-", organisation.lower()).strip("-") or "kpixl"
    return URL.create("sqlite", database=str(folder / f"{name}.sqlite3"))


def store_url(
    option: str | None, setting: str, organisation: str, folder: Path | None = None
) -> URL:
    """The store to use: the command line's, else the register's `store` setting, else the
    organisation's own file; checked (see `checked`)."""
    if option:
        return checked(option)
    if setting:
        return checked(setting, "the register's store setting", folder)
    return checked(default_url(organisation))


def checked(url: str | URL, said_by: str = "--store", folder: Path | None = None) -> URL:
    """A URL kpixl may keep its history at, with the driver it uses; else one line saying why.
    A relative SQLite path is taken from `folder` (the register's, for its store setting)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"{said_by}: '{url}' is not a database URL: give sqlite:///PATH or "
            "postgresql+psycopg://HOST/DATABASE"
        ) from None
    if parsed.password is not None or "password" in {k.lower() for k in parsed.query}:
        raise StoreError(
            f"{said_by}: the store's URL holds a password: never write it there; PostgreSQL "
            "reads it from PGPASSWORD or the pgpass file, or signs you in (Kerberos/SSPI)"
        )
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend != "sqlite":
        raise StoreError(
            f"{said_by}: kpixl keeps its history in SQLite or PostgreSQL, not {backend}"
        )
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise StoreError(f"{said_by}: give the SQLite store as a file: sqlite:///PATH")
    if folder is not None and not Path(database).is_absolute():
        database = str(folder / database)
    where = network_place(database)
    if where:
        raise StoreError(
            f"{said_by}: {database} is {where}: SQLite's locking is not safe there, so no "
            f"history is kept on it; {TEAM_STORE}"
        )
    return parsed.set(drivername="sqlite", database=database)


def network_place(path: str, mounts: str | None = None) -> str:
    """Why `path` is on another machine ('a UNC path', 'on an nfs4 mount (/srv)'), or ''."""
    if path.startswith(("\\\\", "//")):
        return "a UNC path (a network share)"
    if sys.platform == "win32":
        return _mapped_drive(path)
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""  # not Linux: no table of mounts to read
    point, kind = mount_of(_resolved(path), mounts)
    return f"on an {kind} network mount ({point})" if kind in NETWORK_FILESYSTEMS else ""


def mount_of(path: Path, mounts: str) -> tuple[str, str]:
    """The mount point holding `path` and its file system type, from /proc/mounts' text."""
    best, kind = "", ""
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _unescape(parts[1])
        if (path == Path(point) or Path(point) in path.parents) and len(point) > len(best):
            best, kind = point, parts[2]
    return best, kind


def _unescape(field: str) -> str:
    """/proc/mounts writes a space in a mount point as \\040 (octal)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _resolved(path: str) -> Path:
    """The absolute path, with the links of its existing part followed."""
    return Path(path).expanduser().resolve(strict=False)


def _mapped_drive(path: str) -> str:
    if sys.platform == "win32":  # mypy knows ctypes.windll only on Windows
        import ctypes

        resolved = _resolved(path)
        if str(resolved).startswith("\\\\") and not str(resolved).startswith("\\\\?\\"):
            return "on a network share"  # a mapped drive resolves to its share's UNC path
        drive = Path(path).drive or resolved.drive
        if drive and ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == _DRIVE_REMOTE:
            return f"on the mapped network drive {drive}"
    return ""
