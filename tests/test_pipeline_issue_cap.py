"""A file's issues are capped at 200 in every output, then one line per code; counts stay whole."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli.main import main
from kpixl.issues import IssueCode, Report, Severity, capped, error, warning
from tests.conftest import write_book, write_register

HEAD = ["Ref", "Indicator description", "Jan-25", "Feb-25", "Mar-25"]
BAD_ROWS = 3_000  # a return with thousands of bad cells: a ref the register does not know


def test_the_first_200_of_a_file_then_one_line_per_code() -> None:
    found = [
        error(IssueCode.NOT_NUMERIC, f"cell {n}", file="a.xlsx", sheet="KPIs") for n in range(250)
    ]
    found += [warning(IssueCode.OUTLIER, f"odd {n}", file="a.xlsx", sheet="KPIs") for n in range(3)]
    found += [error(IssueCode.UNKNOWN_REF, "one more", file="a.xlsx", sheet="Other")]
    found += [error(IssueCode.NOT_NUMERIC, f"b {n}", file="b.xlsx") for n in range(10)]
    kept = capped(found)
    assert kept[:200] == found[:200]
    more = kept[200:203]
    assert [(i.code, i.severity, i.count, i.sheet) for i in more] == [
        (IssueCode.NOT_NUMERIC, Severity.ERROR, 50, "KPIs"),
        (IssueCode.OUTLIER, Severity.WARNING, 3, "KPIs"),
        (IssueCode.UNKNOWN_REF, Severity.ERROR, 1, "Other"),
    ]
    assert more[0].message.startswith("and 50 more like these, not listed: ")
    assert "(the first is: cell 200)" in more[0].message
    assert more[1].message.startswith("and 3 more issues of this kind, not listed")
    assert more[2] == found[253]  # one left over of its code: itself, not a line about it
    assert kept[203:] == found[254:]  # the next file's own 200
    assert Report(kept).counts() == Report(found).counts() == {"error": 261, "warning": 3}
    # a report lists the line after the issues it follows
    listed = Report(kept).sorted()
    assert listed.index(more[0]) > max(listed.index(i) for i in kept[:200])


def test_a_short_list_is_left_as_it_is() -> None:
    found = [error(IssueCode.NOT_NUMERIC, f"cell {n}", file="a.xlsx") for n in range(200)]
    assert capped(found) == found
    assert capped([]) == []


@pytest.fixture
def flooded(tmp_path: Path) -> tuple[Path, Path]:
    """A register and a folder with one good return and one of 3,000 rows of unknown refs."""
    register = write_register(tmp_path / "register.xlsx")
    folder = tmp_path / "returns"
    write_book(folder / "alpha.xlsx", {"KPIs": [HEAD, ["AA01", "Calls answered", 0.9, 0.9, 0.7]]})
    rows: list[list[object]] = [HEAD, ["BB01", "Audits on time", 0.96, 0.97, 0.98]]
    rows += [[f"ZZ{n:04d}", "pasted by mistake", 1, 2, 3] for n in range(BAD_ROWS)]
    write_book(folder / "beta.xlsx", {"KPIs": rows})
    return folder, register


def run_kpixl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().out


def unknown_refs(issues: list[dict[str, str]]) -> list[dict[str, str]]:
    return [i for i in issues if i["code"] == "unknown-ref"]


def test_validate_json_and_console_list_200_and_count_all(
    flooded: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = flooded
    code, out = run_kpixl(capsys, "validate", folder, "-r", register, "--json")
    assert code == 1
    issues = json.loads(out)["issues"]
    beta = [i for i in issues if i["file"].endswith("beta.xlsx")]
    assert len(beta) == 201
    (more,) = [i for i in beta if "more like these" in i["message"]]
    assert more["code"] == "unknown-ref" and more["severity"] == "error"
    assert more["message"].startswith(f"and {BAD_ROWS - 200:,} more like these")
    code, out = run_kpixl(capsys, "validate", folder, "-r", register)
    lines = out.splitlines()
    assert sum("beta.xlsx" in line for line in lines) == 201
    errors = int(lines[-1].split("checked: ")[1].split(" error")[0])
    assert errors >= BAD_ROWS  # the summary counts every one, not the 201 lines


def test_build_validation_sheet_lists_200_and_counts_all(
    flooded: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = flooded
    out = tmp_path / "dash.xlsx"
    assert run_kpixl(capsys, "build", folder, "-r", register, "-o", out)[0] == 1
    ws = openpyxl.load_workbook(out)["Validation"]
    assert ws["A2"].value == "Errors" and ws["B2"].value >= BAD_ROWS
    rows = [r for r in ws.iter_rows(min_row=6, values_only=True) if r[0]]
    beta = [r for r in rows if str(r[2]).endswith("beta.xlsx")]
    assert len(beta) == 201
    assert beta[-1][1] == "unknown-ref"
    assert str(beta[-1][7]).startswith(f"and {BAD_ROWS - 200:,} more like these")


def test_batch_run_report_lists_200_and_counts_all(
    flooded: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = flooded
    out = tmp_path / "out"
    code, stdout = run_kpixl(capsys, "batch", folder, "-r", register, "-o", out, "-j", "1")
    assert code == 1
    report = json.loads((out / "run_report.json").read_text(encoding="utf-8"))
    assert len(unknown_refs(report["issues"])) == 201
    assert report["issues_by_severity"]["error"] >= BAD_ROWS
    (beta,) = [f for f in report["files"] if f["file"] == "beta.xlsx"]
    assert beta["errors"] >= BAD_ROWS and beta["status"] == "read with errors"
    assert f"{report['issues_by_severity']['error']} error(s)" in stdout
    issues = openpyxl.load_workbook(out / "run_report.xlsx")["Issues"]
    codes = [r[1] for r in issues.iter_rows(min_row=2, values_only=True)]
    assert codes.count("unknown-ref") == 201
    assert (out / "run_report.json").stat().st_size < 200_000  # not 3,000 issues' worth
