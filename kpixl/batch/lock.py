"""One batch per output folder: an OS lock on OUT_DIR, and a note of who holds it.

Two runs writing one folder at once would leave dashboards of both and a manifest claiming the
mix. The lock is the operating system's (filelock: flock on Linux and macOS, LockFileEx on
Windows), so it is released when the process ends, however it ends: a crashed run never leaves
the folder locked. Beside it a small note says which run holds it (host, process id, start
time), for the one line the next run prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from kpixl.atomic import write_atomically
from kpixl.errors import OutputError

LOCK_NAME = ".kpixl_batch.lock"
HOLDER_NAME = ".kpixl_batch.lock.json"


@dataclass(frozen=True)
class Holder:
    """The run holding an output folder."""

    host: str
    pid: int
    started: str  # UTC, YYYY-MM-DD HH:MM:SS

    def describe(self) -> str:
        return f"on {self.host}, process {self.pid}, started {self.started} UTC"


def this_run() -> Holder:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return Holder(socket.gethostname(), os.getpid(), now)


def read_holder(out_dir: Path) -> Holder | None:
    """Who holds `out_dir`, as its note says; None when there is no readable note."""
    try:
        raw = json.loads((out_dir / HOLDER_NAME).read_text(encoding="utf-8"))
        return Holder(str(raw["host"]), int(raw["pid"]), str(raw["started"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


@contextmanager
def folder_lock(
    out_dir: Path, wait: float = 0, waiting: Callable[[str], None] | None = None
) -> Iterator[Holder]:
    """Hold `out_dir` for this run. When another run holds it, wait up to `wait` seconds (0:
    not at all), telling `waiting` whom it waits for, then raise OutputError naming that run."""
    lock = FileLock(out_dir / LOCK_NAME)
    try:
        _acquire(lock, out_dir, wait, waiting)
    except OSError as exc:  # a folder kpixl may not write: say so, as for any output
        raise OutputError(f"cannot lock the folder {out_dir}: {exc.strerror or exc}") from None
    holder = this_run()
    try:
        text = json.dumps(asdict(holder), indent=2) + "\n"
        write_atomically(text.encode("utf-8"), out_dir / HOLDER_NAME)
        yield holder
    finally:
        with contextlib.suppress(OSError):  # removed before the lock goes: never another's
            (out_dir / HOLDER_NAME).unlink(missing_ok=True)
        lock.release()


def _acquire(
    lock: FileLock, out_dir: Path, wait: float, waiting: Callable[[str], None] | None
) -> None:
    try:
        lock.acquire(timeout=0)
        return
    except Timeout:
        other = _other_run(out_dir)
    if wait <= 0:
        raise OutputError(
            f"another kpixl batch is writing to {out_dir} ({other}): wait for it to finish, "
            "or run with --wait SECONDS to wait for it"
        )
    if waiting is not None:
        waiting(f"Waiting up to {wait:g} s for the other kpixl batch writing here ({other})")
    try:
        lock.acquire(timeout=wait, poll_interval=0.2)
    except Timeout:
        raise OutputError(
            f"another kpixl batch is still writing to {out_dir} after {wait:g} s of waiting "
            f"({_other_run(out_dir)}): try again when it has finished"
        ) from None


def _other_run(out_dir: Path) -> str:
    for _ in range(10):  # it may be between taking the lock and writing its note
        holder = read_holder(out_dir)
        if holder is not None:
            return holder.describe()
        time.sleep(0.1)
    return "it has not said which run it is"
