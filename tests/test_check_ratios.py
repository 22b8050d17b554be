"""A rate's value against its own numerator and denominator (kpixl.check.ratios): the hard edit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.check.figures import Figure
from kpixl.check.ratios import disagreements
from kpixl.cli.main import main
from kpixl.periods import Period
from kpixl.pipeline import run
from kpixl.read.observations import Field, Observation
from kpixl.register.model import Indicator, Kind, Unit
from tests.conftest import write_book

MONTHS = ["Apr-24", "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24", "Nov-24",
          "Dec-24", "Jan-25", "Feb-25", "Mar-25"]  # fmt: skip
# AA01 (a percentage, ratio YTD, target 90%, floor 80%): each month's calls answered of calls
NUMERATORS = [182, 184, 180, 186, 180, 182, 184, 188, 180, 182, 186, 190]
DENOMINATORS = [200] * 12


def return_with(
    tmp_path: Path,
    values: list[Any],
    numerators: list[Any] | None = None,
    denominators: list[Any] | None = None,
) -> Path:
    """A return giving AA01's values, with its Numerators and Denominators sheets."""

    def table(row: list[Any]) -> list[list[Any]]:
        return [["Ref", "Indicator description", *MONTHS], ["AA01", "Calls answered", *row]]

    sheets = {
        "KPIs": table(values),
        "Numerators": table(NUMERATORS if numerators is None else numerators),
        "Denominators": table(DENOMINATORS if denominators is None else denominators),
    }
    return write_book(tmp_path / "alpha.xlsx", sheets)


def quotients() -> list[Any]:
    return [n / d for n, d in zip(NUMERATORS, DENOMINATORS, strict=True)]


def mismatches(results: Any) -> list[tuple[str, str, str, str]]:
    return [
        (i.severity.value, i.sheet, i.cell, i.period)
        for i in results.report
        if i.code.value == "ratio-mismatch"
    ]


def test_a_value_typed_with_two_digits_swapped_is_named_at_its_cell(
    tmp_path: Path, register_path: Path
) -> None:
    values = quotients()
    values[2] = 0.09  # Jun-24: 90% typed as 09%
    results = run([return_with(tmp_path, values)], register_path)
    assert mismatches(results) == [("warning", "KPIs", "E2", "2024-06")]
    [issue] = [i for i in results.report if i.code.value == "ratio-mismatch"]
    assert issue.message == (
        "AA01 Jun-24 is 9%, but its numerator and denominator give 90.0% (180 / 200 in "
        "'Numerators'!E2 and 'Denominators'!E2): the value is rated and the YTD is worked out "
        "from the numerators and denominators; correct whichever is wrong"
    )
    assert results.report.valid  # a warning: the officer decides which figure is right
    # no second, softer warning at the same month: the hard edit already named 90% (without
    # the numerators and denominators, the plausibility check queries it as a slip of scale)
    june = [i.code.value for i in results.report if (i.ref, i.period) == ("AA01", "2024-06")]
    assert june == ["ratio-mismatch"]
    alone = write_book(
        tmp_path / "alone" / "alpha.xlsx", {"KPIs": [["Ref", *MONTHS], ["AA01", *values]]}
    )
    soft = run([alone], register_path).report
    assert [i.code.value for i in soft if (i.ref, i.period) == ("AA01", "2024-06")] == [
        "scale-slip"
    ]
    data = results.data
    june = data[(data["ref"] == "AA01") & (data["period"] == "2024-06")].iloc[0]
    assert (june["value"], june["month_rag"]) == (0.09, "RED")  # the value given is rated
    assert june["ytd"] == pytest.approx((182 + 184 + 180) / 600)  # the YTD from n / d


@pytest.mark.parametrize(
    ("typed", "numerator", "queried"),
    [
        (0.9, 180, False),  # exactly
        (0.86, 173, False),  # 86.5% cut short to 86%: one step of the last typed digit
        (0.87, 173, False),  # 86.5% rounded to 87%
        (0.866, 173, False),  # 86.5% typed 86.6%: shown as 87% either way
        (0.855, 173, True),  # 86.5% typed 85.5%: shown 86% against 87%, ten steps of 0.1
        (0.85, 173, True),  # shown 85% against 87%: more than a point
        (1, 173, True),  # 100% for 86.5%: a percentage is typed to a point at the coarsest
        (0.0, 0, False),  # nothing of nothing
    ],
)  # fmt: skip
def test_rounding_is_not_a_mismatch(
    tmp_path: Path, register_path: Path, typed: float, numerator: int, queried: bool
) -> None:
    values, numerators = quotients(), list(NUMERATORS)
    values[11], numerators[11] = typed, numerator
    results = run([return_with(tmp_path, values, numerators)], register_path)
    assert mismatches(results) == ([("warning", "KPIs", "N2", "2025-03")] if queried else [])


