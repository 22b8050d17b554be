"""Tables laid out from the register: blocks, periods shown, dropped YTD columns; samples too."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import dashboard_filename, write_dashboard
from kpixl.register.model import AlertOn, Register, YtdMethod
from kpixl.results import Results
from tests.dashboard_helpers import (
    DASHBOARD,
    KPI_HEADERS_AFTER,
    PERIOD,
    SAMPLES,
    SERIES,
    results,
    row_of,
    rules_over,
    values,
)

__all__ = ["results"]  # the fixture, shared in tests/dashboard_helpers.py


def _changed(results: Results, **changes: dict[str, Any]) -> Results:
    """`results` with some indicators' register fields changed, e.g. FN07={"periods_shown": 6}."""
    register = results.register
    indicators = {
        ref: dataclasses.replace(ind, **changes.get(ref, {}))
        for ref, ind in register.indicators.items()
    }
    changed = Register(register.path, indicators, register.service_areas, register.settings)
    return Results(changed, PERIOD, results.data, results.report, results.commentary)


def _built(results: Results, path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write_dashboard(results, DASHBOARD, path))


def _headers(ws: Worksheet) -> list[list[Any]]:
    return [row for row in values(ws) if row and row[0] == "Ref"]


def test_a_table_shows_the_most_periods_its_indicators_ask_for(
    results: Results, tmp_path: Path
) -> None:
    wider = _changed(
        results,
        FN07={"periods_shown": 6},  # FN06 blank: the setting's 4; the table shows 6
        CS07={"periods_shown": 2},  # quarterly: quarter ends
        CS13={"periods_shown": 1},  # CS08 blank: a periods_shown given wins over the setting
    )
    book = _built(wider, tmp_path / "wider.xlsx")
    finance = _headers(book["Finance"])
    months = ["Oct-24", "Nov-24", "Dec-24", "Jan-25", "Feb-25", "Mar-25"]
    assert finance[0][:9] == ["Ref", "Indicator description", *months, "Month RAG"]
    assert finance[1][2:7] == ["Dec-24", "Jan-25", "Feb-25", "Mar-25", "YTD"]  # untouched
    fn06 = values(book["Finance"])[row_of(book["Finance"], "FN06") - 1]
    assert fn06[2:9] == [*SERIES["FN06"][-6:], "RED"]
    marketing = _headers(book["Marketing & Resident Experience"])
    assert marketing[1][2:5] == ["Dec-24", "Mar-25", "Qtr RAG"]
    assert marketing[2][2:4] == ["Mar-25", "YTD"]


def test_table_labels_split_an_area_into_blocks_each_on_its_own_page(
    results: Results, tmp_path: Path
) -> None:
    book = _built(_changed(results, FN07b={"table": "Activity"}), tmp_path / "blocks.xlsx")
    ws = book["Finance"]
    second = row_of(ws, "Activity Indicators")
    assert [b.id for b in ws.row_breaks.brk] == [second - 2]  # page ends after a blank row
    assert values(ws)[second - 3 : second - 1] == [[], []]
    assert ws.print_title_rows == "$1:$4"  # the service-area block heads the new page
    unchanged = _built(results, tmp_path / "one.xlsx")["Finance"]
    assert list(unchanged.row_breaks.brk) == []


def test_kpi_table_without_any_ytd_drops_the_ytd_columns(results: Results, tmp_path: Path) -> None:
    none = {"ytd": YtdMethod.NONE}
    ws = _built(_changed(results, FN07=none), tmp_path / "noytd.xlsx")["Finance"]
    months = ["Dec-24", "Jan-25", "Feb-25", "Mar-25"]
    after = ["Month RAG", "Target", "Floor", "Prev. Year", "Since last month"]
    assert _headers(ws)[0] == ["Ref", "Indicator description", *months, *after]
    row = row_of(ws, "FN07")
    assert values(ws)[row - 1][6:10] == ["GREEN", 0.85, 0.8, 0.81]
    assert set(rules_over(ws, f"G{row}")) == {"GREEN", "AMBER", "RED"}
    assert rules_over(ws, f"H{row}") == {}  # Target is a figure, not a RAG


def test_activity_table_alerting_on_the_latest_month_drops_the_ytd_column(
    results: Results, tmp_path: Path
) -> None:
    latest = {"alert_on": AlertOn.LATEST}
    one = _built(_changed(results, CS08=latest), tmp_path / "one.xlsx")
    assert "YTD" in _headers(one["Marketing & Resident Experience"])[2]  # CS13 still needs it
    both = _built(_changed(results, CS08=latest, CS13=latest), tmp_path / "both.xlsx")
    ws = both["Marketing & Resident Experience"]
    months = ["Dec-24", "Jan-25", "Feb-25", "Mar-25"]
    assert _headers(ws)[2] == [
        "Ref", "Indicator description", *months, "In expected range?", "Upper", "Lower",
        "Previous Year",
    ]  # fmt: skip
    cs08 = row_of(ws, "CS08")
    assert set(rules_over(ws, f"G{cs08}")) == {"Yes", "Above", "Below"}  # after Mar-25
    assert values(ws)[cs08 - 1][6:8] == ["Below", 460000]


