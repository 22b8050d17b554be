"""Templates: what a service officer can and cannot type, and that what they fill in validates."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.cli.main import main
from kpixl.errors import OutputError, UsageError
from kpixl.periods import Period
from kpixl.pipeline import run
from kpixl.read.returns import read_return
from kpixl.register.load import load_register as load
from kpixl.register.load import norm
from kpixl.register.model import AlertOn, Frequency, Kind, Polarity, RagBasis, Unit, YtdMethod
from kpixl.templates.cells import GREY_FILL, INPUT_FILL
from kpixl.templates.return_template import COLUMNS, HEADER_ROW
from kpixl.templates.write import (
    TEMPLATES_DIR,
    read_history,
    refresh_templates,
    return_filename,
    write_register_template,
    write_return_template,
    write_return_templates,
)
from tests.conftest import INDICATOR_HEADER, write_book, write_register

ROOT = Path(__file__).resolve().parent.parent
MAR, FEB = Period(2025, 3), Period(2025, 2)
FIRST = HEADER_ROW + 1  # the first indicator's row; Alpha's are AA01..AA04 in register order
COL = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(COLUMNS, start=1)}


def kpixl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def cell_of(ref: str, column: str) -> str:
    """The cell of an Alpha indicator's column in the template (refs are in register order)."""
    row = FIRST + ["AA01", "AA02", "AA03", "AA04"].index(ref)
    return f"{COL[column]}{row}"


def rule_at(ws: Worksheet, cell: str) -> DataValidation | None:
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) <= 1, f"{cell} has {len(found)} validations"
    return found[0] if found else None


def fill_colour(ws: Worksheet, cell: str) -> str:
    return str(ws[cell].fill.fgColor.rgb)[-6:] if ws[cell].fill.fill_type else ""


@pytest.fixture
def alpha_march(tmp_path: Path, register_path: Path) -> Path:
    return write_return_template(load(register_path), "alpha", MAR, tmp_path / "alpha.xlsx")


