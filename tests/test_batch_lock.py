"""One batch per output folder: two real processes on one OUT_DIR, the second refused or waiting."""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import socket
import subprocess
import sys
import threading
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import IO

import openpyxl
import pytest

from kpixl.batch.lock import HOLDER_NAME, LOCK_NAME, folder_lock, read_holder
from kpixl.batch.manifest import MANIFEST_NAME
from kpixl.errors import OutputError
from tests.conftest import write_book, write_register

HEAD = ["Ref", "Indicator description", "Jan-25", "Feb-25", "Mar-25"]
PATIENCE = 300  # seconds: only ever reached when something is broken, never a timing test


def returns(folder: Path, march: float) -> Path:
    write_book(folder / "alpha.xlsx", {"KPIs": [HEAD, ["AA01", "Calls answered", 0.9, 0.9, march]]})
    return folder


@pytest.fixture
def two_months(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A register and two folders of returns that give AA01 Mar-25 different figures."""
    register = write_register(tmp_path / "register.xlsx")  # Alpha and Beta: dashboard D1
    return register, returns(tmp_path / "first", 0.95), returns(tmp_path / "second", 0.55)


def _paused_batch(in_dir: Path, register: Path, out_dir: Path, holding: Event, go: Event) -> None:
    """A real batch run in its own process that, once it holds OUT_DIR, waits for `go`."""
    from kpixl.batch.run import run_batch

    class Pause:
        def step(self, text: str, total: int | None = None) -> None:
            if text.startswith("Reading"):
                holding.set()
                go.wait(PATIENCE)

        def advance(self) -> None:
            pass

    run_batch(in_dir, register, out_dir, jobs=1, listener=Pause())


def kpixl_batch(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "kpixl", "batch", *(str(a) for a in args), "-j", "1"]


def without_ci() -> dict[str, str]:
    """The environment with CI unset, so `kpixl batch` prints its progress lines."""
    return {k: v for k, v in os.environ.items() if k != "CI"}


def march_figure(out_dir: Path) -> object:
    data = openpyxl.load_workbook(out_dir / "D1_2025-03.xlsx")["Data"]
    header = [c.value for c in data[1]]
    for row in data.iter_rows(min_row=2, values_only=True):
        if row[0] == "AA01" and row[header.index("period")] == "2025-03":
            return row[header.index("value")]
    raise AssertionError("no AA01 Mar-25 row in the Data sheet")


class FirstRun:
    """The first run, started in another process and paused while it holds OUT_DIR."""

    def __init__(self, in_dir: Path, register: Path, out_dir: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self.holding, self.go = context.Event(), context.Event()
        self.process = context.Process(
            target=_paused_batch, args=(in_dir, register, out_dir, self.holding, self.go)
        )

    def __enter__(self) -> FirstRun:
        self.process.start()
        assert self.holding.wait(PATIENCE), "the first run never took the folder"
        return self

    def finish(self) -> int | None:
        self.go.set()
        self.process.join(PATIENCE)
        return self.process.exitcode

    def __exit__(self, *_: object) -> None:
        if self.process.is_alive():
            self.finish()
        if self.process.is_alive():
            self.process.kill()


def test_a_second_run_on_the_same_folder_is_refused_naming_the_first(
    two_months: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    register, first, second = two_months
    out = tmp_path / "out"
    with FirstRun(first, register, out) as run:
        holder = read_holder(out)
        assert holder is not None and holder.pid == run.process.pid
        refused = subprocess.run(
            kpixl_batch(second, "-r", register, "-o", out), capture_output=True, text=True
        )
        assert refused.returncode == 2
        assert refused.stderr.count("\n") == 1  # one line
        line = refused.stderr.strip()
        assert line.startswith(f"kpixl: another kpixl batch is writing to {out}")
        assert f"on {socket.gethostname()}, process {run.process.pid}, started " in line
        assert "--wait SECONDS" in line
        assert "Traceback" not in refused.stderr
        assert run.finish() == 0
    assert march_figure(out) == 0.95  # the first run's figures, whole
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert list(manifest["inputs"]) == ["alpha.xlsx"]
    assert not (out / HOLDER_NAME).exists()  # the note goes with the run


def test_with_wait_the_second_run_builds_once_the_first_has_finished(
    two_months: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    register, first, second = two_months
    out = tmp_path / "out"
    with FirstRun(first, register, out) as run:
        waiting = subprocess.Popen(
            kpixl_batch(second, "-r", register, "-o", out, "--wait", PATIENCE),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=without_ci(),
        )
        assert waiting.stdout is not None
        lines = _lines_of(waiting.stdout)
        said = lines.get(timeout=PATIENCE)
        assert said.startswith(f"kpixl batch: Waiting up to {PATIENCE} s for the other kpixl batch")
        assert f"process {run.process.pid}" in said
        assert run.finish() == 0
        assert march_figure(out) == 0.95  # the first run finished before the second wrote
        assert waiting.wait(PATIENCE) in (0, 1)  # built (1: with the validation errors)
        assert waiting.stderr is not None
        errors = waiting.stderr.read()
        assert "another kpixl batch" not in errors and "Traceback" not in errors
        rest = []
        while not lines.empty():
            rest.append(lines.get())
        assert any("D1_2025-03.xlsx" in line for line in rest)  # its summary table
    assert march_figure(out) == 0.55  # then the second run built, over it
    report = json.loads((out / "run_report.json").read_text(encoding="utf-8"))
    assert report["input_folder"] == str(second)


def _lines_of(stream: IO[str]) -> queue.Queue[str]:
    """The stream's lines as they come, read by a thread (so a test can wait with a limit)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_waiting_in_vain_stops_with_one_line(tmp_path: Path) -> None:
    busy = pytest.raises(OutputError, match=r"still writing to .* after 0\.5 s of waiting")
    with folder_lock(tmp_path), busy, folder_lock(tmp_path, wait=0.5):
        pass  # pragma: no cover - never reached
    with folder_lock(tmp_path) as holder:  # released: taken again at once
        assert read_holder(tmp_path) == holder
    assert (tmp_path / LOCK_NAME).exists() and not (tmp_path / HOLDER_NAME).exists()


def test_a_lock_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).mkdir()  # a folder where the lock file goes
    with (
        pytest.raises(OutputError, match=f"cannot lock the folder {tmp_path}"),
        folder_lock(tmp_path),
    ):
        pass  # pragma: no cover - never reached
