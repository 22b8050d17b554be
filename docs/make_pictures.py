"""Redraw the pictures of docs/dashboard.md from the bundled samples' dashboard.

    python docs/make_pictures.py [--out DIR]

Run it after a change to the dashboard's layout. It builds the samples' dashboard through the
command line with `--pdf` (LibreOffice), finds three pages of the PDF by their text (poppler's
pdftotext) and draws each as a PNG (poppler's pdftoppm), into DIR (default docs/pictures):

- summary.png: the Summary sheet's page (the heading "Key Performance Indicator Summary"),
- service_area.png: the first page of the Finance sheet (its header block names the service
  area under "Service Area", above the "Key Performance Indicators" table and its RAG words),
- trends.png: the first page of Trends charts (the title "Trends" and a chart legend
  "Value  Target  Floor").

Pages are found by what they show, not by number, so adding a sheet or a page keeps the script
working. Nothing else is written; the dashboard and its PDF go to a temporary folder.
"""

from __future__ import annotations

import argparse
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RETURNS = ROOT / "samples" / "returns"
REGISTER = ROOT / "samples" / "register.xlsx"
PERIOD = "2025-03"
DASHBOARD = "CED-DCED_2025-03.xlsx"  # the samples' one dashboard; --pdf writes CED-DCED_2025-03.pdf
SERVICE_AREA = "Finance"  # the service area pictured: a KPI table with RED, AMBER and GREEN
LONG_SIDE = 1000  # pixels; an A4 landscape page is then 1000 x 708 and each PNG under 200 KB
BUILD_TIMEOUT = 600.0  # seconds; kpixl itself stops LibreOffice after 3 minutes

SOFFICE_NAMES = ("soffice", "libreoffice")
SOFFICE_PLACES = (  # where LibreOffice's installers put soffice when it is not on the PATH
    "/Applications/LibreOffice.app/Contents/MacOS",
    r"C:\Program Files\LibreOffice\program",
    r"C:\Program Files (x86)\LibreOffice\program",
)
NEEDS_SOFFICE = (
    "make_pictures: needs LibreOffice's soffice (Debian/Ubuntu: sudo apt-get install "
    "libreoffice-calc-nogui; elsewhere: https://www.libreoffice.org)"
)
NEEDS_POPPLER = (
    "make_pictures: needs poppler's pdftoppm and pdftotext (Debian/Ubuntu: sudo apt-get install "
    "poppler-utils; macOS: brew install poppler)"
)
RAG_WORDS = {"RED", "AMBER", "GREEN"}

Lines = list[str]


def cells(line: str) -> list[str]:
    """A line of `pdftotext -layout` text split into its cells (runs of 2+ spaces part them)."""
    return re.split(r"\s{2,}", line.strip())


def is_summary(lines: Lines) -> bool:
    return "Key Performance Indicator Summary" in lines


def is_service_area(name: str) -> Callable[[Lines], bool]:
    """The page of a service-area sheet: its header block, then a KPI table with RAG words."""

    def found(lines: Lines) -> bool:
        header = any(
            cells(line)[0] == "Service Area" and cells(below)[0] == name
            for line, below in pairwise(lines)
        )
        words = {word for line in lines for word in line.split()}
        return header and "Key Performance Indicators" in lines and bool(words & RAG_WORDS)

    return found


def is_trends(lines: Lines) -> bool:
    """A page of the Trends sheet with charts: the sheet's title and a chart's legend."""
    legend = any(cells(line)[:3] == ["Value", "Target", "Floor"] for line in lines)
    return "Trends" in lines and legend


# picture file -> (what the page shows, in words for messages; how to know the page)
PICTURES: dict[str, tuple[str, Callable[[Lines], bool]]] = {
    "summary.png": ("the Summary sheet", is_summary),
    "service_area.png": (f"the {SERVICE_AREA} service area's sheet", is_service_area(SERVICE_AREA)),
    "trends.png": ("the Trends charts", is_trends),
}