def fill_in(path: Path, values: dict[str, Any]) -> Path:
    """Type into a template as an officer would (openpyxl respects no protection, so the test
    types only into cells the template leaves unlocked, and checks that it did)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Return"]
    for where, value in values.items():
        assert ws[where].protection.locked is False, f"{where} is locked"
        ws[where] = value
        if ws[where].number_format == "@":  # Excel keeps what is typed in a text cell as text
            ws[where].data_type = "s"
    wb.save(path)
    return path


MARCH_FIGURES = {
    "B6": "Pat Officer",
    cell_of("AA01", "Value"): 0.92,
    cell_of("AA01", "Numerator"): 92,
    cell_of("AA01", "Denominator"): 100,
    cell_of("AA01", "Commentary"): '=HYPERLINK("http://x") is what we typed',
    cell_of("AA02", "Value"): 0.04,
    cell_of("AA03", "Value"): "n/a",
    cell_of("AA03", "Commentary"): "Survey not run this quarter",
    cell_of("AA04", "Value"): 1100,
}


# --- the return template's layout ----------------------------------------------------------


def test_return_layout_is_the_spec_template(alpha_march: Path) -> None:
    ws = openpyxl.load_workbook(alpha_march)["Return"]
    block = [(ws[f"A{r}"].value, ws[f"B{r}"].value) for r in range(4, 8)]
    assert block == [("Service area", "Alpha"), ("Period", "2025-03"), ("Prepared by", None),
                     ("Date prepared", None)]  # fmt: skip
    header = [c.value for c in ws[HEADER_ROW]][:8]
    assert header == ["Ref", "Indicator", "Value", "Numerator", "Denominator", "YTD",
                      "Prev. Year", "Commentary"]  # fmt: skip
    refs = [ws[f"A{r}"].value for r in range(FIRST, FIRST + 5)]
    assert refs == ["AA01", "AA02", "AA03", "AA04", None]  # Alpha only, register order
    assert ws[cell_of("AA01", "Target")].value == 0.9
    assert ws[cell_of("AA01", "Floor")].value == 0.8
    assert ws[cell_of("AA01", "Target")].number_format == "0%"
    assert ws[cell_of("AA04", "Expected range")].value == "800 to 1,200"
    assert ws[cell_of("AA01", "Unit")].value == "percentage"


def test_sheet_protected_without_password_and_only_inputs_unlocked(alpha_march: Path) -> None:
    ws = openpyxl.load_workbook(alpha_march)["Return"]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    assert ws.protection.formatColumns is False  # people may still widen columns
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False}
    inputs = {"B6", "B7"} | {
        cell_of(ref, name)
        for ref in ("AA01", "AA03", "AA04")
        for name in ("Value", "YTD", "Prev. Year", "Commentary")
    }
    inputs |= {cell_of(r, n) for r in ("AA01", "AA03") for n in ("Numerator", "Denominator")}
    inputs |= {cell_of("AA02", n) for n in ("Value", "Prev. Year", "Commentary")}  # YTD none
    assert unlocked == inputs
    assert all(fill_colour(ws, c) == INPUT_FILL for c in inputs)
    assert fill_colour(ws, cell_of("AA02", "YTD")) == GREY_FILL


def test_percent_value_validation_allows_a_fraction_or_na(alpha_march: Path) -> None:
    ws = openpyxl.load_workbook(alpha_march)["Return"]
    cell = cell_of("AA01", "Value")
    rule = rule_at(ws, cell)
    assert rule is not None
    assert (rule.type, rule.operator, rule.allow_blank) == ("custom", None, True)
    assert rule.formula1 == (
        f'OR(AND(ISNUMBER({cell}),{cell}>=0,{cell}<=1),LOWER(TRIM({cell}))="n/a",TRIM({cell})="-")'
    )
    assert rule.showInputMessage and rule.showErrorMessage and rule.errorStyle == "stop"
    assert rule.promptTitle == "AA01 Value (percentage)"
    assert "e.g. 85%" in rule.prompt and "n/a" in rule.prompt
    assert "Target 90%, floor 80%" in rule.prompt
    assert "from 0% to 100%" in rule.error
    assert ws[cell].number_format == "0%"
    assert ws[cell_of("AA02", "Value")].number_format == "0.0%"  # one decimal in the register


def test_count_validation_is_a_whole_number_at_least_zero(alpha_march: Path) -> None:
    ws = openpyxl.load_workbook(alpha_march)["Return"]
    cell = cell_of("AA04", "Value")
    rule = rule_at(ws, cell)
    assert rule is not None and rule.type == "custom"
    assert rule.formula1.startswith(
        f'OR(AND(ISNUMBER({cell}),{cell}=INT({cell}),{cell}>=0),LOWER(TRIM({cell}))="n/a"'
    )
    assert "<=" not in rule.formula1
    assert "a whole number of at least 0" in rule.error
    numerator = rule_at(ws, cell_of("AA01", "Numerator"))
    assert (
        numerator is not None and ">=0" in numerator.formula1 and "INT(" not in numerator.formula1
    )


def test_key_block_validations(alpha_march: Path) -> None:
    ws = openpyxl.load_workbook(alpha_march)["Return"]
    name, date = rule_at(ws, "B6"), rule_at(ws, "B7")
    assert name is not None and (name.type, name.operator, name.formula1) == (
        "textLength", "lessThanOrEqual", "100",
    )  # fmt: skip
    assert date is not None and (date.type, date.operator) == ("date", "between")
    assert (date.formula1, date.formula2) == ("DATE(2000,1,1)", "DATE(2099,12,31)")
    assert rule_at(ws, "B4") is None and ws["B4"].protection.locked is True


@pytest.mark.parametrize(("period", "due"), [(FEB, False), (MAR, True)])
def test_quarterly_indicator_greyed_and_locked_outside_quarter_ends(
    tmp_path: Path, register_path: Path, period: Period, due: bool
) -> None:
    out = write_return_template(load(register_path), "Alpha", period, tmp_path / "a.xlsx")
    ws = openpyxl.load_workbook(out)["Return"]
    value = cell_of("AA03", "Value")
    assert (ws[value].protection.locked is False) is due
    assert (rule_at(ws, value) is not None) is due
    assert fill_colour(ws, value) == (INPUT_FILL if due else GREY_FILL)
    frequency = ws[cell_of("AA03", "Frequency")].value
    assert frequency == ("Quarterly: due this month" if due else "Quarterly: next due Mar-25")


def test_text_from_the_register_is_text_never_a_formula(tmp_path: Path) -> None:
    path = write_register(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    for where, text in (("A2", "=1+1"), ("B2", '=HYPERLINK("http://evil","click")')):
        wb["Indicators"][where] = text
        wb["Indicators"][where].data_type = "s"  # typed as text in the register
    wb.save(path)
    out = write_return_template(load(path), "Alpha", MAR, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(out)["Return"]
    assert (ws[f"A{FIRST}"].value, ws[f"A{FIRST}"].data_type) == ("=1+1", "s")
    assert (ws[f"B{FIRST}"].value, ws[f"B{FIRST}"].data_type) == (
        '=HYPERLINK("http://evil","click")', "s",
    )  # fmt: skip
    with zipfile.ZipFile(out) as zf:
        assert all(b"<f>" not in zf.read(n) for n in zf.namelist() if n.startswith("xl/work"))


# --- filled in, it validates and rates ------------------------------------------------------


def own_issues(results: Any, path: Path) -> list[str]:
    return [i.line() for i in results.report if i.file == str(path)]


def test_filled_template_validates_clean_and_rates(alpha_march: Path, register_path: Path) -> None:
    fill_in(alpha_march, MARCH_FIGURES)
    results = run([alpha_march], register_path, MAR)
    assert results.report.errors == []
    assert own_issues(results, alpha_march) == [
        f"warning: {alpha_march}, sheet 'Return', cell {cell_of('AA03', 'Value')}: AA03 Mar-25 "
        "is marked 'n/a': there is no figure to show or rate; give the figure if it exists "
        "[missing-value]"
    ]
    latest = results.latest("AA01")
    assert latest is not None
    assert (latest["value"], latest["month_rag"]) == (0.92, "GREEN")
    assert latest["source"] == f"{alpha_march.name}!Return!{cell_of('AA01', 'Value')}"
    aa02 = results.latest("AA02")
    assert aa02 is not None and (aa02["value"], aa02["month_rag"]) == (0.04, "GREEN")  # lower
    assert results.value("AA04", MAR) == 1100
    notes = {c.ref: c.text for c in results.commentary}
    assert notes["AA01"] == '=HYPERLINK("http://x") is what we typed'


def test_unprotected_template_with_columns_moved_still_reads(
    alpha_march: Path, register_path: Path, tmp_path: Path
) -> None:
    fill_in(alpha_march, MARCH_FIGURES)
    source = openpyxl.load_workbook(alpha_march)["Return"]
    rows = [[c.value for c in row] for row in source.iter_rows()]
    moved = tmp_path / "moved.xlsx"
    # Commentary first, Value last, a column of the service's own, the table two rows lower
    order = [7, 0, 1, 5, 3, 4, 6, 2]
    table = [[r[i] for i in order] + ["own notes"] for r in rows[HEADER_ROW - 1 :]]
    top = [r[:2] for r in rows[: HEADER_ROW - 1]]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "My return"
    for r, row in enumerate([*top, [], [], *table], start=1):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value).data_type = "s" if isinstance(value, str) else "n"
    wb.save(moved)
    assert openpyxl.load_workbook(moved)["My return"].protection.sheet is False
    results = run([moved], register_path, MAR)
    assert results.report.errors == []
    assert results.value("AA01", MAR) == 0.92 and results.value("AA04", MAR) == 1100
    assert {c.ref for c in results.commentary} == {"AA01", "AA03"}


# --- history --------------------------------------------------------------------------------

HISTORY_MONTHS = [Period(2024, m) for m in range(4, 13)] + [Period(2025, 1), Period(2025, 2)]


def write_history(folder: Path) -> Path:
    """Alpha's returns for April to February, as one wide workbook."""
    labels = [p.label for p in HISTORY_MONTHS]
    aa01 = [0.9 + i / 200 for i in range(len(labels))]
    aa03 = [0.86 if p.is_quarter_end() else None for p in HISTORY_MONTHS]
    write_book(
        folder / "alpha_2024-25.xlsx",
        {"KPIs": [["Ref", *labels], ["AA01", *aa01], ["AA03", *aa03],
                  ["AA04", *[1000 + i for i in range(len(labels))]]]},
    )  # fmt: skip
    return folder


