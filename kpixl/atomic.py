"""Writing an output file atomically: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from kpixl.errors import OutputError


def write_atomically(data: bytes, out: Path) -> None:
    """Write to a temporary file beside `out`, then rename it over `out`: a reader (or Excel)
    sees the old file or the new one, never half of one."""
    if out.is_dir():
        raise OutputError(f"cannot write {out}: it is a folder, not a file")
    temp = out.parent / f".~{out.name}.{secrets.token_hex(4)}.tmp"
    try:
        # Created with the default permissions (like any new file), unlike mkstemp's 0600.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(temp, flags, 0o666)  # the umask applies, as for any new file
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
