"""Hostile and broken returns: refused before parsing, isolated, said plainly, nothing lost."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import string
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from kpixl.cli.main import main
from kpixl.errors import KpixlError
from kpixl.outputs import check_outputs, returns_inputs
from kpixl.pipeline import read_returns, run
from kpixl.read.archive import Limits, expat_is_quadratic
from kpixl.read.isolation import MEMORY_LIMIT_SUPPORTED, Budget, Failure, run_isolated
from kpixl.read.returns import ReturnFile, read_return
from kpixl.read.workbook import WorkbookError, open_with_openpyxl
from kpixl.values import parse_number
from tests.conftest import write_book

DATA = Path(__file__).parent / "data"
SAMPLES = Path(__file__).parent.parent / "samples"
GOOD_ROWS = [["Ref", "Mar-25"], ["AA01", 0.95]]


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def doctored(tmp_path: Path, name: str, change: dict[str, bytes | None]) -> Path:
    """A good return with some parts replaced, added or (None) removed."""
    path = write_book(tmp_path / name, {"KPIs": GOOD_ROWS})
    parts = parts_of(path)
    for part, data in change.items():
        if data is None:
            parts.pop(part, None)
        else:
            parts[part] = data
    return rezip(path, parts)


def far_cell(tmp_path: Path, name: str = "far.xlsx") -> Path:
    """Cells at A1 and XFD1048576: calamine 0.9 tries to allocate 550 GB and aborts."""
    path = write_book(tmp_path / name, {"KPIs": GOOD_ROWS})
    parts = parts_of(path)
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )
    return rezip(path, parts)


def codes(result: ReturnFile) -> list[str]:
    return [i.code.value for i in result.issues]


# -- 1. refused before parsing -------------------------------------------------------------


def test_zip_bomb_is_refused_from_the_declared_sizes(tmp_path: Path) -> None:
    bomb = doctored(tmp_path, "bomb.xlsx", {"xl/media/padding.xml": b"<a>" + b"A" * 3_000_000})
    start = time.perf_counter()
    result = read_return(bomb)
    assert codes(result) == ["suspicious-archive"]
    assert "unpacks" in result.issues[0].message and "times larger" in result.issues[0].message
    assert time.perf_counter() - start < 5  # generous: the point is it is not parsed


def test_too_much_unpacked_data_is_file_too_large_with_the_figures(tmp_path: Path) -> None:
    noise = "".join(random.Random(1).choices(string.ascii_letters, k=1_500_000)).encode()
    path = doctored(tmp_path, "big.xlsx", {"xl/media/noise.bin": noise})
    result = read_return(path, limits=Limits(max_unpacked_mb=1))
    assert codes(result) == ["file-too-large"]
    assert "limit 1 MB" in result.issues[0].message


def test_file_size_limit(tmp_path: Path) -> None:
    path = write_book(tmp_path / "w.xlsx", {"KPIs": GOOD_ROWS})
    result = read_return(path, limits=Limits(max_file_mb=0.001))
    assert codes(result) == ["file-too-large"]
    assert "over the 0.001 MB limit" in result.issues[0].message


def test_too_many_parts(tmp_path: Path) -> None:
    path = write_book(tmp_path / "w.xlsx", {"KPIs": GOOD_ROWS})
    assert codes(read_return(path, limits=Limits(max_parts=3))) == ["suspicious-archive"]


@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/sharedStrings.xml", "docProps/core.xml"],
)
def test_entity_declarations_anywhere_are_refused(tmp_path: Path, part: str) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<x>&b;</x>"
    )
    result = read_return(doctored(tmp_path, "entities.xlsx", {part: bomb}))
    assert codes(result) == ["suspicious-archive"]
    assert part in result.issues[0].message and "entit" in result.issues[0].message


def test_a_huge_attribute_in_the_workbook_index_is_refused(tmp_path: Path) -> None:
    """One 1 MB+ token: quadratic for expat < 2.6.0 (CVE-2023-52425); random so it packs badly."""
    path = write_book(tmp_path / "attr.xlsx", {"KPIs": GOOD_ROWS})
    parts = parts_of(path)
    name = "".join(random.Random(2).choices(string.ascii_letters, k=1_200_000)).encode()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b'name="KPIs"', b'name="' + name + b'"'
    )
    result = read_return(rezip(path, parts))
    assert codes(result) == ["suspicious-archive"]
    assert "over 1 MB" in result.issues[0].message


def test_expat_version_check() -> None:
    assert expat_is_quadratic("expat_2.5.0")
    assert not expat_is_quadratic("expat_2.6.0")
    assert not expat_is_quadratic("expat_2.7.1")


def test_a_second_cell_reference_in_one_tag_counts_too(tmp_path: Path) -> None:
    """Found by fuzzing: <c r="B2"r="XFD1048576"> is read by calamine with the last reference."""
    path = write_book(tmp_path / "w.xlsx", {"KPIs": GOOD_ROWS})
    parts = parts_of(path)
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b'<c r="B2"' in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b'<c r="B2"', b'<c r="B2"r="XFD1048576"', 1)
    result = read_returns([rezip(path, parts)], jobs=1)[0]
    assert codes(result) == ["sheet-too-large"]
    assert "XFD1048576" in result.issues[0].message


def test_sheet_extent_limit_is_configurable(tmp_path: Path) -> None:
    path = write_book(tmp_path / "w.xlsx", {"KPIs": GOOD_ROWS})
    result = read_return(path, limits=Limits(max_rows=1))
    assert codes(result) == ["sheet-too-large"]
    assert "limit 1 rows" in result.issues[0].message


@pytest.mark.parametrize(
    ("part", "code", "words"),
    [
        ("xl/vbaProject.bin", "macros-present", "never runs them"),
        ("xl/externalLinks/externalLink1.xml", "external-links", "a claim"),
        ("xl/activeX/activeX1.xml", "embedded-objects", "ActiveX"),
        ("xl/embeddings/oleObject1.bin", "embedded-objects", "embedded"),
    ],
)
def test_active_content_is_flagged_and_the_figures_still_read(
    tmp_path: Path, part: str, code: str, words: str
) -> None:
    result = read_return(doctored(tmp_path, "active.xlsm", {part: b"<x/>"}))
    assert [(i.code.value, i.severity.value) for i in result.issues] == [(code, "warning")]
    assert words in result.issues[0].message
    assert [o.raw for o in result.observations] == [0.95]


# -- 2. said plainly -----------------------------------------------------------------------


def encrypted(path: Path) -> None:
    """What Excel saves with a password: an OLE2 container holding an EncryptedPackage."""
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    path.write_bytes(ole2 + b"\0" * 60 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 400)


def docx(path: Path) -> Path:
    return rezip(path, {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda p: p.write_bytes(b""), "empty-file", "empty (0 bytes)"),
        (lambda p: p.write_text("Ref,Mar-25\nAA01,0.95\n"), "not-a-workbook", "CSV"),
        (
            lambda p: p.write_text("<html><table><tr><td>Ref</td></tr></table></html>"),
            "not-a-workbook",
            "web page (HTML)",
        ),
        (lambda p: p.write_bytes(b"%PDF-1.4\n%\xe2\xe3"), "not-a-workbook", "PDF"),
        (lambda p: p.write_bytes(os.urandom(3000)), "not-a-workbook", "not an Excel workbook"),
        (docx, "not-a-workbook", "Word document"),
        (encrypted, "password-protected", "save it without a password"),
    ],
)
def test_what_the_file_really_is(tmp_path: Path, make: object, code: str, words: str) -> None:
    path = tmp_path / "return.xlsx"
    make(path)  # type: ignore[operator]
    result = read_return(path)
    assert codes(result) == [code]
    assert words in result.issues[0].message
    assert not result.readable


def test_truncated_workbook_is_damaged(tmp_path: Path) -> None:
    path = write_book(tmp_path / "cut.xlsx", {"KPIs": GOOD_ROWS})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = read_return(path)
    assert codes(result) == ["file-unreadable"]
    assert "damaged or was cut short" in result.issues[0].message


def test_legacy_xls_is_read_with_a_warning_even_named_xlsx(tmp_path: Path) -> None:
    renamed = tmp_path / "legacy.xlsx"
    shutil.copy(DATA / "legacy.xls", renamed)
    for path in (DATA / "legacy.xls", renamed):
        result = read_return(path)
        assert codes(result) == ["legacy-format"]
        assert [(o.ref, o.raw) for o in result.observations] == [("AA01", 0.95)]


def test_empty_and_chart_only_workbooks(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    charts = openpyxl.Workbook()
    charts.remove(charts.active)
    charts.create_chartsheet("Chart")
    charts.save(tmp_path / "charts.xlsx")
    assert codes(read_return(empty)) == ["empty-workbook"]
    result = read_return(tmp_path / "charts.xlsx")
    assert codes(result) == ["empty-workbook"]
    assert "only charts" in result.issues[0].message


# -- 3. values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "problem"),
    [
        (float("nan"), None, "not a finite number"),
        (float("inf"), None, "not a finite number"),
        (1e308, None, "too large"),
        ("1e308", None, "is text"),
        ("85", 85.0, ""),
        ("85%", 0.85, ""),
        ("1,234", 1234.0, ""),
        ("1,5", None, "is text"),
        ("12/03/2025", None, "is text"),
    ],
)
def test_values_never_guessed(raw: object, value: float | None, problem: str) -> None:
    parsed = parse_number(raw)
    assert parsed.value == value
    assert problem in parsed.problem if problem else parsed.problem == ""


def test_numbers_typed_as_text_are_read_with_a_warning(tmp_path: Path, register_path: Path) -> None:
    rows = [["Ref", "Mar-25"], ["AA01", "95%"], ["AA04", "1,234"], ["BB02", "1,5"]]
    results = run([write_book(tmp_path / "t.xlsx", {"KPIs": rows})], register_path)
    found = results.report.flatten(["code", "cell"])
    assert ["number-as-text", "B2"] in found and ["number-as-text", "B3"] in found
    assert ["not-numeric", "B4"] in found
    assert results.value("AA01", __import__("kpixl.periods").periods.Period(2025, 3)) == 0.95


# -- 4. isolated ---------------------------------------------------------------------------


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def hog(mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def boom() -> None:
    os.abort()


def test_a_reader_that_aborts_costs_one_file_and_the_batch_goes_on(tmp_path: Path) -> None:
    """With the extent check lifted, calamine really aborts (exit 134) on the far cell."""
    lifted = Limits(max_rows=2_000_000, max_cols=20_000, max_cells=10**12, memory_mb=512)
    good = write_book(tmp_path / "good.xlsx", {"KPIs": GOOD_ROWS})
    read = read_returns([far_cell(tmp_path), good, far_cell(tmp_path, "far2.xlsx")], 1, lifted)
    assert [codes(r) for r in read] == [["file-unreadable"], [], ["file-unreadable"]]
    assert "ran out of memory" in read[0].issues[0].message
    assert [o.raw for o in read[1].observations] == [0.95]


def test_jobs_keep_the_order_of_the_files(tmp_path: Path) -> None:
    files = [write_book(tmp_path / f"r{n}.xlsx", {"KPIs": [["Ref", "Mar-25"], ["AA01", n]]})
             for n in range(7)]  # fmt: skip
    files.insert(3, far_cell(tmp_path))
    read = read_returns(files, jobs=3)
    assert [r.path for r in read] == files
    assert [[o.raw for o in r.observations] for r in read] == [
        [0],
        [1],
        [2],
        [],
        [3],
        [4],
        [5],
        [6],
    ]
    assert codes(read[3]) == ["sheet-too-large"]


def test_a_hang_costs_one_file() -> None:
    outcomes = run_isolated(nap, [(0.0,), (60.0,), (0.01,)], 1, Budget(256, timeout_s=1))
    assert outcomes[0] == 0.0 and outcomes[2] == 0.01
    assert isinstance(outcomes[1], Failure) and outcomes[1].kind == "timeout"
    assert "longer than 1 s" in outcomes[1].reason


@pytest.mark.skipif(not MEMORY_LIMIT_SUPPORTED, reason="no RLIMIT_AS on this platform")
def test_memory_limit_costs_one_file() -> None:
    outcomes = run_isolated(hog, [(1,), (4096,), (2,)], 2, Budget(256, timeout_s=30))
    assert outcomes[0] == 1024 * 1024 and outcomes[2] == 2 * 1024 * 1024
    assert isinstance(outcomes[1], Failure) and outcomes[1].kind == "memory"


def test_an_abort_costs_one_file_and_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    outcomes = run_isolated(boom, [(), ()], 1, Budget(256, timeout_s=30))
    assert all(isinstance(o, Failure) and o.kind in ("memory", "crashed") for o in outcomes)
    assert capfd.readouterr().err == ""


def test_jobs_one_still_isolates(tmp_path: Path) -> None:
    lifted = Limits(max_rows=2_000_000, max_cols=20_000, max_cells=10**12, memory_mb=512)
    assert codes(read_returns([far_cell(tmp_path)], jobs=1, limits=lifted)[0]) == [
        "file-unreadable"
    ]


# -- openpyxl, where anything reads a return with it ----------------------------------------


def test_openpyxl_reads_only_through_the_guarded_opener(tmp_path: Path) -> None:
    package = Path(__file__).parent.parent / "kpixl"
    readers = {p.name for p in package.rglob("*.py") if "load_workbook(" in p.read_text()}
    assert readers == {"workbook.py"}
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
    book = open_with_openpyxl(write_book(tmp_path / "w.xlsx", {"KPIs": GOOD_ROWS}))
    assert [list(r) for r in book["KPIs"].iter_rows(values_only=True)] == GOOD_ROWS
    book.close()


def test_openpyxl_opener_refuses_a_lying_dimension(tmp_path: Path) -> None:
    path = write_book(tmp_path / "dim.xlsx", {"KPIs": GOOD_ROWS})
    parts = parts_of(path)
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b'ref="A1:B2"', b'ref="A1:XFD1048576"')
    with pytest.raises(WorkbookError, match="XFD1048576"):
        open_with_openpyxl(rezip(path, parts))


# -- 5. nothing lost -----------------------------------------------------------------------


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_inputs_unchanged_after_build_and_validate(tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    shutil.copytree(SAMPLES / "returns" / "CED", returns)
    far_cell(returns)
    doctored(returns, "macro.xlsm", {"xl/vbaProject.bin": b"x"})
    register = shutil.copy(SAMPLES / "register.xlsx", tmp_path / "register.xlsx")
    before = digest(tmp_path)
    out = tmp_path / "out"
    assert main(["build", str(returns), "-r", str(register), "-o", str(out)]) == 1
    assert main(["validate", str(returns), "-r", str(register), "--json"]) == 1
    after = digest(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("out")} == before


def test_output_in_an_input_folder_or_over_an_input_is_refused(tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    good = write_book(returns / "a.xlsx", {"KPIs": GOOD_ROWS})
    with pytest.raises(KpixlError, match="one of the returns"):
        check_outputs([good], returns_inputs([good]))
    with pytest.raises(KpixlError, match="inside the folder of returns"):
        check_outputs([returns / "sub" / "dash.xlsx"], returns_inputs([returns]))
    check_outputs([tmp_path / "dash.xlsx"], returns_inputs([returns]))  # beside it: fine


def test_an_output_that_cannot_be_replaced_leaves_the_old_one(
    tmp_path: Path, register_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ret = write_book(tmp_path / "in" / "a.xlsx", {"KPIs": GOOD_ROWS})
    blocked = tmp_path / "out.csv"
    blocked.mkdir()
    code = main(["build", str(ret), "-r", str(register_path), "-o", str(tmp_path / "d.xlsx"),
                 "--results", str(blocked)])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "it is a folder" in err[0]
    assert blocked.is_dir()


def test_a_corrupt_compressed_part_found_by_the_fuzzer(tmp_path: Path) -> None:
    """benchmarks/fuzz.py found zlib.error escaping the pre-checks; kept as a fixture."""
    result = read_return(DATA / "corrupt_deflate.xlsx")
    assert codes(result) == ["file-unreadable"]
    assert "damaged and cannot be unpacked" in result.issues[0].message


# -- 6. no injection: every writer -----------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3+4", "@SUM(A1:A2)", "\t=5", "\r=6"]


def text_book(path: Path, sheet: str, rows: list[list[object]]) -> None:
    """Like a service typing the text: strings are strings, whatever they start with."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    book.close()