def test_history_sheet_shows_earlier_months_read_only(tmp_path: Path, register_path: Path) -> None:
    register = load(register_path)
    history = read_history(write_history(tmp_path / "history"), register, MAR)
    assert history.months == tuple(HISTORY_MONTHS) and history.errors == 0
    out = write_return_template(register, "Alpha", MAR, tmp_path / "t.xlsx", history)
    ws = openpyxl.load_workbook(out)["History"]
    assert [c.value for c in ws[4]] == [
        "Indicator",
        "Description",
        *[p.label for p in HISTORY_MONTHS],
    ]
    assert [c.value for c in ws[5]][:4] == ["AA01", "Calls answered", 0.9, 0.905]
    aa03 = [c.value for c in ws[7]][2:]
    assert aa03 == [0.86 if p.is_quarter_end() else None for p in HISTORY_MONTHS]
    assert ws["C5"].number_format == "0%"
    assert ws.protection.sheet is True
    assert all(c.protection.locked for row in ws.iter_rows() for c in row)
    # the template itself gives figures for its own month only
    periods = {o.period for o in read_return(out).observations}
    assert periods == {MAR}


def test_filled_template_with_its_history_validates_clean(
    tmp_path: Path, register_path: Path
) -> None:
    register = load(register_path)
    folder = write_history(tmp_path / "history")
    history = read_history(folder, register, MAR)
    out = write_return_template(register, "Alpha", MAR, tmp_path / "t.xlsx", history)
    fill_in(out, MARCH_FIGURES)
    results = run([out, folder], register_path, MAR)
    assert results.report.errors == []
    assert results.value("AA01", FEB) == pytest.approx(0.95)
    assert results.value("AA01", MAR) == 0.92


