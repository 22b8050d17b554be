"""`kpixl batch`'s progress: a rich bar on a terminal, plain lines in a log, nothing under CI."""

from __future__ import annotations

import os
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from kpixl.terminal import printable


class Lines:
    """Progress as plain lines, for logs (not a terminal); nothing at all under CI."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.quiet = bool(os.environ.get("CI"))

    def step(self, text: str, total: int | None = None) -> None:
        if not self.quiet:
            self.console.print(f"kpixl batch: {printable(text)}", markup=False)

    def advance(self) -> None:
        pass


class Bar:
    """A rich progress bar per step, on a terminal."""

    def __init__(self, console: Console) -> None:
        columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn())  # fmt: skip
        self.progress = Progress(*columns, console=console)
        self.task: TaskID | None = None

    def __enter__(self) -> Bar:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self._finish()
        self.progress.stop()

    def _finish(self) -> None:
        if self.task is not None:
            total = self.progress.tasks[-1].total
            self.progress.update(self.task, total=total or 1, completed=total or 1)

    def step(self, text: str, total: int | None = None) -> None:
        self._finish()
        self.task = self.progress.add_task(printable(text), total=total)

    def advance(self) -> None:
        if self.task is not None:
            self.progress.advance(self.task)
