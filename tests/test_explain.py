"""`kpixl explain`: every figure behind a rating, down to its cell, on the samples' indicators."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pytest

from kpixl.check.figures import Figures
from kpixl.cli.main import main
from kpixl.errors import UsageError
from kpixl.explain import Explanation, explain
from kpixl.periods import Period
from kpixl.pipeline import run_with_figures
from kpixl.results import Results
from tests.conftest import write_book

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples/returns"
REGISTER = ROOT / "samples/register.xlsx"
FINANCE = "Finance_2024-25.xlsx"

Run = tuple[Results, Figures]
_runs: dict[str, Run] = {}


def samples(period: str = "2025-03") -> Run:
    """The samples run for `period`, once per test session."""
    if period not in _runs:
        _runs[period] = run_with_figures([SAMPLES], REGISTER, Period.parse(period))
    return _runs[period]


def explained(ref: str, period: str = "2025-03") -> Explanation:
    return explain(*samples(period), ref)


def data_row(results: Results, ref: str, period: str) -> dict[str, object]:
    rows = results.data[(results.data["ref"] == ref) & (results.data["period"] == period)]
    return {str(k): v for k, v in rows.iloc[0].to_dict().items()}


def kpixl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_fn07_ratio_arithmetic_is_the_data_tables_ytd() -> None:
    e = explained("FN07")
    results, _ = samples()
    assert e.ytd.method == e.ytd.used == "ratio"
    assert (e.ytd.numerator_total, e.ytd.denominator_total) == (88_144, 103_730)
    assert e.ytd.working == (
        "Σ numerators / Σ denominators over the 12 months = 88,144 / 103,730 = 84.97%, shown as 85%"
    )
    ytd = data_row(results, "FN07", "2025-03")["ytd"]
    assert e.ytd.value == ytd == pytest.approx(88_144 / 103_730)
    assert sum(m.numerator or 0 for m in e.months) == e.ytd.numerator_total
    assert (e.ytd_band.rag, e.ytd.shown) == ("GREEN", "85%")
    assert e.ytd_band.reason == (
        "84.97%, shown as 85%, compared as displayed (higher is better): at or above the "
        "target 85%: GREEN"
    )


def test_fn07_each_month_names_its_cells() -> None:
    e = explained("FN07")
    march, february = e.months[-1], e.months[-2]
    assert (march.label, march.shown, march.rag) == ("Mar-25", "87%", "GREEN")
    assert march.source == f"{FINANCE}!Finance KPIs!N3"
    assert (march.numerator, march.numerator_source) == (9002, f"{FINANCE}!Numerators!N2")
    assert (march.denominator, march.denominator_source) == (
        10347,
        f"{FINANCE}!Denominators!N2",
    )
    assert (february.shown, february.rag) == ("78%", "RED")
    assert e.direction == (
        "better (Feb-25 78% → Mar-25 87%, compared as displayed; higher is better)"
    )
    assert (e.prev_year, e.prev_year_source) == (0.81, "the register's prev_year column")
    assert e.issues == []


def test_fn07_text_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = kpixl(capsys, "explain", "FN07", SAMPLES, "--register", REGISTER)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("FN07: Invoices received by Accounts Payable within 30 days")
    assert lines[0].endswith("(Finance, KPI), up to March 2025 (FY 2024/25)")
    assert "Higher is better; target 85%, floor 80%." in lines
    assert (
        f"  Feb-25: 77.99%, shown 78%; from {FINANCE}!Finance KPIs!M3; numerator 5,933 "
        f"({FINANCE}!Numerators!M2) / denominator 7,607 ({FINANCE}!Denominators!M2); RED; "
        "YTD 85% GREEN"
    ) in lines
    assert (
        "YTD (ratio): Σ numerators / Σ denominators over the 12 months = 88,144 / 103,730 = "
        "84.97%, shown as 85%."
    ) in lines
    assert "Previous year: 81%, from the register's prev_year column." in lines
    assert lines[-1] == "No issue on FN07."


def test_json_for_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = kpixl(
        capsys, "explain", "fn07", SAMPLES, "--register", REGISTER, "--period", "2025-02",
        "--json",
    )  # fmt: skip
    assert code == 0
    e = json.loads(out)
    assert (e["ref"], e["period"], e["polarity"], e["target"], e["floor"]) == (
        "FN07", "2025-02", "higher", 0.85, 0.8,
    )  # fmt: skip
    assert [m["label"] for m in e["months"]][-2:] == ["Jan-25", "Feb-25"]
    assert e["months"][-1]["source"] == f"{FINANCE}!Finance KPIs!M3"
    assert (e["month_band"]["rag"], e["month_band"]["compared"]) == ("RED", 0.78)
    assert "below the floor 80%: RED" in e["month_band"]["reason"]
    assert e["issues"] == []


@pytest.mark.parametrize(
    ("period", "rag", "why"),
    [
        ("2024-04", "RED", "18.6%, compared as displayed (lower is better): "
                           "above the floor 10%: RED"),
        ("2024-08", "AMBER", "above the target 5% but at or below the floor 10%: AMBER"),
        ("2024-11", "GREEN", "4.7%, compared as displayed (lower is better): "
                             "at or below the target 5%: GREEN"),
    ],
)  # fmt: skip
def test_pi01_lower_is_better(period: str, rag: str, why: str) -> None:
    e = explained("PI01", period)
    assert (e.month_band.rated, e.month_band.rag) == (Period.parse(period).label, rag)
    assert why in e.month_band.reason
    assert e.ytd.working == "none for this indicator: N/A, not rated"
    assert e.ytd_band.rag is None


def test_pi01_a_rise_is_worse() -> None:
    e = explained("PI01", "2025-02")
    assert e.direction == (
        "worse (Jan-25 0.0% → Feb-25 2.2%, compared as displayed; lower is better)"
    )
    assert e.months[-1].direction == "worse"


def test_cs07_quarterly_ratio_over_the_quarter_ends() -> None:
    e = explained("CS07")
    results, _ = samples()
    assert [m.label for m in e.months] == ["Jun-24", "Sep-24", "Dec-24", "Mar-25"]
    assert [m.shown for m in e.months] == ["66%", "71%", "71%", "70%"]
    assert e.ytd.working == (
        "Σ numerators / Σ denominators over the 4 quarters = (713 + 601 + 553 + 642) / "
        "(1,080 + 846 + 779 + 917) = 2,509 / 3,622 = 69.27%, shown as 69%"
    )
    assert e.ytd.value == data_row(results, "CS07", "2025-03")["ytd"]
    assert math.isclose(e.ytd.value or 0, 2509 / 3622)
    assert (e.month_band.rag, e.ytd_band.rag) == ("RED", "RED")
    assert e.direction.startswith("worse (Dec-24 71% → Mar-25 70%")
    assert "quarterly" in e.lines()[0]


@pytest.mark.parametrize(
    ("ref", "period", "alert"),
    [
        ("CS08", "2025-02", "expected range 383,000 to 460,000, checked on the YTD as "
                            "displayed: 357,066 is below the lower bound: Below"),
        ("CS08", "2025-03", "expected range 383,000 to 460,000, checked on the YTD as "
                            "displayed: 383,505 is within the range: Yes"),
        ("HR12", "2025-03", "expected range 80 to 90, checked on Mar-25's own value as "
                            "displayed: 49 is below the lower bound: Below"),
    ],
)  # fmt: skip
def test_activity_alerts(ref: str, period: str, alert: str) -> None:
    e = explained(ref, period)
    assert e.alert == alert
    assert e.months[-1].alert == alert.rsplit(": ", 1)[1]
    assert (e.month_band.rag, e.ytd_band.rag) == (None, None)
    assert f"Alert: {alert}." in e.lines()


def test_an_activity_lists_its_issues() -> None:
    e = explained("CS08")
    assert [(i.code.value, i.cell) for i in e.issues] == [("drag-fill", "C13")]
    assert e.ytd.working == "sum of the values over the 12 months = 383,505"
    lines = e.lines()
    assert "An activity: never rated GREEN, AMBER or RED." in lines
    assert lines[-2] == "Issues on CS08:"
    assert lines[-1].endswith(
        "this looks like an Excel drag-fill; check the real figures [drag-fill]"
    )


def test_a_ytd_given_in_a_return_is_said_with_its_cell() -> None:
    e = explained("FN12")
    assert e.ytd.used == "given"
    assert e.ytd.given_source == f"{FINANCE}!Finance KPIs!O6"
    assert e.ytd.working.startswith(
        f"given as 99% in {FINANCE}!Finance KPIs!O6, and used; the months give 100%"
    )
    assert "below the target 100% but at or above the floor 90%: AMBER" in e.ytd_band.reason
    assert [i.code.value for i in e.issues] == ["ytd-mismatch"]


def test_rag_basis_exact_is_said_and_decides(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(REGISTER)
    for row in book["Settings"].iter_rows(min_row=2):
        if row[0].value == "rag_basis":
            row[1].value = "exact"
    register = tmp_path / "register.xlsx"
    book.save(register)
    e = explain(*run_with_figures([SAMPLES], register, Period(2025, 3)), "FN07")
    assert e.rag_basis == "exact" and "compare the exact value" in e.rounding
    assert e.ytd_band.reason == (
        "84.97%, compared exactly (higher is better): below the target 85% but at or above the "
        "floor 80%: AMBER"
    )


def test_previous_year_worked_out_from_last_years_figures(tmp_path: Path) -> None:
    months = [f"{m}-23" for m in ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")]
    months += ["Jan-24", "Feb-24", "Mar-24"]
    counts = [10, 14, 13, 11, 8, 12, 14, 13, 12, 16, 12, 12]  # 147
    last_year = write_book(
        tmp_path / "GLD_2023-24.xlsx", {"KPIs": [["Ref", *months], ["GL01b", *counts]]}
    )
    e = explain(*run_with_figures([SAMPLES, last_year], REGISTER, Period(2025, 3)), "GL01b")
    assert e.prev_year == 147
    assert e.prev_year_source == (
        "last year's figures in the returns, worked out as the YTD to Mar-24 by sum"
    )
    assert (
        "Previous year: 147, from last year's figures in the returns, worked out as the YTD "
        "to Mar-24 by sum." in e.lines()
    )


def test_an_unknown_ref_is_one_line_naming_close_refs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = kpixl(capsys, "explain", "FN7", SAMPLES, "--register", REGISTER)
    assert (code, out) == (2, "")
    assert (
        err
        == "kpixl: 'FN7' is not an indicator in the register register.xlsx: did you mean FN07, FN07b?\n"
    )
    with pytest.raises(UsageError, match="see the Indicators sheet"):
        explain(*samples(), "NOTHING-LIKE")


def test_a_bad_return_alone_says_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "Finance.xlsx"
    csv.write_text("Ref,Mar-25\nFN07,0.9\n", encoding="utf-8")
    code, out, _ = kpixl(capsys, "explain", "FN07", csv, "--register", REGISTER)
    assert code == 1
    assert out.splitlines()[0].endswith("[not-a-workbook]")
    assert out.splitlines()[-1] == (
        "nothing to explain: no return gives a figure for any indicator of the register"
    )


def test_the_example_in_docs_rules_is_what_kpixl_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = (ROOT / "docs/rules.md").read_text(encoding="utf-8")
    section = rules.split("## Explaining one indicator", 1)[1]
    example = section.split("```", 2)[1].strip("\n").splitlines()
    code, out, _ = kpixl(capsys, "explain", "FN07", SAMPLES, "--register", REGISTER)
    assert code == 0 and len(example) == 5
    assert [line for line in example if line not in out.splitlines()] == []


def test_a_quarterly_indicator_before_its_first_quarter_end() -> None:
    with pytest.raises(
        UsageError, match="CS07 is quarterly and no quarter end of the year is due by May-24"
    ):
        explained("CS07", "2024-05")


def test_the_year_end_forecast_is_explained_with_the_data_tables_figures() -> None:
    results, _ = samples("2024-10")
    row = data_row(results, "FN07b", "2024-10")
    said = explained("FN07b", "2024-10").forecast
    assert said.startswith(f"{row['forecast']:,.0f} (")
    assert f"{row['forecast_low']:,.0f} to {row['forecast_high']:,.0f}" in said
    assert "7 months known" in said and "the year so far" in said and "sum method" in said
    assert explained("FN07", "2024-10").forecast.endswith("added up by the ratio method")
    assert (
        "GREEN" in explained("FN07", "2024-10").forecast
        or "AMBER" in explained("FN07", "2024-10").forecast
    )
    assert explained("FN07b").forecast == ""  # March: the year is in, nothing to forecast


def test_no_previous_year_is_said_once(tmp_path: Path) -> None:
    """Neither the returns nor the register give FN07 a previous year: one plain line."""
    book = openpyxl.load_workbook(REGISTER)
    sheet = book["Indicators"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("ref")].value == "FN07":
            row[header.index("prev_year")].value = None
    register = tmp_path / "register.xlsx"
    book.save(register)
    e = explain(*run_with_figures([SAMPLES], register, Period(2025, 3)), "FN07")
    assert e.prev_year is None
    assert "Previous year: none: neither the returns nor the register give one." in e.lines()