def test_first_month_of_the_year_has_no_history(tmp_path: Path, register_path: Path) -> None:
    register = load(register_path)
    history = read_history(write_history(tmp_path / "h"), register, Period(2025, 4))
    assert history.months == ()
    out = write_return_template(register, "Alpha", Period(2025, 4), tmp_path / "t.xlsx", history)
    assert "first month of the financial year" in openpyxl.load_workbook(out)["History"]["A2"].value


def test_history_folder_missing(tmp_path: Path, register_path: Path) -> None:
    with pytest.raises(UsageError, match=r"history folder .*nowhere: no such file"):
        read_history(tmp_path / "nowhere", load(register_path), MAR)


# --- the register template ------------------------------------------------------------------

ENUM_COLUMNS = [("kind", Kind), ("frequency", Frequency), ("unit", Unit),
                ("polarity", Polarity), ("ytd", YtdMethod), ("alert_on", AlertOn),
                ("rag_basis", RagBasis)]  # fmt: skip


@pytest.fixture
def blank_register(tmp_path: Path) -> Path:
    return write_register_template(tmp_path / "register.xlsx")


def test_register_template_sheets_and_headers(blank_register: Path) -> None:
    wb = openpyxl.load_workbook(blank_register)
    assert wb.sheetnames == ["Instructions", "Indicators", "Service areas", "Settings"]
    headers = [norm(c.value) for c in wb["Indicators"][1]]
    assert set(INDICATOR_HEADER) | {"short_description", "min", "max", "footnote", "order"} <= set(
        headers
    )
    assert [c.value for c in wb["Service areas"][1]][:1] == ["service_area"]
    assert [wb["Settings"][f"A{r}"].value for r in range(1, 3)] == ["key", "organisation"]


@pytest.mark.parametrize(("column", "enum"), ENUM_COLUMNS)
def test_register_enumerated_columns_have_drop_downs(
    blank_register: Path, column: str, enum: Any
) -> None:
    ws = openpyxl.load_workbook(blank_register)["Indicators"]
    letter = next(c.column_letter for c in ws[1] if c.value == column)
    rule = rule_at(ws, f"{letter}2")
    assert rule is not None and rule.type == "list"
    assert rule.formula1 == '"' + ",".join(m.value for m in enum) + '"'
    assert f"{letter}1000" in rule.sqref
    assert rule.prompt and rule.showErrorMessage


def test_register_service_area_column_lists_the_service_areas(blank_register: Path) -> None:
    ws = openpyxl.load_workbook(blank_register)["Indicators"]
    letter = next(c.column_letter for c in ws[1] if c.value == "service_area")
    rule = rule_at(ws, f"{letter}5")
    assert rule is not None and (rule.type, rule.formula1) == (
        "list",
        "'Service areas'!$A$2:$A$200",
    )


