"""Long maps shared with forked copies of this process, on a core that would be idle.

Once the readers are done, the parent screens every indicator (numpy, one core) and judges the
ones the screen could not clear one by one (the plausibility checks, the YTDs): on a run where
many indicators carry a warning, the judging is most of what a warning costs. Where a copy of
the process is cheap and safe to make (fork, on Linux, in a process with one thread), a copy
takes part of the work: `shared_map` gives one the later half of a list; `streamed_map` gives
each part of a list made in parts (the screen, a part of the register at a time) to a copy of
its own as soon as the part is made, so the first parts are judged on the other core while
this one screens the rest. A copy is sent nothing, as it holds every object the parent holds,
and sends back only the results. Anything amiss with a copy (it could not start, died, or
could not send) and the parent does its items itself: the results are always the plain map's,
in order, and an error in `func` is raised in the parent as the plain map would raise it.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Fewer items are done sooner than a copy of the process is made (a few milliseconds) and
# their results sent back.
LEAST = 500
LEAST_PART = 250  # a part worth a copy of its own: its work is shared with nothing else


def shared_map(func: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`[func(x) for x in items]`, the later half worked out by a forked copy of this process
    meanwhile when there are at least LEAST items and a core to spare."""
    if len(items) < LEAST or not can_fork():
        return [func(x) for x in items]
    split = (len(items) + 1) // 2
    copy = _Copy(func, items[split:])
    try:
        first = [func(x) for x in items[:split]]
    except BaseException:  # an error here, or Ctrl-C: the copy's half is not wanted
        copy.stop()
        raise
    return first + copy.results()


def streamed_map(func: Callable[[T], R], parts: Sequence[Callable[[], Sequence[T]]]) -> list[R]:
    """`[func(x) for part in parts for x in part()]`, the parts made in turn here: each part
    but the last is worked out by a forked copy of this process as soon as it is made (when it
    holds at least LEAST_PART items and a core is spare), while this process makes the next;
    the last is shared as shared_map shares it. So the work on the first parts is done on the
    other core while this one is still making the rest (kpixl.rate.scoring: screening). An
    error in `func` is raised here, an earlier part's first, as the plain map would raise it."""
    if not can_fork():
        return [func(x) for part in parts for x in part()]
    done: list[list[R] | _Copy[T, R]] = []
    try:
        for k, part in enumerate(parts):
            items = part()
            if k == len(parts) - 1:
                done.append(shared_map(func, items))
            elif len(items) >= LEAST_PART:
                done.append(_Copy(func, items))
            else:
                done.append([func(x) for x in items])
    except Exception:
        _collected(done)  # an earlier part's error first
        raise
    except BaseException:  # Ctrl-C: no copy's results are wanted
        _stop(done)
        raise
    return _collected(done)


def _collected(done: list[list[R] | _Copy[T, R]]) -> list[R]:
    """The parts' results in order; an error in one stops the copies of the later ones."""
    results: list[R] = []
    try:
        for d in done:
            results += d if isinstance(d, list) else d.results()
    except BaseException:
        _stop(done)
        raise
    return results


def _stop(done: list[list[R] | _Copy[T, R]]) -> None:
    for d in done:
        if isinstance(d, _Copy):
            d.stop()


class _Copy(Generic[T, R]):
    """`[func(x) for x in items]` worked out by a forked copy of this process, started at once;
    `results()` gives them, or works them out here when the copy could not (it could not
    start, died, or could not send)."""

    def __init__(self, func: Callable[[T], R], items: Sequence[T]) -> None:
        self.func, self.items = func, items
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        self.process: BaseProcess | None = context.Process(
            target=_work, args=(send, func, items), daemon=True
        )
        try:
            self.process.start()
        except OSError:  # no process to spare (a limit on processes, or on memory)
            self.process = None
        finally:
            send.close()  # the copy's end: EOF here once the copy is gone

    def results(self) -> list[R]:
        later = None
        if self.process is not None:
            try:
                later = _received(self.receive, len(self.items))
            except BaseException:  # Ctrl-C while waiting: the copy is not wanted
                self.stop()
                raise
            self._close()
        else:
            self.receive.close()
        return [self.func(x) for x in self.items] if later is None else later

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self._close()

    def _close(self) -> None:
        self.receive.close()
        if self.process is not None:
            self.process.join()
            self.process = None


def can_fork() -> bool:
    """Whether a forked copy is cheap and safe here: Linux (elsewhere fork is unsafe or
    absent, and a fresh interpreter costs more than the work), one thread (a lock another
    thread held at the fork would stay held in the copy), not a daemonic process (kpixl run
    in a multiprocessing.Pool's worker: such a process may not start one), and a second core."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    if multiprocessing.current_process().daemon:
        return False
    return len(os.sched_getaffinity(0)) > 1


def _received(receive: Connection, count: int) -> list[Any] | None:
    try:
        later = receive.recv()
    except (EOFError, OSError, pickle.UnpicklingError):
        return None  # the copy died or failed: the parent works out its items
    return later if isinstance(later, list) and len(later) == count else None


def _work(send: Connection, func: Callable[[T], R], items: Sequence[T]) -> None:
    """In the copy: its items' results, sent back. Nothing is sent, and nothing said, when
    `func` fails or the results cannot be sent (the parent then works out those items itself,
    and raises what the plain map would), nor on Ctrl-C (the parent is told it too)."""
    with send:
        try:
            send.send([func(x) for x in items])
        except BaseException:  # the parent answers for this half
            return
