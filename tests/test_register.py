"""The register: loose headers, defaults, inferred polarity, and every problem listed at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpixl.errors import RegisterError
from kpixl.register.load import load_register
from kpixl.register.model import (
    AlertOn,
    Frequency,
    Kind,
    Polarity,
    RagBasis,
    Unit,
    YtdMethod,
)
from tests.conftest import INDICATOR_HEADER, INDICATORS, write_register


def test_defaults_and_inference(register_path: Path) -> None:
    reg = load_register(register_path)
    aa01 = reg.indicators["AA01"]
    assert (aa01.unit, aa01.ytd, aa01.polarity, aa01.decimals) == (
        Unit.PERCENT, YtdMethod.RATIO, Polarity.HIGHER, 0,
    )  # fmt: skip
    assert (aa01.min, aa01.max, aa01.rag_basis) == (0.0, 1.0, RagBasis.DISPLAYED)
    assert reg.indicators["AA02"].polarity is Polarity.LOWER  # target 5% < floor 10%
    assert reg.indicators["AA02"].ytd is YtdMethod.NONE
    assert reg.indicators["AA03"].frequency is Frequency.QUARTERLY
    aa04 = reg.indicators["AA04"]
    assert (aa04.kind, aa04.unit, aa04.ytd, aa04.upper, aa04.lower) == (
        Kind.ACTIVITY, Unit.COUNT, YtdMethod.SUM, 1200, 800,
    )  # fmt: skip
    assert reg.indicators["BB01"].floor is None  # two bands
    assert reg.indicators["BB02"].alert_on is AlertOn.LATEST
    assert list(reg.service_areas) == ["Alpha", "Beta"]
    assert reg.service_areas["Alpha"].recipients == ("a@example.org", "b@example.org")
    assert reg.settings.organisation == "Test Analytics"
    assert list(reg.dashboards()) == ["D1"]
    assert reg.find(" aa01 ") is aa01
    # The layout columns are optional: without them, one block and the settings' periods.
    assert (aa01.table, aa01.periods_shown) == ("", None)


def test_headers_are_matched_loosely_and_unknown_columns_ignored(tmp_path: Path) -> None:
    header = [h.upper().replace("_", " ") for h in INDICATOR_HEADER] + ["Notes for us"]
    rows = [(*row, "ignore me") for row in INDICATORS]
    reg = load_register(write_register(tmp_path / "r.xlsx", rows, header=header))
    assert reg.indicators["AA01"].target == 0.9


def test_percent_strings_accepted(tmp_path: Path) -> None:
    rows = [("AA01", "Calls", "Alpha", "kpi", None, None, None, None, "85%", "80 %", None, None, None, None, None)]  # fmt: skip
    reg = load_register(write_register(tmp_path / "r.xlsx", rows))
    assert reg.indicators["AA01"].target == pytest.approx(0.85)


def test_every_problem_is_listed_with_its_cell(tmp_path: Path) -> None:
    rows = [
        ("AA01", "Calls", "Alpha", "KPI", None, None, None, None, 0.9, 0.8, None, None, None, None, None),
        ("aa01", "Again", "Alpha", "KPI", None, None, None, None, 0.9, 0.8, None, None, None, None, None),
        ("CC01", "Lost", "Gamma", "KPI", None, None, None, None, 0.9, 0.8, None, None, None, None, None),
        ("CC02", "Odd unit", "Alpha", "KPI", None, "litres", None, None, 0.9, 0.8, None, None, None, None, None),
        ("CC03", "Odd ytd", "Alpha", "KPI", None, None, None, None, 0.9, 0.8, "median", None, None, None, None),
        ("CC04", "Backwards", "Alpha", "KPI", None, None, None, "higher", 0.05, 0.10, None, None, None, None, None),
        ("CC05", "Odd kind", "Alpha", "Target", None, None, None, None, 0.9, 0.8, None, None, None, None, None),
        ("CC06", "No target", "Alpha", "KPI", None, None, None, None, None, 0.8, None, None, None, None, None),
        ("CC07", "Points", "Alpha", "KPI", None, None, None, None, 85, 80, None, None, None, None, None),
    ]  # fmt: skip
    with pytest.raises(RegisterError) as caught:
        load_register(write_register(tmp_path / "r.xlsx", rows))
    got = [(i.code.value, i.sheet, i.cell, i.ref) for i in caught.value.issues]
    assert got == [
        ("duplicate-ref", "Indicators", "A3", "aa01"),
        ("unknown-service-area", "Indicators", "C4", "CC01"),
        ("register-bad-value", "Indicators", "F5", "CC02"),
        ("register-bad-value", "Indicators", "K6", "CC03"),
        ("polarity-conflict", "Indicators", "H7", "CC04"),
        ("register-bad-value", "Indicators", "D8", "CC05"),
        ("register-missing-value", "Indicators", "I9", "CC06"),
        ("register-bad-value", "Indicators", "I10", "CC07"),
        ("register-bad-value", "Indicators", "J10", "CC07"),
    ]
    messages = [i.message for i in caught.value.issues]
    assert "used twice" in messages[0]
    assert "'litres' is not one of: percent, count, currency_k, seconds, number" in messages[2]
    assert "type 85% (or 0.85)" in messages[7]


def test_missing_sheet_and_column(tmp_path: Path) -> None:
    header = [h for h in INDICATOR_HEADER if h != "kind"]
    rows = [
        tuple(v for h, v in zip(INDICATOR_HEADER, r, strict=True) if h != "kind")
        for r in INDICATORS
    ]
    path = write_register(tmp_path / "r.xlsx", rows, header=header, areas=[("dept",)])
    with pytest.raises(RegisterError) as caught:
        load_register(path)
    assert [(i.code.value, i.sheet) for i in caught.value.issues] == [
        ("register-missing-column", "Indicators"),
        ("register-missing-column", "Service areas"),
    ]
    assert "has no 'kind' column" in caught.value.issues[0].message


def test_unreadable_register_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    path.write_text("ref,description\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="not an Excel workbook"):
        load_register(path)


def test_bad_settings_are_reported(tmp_path: Path) -> None:
    settings = [
        ("key", "value"),
        ("fy_start_month", 13),
        ("rag_basis", "rounded"),
        ("title.D1", "My title"),
    ]
    with pytest.raises(RegisterError) as caught:
        load_register(write_register(tmp_path / "r.xlsx", settings=settings))
    assert [(i.code.value, i.cell) for i in caught.value.issues] == [
        ("register-bad-value", "B2"),
        ("register-bad-value", "B3"),
    ]


def test_dashboard_titles(tmp_path: Path) -> None:
    settings = [("key", "value"), ("title.D1", "My title"), ("title", "Dashboard for {dashboard}")]
    reg = load_register(write_register(tmp_path / "r.xlsx", settings=settings))
    assert reg.settings.title_for("D1") == "My title"
    assert reg.settings.title_for("D2") == "Dashboard for D2"


def test_table_and_periods_shown_columns(tmp_path: Path) -> None:
    header = [*INDICATOR_HEADER, "Table", "Periods shown"]
    layout = [
        (" Estates ", 5),
        ("Estates", None),
        (None, 12),
        (None, "3"),
        (None, None),
        (None, 24),
    ]
    rows = [(*row, *extra) for row, extra in zip(INDICATORS, layout, strict=True)]
    reg = load_register(write_register(tmp_path / "r.xlsx", rows, header=header))
    got = {ref: (i.table, i.periods_shown) for ref, i in reg.indicators.items()}
    assert got == {
        "AA01": ("Estates", 5), "AA02": ("Estates", None), "AA03": ("", 12),
        "AA04": ("", 3), "BB01": ("", None), "BB02": ("", 24),
    }  # fmt: skip


def test_bad_periods_shown_are_reported_with_their_cells(tmp_path: Path) -> None:
    header = [*INDICATOR_HEADER, "table", "periods_shown"]
    bad: list[object] = [0, 25, 2.5, "five", -1, "4"]
    rows = [(*row, None, value) for row, value in zip(INDICATORS, bad, strict=True)]
    with pytest.raises(RegisterError) as caught:
        load_register(write_register(tmp_path / "r.xlsx", rows, header=header))
    got = [(i.code.value, i.sheet, i.cell, i.ref) for i in caught.value.issues]
    assert got == [
        ("register-bad-value", "Indicators", f"Q{n}", ref)
        for n, ref in zip(range(2, 7), ("AA01", "AA02", "AA03", "AA04", "BB01"), strict=True)
    ]
    messages = [i.message for i in caught.value.issues]
    assert messages[0] == (
        "AA01's periods_shown must be a whole number from 1 to 24, not '0': correct it or "
        "leave it blank"
    )
    assert "2.5" in messages[2]
    assert "'five'" in messages[3] and "type a number" in messages[3]


def test_a_recipient_written_surname_first_is_one_address(tmp_path: Path) -> None:
    """Outlook writes names as "Smith, John": the comma inside the quotes does not split it."""
    from kpixl.mail.message import parse_addresses
    from tests.conftest import write_register

    areas = [
        ["service_area", "department", "recipients"],
        ["Alpha", "Dept", '"Smith, John" <john.smith@example.org>; a@example.org, "Doe; Jane" <j@example.org>'],
        ["Beta", "Dept", "b@example.org"],
    ]  # fmt: skip
    register = load_register(write_register(tmp_path / "register.xlsx", areas=areas))
    recipients = register.service_areas["Alpha"].recipients
    assert recipients == (
        '"Smith, John" <john.smith@example.org>',
        "a@example.org",
        '"Doe; Jane" <j@example.org>',
    )
    assert parse_addresses(recipients, "register") == [
        ("Smith, John", "john.smith@example.org"),
        ("", "a@example.org"),
        ("Doe; Jane", "j@example.org"),
    ]