def test_blank_register_loads_once_a_row_is_filled_in(blank_register: Path) -> None:
    wb = openpyxl.load_workbook(blank_register)
    ind = wb["Indicators"]
    col = {c.value: c.column for c in ind[1]}
    typed = {"ref": "XX01", "description": "Calls answered", "service_area": "Alpha",
             "kind": "KPI", "target": 0.9, "floor": 0.8, "decimals": 1, "ytd": "mean"}  # fmt: skip
    for name, value in typed.items():
        ind.cell(row=2, column=col[name], value=value)
    wb["Service areas"]["A2"] = "Alpha"
    wb.save(blank_register)
    register = load(blank_register)
    got = register.indicators["XX01"]
    assert (got.service_area, got.kind, got.unit, got.target, got.floor, got.decimals, got.ytd) == (
        "Alpha", Kind.KPI, Unit.PERCENT, 0.9, 0.8, 1, YtdMethod.MEAN,
    )  # fmt: skip
    settings = register.settings
    assert (settings.fy_start_month, settings.periods_shown_kpi, settings.rag_basis) == (
        4, 4, RagBasis.DISPLAYED,
    )  # fmt: skip
    assert settings.title_for("D1") == "Performance Dashboard for D1"


# --- files, command line, refresh -----------------------------------------------------------


