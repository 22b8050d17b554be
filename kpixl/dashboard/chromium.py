"""Headless Chromium (or Chrome, or Edge): the web page printed as a tagged PDF, or pictured."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from kpixl.atomic import write_atomically
from kpixl.dashboard.pdf import run_headless
from kpixl.errors import OutputError

TIMEOUT_SECONDS = 180.0
INSTALL_HINT = (
    "--pdf needs Chromium, Google Chrome or Microsoft Edge to print the accessible PDF: install "
    "one (Debian/Ubuntu: sudo apt-get install chromium), set KPIXL_CHROMIUM to its program, or "
    "use --pdf-engine libreoffice — the workbook was written"
)
# A tagged PDF's catalog names its structure tree; Chromium writes it uncompressed.
TAGGED_MARK = b"/StructTreeRoot"
ENVIRONMENT_VARIABLE = "KPIXL_CHROMIUM"  # a browser kpixl would not find by itself
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
          "msedge", "microsoft-edge")  # fmt: skip
_WINDOWS_PLACES = (
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)
_MAC_PLACES = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)
# The page is kpixl's own, runs no script and asks for nothing over the network (its
# Content-Security-Policy says so too); the sandbox cannot start as root, as in a container.
_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
    "--disable-sync", "--disable-background-networking", "--disable-dev-shm-usage",
    "--hide-scrollbars", "--mute-audio",
)  # fmt: skip


def find_chromium() -> str | None:
    """The browser: KPIXL_CHROMIUM, else one on the PATH, else where its installer puts it."""
    given = os.environ.get(ENVIRONMENT_VARIABLE)
    if given:
        return given if Path(given).is_file() else shutil.which(given)
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    places = _WINDOWS_PLACES if sys.platform == "win32" else _MAC_PLACES
    return next((place for place in places if Path(place).is_file()), None)


def print_to_pdf(html: str, out: Path, timeout: float = TIMEOUT_SECONDS) -> Path:
    """Print the page `html` as a tagged PDF to `out`, atomically; return `out`.

    Chromium's PDF carries the page's structure (headings, tables with header cells, figures
    with their text alternative), its `lang` and `<title>`, and a bookmark per heading. The
    paper, running header and page numbers come from the page's `@page` rules. Raises
    OutputError when no browser is found, or it fails or takes longer than `timeout` seconds.
    """
    out = Path(out)
    browser = _browser()
    flags = ("--no-pdf-header-footer", "--generate-pdf-document-outline")
    data = _render(html, browser, "pdf", flags, out.name, timeout)
    if TAGGED_MARK not in data:
        raise OutputError(
            f"cannot make an accessible {out.name}: {Path(browser).name} printed it "
            "untagged (no structure for screen readers): update Chromium or Chrome, or use "
            "--pdf-engine libreoffice for an untagged one"
        )
    write_atomically(data, out)
    return out


def screenshot(
    html: str, out: Path, size: tuple[int, int] = (1280, 900), timeout: float = TIMEOUT_SECONDS
) -> Path:
    """A PNG of the top of the page `html` as a browser window of `size` pixels shows it."""
    out = Path(out)
    flags = (f"--window-size={size[0]},{size[1]}",)
    write_atomically(_render(html, _browser(), "png", flags, out.name, timeout), out)
    return out


def _render(
    html: str, browser: str, kind: str, flags: tuple[str, ...], name: str, timeout: float
) -> bytes:
    """What the browser makes of the page `html` for the file `name` (`kind`: pdf, printed;
    png, a screenshot), in a throw-away folder and profile; OutputError when it fails or
    writes nothing."""
    what = f"{'a PDF' if kind == 'pdf' else 'a picture'} of {name}"
    with tempfile.TemporaryDirectory(prefix="kpixl-chromium-") as temp:
        folder = Path(temp)
        page = folder / "page.html"
        page.write_text(html, encoding="utf-8")
        made = folder / f"page.{kind}"
        action = f"--print-to-pdf={made}" if kind == "pdf" else f"--screenshot={made}"
        command = [browser, *_FLAGS, f"--user-data-dir={folder / 'profile'}", *flags, action,
                   page.as_uri()]  # fmt: skip
        run_headless(command, timeout, "Chromium", what)
        # Chromium may exit 0 having written nothing (a page it could not load).
        data = made.read_bytes() if made.is_file() else b""
        if not data:
            raise OutputError(f"cannot make {name}: Chromium wrote nothing")
        return data


def _browser() -> str:
    browser = find_chromium()
    if browser is None:
        raise OutputError(INSTALL_HINT)
    return browser