def find_soffice() -> str | None:
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for place in SOFFICE_PLACES:
        found = shutil.which("soffice", path=place)
        if found:
            return found
    return None


def check_tools() -> None:
    """Exit with one line naming what to install when LibreOffice or poppler is missing."""
    if find_soffice() is None:
        sys.exit(NEEDS_SOFFICE)
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        sys.exit(NEEDS_POPPLER)


def build_pdf(folder: Path) -> Path:
    """Build the samples' dashboard with --pdf into `folder`, as a user would; the PDF's path."""
    workbook = folder / DASHBOARD
    command = [
        sys.executable, "-m", "kpixl", "build", str(RETURNS), "--register", str(REGISTER),
        "--period", PERIOD, "-o", str(workbook), "--pdf", "--pdf-engine", "libreoffice",
    ]  # fmt: skip
    print("building the samples' dashboard with --pdf (LibreOffice takes a while) ...", flush=True)
    # From the checkout, so that `-m kpixl` is the kpixl beside this script.
    try:
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        sys.exit(f"make_pictures: `kpixl build --pdf` took longer than {BUILD_TIMEOUT:.0f} s")
    pdf = workbook.with_suffix(".pdf")
    # Exit status 1 means "built, with validation errors": the PDF is still there to draw.
    if result.returncode not in (0, 1) or not pdf.is_file():
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(
            f"make_pictures: `kpixl build --pdf` exited {result.returncode} without writing {pdf.name}"
        )
    return pdf


def page_texts(pdf: Path) -> list[Lines]:
    """Each page's non-blank lines, stripped, in page order (pdftotext ends each page with \\f)."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True, text=True, encoding="utf-8", check=True,
    ).stdout  # fmt: skip
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [[line.strip() for line in page.splitlines() if line.strip()] for page in pages]


def find_page(pages: Sequence[Lines], what: str, test: Callable[[Lines], bool]) -> int:
    """The number (from 1) of the first page passing `test`; exits naming `what` if none does."""
    for number, lines in enumerate(pages, start=1):
        if test(lines):
            return number
    sys.exit(
        f"make_pictures: no page of the samples' PDF shows {what} — has the layout changed? "
        "Update PICTURES in docs/make_pictures.py"
    )


def draw_page(pdf: Path, number: int, png: Path) -> None:
    """Page `number` of `pdf` as the PNG `png`, its longer side LONG_SIDE pixels."""
    subprocess.run(
        ["pdftoppm", "-png", "-scale-to", str(LONG_SIDE), "-f", str(number), "-l", str(number),
         "-singlefile", str(pdf), str(png.with_suffix(""))],
        check=True,
    )  # fmt: skip


def png_size(png: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    return width, height


def shown(path: Path) -> str:
    """`path` relative to the current folder when it lies under it, for messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def make_pictures(out: Path) -> list[Path]:
    """Write the three pictures into `out`; their paths."""
    check_tools()
    with tempfile.TemporaryDirectory(prefix="kpixl-pictures-") as temp:
        folder = Path(temp)
        pdf = build_pdf(folder)
        pages = page_texts(pdf)
        chosen = {name: find_page(pages, what, test) for name, (what, test) in PICTURES.items()}
        drawn = folder / "pictures"
        drawn.mkdir()
        for name, number in chosen.items():
            draw_page(pdf, number, drawn / name)
        # Every page found and drawn before any picture in `out` is replaced.
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, number in chosen.items():
            target = out / name
            shutil.copyfile(drawn / name, target)
            width, height = png_size(target)
            size = target.stat().st_size
            print(
                f"wrote {shown(target)}: page {number} of {len(pages)}, {width}x{height} px, "
                f"{size / 1024:.0f} KB"
            )
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Redraw docs/dashboard.md's pictures from the samples' dashboard PDF."
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "docs" / "pictures",
        metavar="DIR",
        help="folder for summary.png, service_area.png and trends.png (default: docs/pictures)",
    )
    args = parser.parse_args(argv)
    make_pictures(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