def hostile_returns(folder: Path) -> Path:
    """Returns whose text (commentary, refs, sheet and file names) looks like formulas."""
    refs = ["AA01", "AA02", "AA04", "BB01", "BB02", "=ZZ9"]
    rows: list[list[object]] = [["Ref", "Mar-25", "Commentary"]]
    rows += [[ref, 0.9, text] for ref, text in zip(refs, PAYLOADS, strict=True)]
    text_book(folder / "=cmd.xlsx", "=KPIs", rows)
    text_book(folder / "@sum.xlsx", "+x", [["Ref", "Feb-25"], ["AA01", "=1+1"], ["-9", 1]])
    return folder


def formula_free(path: Path) -> list[str]:
    """Cells of a written workbook that are formulas holding return text (should be none)."""
    book = openpyxl.load_workbook(path)
    bad = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = str(cell.value)
                if cell.data_type == "f" and any(p.strip()[1:] in text for p in PAYLOADS):
                    bad.append(f"{path.name}!{ws.title}!{cell.coordinate}: {text}")
    return bad


def literal_texts(path: Path) -> set[str]:
    book = openpyxl.load_workbook(path)
    return {c.value for ws in book.worksheets for r in ws.iter_rows() for c in r
            if c.data_type == "s" and isinstance(c.value, str)}  # fmt: skip


