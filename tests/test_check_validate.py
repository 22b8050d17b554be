"""One small return per validation code: the issue, its place, and what happens to the value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kpixl.periods import Period, parse_header
from kpixl.pipeline import run
from kpixl.results import Results
from tests.conftest import write_book

MONTHS = ["Apr-24", "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24", "Nov-24",
          "Dec-24", "Jan-25", "Feb-25", "Mar-25"]  # fmt: skip
GOOD: dict[str, list[Any]] = {
    "AA01": [0.91, 0.92, 0.9, 0.93, 0.9, 0.91, 0.92, 0.94, 0.9, 0.91, 0.93, 0.95],
    "AA02": [0.04, 0.03, 0.05, 0.06, 0.04, 0.03, 0.02, 0.05, 0.04, 0.03, 0.02, 0.031],
    "AA03": [None, None, 0.86, None, None, 0.82, None, None, 0.79, None, None, 0.9],
    "AA04": [95, 101, 88, 120, 99, 101, 97, 104, 91, 98, 100, 106],
    "BB01": [0.96, 0.97, 0.95, 0.98, 0.99, 0.96, 0.95, 0.97, 0.96, 0.98, 0.97, 0.96],
    "BB02": [70, 71, 69, 75, 73, 74, 72, 68, 70, 66, 67, 69],
}


def wide(tmp_path: Path, changes: dict[tuple[str, str], Any] | None = None,
         name: str = "alpha.xlsx", extra: list[list[Any]] | None = None) -> Path:  # fmt: skip
    rows: list[list[Any]] = [["Ref", "Indicator description", *MONTHS]]
    for ref, values in GOOD.items():
        row = [ref, f"{ref} description", *values]
        for (r, m), v in (changes or {}).items():
            if r == ref:
                row[2 + MONTHS.index(m)] = v
        rows.append(row)
    rows.extend(extra or [])
    return write_book(tmp_path / name, {"KPIs": rows}, start="B2")


def issues(results: Results, *codes: str) -> list[tuple[str, str, str, str, str]]:
    return [
        (i.code.value, i.severity.value, i.cell, i.ref, i.period)
        for i in results.report
        if not codes or i.code.value in codes
    ]


def test_clean_return_is_valid(tmp_path: Path, register_path: Path) -> None:
    results = run([wide(tmp_path)], register_path)
    assert results.period == Period(2025, 3)
    assert [i for i in results.report if i.severity.value == "error"] == []
    assert results.report.valid


@pytest.mark.parametrize(
    ("change", "code", "severity", "cell", "words"),
    [
        (("AA01", "Mar-25"), "not-numeric", "error", "O3", "'about ninety' is text, not a number"),
        (("AA01", "Feb-25"), "out-of-range", "error", "N3", "must be from 0% to 100%"),
        (("AA03", "Feb-25"), "not-quarter-end", "error", "N5", "not a quarter end"),
        (("AA01", "Jan-25"), "percent-points", "warning", "M3", "read as 91%"),
        (("AA04", "Jan-25"), "out-of-range", "error", "M6", "must be at least 0"),
        (("BB01", "Mar-25"), "missing-value", "warning", "O7", "marked 'n/a'"),
    ],
)  # fmt: skip
def test_value_problems(
    tmp_path: Path, register_path: Path, change: tuple[str, str], code: str, severity: str,
    cell: str, words: str,
) -> None:  # fmt: skip
    bad = {
        ("AA01", "Mar-25"): "about ninety", ("AA01", "Feb-25"): 150, ("AA03", "Feb-25"): 0.8,
        ("AA01", "Jan-25"): 91, ("AA04", "Jan-25"): -5, ("BB01", "Mar-25"): "n/a",
    }  # fmt: skip
    results = run([wide(tmp_path, {change: bad[change]})], register_path)
    found = [i for i in results.report if i.code.value == code]
    assert len(found) == 1, results.report.issues
    issue = found[0]
    assert (issue.severity.value, issue.sheet, issue.cell, issue.ref) == (
        severity,
        "KPIs",
        cell,
        change[0],
    )
    assert words in issue.message
    period = parse_header(change[1])
    assert period is not None and issue.period == str(period) and change[1] in issue.message
    value = results.value(change[0], period)
    if severity == "error" or code == "missing-value":
        assert value is None  # a value with an error is left out, never guessed
    else:
        assert value == pytest.approx(0.91)


def test_unknown_ref_once_per_sheet(tmp_path: Path, register_path: Path) -> None:
    extra = [["ZZ99", "Stray", *([1] * 12)]]
    results = run([wide(tmp_path, extra=extra)], register_path)
    assert issues(results, "unknown-ref") == [("unknown-ref", "error", "B9", "ZZ99", "2024-04")]


def test_conflicting_values_across_files(tmp_path: Path, register_path: Path) -> None:
    a = wide(tmp_path)
    b = write_book(
        tmp_path / "late.xlsx", {"KPIs": [["Ref", "Mar-25"], ["AA01", 0.5], ["AA04", 106]]}
    )
    results = run([a, b], register_path)
    assert issues(results, "conflicting-value") == [
        ("conflicting-value", "error", "B2", "AA01", "2025-03")
    ]
    assert "alpha.xlsx" in results.report.errors[0].message
    assert results.value("AA01", Period(2025, 3)) is None
    assert results.value("AA04", Period(2025, 3)) == 106  # the same figure twice is fine


def test_formula_without_value(tmp_path: Path, register_path: Path) -> None:
    results = run([wide(tmp_path, {("AA01", "Mar-25"): "=1+1"})], register_path)
    assert issues(results, "formula-no-value") == [
        ("formula-no-value", "error", "O3", "AA01", "2025-03")
    ]
    assert "recalculate" in results.report.errors[0].message


def test_missing_value_when_due(tmp_path: Path, register_path: Path) -> None:
    results = run([wide(tmp_path, {("AA01", "Mar-25"): None})], register_path)
    assert issues(results, "missing-value") == [("missing-value", "warning", "", "AA01", "2025-03")]


def test_target_mismatch(tmp_path: Path, register_path: Path) -> None:
    rows = [["Ref", "Mar-25", "Target", "Floor"], ["AA01", 0.95, 0.85, 0.8]]
    results = run([wide(tmp_path), write_book(tmp_path / "old.xlsx", {"Old": rows})], register_path)
    assert issues(results, "target-mismatch", "floor-mismatch") == [
        ("target-mismatch", "warning", "C2", "AA01", "2025-03")
    ]


def test_ytd_supplied_wins_and_mismatch_warns(tmp_path: Path, register_path: Path) -> None:
    rows = [["Ref", "Mar-25", "YTD"], ["AA04", 106, 5000], ["BB01", 0.96, 0.966]]
    results = run([wide(tmp_path), write_book(tmp_path / "ytd.xlsx", {"Y": rows})], register_path)
    assert issues(results, "ytd-mismatch") == [("ytd-mismatch", "warning", "C2", "AA04", "2025-03")]
    latest = results.latest("AA04")
    assert latest is not None and latest["ytd"] == 5000


def test_ratio_falls_back_to_mean_with_warning(tmp_path: Path, register_path: Path) -> None:
    results = run([wide(tmp_path)], register_path)
    assert issues(results, "ytd-fallback") == [
        ("ytd-fallback", "warning", "", "AA01", "2025-03"),
        ("ytd-fallback", "warning", "", "AA03", "2025-03"),
    ]
    latest = results.latest("AA01")
    assert latest is not None
    assert latest["ytd"] == pytest.approx(sum(GOOD["AA01"]) / 12)


def test_drag_fill_and_near_zero(tmp_path: Path, register_path: Path) -> None:
    changes = {("AA04", "Dec-24"): 500, ("AA04", "Jan-25"): 501, ("AA04", "Feb-25"): 502,
               ("AA04", "Mar-25"): 503, ("BB02", "Jan-25"): 2}  # fmt: skip
    results = run([wide(tmp_path, changes)], register_path)
    assert issues(results, "drag-fill", "near-zero") == [
        ("drag-fill", "warning", "O6", "AA04", "2025-03"),
        ("near-zero", "warning", "M8", "BB02", "2025-01"),
    ]


def test_one_unreadable_file_never_stops_the_rest(tmp_path: Path, register_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    results = run([bad, wide(tmp_path)], register_path)
    assert issues(results, "file-unreadable") == [("file-unreadable", "error", "", "", "")]
    assert results.value("AA01", Period(2025, 3)) == pytest.approx(0.95)


def test_ratings_in_the_data_table(tmp_path: Path, register_path: Path) -> None:
    results = run([wide(tmp_path)], register_path)
    rows = {(r["ref"], r["period"]): r for r in results.data.to_dict("records")}
    assert rows[("AA01", "2025-03")]["month_rag"] == "GREEN"
    assert rows[("AA02", "2025-03")]["month_rag"] == "GREEN"  # lower is better, 3.1% <= 5%
    assert rows[("AA02", "2025-03")]["ytd"] is None and rows[("AA02", "2025-03")]["ytd_rag"] is None
    assert rows[("AA03", "2024-12")]["month_rag"] == "RED"  # quarterly, 79% < 80%
    assert ("AA03", "2025-01") not in rows  # quarterly rows only at quarter ends
    assert rows[("AA04", "2025-03")]["ytd"] == sum(GOOD["AA04"])
    assert rows[("AA04", "2025-03")]["alert"] == "Yes"  # the sum is 1,200: exactly on the upper
    assert rows[("BB02", "2025-03")]["alert"] == "Yes"  # latest 69 within 50-100
    assert rows[("BB01", "2025-03")]["direction"] == "worse"
    assert rows[("AA01", "2025-03")]["source"] == "alpha.xlsx!KPIs!O3"
    assert rows[("AA04", "2025-03")]["prev_year"] == 1000  # from the register


def test_conflict_that_looks_the_same_shows_the_figures_in_full(
    tmp_path: Path, register_path: Path
) -> None:
    a = wide(tmp_path, {("AA01", "Mar-25"): 0.951})
    b = write_book(tmp_path / "late.xlsx", {"KPIs": [["Ref", "Mar-25"], ["AA01", 0.952]]})
    results = run([a, b], register_path)
    (conflict,) = [i for i in results.report if i.code.value == "conflicting-value"]
    assert "is 0.952 here but 0.951 in" in conflict.message