def test_a_rate_per_thousand_is_one_warning_for_the_indicator(
    tmp_path: Path, register_path: Path
) -> None:
    register = write_book(
        tmp_path / "register.xlsx",
        {
            "Indicators": [
                ["ref", "description", "service_area", "kind", "unit", "decimals", "ytd"],
                [
                    "AA09",
                    "Complaints per 1,000 contacts",
                    "Alpha",
                    "Activity",
                    "number",
                    1,
                    "ratio",
                ],
            ],
            "Service areas": [["service_area", "department"], ["Alpha", "Dept One"]],
            "Settings": [["key", "value"], ["organisation", "Test Analytics"]],
        },
    )
    counts, contacts = [12, 15, 9, 14], [4000, 5000, 4500, 4100]
    per_thousand = [round(1000 * c / n, 1) for c, n in zip(counts, contacts, strict=True)]
    sheets = {
        name: [["Ref", *MONTHS[:4]], ["AA09", *row]]
        for name, row in (("KPIs", per_thousand), ("Numerators", counts),
                          ("Denominators", contacts))
    }  # fmt: skip
    results = run([write_book(tmp_path / "alpha.xlsx", sheets)], register)
    found = [i for i in results.report if i.code.value == "ratio-mismatch"]
    assert [(i.cell, i.period) for i in found] == [("E2", "2024-07")]
    assert found[0].message.startswith(
        "AA09's values are 1,000 times their numerator / denominator every month (Jul-24: 3.4 "
        "against 14 / 4,100 in 'Numerators'!E2 and 'Denominators'!E2)"
    )
    assert found[0].message.endswith("for a rate per 1,000, give the numerators times 1,000")


def test_a_month_with_its_numerator_and_denominator_but_no_value_names_their_figure(
    tmp_path: Path, register_path: Path
) -> None:
    values = quotients()
    values[5] = None  # Sep-24's value left blank; its numerator and denominator filled in
    results = run([return_with(tmp_path, values)], register_path)
    found = [i for i in results.report if (i.ref, i.code.value) == ("AA01", "missing-value")]
    assert [(i.file, i.sheet, i.period) for i in found] == [
        (str(tmp_path / "alpha.xlsx"), "Numerators", "2024-09")
    ]
    assert found[0].message == (
        "no value for AA01 Sep-24, but its numerator and denominator give 91.0% (182 / 200 in "
        "'Numerators'!H2 and 'Denominators'!H2): type the value too (only a value given is "
        "shown and rated), or n/a if there is none"
    )
    data = results.data
    september = data[(data["ref"] == "AA01") & (data["period"] == "2024-09")].iloc[0]
    assert september["month_rag"] is None  # nothing is rated that was not given


def test_a_denominator_of_nothing_has_no_quotient(tmp_path: Path, register_path: Path) -> None:
    book = return_with(tmp_path, quotients())
    sheets = {
        "KPIs": [["Ref", "Mar-25"], ["AA01", 0.95]],
        "Numerators": [["Ref", "Mar-25"], ["AA01", 0]],
        "Denominators": [["Ref", "Mar-25"], ["AA01", 0]],
    }
    march = write_book(tmp_path / "march.xlsx", sheets)
    book.unlink()
    results = run([march], register_path)
    assert mismatches(results) == []


