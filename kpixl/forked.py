"""A long map shared with a forked copy of this process, on a core that is idle by then.

Once the readers are done, the parent judges the indicators one by one (the plausibility
checks, the YTDs) while the other cores wait: on a run where many indicators carry a warning
that is most of what a warning costs. Where a copy of the process is cheap and safe to make
(fork, on Linux, in a process with one thread), the copy takes the later half of the items: it
is sent nothing, as it holds every object the parent holds, and sends back only the results.
Anything amiss with the copy (it could not start, died, or could not send) and the parent does
that half itself: the results are always the plain map's, in order, and an error in `func` is
raised in the parent as the plain map would raise it.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Fewer items are done sooner than a copy of the process is made (a few milliseconds) and
# their results sent back.
LEAST = 500


def shared_map(func: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`[func(x) for x in items]`, the later half worked out by a forked copy of this process
    meanwhile when there are at least LEAST items and a core to spare."""
    if len(items) < LEAST or not can_fork():
        return [func(x) for x in items]
    split = (len(items) + 1) // 2
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    copy = context.Process(target=_work, args=(send, func, items[split:]), daemon=True)
    try:
        copy.start()
    except OSError:  # no process to spare (a limit on processes, or on memory)
        receive.close()
        return [func(x) for x in items]
    finally:
        send.close()  # the copy's end: EOF here once the copy is gone
    try:
        first = [func(x) for x in items[:split]]
        later = _received(receive, len(items) - split)
    except BaseException:  # an error here, or Ctrl-C: the copy's half is not wanted
        copy.terminate()
        raise
    finally:
        receive.close()
        copy.join()
    if later is None:
        later = [func(x) for x in items[split:]]
    return first + later


def can_fork() -> bool:
    """Whether a forked copy is cheap and safe here: Linux (elsewhere fork is unsafe or
    absent, and a fresh interpreter costs more than the work), one thread (a lock another
    thread held at the fork would stay held in the copy), and a second core."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    return len(os.sched_getaffinity(0)) > 1


def _received(receive: Connection, count: int) -> list[Any] | None:
    try:
        later = receive.recv()
    except (EOFError, OSError, pickle.UnpicklingError):
        return None  # the copy died or failed: the parent does its half
    return later if isinstance(later, list) and len(later) == count else None


def _work(send: Connection, func: Callable[[T], R], items: Sequence[T]) -> None:
    """In the copy: the later half's results, sent back. Nothing is sent, and nothing said,
    when `func` fails or the results cannot be sent (the parent then does the half itself,
    and raises what the plain map would), nor on Ctrl-C (the parent is told it too)."""
    with send:
        try:
            send.send([func(x) for x in items])
        except BaseException:  # the parent answers for this half
            return
