"""Saving a workbook byte for byte the same every time, and atomically."""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import secrets
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from kpixl.errors import OutputError
from kpixl.periods import Period

CREATOR = "kpixl"


def stamp(period: Period) -> dt.datetime:
    """The fixed creation time of a period's dashboard: the first of the next month, 00:00 UTC
    (openpyxl stores naive datetimes as UTC)."""
    following = period.shift(1)
    return dt.datetime(following.year, following.month, 1)


def workbook_bytes(wb: Workbook, when: dt.datetime) -> bytes:
    """The .xlsx file, with no trace of when it was made beyond `when`."""
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    # ExcelWriter, unlike Workbook.save, leaves `modified` as set above.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return _restamp(raw.getvalue(), when)


def _restamp(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite the zip with a fixed time on every member (zip records when each was written)."""
    date_time = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # the same bytes whichever system writes it
            info.external_attr = 0
            target.writestr(info, source.read(member.filename))
    return out.getvalue()


def write_atomically(data: bytes, out: Path) -> None:
    """Write to a temporary file beside `out`, then rename it over `out`: a reader (or Excel)
    sees the old file or the new one, never half of one."""
    if out.is_dir():
        raise OutputError(f"cannot write {out}: it is a folder, not a file")
    temp = out.parent / f".~{out.name}.{secrets.token_hex(4)}.tmp"
    try:
        # Created with the default permissions (like any new file), unlike mkstemp's 0600.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, out)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {out}: {reason(exc, out)}") from exc


def reason(exc: OSError, out: Path) -> str:
    """Why a file could not be written, in the words a user would act on."""
    if isinstance(exc, PermissionError):
        return "permission denied (it may be open in Excel, or the folder or file is read-only)"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        return f"the folder {out.parent} does not exist"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)