def test_the_command_line_shows_it_and_json_carries_it(
    tmp_path: Path, register_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = quotients()
    values[2] = 0.09
    book = return_with(tmp_path, values)
    code = main(["validate", str(book), "--register", str(register_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    found = [i for i in report["issues"] if i["code"] == "ratio-mismatch"]
    assert [(i["cell"], i["ref"], i["period"]) for i in found] == [("E2", "AA01", "2024-06")]


PERCENT = Indicator("P1", "A rate", "Alpha", Kind.KPI, unit=Unit.PERCENT)


def figure(value: float, field: Field) -> Figure:
    at = Observation("P1", Period(2025, 3), field, value, "alpha.xlsx", field.value, "B2")
    return Figure(value, at)


def one_month(ind: Indicator, typed: float, numerator: float, denominator: float) -> list[Any]:
    """The warnings for one month (Mar-25, cell B2 of each sheet) given these three figures."""
    return disagreements(
        ind,
        [Period(2025, 3)],
        [figure(typed, Field.VALUE)],
        [figure(numerator, Field.NUMERATOR)],
        [figure(denominator, Field.DENOMINATOR)],
    )


@settings(max_examples=300, deadline=None)
@given(
    denominator=st.integers(1, 100_000),
    share=st.floats(0, 1),
    places=st.integers(2, 8),
    decimals=st.integers(0, 2),
)
def test_a_value_rounded_from_its_quotient_is_never_queried(
    denominator: int, share: float, places: int, decimals: int
) -> None:
    numerator = round(share * denominator)
    ind = Indicator("P1", "A rate", "Alpha", Kind.KPI, unit=Unit.PERCENT, decimals=decimals)
    typed = round(numerator / denominator, places)
    found = one_month(ind, typed, numerator, denominator)
    assert found == []


@settings(max_examples=300, deadline=None)
@given(denominator=st.integers(20, 100_000), share=st.floats(0.05, 0.95), off=st.floats(0.02, 0.5))
def test_a_value_two_points_or_more_away_is_always_queried(
    denominator: int, share: float, off: float
) -> None:
    numerator = round(share * denominator)
    typed = round(min(1.0, numerator / denominator + off), 2)
    found = one_month(PERCENT, typed, numerator, denominator)
    assert [i.cell for i in found] == ["B2"]


@pytest.mark.parametrize(
    ("numerator", "denominator"), [(1.0, 1e-310), (1e300, 1e-300), (1e15, 1e-290), (0.0, 5e-324)]
)
def test_a_quotient_too_large_for_a_number_is_left_alone(
    numerator: float, denominator: float
) -> None:
    found = one_month(PERCENT, 0.5, numerator, denominator)
    assert [i.message.split(" (")[0] for i in found] == (
        [] if numerator != 0 else ["P1 Mar-25 is 50%, but its numerator and denominator give 0.0%"]
    )


def test_counts_typed_ten_times_over_are_queried_at_their_cells(
    tmp_path: Path, register_path: Path
) -> None:
    """The value agrees with them (a formula), so only the counts tell: the YTD, their sums'
    quotient, would count Oct-24 ten times over."""
    numerators, denominators = list(NUMERATORS), list(DENOMINATORS)
    numerators[6], denominators[6] = 1840, 2000  # Oct-24, each with a digit too many
    values = [n / d for n, d in zip(numerators, denominators, strict=True)]
    results = run([return_with(tmp_path, values, numerators, denominators)], register_path)
    found = [i for i in results.report if i.ref == "AA01" and i.code.value != "missing-value"]
    assert [(i.code.value, i.sheet, i.cell, i.period) for i in found] == [
        ("scale-slip", "Denominators", "I2", "2024-10"),
        ("scale-slip", "Numerators", "I2", "2024-10"),
    ]
    assert found[0].message.startswith("AA01 denominator: Oct-24 is 2,000; the usual level is ~200")
    assert found[1].message.startswith("AA01 numerator: Oct-24 is 1,840; the usual level is ~18")
    assert "was 184 meant?" in found[1].message


def test_a_value_that_is_its_counts_quotient_is_queried_through_the_count(
    tmp_path: Path, register_path: Path
) -> None:
    """Oct-24's denominator typed with a digit too many makes its quotient, the value, 9.2%:
    the query is the denominator's, which names the cell to correct, not a second one about
    the value as well."""
    denominators = list(DENOMINATORS)
    denominators[6] = 2000
    values = [n / d for n, d in zip(NUMERATORS, denominators, strict=True)]
    results = run([return_with(tmp_path, values, None, denominators)], register_path)
    found = [i for i in results.report if i.ref == "AA01" and i.code.value != "missing-value"]
    assert [(i.code.value, i.sheet, i.cell) for i in found] == [
        ("scale-slip", "Denominators", "I2")
    ]
    assert "was 200 meant?" in found[0].message
