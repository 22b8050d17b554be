"""Writing an output file atomically: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from kpixl.errors import OutputError

_NOT_FILES = {
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
}


def write_atomically(data: bytes, out: Path) -> None:
    """Write to a temporary file beside `out`, then rename it over `out`: a reader (or Excel)
    sees the old file or the new one, never half of one.

    A symlink is followed and its target replaced (the link stays a link); a folder, device,
    pipe or socket is refused, never replaced by a file."""
    out = Path(out)
    target, mode = check_target(out)
    temp = target.parent / f".~{target.name}.{secrets.token_hex(4)}.tmp"
    created = False
    try:
        # Created with the default permissions (like any new file), unlike mkstemp's 0600.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(temp, flags, 0o666)  # the umask applies, as for any new file
        created = True
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:  # a file replaced keeps its permissions (a shared results.csv)
            os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        if created:
            _discard(temp)
        raise OutputError(f"cannot write {out}: {reason(exc, target)}") from exc


def check_target(out: Path) -> tuple[Path, int | None]:
    """The file that writing `out` replaces (a symlink's target) and its permissions when it
    exists; OutputError when it is not a file that can be replaced."""
    try:  # what `out` leads to: /dev/stdout is a link to a pipe or terminal, not to a path
        found: os.stat_result | None = os.stat(out)
    except OSError:
        found = None
    target = Path(os.path.realpath(out)) if os.path.islink(out) else out
    if found is None and os.path.islink(target):  # realpath stops where links go round
        raise OutputError(f"cannot write {out}: it is a symbolic link that leads round in a circle")
    if found is None:
        return target, None  # not there yet (or unreachable: os.open will say why)
    if stat.S_ISDIR(found.st_mode):
        raise OutputError(f"cannot write {out}: it is a folder, not a file")
    kind = _NOT_FILES.get(stat.S_IFMT(found.st_mode))
    if kind is not None or not stat.S_ISREG(found.st_mode):
        raise OutputError(
            f"cannot write {out}: it is {kind or 'not a regular file'}, not a file; "
            "give the name of a file"
        )
    if not os.access(target, os.W_OK):  # replacing it would succeed on POSIX: say no, as Excel does
        raise OutputError(f"cannot write {out}: {_why_read_only(target)}")
    return target, stat.S_IMODE(found.st_mode)


def _why_read_only(target: Path) -> str:
    statvfs = getattr(os, "statvfs", None)
    if statvfs is not None and statvfs(target.parent).f_flag & getattr(os, "ST_RDONLY", 1):
        return "read-only file system"
    return "permission denied (the file is read-only)"


def _discard(temp: Path) -> None:
    """Remove a half-written temporary file; a failure here must not hide the first one."""
    with contextlib.suppress(OSError):
        temp.unlink()


def reason(exc: OSError, out: Path) -> str:
    """Why a file could not be written, in the words a user would act on."""
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if isinstance(exc, PermissionError):
        return "permission denied (it may be open in Excel, or the folder or file is read-only)"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENOENT:
        return f"the folder {out.parent} does not exist"
    if isinstance(exc, NotADirectoryError):
        return f"a file is in the way of the folder {out.parent}"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full"
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return exc.strerror or str(exc)


def make_folder(folder: Path, option: str = "output") -> None:
    """Make `folder` (and its parents) for an output; one line when it cannot be, naming the
    `option` to change."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(
            f"cannot create the folder {folder}: a file of that name is in the way; choose "
            f"another {option}"
        ) from None
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: {reason(exc, folder)}") from None
