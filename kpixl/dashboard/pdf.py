"""PDF copies of workbooks, printed by LibreOffice running headless (as its print set-up says),
and the running of headless programs with a time limit."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from kpixl.atomic import write_atomically
from kpixl.errors import OutputError

TIMEOUT_SECONDS = 180.0
INSTALL_HINT = (
    "--pdf needs LibreOffice: install it (Debian/Ubuntu: sudo apt-get install "
    "libreoffice-calc-nogui; Windows: https://www.libreoffice.org) — the workbook was written"
)
_NAMES = ("soffice", "libreoffice")
_WINDOWS_PLACES = (
    r"C:\Program Files\LibreOffice\program",
    r"C:\Program Files (x86)\LibreOffice\program",
)
_MAC_PLACE = "/Applications/LibreOffice.app/Contents/MacOS"


def find_soffice() -> str | None:
    """LibreOffice's `soffice`, on the PATH or where its installer puts it; None if absent."""
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    places = _WINDOWS_PLACES if sys.platform == "win32" else (_MAC_PLACE,)
    for place in places:
        found = shutil.which("soffice", path=place)
        if found:
            return found
    return None


def convert_to_pdf(
    workbook: Path, out: Path | None = None, timeout: float = TIMEOUT_SECONDS
) -> Path:
    """Write `workbook` as a PDF (default: beside it, same name, .pdf) atomically; return its path.

    LibreOffice runs with a profile of its own in a temporary folder, so that several
    conversions at once (or a LibreOffice the user has open) never clash. Raises OutputError
    when LibreOffice is absent, fails or takes longer than `timeout` seconds.
    """
    workbook = Path(workbook)
    out = Path(out) if out is not None else workbook.with_suffix(".pdf")
    soffice = find_soffice()
    if soffice is None:
        raise OutputError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="kpixl-pdf-") as temp:
        folder = Path(temp)
        profile = (folder / "profile").as_uri()
        command = [
            soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(folder / "pdf"), str(workbook.resolve()),
        ]  # fmt: skip
        _run(command, timeout, workbook)
        made = folder / "pdf" / (workbook.stem + ".pdf")
        if not made.is_file():
            raise OutputError(
                f"cannot make a PDF of {workbook}: LibreOffice wrote none (is the workbook valid?)"
            )
        write_atomically(made.read_bytes(), out)
    return out


def _run(command: list[str], timeout: float, workbook: Path) -> None:
    run_headless(command, timeout, "LibreOffice", f"a PDF of {workbook}")


def run_headless(command: list[str], timeout: float, tool: str, making: str) -> str:
    """Run a headless program (LibreOffice, Chromium) to make `making`; return what it printed.

    Raises OutputError, naming `tool`, when it takes longer than `timeout` seconds (it is then
    stopped, with every helper process it started) or exits with an error."""
    # A session of its own (POSIX), so that a timeout stops the program and any helper it started.
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    ) as process:  # fmt: skip
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise OutputError(
                f"cannot make {making}: {tool} took over {timeout:.0f} seconds and was stopped"
            ) from None
    said = output.decode("utf-8", "replace").strip()
    if process.returncode != 0:
        last = said.splitlines()[-1:] if said else []
        raise OutputError(
            f"cannot make {making}: {tool} failed (exit {process.returncode}"
            + (f": {last[0]}" if last else "")
            + ")"
        )
    return said


def _stop(process: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError):  # it ended by itself meanwhile
            os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    process.communicate()