def test_outputs_are_deterministic(tmp_path: Path, register_path: Path) -> None:
    register = load(register_path)
    a = write_return_template(register, "Alpha", MAR, tmp_path / "a.xlsx")
    b = write_return_template(register, "Alpha", MAR, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    c = write_register_template(tmp_path / "c.xlsx")
    assert c.read_bytes() == write_register_template(tmp_path / "d.xlsx").read_bytes()


def test_one_template_per_service_area(tmp_path: Path, register_path: Path) -> None:
    written = write_return_templates(load(register_path), MAR, tmp_path / "new" / "out")
    assert [p.name for p in written] == ["return_Alpha_2025-03.xlsx", "return_Beta_2025-03.xlsx"]
    beta = openpyxl.load_workbook(written[1])["Return"]
    assert [beta[f"A{r}"].value for r in (FIRST, FIRST + 1)] == ["BB01", "BB02"]
    assert return_filename("Governance, Law & Democracy", MAR) == (
        "return_Governance_Law_Democracy_2025-03.xlsx"
    )


def test_unwritable_output_is_an_output_error(tmp_path: Path, register_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_return_template(load(register_path), "Alpha", MAR, tmp_path / "no" / "t.xlsx")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="it is a file, not a folder"):
        write_return_templates(load(register_path), MAR, tmp_path / "file")


def test_cli_template_commands(
    tmp_path: Path, register_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("register", "return", "returns", "refresh"):
        code, out, _ = kpixl(capsys, "template", command, "--help")
        assert code == 0 and "Usage:" in out
    out_file = tmp_path / "alpha.xlsx"
    code, out, err = kpixl(capsys, "template", "return", "-r", register_path,
                           "--service-area", "Alpha", "--period", "2025-03", out_file)  # fmt: skip
    assert (code, out, err) == (0, f"wrote {out_file}\n", "")
    code, out, _ = kpixl(capsys, "template", "returns", "-r", register_path, "-p", "2025-03",
                         "--history", write_history(tmp_path / "h"), "-o", tmp_path / "all")  # fmt: skip
    assert code == 0 and out.endswith("2 return template(s) for March 2025\n")
    assert (
        openpyxl.load_workbook(tmp_path / "all/return_Alpha_2025-03.xlsx")["History"]["C5"].value
        == 0.9
    )
    code, out, _ = kpixl(capsys, "template", "register", tmp_path / "reg.xlsx")
    assert code == 0 and (tmp_path / "reg.xlsx").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--service-area", "Gamma", "--period", "2025-03"],
         "kpixl: the register has no service area 'Gamma': give one of its service areas "
         "(Alpha; Beta)\n"),
        (["--service-area", "Alpha", "--period", "March"],
         "kpixl: --period: 'March' is not a period: write it as YYYY-MM, e.g. 2025-03\n"),
    ],
)  # fmt: skip
def test_cli_bad_input_is_one_line(
    tmp_path: Path,
    register_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, out, err = kpixl(capsys, "template", "return", "-r", register_path, *args,
                           tmp_path / "t.xlsx")  # fmt: skip
    assert (code, out, err) == (2, "", message)
    assert not (tmp_path / "t.xlsx").exists()


def normalised(path: Path) -> dict[str, Any]:
    """What a user sees and can do in a workbook: values, formats, fills, locks, validations and
    protection; not the bytes (which carry nothing more a user could notice)."""
    wb = openpyxl.load_workbook(path)
    sheets: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells = {
            c.coordinate: (c.value, c.data_type, c.number_format, c.protection.locked,
                           fill_colour(ws, c.coordinate), bool(c.font.bold))
            for row in ws.iter_rows() for c in row
            if c.value is not None or c.protection.locked is False or c.fill.fill_type
        }  # fmt: skip
        rules = sorted(
            (str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2, dv.promptTitle,
             dv.prompt, dv.errorTitle, dv.error, dv.allow_blank)
            for dv in ws.data_validations.dataValidation
        )  # fmt: skip
        protection = {k: getattr(ws.protection, k) for k in
                      ("sheet", "password", "formatColumns", "formatRows", "selectLockedCells")}  # fmt: skip
        sheets[ws.title] = {"cells": cells, "rules": rules, "protection": protection,
                            "merged": sorted(map(str, ws.merged_cells.ranges)),
                            "freeze": ws.freeze_panes}  # fmt: skip
    return {"sheets": list(sheets), **sheets}


def test_committed_templates_are_current(tmp_path: Path) -> None:
    """Fails when workbook_templates/ is stale: run `kpixl template refresh` and commit."""
    written = refresh_templates(tmp_path)
    assert {p.name for p in written} >= {
        "register.xlsx", "return_Marketing_and_Resident_Experience_2025-03.xlsx",
    }  # fmt: skip
    for fresh in written:
        committed = TEMPLATES_DIR / fresh.name
        assert committed.is_file(), f"{committed} is missing: run `kpixl template refresh`"
        assert normalised(committed) == normalised(fresh), (
            f"{committed} is stale: run `kpixl template refresh` and commit the result"
        )


def test_bundled_return_template_has_the_samples_as_history() -> None:
    wb = openpyxl.load_workbook(
        TEMPLATES_DIR / "return_Marketing_and_Resident_Experience_2025-03.xlsx"
    )
    history = wb["History"]
    assert [c.value for c in history[4]][2] == "Apr-24"
    assert [c.value for c in history[4]][-1] == "Feb-25"
    row = next(r for r in history.iter_rows(min_row=5) if r[0].value == "CS08")
    assert [c.value for c in row][-4:] == [32114, 26436, 26437, 26438]  # as the samples give


def test_bundled_template_filled_with_the_sample_figures_rebuilds_the_same_results(
    tmp_path: Path,
) -> None:
    """The sample MRE return for March typed into the bundled template (its history being the
    other sample returns) gives the same figures, RAG and YTD as the sample itself."""
    from kpixl.read.returns import Field

    samples = ROOT / "samples/returns"
    march = samples / "DCED/MRE_2025-03.xlsx"
    others = tmp_path / "returns"
    shutil.copytree(samples, others, ignore=shutil.ignore_patterns("MRE_2025-03.xlsx"))
    template = tmp_path / "mre.xlsx"
    shutil.copy(TEMPLATES_DIR / "return_Marketing_and_Resident_Experience_2025-03.xlsx", template)
    ws = openpyxl.load_workbook(template)["Return"]
    rows = {ws[f"A{r}"].value: r for r in range(FIRST, ws.max_row + 1) if ws[f"A{r}"].value}
    column = {Field.VALUE: "Value", Field.NUMERATOR: "Numerator",
              Field.DENOMINATOR: "Denominator", Field.COMMENTARY: "Commentary"}  # fmt: skip
    typed = {f"{COL[column[o.field]]}{rows[o.ref]}": o.raw for o in read_return(march).observations}
    assert len(typed) > 10
    fill_in(template, typed)
    expected = run([samples], ROOT / "samples/register.xlsx", MAR)
    got = run([others, template], ROOT / "samples/register.xlsx", MAR)
    assert got.report.errors == []
    assert got.data.drop(columns="source").equals(expected.data.drop(columns="source"))
    assert [c.text for c in got.commentary] == [c.text for c in expected.commentary]


def test_docs_describe_every_template_command() -> None:
    docs = (ROOT / "docs/templates.md").read_text(encoding="utf-8")
    for command in ("register", "return", "returns", "refresh"):
        assert f"kpixl template {command} " in docs
