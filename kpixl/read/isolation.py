"""Run a reader on each untrusted file in worker processes, with a memory limit and a timeout.

A parser that aborts (python-calamine exits with 134 when an allocation fails), hangs or runs
out of memory takes down only its worker: that file gets a `Failure` saying why, a fresh worker
replaces the dead one, and the other files go on. Workers are long-lived (one per job) so many
small files cost one pipe round trip each, not one process each.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import os
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Generic, TypeVar

try:
    import resource
except ImportError:  # Windows: no address-space limit; the timeout still applies
    resource = None  # type: ignore[assignment]

T = TypeVar("T")
MEMORY_LIMIT_SUPPORTED = resource is not None and hasattr(resource, "RLIMIT_AS")


@dataclass(frozen=True)
class Failure:
    """Why a file could not be read in its worker, in the user's words."""

    reason: str
    kind: str  # "crashed", "memory", "timeout" or "error" (a kpixl bug: please report it)
    seconds: float = 0.0


@dataclass(frozen=True)
class Budget:
    """What one worker may spend on one file."""

    memory_mb: int
    timeout_s: float


def run_isolated(
    func: Callable[..., T],
    tasks: Sequence[tuple[Any, ...]],
    jobs: int,
    budget: Budget,
    on_result: Callable[[int, T | Failure], None] | None = None,
) -> list[T | Failure]:
    """`func(*task)` for every task in worker processes; results in the order of `tasks`.

    `func` must be a module-level function (it is pickled by name on Windows and macOS).
    `on_result(index, result)` is called with each task's final result as it comes in (in any
    order), so the caller can use it while the workers read the others."""
    if not tasks:
        return []
    if multiprocessing.current_process().daemon:
        # a daemonic process may not start children: read here, unisolated, rather than fail
        results = []
        for index, task in enumerate(tasks):
            results.append(_call(func, task))
            if on_result is not None:
                on_result(index, results[-1])
        return results
    pool = _Pool(func, min(max(jobs, 1), len(tasks)), budget, on_result)
    try:
        return pool.run(tasks)
    finally:
        pool.close()


def _call(func: Callable[..., T], task: tuple[Any, ...]) -> T | Failure:
    start = time.perf_counter()
    try:
        return func(*task)
    except MemoryError:
        return Failure("reading it needed more memory than is allowed", "memory", _since(start))
    except Exception as exc:
        return Failure(f"kpixl failed on it ({type(exc).__name__}: {exc})", "error", _since(start))


def _since(start: float) -> float:
    return time.perf_counter() - start


def _context() -> Any:
    # fork is cheap and needs nothing re-imported; elsewhere fork is unsafe or absent
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    stderr: Path
    tasks: deque[int] = field(default_factory=deque)  # sent, in order; the first is running
    started: float = 0.0  # when the first of `tasks` started


# Tasks in flight per worker: the next files are already waiting while the parent works on a
# result (on_result may take a while: validating a backlog once the register is in), which
# keeps the workers busy; the first of a worker's tasks is the one running, so a crash's
# culprit stays known, and the others are sent again to its replacement.
_DEPTH = 8


