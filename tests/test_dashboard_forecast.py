"""The year-end forecast as an officer sees it: Data columns, the optional dashboard columns with
the at-risk mark, and the Guidance note (issue 18)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from lxml import html as lxml_html

from kpixl.dashboard import write_dashboard
from kpixl.dashboard.view import DashboardView
from kpixl.dashboard.webpage import render_page
from kpixl.pipeline import run
from kpixl.results import Results
from tests.conftest import SETTINGS, write_book, write_register

MONTHS = ["Apr-24", "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24"]
# AA01: a strong April lifts the year to date to 90% (GREEN against a 90% target), while every
# month since has been 88%: by March it will not be GREEN. AA04: calls run at ~1,000 a month.
ROWS = [
    ["Ref", "Indicator description", *MONTHS],
    ["AA01", "Calls answered", 1.0, 0.88, 0.88, 0.88, 0.88, 0.88],
    ["AA04", "Calls received", 1000, 1010, 990, 1005, 995, 1000],
    ["BB01", "Audits on time", 0.96, 0.97, 0.95, 0.98, 0.99, 0.96],
]


def _results(tmp_path: Path, show: str | None) -> Results:
    settings = [*SETTINGS, ("show_forecast", show)] if show is not None else SETTINGS
    register = write_register(tmp_path / "register.xlsx", settings=settings)
    returns = write_book(tmp_path / "alpha.xlsx", {"KPIs": ROWS})
    return run([returns], register)


def _sheet_rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_the_data_table_holds_the_forecast_of_the_reporting_month(tmp_path: Path) -> None:
    results = _results(tmp_path, None)
    data = results.data
    aa01 = data[(data["ref"] == "AA01") & (data["period"] == "2024-09")].iloc[0]
    assert aa01["ytd_rag"] == "GREEN"
    assert aa01["forecast"] == pytest.approx((1.0 + 5 * 0.88 + 6 * 0.88) / 12)
    assert aa01["forecast_low"] < aa01["forecast"] < aa01["forecast_high"]
    assert aa01["forecast_rag"] == "AMBER"
    earlier = data[(data["ref"] == "AA01") & (data["period"] == "2024-08")].iloc[0]
    assert earlier["forecast"] is None  # only the reporting month carries one
    aa04 = data[(data["ref"] == "AA04") & (data["period"] == "2024-09")].iloc[0]
    assert aa04["forecast"] == pytest.approx(12_000, rel=0.01)


def test_no_forecast_columns_on_the_dashboard_unless_the_register_asks(tmp_path: Path) -> None:
    out = write_dashboard(_results(tmp_path, None), "D1", tmp_path / "d.xlsx")
    headers = {c for row in _sheet_rows(out, "Alpha") for c in row if isinstance(c, str)}
    assert "Year-end forecast" not in headers
    guidance = {c for row in _sheet_rows(out, "Guidance") for c in row}
    assert "Year-end Forecasts" not in guidance


def test_the_forecast_columns_mark_a_green_kpi_heading_for_amber(tmp_path: Path) -> None:
    out = write_dashboard(_results(tmp_path, "yes"), "D1", tmp_path / "d.xlsx")
    rows = _sheet_rows(out, "Alpha")
    header = next(r for r in rows if r[0] == "Ref" and "YTD RAG" in r)
    aa01 = dict(zip(header, next(r for r in rows if r[0] == "AA01"), strict=False))
    assert aa01["YTD RAG"] == "GREEN"
    assert aa01["Year-end forecast"] == pytest.approx(0.89)
    assert aa01["Forecast RAG"] == "AMBER" and aa01["At risk"] == "at risk"
    # where the year end should fall four times in five, as the dashboard shows a figure
    low, high = (int(x) for x in re.fullmatch(r"(\d+)% to (\d+)%", aa01["Likely range"]).groups())
    assert low < 89 < high
    activity = next(r for r in rows if r[0] == "Ref" and "In expected range?" in r)
    aa04 = dict(zip(activity, next(r for r in rows if r[0] == "AA04"), strict=False))
    assert aa04["Year-end forecast"] == pytest.approx(12_000, rel=0.01)
    low, high = (float(x.replace(",", "")) for x in aa04["Likely range"].split(" to "))
    assert low < aa04["Year-end forecast"] < high
    assert aa04["In expected range?"] in ("Yes", "Above", "Below")  # still the alert column
    # the range is not cut off in print: its column is as wide as its text
    ws = openpyxl.load_workbook(out)["Alpha"]
    for table, text in ((header, aa01["Likely range"]), (activity, aa04["Likely range"])):
        letter = openpyxl.utils.get_column_letter(table.index("Likely range") + 1)
        assert ws.column_dimensions[letter].width >= len(text)
    # the Forecast RAG column is coloured like the other RAG columns
    ws = openpyxl.load_workbook(out)["Alpha"]
    column = openpyxl.utils.get_column_letter(header.index("Forecast RAG") + 1)
    coloured = " ".join(str(r.sqref) for r in ws.conditional_formatting)
    assert column in coloured
    guidance = [c for row in _sheet_rows(out, "Guidance") for c in row if isinstance(c, str)]
    assert "Year-end Forecasts" in guidance
    assert any("seasons of earlier years" in c and "at risk" in c for c in guidance)


AT_RISK = (
    r"AA01 – at risk: GREEN to date \(90%\), but on course for 89% by the year end "
    r"\(likely \d+% to \d+%\), AMBER: below the 90% target"
)


def test_why_a_kpi_is_at_risk_is_said_under_its_table(tmp_path: Path) -> None:
    """The officer asked in committee sees the reason under the KPI table, in the workbook and
    on the web page: GREEN now, where the year is heading, and which threshold it misses. A
    KPI on course for GREEN (BB01) gets no such line."""
    results = _results(tmp_path, "yes")
    out = write_dashboard(results, "D1", tmp_path / "d.xlsx")
    cells = [c for row in _sheet_rows(out, "Alpha") for c in row if isinstance(c, str)]
    said = [c for c in cells if "at risk:" in c]
    assert len(said) == 1 and re.fullmatch(AT_RISK, said[0])
    page = lxml_html.document_fromstring(render_page(DashboardView(results, "D1")))
    notes = [" ".join(p.text_content().split()) for p in page.iter("p")]
    assert any(re.fullmatch(AT_RISK, n) for n in notes)
    assert not any(n.startswith("BB01 – at risk") for n in notes)


def test_earlier_years_in_the_returns_are_taken_oldest_first(tmp_path: Path) -> None:
    """A small count that has run at ~12 a month for the last two years (10 the year before):
    June's forecast leans on last year's level, not on the oldest year's."""
    small = [8, 12, 10, 14, 6, 10, 12, 8, 10, 11, 9, 10]
    years = [
        small,
        [round(v * 1.2) for v in small[4:] + small[:4]],
        [round(v * 1.2) for v in small[8:] + small[:8]],
    ]
    names = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    months = [f"{n}-{21 + y + (i > 8)}" for y in range(3) for i, n in enumerate(names)]
    row = ["AA04", "Calls received", *(v for year in years for v in year), 12, 12, 12]
    returns = write_book(
        tmp_path / "alpha.xlsx",
        {"KPIs": [["Ref", "Indicator description", *months, "Apr-24", "May-24", "Jun-24"], row]},
    )
    data = run([returns], write_register(tmp_path / "register.xlsx")).data
    june = data[(data["ref"] == "AA04") & (data["period"] == "2024-06")].iloc[0]
    assert 142 <= june["forecast"] <= 148  # 12 a month: 144; 137 from the oldest year's 10