def test_build_dashboard_and_csv_keep_return_text_literal(
    tmp_path: Path, register_path: Path
) -> None:
    returns = hostile_returns(tmp_path / "in")
    out, csv_path = tmp_path / "out", tmp_path / "results.csv"
    main(
        [
            "build",
            str(returns),
            "-r",
            str(register_path),
            "-o",
            str(out),
            "--results",
            str(csv_path),
        ]
    )
    dashboards = list(out.glob("*.xlsx"))
    assert dashboards and all(formula_free(d) == [] for d in dashboards)
    texts = set().union(*(literal_texts(d) for d in dashboards))
    commentary = [p.strip() for p in PAYLOADS[:5]]
    assert all(any(c in t for t in texts) for c in commentary)
    import csv as csv_module

    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        cells = [c for row in csv_module.reader(handle) for c in row]
    assert any("=cmd.xlsx" in c for c in cells)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_validate_json_keeps_return_text_exactly(
    tmp_path: Path, register_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    returns = hostile_returns(tmp_path / "in")
    main(["validate", str(returns), "-r", str(register_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert {i["sheet"] for i in report["issues"]} >= {"=KPIs"}
    assert any(i["ref"] == "=ZZ9" for i in report["issues"])


def test_batch_outputs_keep_return_text_literal(tmp_path: Path, register_path: Path) -> None:
    returns = hostile_returns(tmp_path / "in")
    out = tmp_path / "out"
    main(["batch", str(returns), "-r", str(register_path), "-o", str(out)])
    books = list(out.rglob("*.xlsx"))
    assert books and [b for b in books if formula_free(b)] == []


def test_a_sheet_within_rows_and_columns_but_too_many_cells(tmp_path: Path) -> None:
    """Found by benchmarks/fuzz.py: H24:GS183797 made calamine ask for 1.1 GB."""
    wb = openpyxl.Workbook()
    wb.active.title = "KPIs"
    wb.active["A1"], wb.active["B1"], wb.active["A2"], wb.active["B2"] = "Ref", "Mar-25", "AA01", 1
    wb.active.cell(183_797, 201, 1)
    wb.save(tmp_path / "wide.xlsx")
    result = read_return(tmp_path / "wide.xlsx")
    assert codes(result) == ["sheet-too-large"]
    assert "GS183797" in result.issues[0].message and "5,000,000 cells" in result.issues[0].message
