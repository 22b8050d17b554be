"""Into and out of the history store: past returns and dashboards imported (a team starts with
its history), and the whole store exported as one tidy table, CSV or Excel."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from kpixl.history.export import EXPORT_COLUMNS
from tests.test_history_previous import AA01_LAST_YEAR, last_years_return, prev_years
from tests.test_history_record import AA01, a_return, kpixl, register, rows


@pytest.fixture(autouse=True)
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "kpixl"


def test_last_years_returns_imported_give_this_years_previous_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg, store = register(tmp_path), f"sqlite:///{tmp_path / 'h.sqlite3'}"
    old = last_years_return(tmp_path / "2023-24" / "Alpha_2023-24.xlsx")
    code, out, err = kpixl(capsys, "history", "import", old.parent, "-r", reg, "--store", store)
    assert (code, err) == (0, "") and "history: 12 new figure(s)" in out
    assert sorted(p.name for p in tmp_path.rglob("*.xlsx")) == [
        "Alpha_2023-24.xlsx",
        "register.xlsx",
    ]
    assert rows(store, "SELECT command, period FROM runs") == [("import", "2024-03")]
    this_year = a_return(tmp_path / "2024-25" / "Alpha.xlsx", AA01)
    results = tmp_path / "r.csv"
    kpixl(capsys, "build", this_year, "-r", reg, "-o", tmp_path / "d.xlsx", "--results", results,
          "--store", store)  # fmt: skip
    ratio = sum(round(v * 150) for v in AA01_LAST_YEAR[:9]) / (150 * 9)
    assert float(prev_years(results, "AA01")["2024-12"]) == pytest.approx(ratio)


def test_a_dashboard_kpixl_wrote_imports_as_its_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg, store = register(tmp_path), f"sqlite:///{tmp_path / 'h.sqlite3'}"
    dashboard = tmp_path / "old" / "D1_2024-12.xlsx"
    ret = a_return(tmp_path / "in" / "Alpha.xlsx", AA01)
    assert kpixl(capsys, "build", ret, "-r", reg, "-o", dashboard, "--no-store")[0] == 0
    code, out, _ = kpixl(capsys, "history", "import", dashboard, "-r", reg, "--store", store)
    assert code in (0, 1) and "history: " in out
    got = rows(store, "SELECT period, value, file FROM figures WHERE ref = 'AA01' ORDER BY period")
    assert [(p, v) for p, v, _ in got] == [
        (f"2024-{m:02d}", v) for m, v in zip(range(4, 13), AA01, strict=True)
    ]
    assert {f for *_, f in got} == {"D1_2024-12.xlsx"}


def test_the_whole_store_exports_as_one_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg, store = register(tmp_path), f"sqlite:///{tmp_path / 'h.sqlite3'}"
    kpixl(capsys, "build", a_return(tmp_path / "a" / "Alpha.xlsx", AA01), "-r", reg,
          "-o", tmp_path / "a.xlsx", "--store", store)  # fmt: skip
    fixed = a_return(tmp_path / "b" / "Alpha_v2.xlsx", AA01, note="+5% on November")
    kpixl(capsys, "build", fixed, "-r", reg, "-o", tmp_path / "b.xlsx", "--store", store)

    code, out, _ = kpixl(capsys, "history", "export", tmp_path / "h.csv", "--store", store)
    assert code == 0 and out.strip() == f"wrote {tmp_path / 'h.csv'}: 19 figure version(s)"
    with (tmp_path / "h.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert tuple(table[0]) == EXPORT_COLUMNS and len(table) == 19
    december = [r for r in table if r["ref"] == "AA01" and r["period"] == "2024-12"]
    assert [(r["version"], r["current"], r["file"], r["commentary"]) for r in december] == [
        ("1", "False", "Alpha.xlsx", "On track"),
        ("2", "True", "Alpha_v2.xlsx", "'+5% on November"),  # not a formula in Excel
    ]
    assert december[1]["recorded_at"].endswith("+00:00") and december[1]["command"] == "build"

    assert kpixl(capsys, "history", "export", tmp_path / "h.xlsx", "--store", store)[0] == 0
    sheet = openpyxl.load_workbook(tmp_path / "h.xlsx")["History"]
    values = list(sheet.values)
    assert values[0] == EXPORT_COLUMNS and len(values) == 20
    latest = [v for v in values if v[:4] == ("AA01", "2024-12", 2, True)]
    assert [v[9] for v in latest] == ["+5% on November"]  # as written: Excel keeps it as text

    code, _, err = kpixl(capsys, "history", "export", tmp_path / "h.sqlite3", "--store", store)
    assert code == 2 and err.count("\n") == 1
    code, _, err = kpixl(capsys, "history", "export", tmp_path / "h.txt", "--store", store)
    assert code == 2 and "name the export .csv or .xlsx" in err


def test_text_that_looks_like_a_formula_is_exported_to_excel_as_text(tmp_path: Path) -> None:
    from kpixl.history.export import _xlsx

    row = ("AA01", "2024-12", 1, True, 0.9, None, None, None, None, '=HYPERLINK("http://x")',
           "Alpha.xlsx", "KPIs", "J2", None, "jsmith", "2025-01-10T09:12:00+00:00", "build")  # fmt: skip
    (tmp_path / "h.xlsx").write_bytes(_xlsx([row]))
    cell = openpyxl.load_workbook(tmp_path / "h.xlsx")["History"]["J2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")
