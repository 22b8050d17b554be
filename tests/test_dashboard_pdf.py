"""`--pdf`: the accessible PDF (the web page printed by headless Chromium: tagged tables, language,
title, bookmarks, charts' text alternatives, read with pikepdf) and `--pdf-engine libreoffice`
(the workbook printed page for page); one clear line when the program is missing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pikepdf
import pytest

from kpixl.cli.main import main
from kpixl.dashboard.chromium import INSTALL_HINT as CHROMIUM_HINT
from kpixl.dashboard.chromium import find_chromium, print_to_pdf
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
# one per block of tables, as the model prints it), nine charts a page; the Data table
# (with the forecast columns of 39b25d9, so printed smaller to stay one page wide) on six.
PAGES = {
    "Guidance": 1, "Summary": 1, "Finance": 1, "Governance, Law & Democracy": 1,
    "Marketing & Resident Experience": 1, "HR and Organisational Devt": 1,
    "Health and Safety": 1, "Technology": 1, "Infrastructure": 2, "Trends": 3,
    "Commentary": 1, "Validation": 1, "Data": 6,
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
    code = main(["build", str(SAMPLES), "--register", str(REGISTER), "-o", str(out), "--pdf",
                 "--pdf-engine", "libreoffice"])  # fmt: skip
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
    code = main(["build", str(SAMPLES), "--register", str(REGISTER), "-o", str(out), "--pdf",
                 "--pdf-engine", "libreoffice"])  # fmt: skip
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


# --- the accessible PDF: the web page printed by headless Chromium ---------------------------

needs_chromium = pytest.mark.skipif(
    find_chromium() is None, reason="needs Chromium (Debian: apt-get install chromium)"
)
AREAS = [
    "Finance", "Governance, Law & Democracy", "Marketing and Resident Experience",
    "Human Resources and Organisational Development", "Health and Safety", "Technology",
    "Infrastructure",
]  # fmt: skip


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("tagged") / "CED-DCED_2025-03.xlsx"
    code = main(["build", str(SAMPLES), "--register", str(REGISTER), "-o", str(out), "--pdf"])
    return code, out.with_suffix(".pdf")


def _structure(pdf: pikepdf.Pdf) -> list[tuple[str, int, pikepdf.Dictionary]]:
    """(type, depth, element) of every element of the structure tree, in reading order."""
    found: list[tuple[str, int, pikepdf.Dictionary]] = []

    def walk(node: object, depth: int) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, depth)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append((str(node.S)[1:], depth, node))
            if "/K" in node:
                walk(node.K, depth + 1)

    walk(pdf.Root.StructTreeRoot.K, 0)
    return found


def _kids(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    """An element's child elements (not its marked-content numbers)."""
    kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
    return [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]


def _bookmarks(item: pikepdf.Dictionary | None, depth: int = 0) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    while item is not None:
        found.append((depth, str(item.Title)))
        found += _bookmarks(item.get("/First"), depth + 1)
        item = item.get("/Next")
    return found


@needs_chromium
def test_the_pdf_is_tagged_with_title_and_language(tagged: tuple[int, Path]) -> None:
    code, path = tagged
    assert code == 0
    with pikepdf.open(path) as pdf:
        assert pdf.Root.MarkInfo.Marked is True  # marked content: a tagged PDF
        assert str(pdf.Root.Lang) == "en-GB"
        assert str(pdf.docinfo.Title) == TITLE
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True  # the title, not the file name
        kinds = Counter(kind for kind, _, _ in _structure(pdf))
        assert kinds["Document"] == 1 and kinds["H1"] == 1 and kinds["H2"] >= len(AREAS) + 3
        assert kinds["Table"] >= 40 and kinds["TR"] > kinds["Table"]


@needs_chromium
def test_tables_have_header_cells(tagged: tuple[int, Path]) -> None:
    _, path = tagged
    with pikepdf.open(path) as pdf:
        elements = _structure(pdf)
        tables = [e for kind, _, e in elements if kind == "Table"]
        for table in tables:
            rows = [k for k in _kids(table) if str(k.S) == "/TR"]
            first_cells = [[str(c.S)[1:] for c in _kids(row)] for row in rows]
            assert first_cells[0] and set(first_cells[0]) == {"TH"}  # the header row
            assert all(cells[0] == "TH" and set(cells[1:]) <= {"TD"} for cells in first_cells[1:])
        scopes = Counter()
        for kind, _, element in elements:
            if kind == "TH":
                attributes = element.A if isinstance(element.A, pikepdf.Array) else [element.A]
                scopes.update(str(a.Scope)[1:] for a in attributes if "/Scope" in a)
        assert scopes["Column"] > 100 and scopes["Row"] > 100


@needs_chromium
def test_charts_carry_their_text_alternative(tagged: tuple[int, Path]) -> None:
    _, path = tagged
    with pikepdf.open(path) as pdf:
        alts = [str(e.Alt) for kind, _, e in _structure(pdf) if kind == "Figure" and "/Alt" in e]
    fn07 = [a for a in alts if a.startswith("FN07:")]
    assert fn07 == [
        "FN07: Invoices received by Accounts Payable within 30 days of KCC received date FN07 "
        "rose from 78% to 87% in March; target 85%, floor 80%."
    ]
    assert len({a.split(":")[0] for a in alts}) == len(alts) > 20  # one per KPI


@needs_chromium
def test_a_bookmark_per_section_and_numbered_pages(tagged: tuple[int, Path]) -> None:
    _, path = tagged
    with pikepdf.open(path) as pdf:
        marks = _bookmarks(pdf.Root.Outlines.First)
    sections = [title for depth, title in marks if depth == 1]
    assert sections == ["Guidance", "Key Performance Indicator Summary", *AREAS, "Trends"]
    pages = _page_texts(path)
    for number, page in enumerate(pages, start=1):
        assert " ".join(page.split()).startswith(TITLE)  # the running header
        assert f"Page {number} of {len(pages)}" in page and "Produced by Kent Analytics" in page


def test_without_chromium_the_workbook_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kpixl.dashboard.chromium.find_chromium", lambda: None)
    out = tmp_path / "d.xlsx"
    args = ["build", str(SAMPLES), "--register", str(REGISTER), "-o", str(out)]
    code = main([*args, "--pdf", "--html", str(tmp_path / "d.html")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"kpixl: {CHROMIUM_HINT}\n"
    assert "--pdf-engine libreoffice" in err and "the workbook was written" in err
    assert openpyxl.load_workbook(out).sheetnames[0] == "Guidance"
    assert (tmp_path / "d.html").is_file() and not out.with_suffix(".pdf").exists()


@posix_only
def test_a_hung_chromium_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nsleep 60\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("KPIXL_CHROMIUM", str(fake))
    with pytest.raises(OutputError, match="Chromium took over 1 seconds and was stopped"):
        print_to_pdf("<!DOCTYPE html><title>t</title>", tmp_path / "d.pdf", timeout=1)
    fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    with pytest.raises(OutputError, match="Chromium wrote nothing"):
        print_to_pdf("<!DOCTYPE html><title>t</title>", tmp_path / "d.pdf")
    # an old browser that prints without tags: refused, never published as if accessible
    writes = (
        'for a in "$@"; do case $a in --print-to-pdf=*) echo "%PDF-1.4" > "${a#*=}";; esac; done'
    )
    fake.write_text(f"#!/bin/sh\n{writes}\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"printed it untagged .*: update Chromium or Chrome"):
        print_to_pdf("<!DOCTYPE html><title>t</title>", tmp_path / "d.pdf")
    assert not (tmp_path / "d.pdf").exists()
