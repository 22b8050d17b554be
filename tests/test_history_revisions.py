"""A corrected figure in a resubmitted return is a revision: the dashboard's Validation sheet
lists it (old -> new, the file and cell, linked) and the batch run report counts it, though the
run is recorded in the history store only after the dashboards are written (issue 17, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli.main import main
from tests.conftest import write_book, write_register

MONTHS = ["Apr-24", "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24", "Nov-24",
          "Dec-24", "Jan-25"]  # fmt: skip
ANSWERED = [0.9, 0.91, 0.89, 0.92, 0.9, 0.88, 0.9, 0.91, 0.88, 0.9]
RECEIVED = [1000, 1040, 960, 1000, 840, 1000, 1080, 1040, 700, 1100]
RETURN = "Alpha_2024-25.xlsx"
DEC_CELL = "K2"  # AA01's December: column K (Apr in C), row 2


def _return(folder: Path, december: float) -> Path:
    answered = [*ANSWERED[:8], december, ANSWERED[9]]
    rows = [["Ref", "Indicator description", *MONTHS],
            ["AA01", "Calls answered", *answered], ["AA04", "Calls received", *RECEIVED]]  # fmt: skip
    return write_book(folder / RETURN, {"KPIs": rows})


def _build(returns: Path, register: Path, out: Path, *store: str) -> Path:
    code = main(["build", str(returns), "--register", str(register), "--period", "2025-01",
                 "-o", str(out), *store])  # fmt: skip
    assert code == 0
    (dashboard,) = out.glob("*.xlsx")
    return dashboard


def _revised(dashboard: Path) -> list[tuple[tuple[object, ...], str | None]]:
    """The Validation sheet's `revised` rows, each with the link of its Cell column."""
    ws = openpyxl.load_workbook(dashboard)["Validation"]
    return [
        (tuple(c.value for c in row), row[4].hyperlink.target if row[4].hyperlink else None)
        for row in ws.iter_rows(min_row=6)
        if row[1].value == "revised"
    ]


@pytest.fixture
def register(tmp_path: Path) -> Path:
    return write_register(tmp_path / "register.xlsx")


def test_a_resubmitted_figure_is_listed_on_the_validation_sheet(
    register: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", f"sqlite:///{tmp_path / 'history.sqlite3'}"]
    first = _return(tmp_path / "sent", 0.88)
    assert _revised(_build(first, register, tmp_path / "out1", *store)) == []
    capsys.readouterr()
    again = _return(tmp_path / "resubmitted", 0.91)
    dashboard = _build(again, register, tmp_path / "out2", *store)
    said = capsys.readouterr().out
    (row, link), *more = _revised(dashboard)
    assert not more
    severity, code, file, sheet, cell, ref, period, message = row[:8]
    assert (severity, code, sheet, cell, ref, period) == (
        "warning", "revised", "KPIs", DEC_CELL, "AA01", "Dec-24"
    )  # fmt: skip
    assert Path(str(file)) == again
    assert message == f"AA01 Dec-24 changed from 88% to 91%, {RETURN} cell {DEC_CELL}, resubmitted"
    assert link == f"../resubmitted/{RETURN}"  # the cell's link opens the return beside it
    assert "1 revised" in said  # and the store recorded it, after the dashboard
    # the same files again: the store holds that figure now, so nothing is revised
    assert _revised(_build(again, register, tmp_path / "out3", *store)) == []
    # the first return again is a revision back, from the first file
    (row, _), *more = _revised(_build(first, register, tmp_path / "out4", *store))
    assert row[7] == f"AA01 Dec-24 changed from 91% to 88%, {RETURN} cell {DEC_CELL}, resubmitted"


def test_no_store_lists_no_revisions(register: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    _build(_return(tmp_path / "sent", 0.88), register, tmp_path / "out1", "--store", store)
    again = _return(tmp_path / "resubmitted", 0.91)
    assert _revised(_build(again, register, tmp_path / "out2", "--no-store")) == []


def _batch(in_dir: Path, register: Path, out: Path, store: str) -> dict[str, object]:
    code = main(["batch", str(in_dir), "--register", str(register), "-o", str(out),
                 "--period", "2025-01", "--store", store])  # fmt: skip
    assert code == 0
    report: dict[str, object] = json.loads((out / "run_report.json").read_text())
    return report


def test_the_batch_run_report_counts_revisions(register: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    _return(tmp_path / "in", 0.88)
    assert _batch(tmp_path / "in", register, tmp_path / "out1", store)["revisions"] == 0
    _return(tmp_path / "in", 0.91)  # the service resubmits its return, December corrected
    report = _batch(tmp_path / "in", register, tmp_path / "out2", store)
    assert report["revisions"] == 1
    issues = report["issues"]
    assert isinstance(issues, list)
    (revised,) = [i for i in issues if i["code"] == "revised"]
    assert revised["message"].startswith("AA01 Dec-24 changed from 88% to 91%")
    summary = openpyxl.load_workbook(tmp_path / "out2" / "run_report.xlsx")["Summary"]
    facts = {r[0]: r[1] for r in summary.iter_rows(min_row=3, values_only=True)}
    assert facts["Revised figures"] == 1
    assert _batch(tmp_path / "in", register, tmp_path / "out3", store)["revisions"] == 0
