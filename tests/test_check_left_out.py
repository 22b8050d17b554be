"""Figures a return gives wrongly are told, never dropped or moved silently (issue 19): Excel
error values, a percentage or a fraction in a count, a mistyped year in one heading, and files
in a folder that are not workbooks at all."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpixl.batch.run import discover
from kpixl.cli.main import main
from kpixl.periods import Period
from kpixl.pipeline import find_returns, run
from kpixl.results import Results
from tests.conftest import SETTINGS, write_book, write_register
from tests.test_check_validate import GOOD, MONTHS, wide


def told(results: Results, *codes: str) -> list[tuple[str, str, str, str, str]]:
    return [
        (i.code.value, i.severity.value, i.cell, i.ref, i.message)
        for i in results.report
        if i.code.value in codes
    ]


def value(results: Results, ref: str) -> Any:
    """The indicator's value at the reporting period, as the Data table gives it."""
    row = results.latest(ref)
    assert row is not None and row["period"] == str(results.period)
    return None if row["value"] != row["value"] else row["value"]  # NaN: no value


@pytest.mark.parametrize(
    ("error", "meaning"),
    [
        ("#DIV/0!", "the formula divides by zero"),
        ("#N/A", "the formula's lookup found nothing"),
        ("#VALUE!", "the formula uses text where it needs a number"),
        ("#REF!", "the formula refers to cells that were deleted"),
        ("#NAME?", "the formula uses a name Excel does not know"),
        ("#NUM!", "the formula's result is not a number Excel can hold"),
        ("#NULL!", "the formula's ranges do not meet"),
    ],
)
def test_an_error_cell_is_an_error_value_issue_at_its_cell(
    tmp_path: Path, register_path: Path, error: str, meaning: str
) -> None:
    path = wide(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["KPIs"]
    ws["O3"], ws["O3"].data_type = error, "e"  # AA01 Mar-25, as Excel saves a formula's error
    wb.save(path)
    results = run([path], register_path)
    assert told(results, "error-value", "not-numeric", "missing-value") == [
        (
            "error-value",
            "error",
            "O3",
            "AA01",
            f"AA01 Mar-25 is {error}: {meaning}; type the figure or n/a",
        )
    ]
    assert value(results, "AA01") is None  # left out, never read as a blank or a zero


def test_a_percentage_in_a_count_is_refused(tmp_path: Path, register_path: Path) -> None:
    results = run([wide(tmp_path, {("BB02", "Mar-25"): "12%"})], register_path)
    assert told(results, "unexpected-percent") == [
        (
            "unexpected-percent",
            "error",
            "O8",
            "BB02",
            "BB02 Mar-25 value is 12%, a percentage, but BB02 is a count: type the figure "
            "itself, without %",
        )
    ]
    assert value(results, "BB02") is None


@pytest.mark.parametrize("typed", [69.5, "69.5", 0.12])
def test_part_of_a_whole_count_is_told_and_kept(
    tmp_path: Path, register_path: Path, typed: object
) -> None:
    """A plain number row goes the quick way (kpixl.check.dense), a row with text the careful
    way: both tell it."""
    results = run([wide(tmp_path, {("BB02", "Feb-25"): typed})], register_path)
    shown = float(typed)  # type: ignore[arg-type]
    assert told(results, "not-whole") == [
        (
            "not-whole",
            "warning",
            "N8",
            "BB02",
            f"BB02 Feb-25 is {shown:g}, but BB02 is a count, so a whole number: check the "
            "figure (was a percentage or an average typed?)",
        )
    ]
    assert value(results, "BB02") == 69  # Mar-25 itself is untouched


def test_part_of_a_whole_count_is_told_in_a_row_with_a_blank(
    tmp_path: Path, register_path: Path
) -> None:
    results = run(
        [wide(tmp_path, {("BB02", "Jan-25"): None, ("BB02", "Feb-25"): 69.5})], register_path
    )
    assert [(code, cell) for code, _, cell, *_ in told(results, "not-whole")] == [
        ("not-whole", "N8")
    ]


def test_whole_counts_are_not_told(tmp_path: Path, register_path: Path) -> None:
    assert told(run([wide(tmp_path)], register_path), "not-whole") == []


def second_return(tmp_path: Path, heading: str) -> Path:
    """Another service's return, one of its month headings mistyped."""
    months = [*MONTHS[:-1], heading]
    rows: list[list[Any]] = [["Ref", "Indicator description", *months]]
    rows.append(["BB01", "Audits", *GOOD["BB01"]])
    return write_book(tmp_path / "beta.xlsx", {"KPIs": rows})


@pytest.mark.parametrize("heading", ["Dec-99", "Mar-2125", "1925-03", "Feb-26"])
def test_a_mistyped_year_in_one_heading_moves_nothing(
    tmp_path: Path, register_path: Path, heading: str
) -> None:
    """After this month, out of every output's years, or far after every other month: told,
    and the reporting month stays the one the returns give."""
    alpha = wide(tmp_path, name="alpha.xlsx")
    results = run([alpha, second_return(tmp_path, heading)], register_path)
    assert results.period == Period(2025, 3)
    bad = [i for i in results.report if i.code.value == "bad-period"]
    assert len(bad) == 1 and bad[0].file.endswith("beta.xlsx")
    assert bad[0].cell in ("N1", "N2")  # the heading, or the first figure under it
    assert heading in bad[0].message or Period.parse("2026-02").label in bad[0].message


def test_a_month_far_after_the_others_is_told_but_not_taken(
    tmp_path: Path, register_path: Path
) -> None:
    results = run([wide(tmp_path), second_return(tmp_path, "Feb-26")], register_path)
    [issue] = [i for i in results.report if i.code.value == "bad-period"]
    assert (issue.severity.value, issue.cell, issue.ref) == ("warning", "N2", "BB01")
    assert issue.message == (
        "Feb-26 is 11 months after every other month the returns give (the latest is Mar-25): "
        "a mistyped year? It is not taken as the reporting month; correct the heading, or give "
        "--period 2026-02 if it is right"
    )


def kpixl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("heading", ["Mar-2125", "1925-03", "Dec-99"])
def test_build_with_a_mistyped_year_writes_the_dashboard(
    tmp_path: Path, register_path: Path, capsys: pytest.CaptureFixture[str], heading: str
) -> None:
    alpha = wide(tmp_path, name="alpha.xlsx")
    out, results = tmp_path / "out" / "d.xlsx", tmp_path / "out" / "r.csv"
    code, _, err = kpixl(
        capsys, "build", alpha, second_return(tmp_path, heading), "--register", register_path,
        "-o", out, "--results", results, "--no-store",
    )  # fmt: skip
    assert code == 1, err  # built, with the bad heading as an error
    assert openpyxl.load_workbook(out).sheetnames
    with results.open(encoding="utf-8") as f:
        periods = {row["period"] for row in csv.DictReader(f)}
    assert max(periods) == "2025-03" and min(periods) >= "2024-04"


@pytest.mark.parametrize(
    ("period", "line"),
    [
        ("0001-01", "kpixl: --period: 0001-01: the year must be between 1980 and 2099"),
        ("2125-03", "kpixl: --period: 2125-03: the year must be between 1980 and 2099"),
        ("2025-13", "kpixl: --period: 2025-13: the month must be from 01 to 12"),
    ],
)
def test_a_period_no_output_can_hold_is_one_line(
    tmp_path: Path, register_path: Path, capsys: pytest.CaptureFixture[str], period: str, line: str
) -> None:
    code, _, err = kpixl(
        capsys, "build", wide(tmp_path), "--register", register_path, "--period", period,
        "-o", tmp_path / "d.xlsx",
    )  # fmt: skip
    assert (code, err.strip()) == (2, line)
    assert not (tmp_path / "d.xlsx").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_broken_link_or_fifo_named_as_a_workbook_is_told_never_opened(
    tmp_path: Path, register_path: Path
) -> None:
    folder = tmp_path / "returns"
    wide(folder)
    (folder / "gone.xlsx").symlink_to(folder / "deleted.xlsx")
    os.mkfifo(folder / "pipe.xlsx")  # opening it would wait for a writer for ever
    found, skipped = find_returns([folder])
    assert [p.name for p in found] == ["alpha.xlsx"]
    assert sorted(p.name for p in skipped) == ["gone.xlsx", "pipe.xlsx"]
    results = run([folder], register_path)
    unread = [(Path(i.file).name, i.code.value, i.message) for i in results.report
              if i.code.value == "file-unreadable"]  # fmt: skip
    assert unread == [
        (
            "gone.xlsx",
            "file-unreadable",
            "not read: it is a link to a file that does not exist; put the return itself in "
            "the folder",
        ),
        (
            "pipe.xlsx",
            "file-unreadable",
            "not read: it is not a regular file (a FIFO, socket or device); put the return "
            "itself in the folder",
        ),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_batch_lists_a_broken_link_or_fifo_as_skipped_with_why(tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    wide(folder)
    (folder / "gone.xlsx").symlink_to(folder / "deleted.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    files, skipped = discover(folder, tmp_path / "register.xlsx")
    assert [p.name for p in files] == ["alpha.xlsx"]
    assert {p.name: why for p, why in skipped.items()} == {
        "gone.xlsx": "a broken link or not a regular file (a FIFO, a device): not read",
        "pipe.xlsx": "a broken link or not a regular file (a FIFO, a device): not read",
    }


def quarters_return(tmp_path: Path, start: int) -> Path:
    """A table of a quarterly and a monthly indicator by financial-year quarter."""
    heads = [f"Q{q} 2024/25" for q in (1, 2, 3, 4)]
    rows: list[list[Any]] = [
        ["Ref", "Indicator description", *heads],
        ["AA03", "Complaints on time", 0.86, 0.82, 0.79, 0.9],
        ["AA01", "Calls answered", None, None, None, 0.95],
    ]
    return write_book(tmp_path / f"quarters{start}.xlsx", {"KPIs": rows})


@pytest.mark.parametrize(
    ("start", "months"),
    [
        (4, {"2024-06": 0.86, "2024-09": 0.82, "2024-12": 0.79, "2025-03": 0.9}),
        (7, {"2024-09": 0.86, "2024-12": 0.82, "2025-03": 0.79, "2025-06": 0.9}),
    ],
)
def test_quarter_headings_give_a_quarterly_indicator_its_quarter_ends(
    tmp_path: Path, start: int, months: dict[str, float]
) -> None:
    settings = [*SETTINGS[:2], ("fy_start_month", start)]
    register = write_register(tmp_path / "register.xlsx", settings=settings)
    results = run([quarters_return(tmp_path, start)], register, Period(2025, 3))
    rows = results.data[results.data["ref"] == "AA03"]
    given = {r["period"]: r["value"] for r in rows.to_dict("records") if r["value"] == r["value"]}
    assert given == {p: v for p, v in months.items() if p <= "2025-03"}
    [issue] = [i for i in results.report if i.code.value == "bad-period"]
    assert (issue.severity.value, issue.cell, issue.ref) == ("error", "F3", "AA01")
    assert issue.message == (
        "AA01 is monthly, but this column is a quarter (Q4 2024/25): its figure is not used; "
        "give the figure under its month's heading"
    )


def test_a_month_far_before_the_others_is_told(tmp_path: Path, register_path: Path) -> None:
    results = run([wide(tmp_path), second_return(tmp_path, "Mar-15")], register_path)
    assert results.period == Period(2025, 3)
    [issue] = [i for i in results.report if i.code.value == "bad-period"]
    assert (issue.severity.value, issue.cell, issue.ref) == ("warning", "N2", "BB01")
    assert issue.message == (
        "Mar-15 is 109 months before every other month the returns give (the earliest is "
        "Apr-24): a mistyped year? Correct the heading"
    )
