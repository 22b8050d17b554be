"""`--pdf`: the dashboard printed by LibreOffice, page for page, and one clear line without it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli.main import main
from kpixl.dashboard.pdf import INSTALL_HINT, convert_to_pdf
from kpixl.errors import OutputError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples/returns"
REGISTER = ROOT / "samples/register.xlsx"
TITLE = (
    "Performance Dashboard for the Chief Executive's Department and Deputy Chief Executive's "
    "Department"
)
# Pages each sheet prints on: each service area on one page as in the model (Infrastructure on two,
# one per block of tables, as the model prints it), nine charts a page.
PAGES = {
    "Guidance": 1, "Summary": 1, "Finance": 1, "Governance, Law & Democracy": 1,
    "Marketing & Resident Experience": 1, "HR and Organisational Devt": 1,
    "Health and Safety": 1, "Technology": 1, "Infrastructure": 2, "Trends": 3,
    "Commentary": 1, "Validation": 1, "Data": 7,
}  # fmt: skip
needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)",
)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in")


def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("pdf") / "CED-DCED_2025-03.xlsx"
    code = main(["build", str(SAMPLES), "--register", str(REGISTER), "-o", str(out), "--pdf"])
    return code, out


@needs_libreoffice
def test_pdf_pages_like_the_model(built: tuple[int, Path]) -> None:
    code, out = built
    assert code == 0
    pages = _page_texts(out.with_suffix(".pdf"))
    assert len(pages) == sum(PAGES.values())
    # Every page: the dashboard's title over it, the sheet's name beside it, numbered under it.
    sheets = []
    for number, page in enumerate(pages, start=1):
        first_line = page.strip().splitlines()[0]
        assert first_line.startswith(TITLE)
        sheets.append(" ".join(first_line[len(TITLE) :].split()))
        assert f"Page {number} of {len(pages)}" in page
        assert "Produced by Kent Analytics" in page
    assert Counter(sheets) == PAGES
    book = openpyxl.load_workbook(out)
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    assert list(dict.fromkeys(sheets)) == visible  # in the workbook's order, the hidden one not


@needs_libreoffice
def test_each_service_area_page_has_its_title(built: tuple[int, Path]) -> None:
    _, out = built
    pages = _page_texts(out.with_suffix(".pdf"))
    areas = [
        "Finance", "Governance, Law & Democracy", "Marketing and Resident Experience",
        "Human Resources and Organisational Development", "Health and Safety", "Technology",
        "Infrastructure",
    ]  # fmt: skip
    for area in areas:
        assert any("Service Area" in p and area in p and "Cabinet Member" in p for p in pages), area
    # Infrastructure's two blocks: each page under the service-area block, with its own tables.
    infrastructure = [p for p in pages if "Infrastructure" in p.splitlines()[0]]
    assert all("Service Area" in p and "Rebecca Spore" in p for p in infrastructure)
    assert [("PI01b" in p, "PI05b" in p) for p in infrastructure] == [(True, False), (False, True)]
    assert "Nov-24" in infrastructure[0] and "YTD RAG" not in infrastructure[0]
    assert "YTD RAG" in infrastructure[1]
    trends = "\n".join(p for p in pages if "Trends" in p.splitlines()[0])
    assert "FN06: Percentage of sundry debt due to KCC" in " ".join(trends.split())


def test_without_libreoffice_the_workbook_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kpixl.dashboard.pdf.find_soffice", lambda: None)
    out = tmp_path / "d.xlsx"
    code = main(["build", str(SAMPLES), "--register", str(REGISTER), "-o", str(out), "--pdf"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"kpixl: {INSTALL_HINT}\n"
    assert "apt-get install libreoffice-calc-nogui" in err and "the workbook was written" in err
    assert openpyxl.load_workbook(out).sheetnames[0] == "Guidance"
    assert not out.with_suffix(".pdf").exists()


def _fake_soffice(folder: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = folder / "soffice"
    fake.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr("kpixl.dashboard.pdf.find_soffice", lambda: str(fake))


@posix_only
def test_a_hung_libreoffice_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_soffice(tmp_path, "sleep 60", monkeypatch)
    book = tmp_path / "d.xlsx"
    openpyxl.Workbook().save(book)
    with pytest.raises(OutputError, match="LibreOffice took over 1 seconds and was stopped"):
        convert_to_pdf(book, timeout=1)
    assert not book.with_suffix(".pdf").exists()


@posix_only
def test_a_failing_libreoffice_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_soffice(tmp_path, "echo 'Error: source file could not be loaded'; exit 3", monkeypatch)
    book = tmp_path / "d.xlsx"
    openpyxl.Workbook().save(book)
    with pytest.raises(OutputError, match=r"LibreOffice failed \(exit 3: Error: source file"):
        convert_to_pdf(book)
    _fake_soffice(tmp_path, "exit 0", monkeypatch)
    with pytest.raises(OutputError, match="LibreOffice wrote none"):
        convert_to_pdf(book)


@needs_libreoffice
def test_parallel_conversions_do_not_clash(tmp_path: Path) -> None:
    """Each conversion has a LibreOffice profile of its own: two at once both succeed."""
    books = []
    for n in range(2):
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet["A1"] = f"workbook {n}"
        book.save(tmp_path / f"b{n}.xlsx")
        books.append(tmp_path / f"b{n}.xlsx")
    with ThreadPoolExecutor(2) as pool:
        pdfs = list(pool.map(convert_to_pdf, books))
    for n, pdf in enumerate(pdfs):
        assert f"workbook {n}" in _page_texts(pdf)[0]