@pytest.fixture(scope="module")
def samples_book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    from kpixl.pipeline import run

    built = run([SAMPLES / "returns"], SAMPLES / "register.xlsx")
    out = tmp_path_factory.mktemp("samples") / dashboard_filename(DASHBOARD, built.period)
    return openpyxl.load_workbook(write_dashboard(built, DASHBOARD, out))


FIVE_MONTHS = ["Nov-24", "Dec-24", "Jan-25", "Feb-25", "Mar-25"]
FOUR_MONTHS = FIVE_MONTHS[1:]


def _table(ws: Worksheet, header_row: int) -> list[list[Any]]:
    """A table's header and body rows (up to the blank row that ends it)."""
    rows = [*values(ws)[header_row - 1 :], []]
    return rows[: rows.index([])]


@pytest.mark.skipif(not (SAMPLES / "register.xlsx").exists(), reason="no samples")
def test_samples_infrastructure_prints_as_two_blocks_like_the_reference(
    samples_book: openpyxl.Workbook,
) -> None:
    ws = samples_book["Infrastructure"]
    headings = [r[0] for r in values(ws) if r and str(r[0]).endswith("Indicators")]
    assert headings == ["Key Performance Indicators", "Activity Indicators"] * 2
    tables = [_table(ws, n) for n, r in enumerate(values(ws), 1) if r and r[0] == "Ref"]
    assert [[row[0] for row in t[1:]] for t in tables] == [
        ["PI01"], ["PI01b", "PI03c"], ["PI05", "PI06", "PI07"], ["PI05b", "PI06b", "PI07b"],
    ]  # fmt: skip
    estates_kpi, estates_act, fm_kpi, fm_act = (t[0] for t in tables)
    assert estates_kpi == [
        "Ref", "Indicator description", *FIVE_MONTHS, "Month RAG", "Target", "Floor",
        "Prev. Year", "Since last month",
    ]  # fmt: skip
    assert tables[0][1][2:11] == [0.047, 0.025, 0.0, 0.022, 0.031, "GREEN", 0.05, 0.1, 0.23]
    assert estates_act == ["Ref", "Indicator description", *FIVE_MONTHS, "YTD",
                           "Previous Year YTD"]  # fmt: skip
    assert tables[1][1][2:9] == [442, 423, 18, 266, 367, 4728, 3115]
    assert fm_kpi == ["Ref", "Indicator description", *FOUR_MONTHS, *KPI_HEADERS_AFTER]
    assert fm_act == estates_act
    # The second block starts a printed page, under the repeated service-area block.
    fm_heading = row_of(ws, "Key Performance Indicators", row_of(ws, "PI03c"))
    assert [b.id for b in ws.row_breaks.brk] == [fm_heading - 2]
    assert ws.print_title_rows == "$1:$4"


@pytest.mark.skipif(not (SAMPLES / "register.xlsx").exists(), reason="no samples")
def test_samples_activity_tables_of_five_months_and_hr_without_ytd(
    samples_book: openpyxl.Workbook,
) -> None:
    mre = samples_book["Marketing & Resident Experience"]
    assert _headers(mre)[2] == [
        "Ref", "Indicator description", *FIVE_MONTHS, "YTD", "In expected range?", "Upper",
        "Lower", "Previous Year YTD",
    ]  # fmt: skip
    assert _headers(mre)[0][2:6] == FOUR_MONTHS  # the KPI table keeps four
    hr = samples_book["HR and Organisational Devt"]
    assert _headers(hr)[1] == [
        "Ref", "Indicator description", *FIVE_MONTHS, "In expected range?", "Upper", "Lower",
        "Previous Year",
    ]  # fmt: skip
    hr12 = row_of(hr, "HR12")
    assert values(hr)[hr12 - 1][2:11] == [70, 53, 52, 52, 49, "Below", 90, 80, 82]
    assert set(rules_over(hr, f"H{hr12}")) == {"Yes", "Above", "Below"}
    assert _headers(hr)[0][2:9] == [*FOUR_MONTHS, "Month RAG", "YTD", "YTD RAG"]
    for name in ("Finance", "Governance, Law & Democracy", "Technology"):
        assert [h[2:6] for h in _headers(samples_book[name])] == [FOUR_MONTHS] * 2, name