class _Pool(Generic[T]):
    def __init__(
        self,
        func: Callable[..., T],
        size: int,
        budget: Budget,
        on_result: Callable[[int, T | Failure], None] | None = None,
    ) -> None:
        self.func, self.budget, self.on_result = func, budget, on_result
        self.folder = Path(tempfile.mkdtemp(prefix="kpixl-workers-"))
        self.workers = [self._start(n) for n in range(size)]
        self.spawned = size

    def _start(self, n: int) -> _Worker:
        parent, child = _context().Pipe()
        stderr = self.folder / f"worker-{n}.log"
        process = _context().Process(
            target=_serve,
            args=(child, self.func, self.budget.memory_mb, str(stderr)),
            name=f"kpixl-reader-{n}",
        )
        process.start()
        child.close()
        return _Worker(process, parent, stderr)

    def run(self, tasks: Sequence[tuple[Any, ...]]) -> list[T | Failure]:
        results: list[T | Failure | None] = [None] * len(tasks)
        queue = deque(range(len(tasks)))
        while queue or any(w.tasks for w in self.workers):
            for worker in self.workers:
                while queue and len(worker.tasks) < _DEPTH:
                    self._send(worker, queue.popleft(), tasks)
            busy = [w for w in self.workers if w.tasks]
            deadline = min(w.started for w in busy) + self.budget.timeout_s
            ready = wait(
                [w.conn for w in busy] + [w.process.sentinel for w in busy],
                timeout=max(0.0, deadline - time.monotonic()),
            )
            for worker in busy:
                outcome = self._outcome(worker, ready)
                if outcome is not None:
                    index = worker.tasks.popleft()
                    results[index] = outcome
                    worker.started = time.monotonic()
                    if isinstance(outcome, Failure):
                        queue.extendleft(reversed(worker.tasks))  # never started: run again
                        self._replace(worker)
                    if self.on_result is not None:
                        self.on_result(index, outcome)
        return [r if r is not None else Failure("it was never read", "error") for r in results]

    def _send(self, worker: _Worker, index: int, tasks: Sequence[tuple[Any, ...]]) -> None:
        if not worker.tasks:
            worker.started = time.monotonic()
        worker.tasks.append(index)
        # if the worker is already dead its sentinel says so at the next wait
        with contextlib.suppress(OSError, ValueError):
            worker.conn.send(tasks[index])

    def _outcome(self, worker: _Worker, ready: list[Any]) -> T | Failure | None:
        """The first task's result, or why its worker failed; None while it is still running.

        A Failure means the worker is dead or must be killed; a worker that merely reports a
        Failure for a file it caught an exception on is replaced too, which costs little."""
        elapsed = time.monotonic() - worker.started
        if worker.conn in ready:
            try:
                result: T | Failure = worker.conn.recv()
                return result
            except (EOFError, OSError):
                pass  # died while answering: described below
        if worker.process.sentinel in ready or not worker.process.is_alive():
            worker.process.join()
            return self._died(worker, elapsed)
        if elapsed >= self.budget.timeout_s:
            return Failure(
                f"reading it took longer than {self.budget.timeout_s:g} s, the time limit: the "
                "file may be damaged or built to hang readers; copy the table into a new workbook",
                "timeout",
                elapsed,
            )
        return None

    def _died(self, worker: _Worker, elapsed: float) -> Failure:
        last = _last_line(worker.stderr)
        code = worker.process.exitcode
        if "memory allocation" in last or code in (134, -6):
            return Failure(
                f"the reader ran out of memory on it (limit {self.budget.memory_mb:,} MB"
                f"{'; ' + last if last else ''}): the file is probably damaged or built to "
                "exhaust memory; copy the table into a new workbook",
                "memory",
                elapsed,
            )
        return Failure(
            f"the reader crashed on it (exit status {code}): the file is probably damaged; "
            "ask the service to send it again",
            "crashed",
            elapsed,
        )

    def _replace(self, worker: _Worker) -> None:
        _stop(worker)
        fresh = self._start(self.spawned)
        self.spawned += 1
        worker.process, worker.conn, worker.stderr = fresh.process, fresh.conn, fresh.stderr
        worker.tasks = deque()

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(timeout=2)
            _stop(worker)
        for log in self.folder.glob("*"):
            log.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.folder.rmdir()


def _stop(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join(timeout=5)
    worker.conn.close()
    with contextlib.suppress(ValueError):
        worker.process.close()


def _last_line(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    # calamine's abort message is the first line; a Rust backtrace may follow it
    for line in lines:
        if "memory allocation" in line:
            return line.strip()
    return ""


def _serve(conn: Connection, func: Callable[..., Any], memory_mb: int, stderr: str) -> None:
    """Worker loop: one task at a time until told to stop (None) or the parent goes away."""
    # the collector would otherwise walk (and so copy, page by page) everything inherited
    gc.freeze()
    faulthandler.disable()  # an inherited handler would print a Python traceback on abort
    _limit_memory(memory_mb)
    _redirect_stderr(stderr)
    parent = os.getppid()
    while True:
        try:
            # a forked sibling may hold this pipe open, so EOF alone cannot say the parent died
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(2, 0)
        try:
            conn.send(_call(func, task))
        except Exception as exc:  # the result could not be sent back (e.g. not picklable)
            detail = "".join(traceback.format_exception_only(exc)).strip()
            conn.send(Failure(f"kpixl failed on it ({detail})", "error"))


def _limit_memory(memory_mb: int) -> None:
    """Cap the address space at what the worker uses now plus `memory_mb`."""
    if not MEMORY_LIMIT_SUPPORTED or memory_mb <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _redirect_stderr(path: str) -> None:
    """A reader's crash report (a Rust backtrace) goes to a log, never to the user's screen."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
