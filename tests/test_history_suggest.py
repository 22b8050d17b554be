"""`kpixl suggest`: three years recorded by `kpixl build` in a real store, then next year's
thresholds beside the register, which is never changed (issue 18)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli.main import main
from tests.conftest import INDICATORS, write_book, write_register

SEASON = [1.0, 1.04, 0.96, 1.0, 0.84, 1.0, 1.08, 1.04, 0.7, 1.1, 1.0, 1.3]
NAMES = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The test register and a store holding its FY 2021/22 to 2023/24, as `kpixl build`
    recorded them."""
    tmp = tmp_path_factory.mktemp("suggest")
    register = write_register(tmp / "register.xlsx")
    store = f"sqlite:///{tmp / 'history.sqlite3'}"
    rng, rent_rng = random.Random(7), random.Random(11)
    for year in (2021, 2022, 2023):
        months = [f"{n}-{(year if i < 9 else year + 1) % 100:02d}" for i, n in enumerate(NAMES)]
        calls = [round(1000 * 1.05 ** (year - 2021) * s * rng.gauss(1, 0.03)) for s in SEASON]
        answered = [round(rng.uniform(0.86, 0.94), 3) for _ in months]
        rent = [
            round(rent_rng.uniform(0.03, 0.08), 3) for _ in months
        ]  # AA02: no YTD, lower is better
        rows = [["Ref", "Indicator description", *months], ["AA01", "Calls answered", *answered],
                ["AA02", "Rent outstanding", *rent], ["AA04", "Calls received", *calls]]  # fmt: skip
        returns = write_book(tmp / f"alpha_{year}.xlsx", {"KPIs": rows})
        code = main(["build", str(returns), "--register", str(register), "--period",
                     f"{year + 1}-03", "-o", str(tmp / f"out{year}"), "--store", store])  # fmt: skip
        assert code in (0, 1)
    return register, store


def _suggested(path: Path) -> dict[str, dict[str, object]]:
    rows = list(openpyxl.load_workbook(path)["Suggested"].iter_rows(values_only=True))
    header = rows[1]
    return {str(r[0]): dict(zip(header, r, strict=True)) for r in rows[2:]}


def test_suggest_writes_next_years_thresholds_beside_the_register(
    recorded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register, store = recorded
    before = hashlib.sha256(register.read_bytes()).hexdigest()
    out = tmp_path / "register_2024-25.xlsx"
    code = main(["suggest", "--register", str(register), "--year", "2024-25", "-o", str(out),
                 "--store", store])  # fmt: skip
    said = capsys.readouterr().out
    assert code == 0, said
    assert hashlib.sha256(register.read_bytes()).hexdigest() == before  # never changed
    assert "3 of 6 indicators with thresholds have a suggestion for 2024/25 (the others have no" \
        " whole year in" in said  # fmt: skip
    book = openpyxl.load_workbook(out)
    assert {"Indicators", "Service areas", "Settings", "Suggested"} <= set(book.sheetnames)
    rows = _suggested(out)
    calls = rows["AA04"]  # alerts on its YTD: a year-end range near 1,103 x 12.1
    assert calls["upper"] == 1200 and calls["lower"] == 800  # today's, as the register has them
    expected = 1000 * 1.05**2 * sum(SEASON) * 1.025  # last year, moved on by half its trend
    assert calls["suggested lower"] < expected < calls["suggested upper"]
    assert calls["years"] == 3 and calls["evidence"] == "year ends inside, tried on past years"
    answered = rows["AA01"]
    assert 0.86 <= answered["suggested floor"] < answered["suggested target"] <= 0.94
    rent = rows["AA02"]  # rated month by month: its years' typical months, lower is better
    assert 0.03 <= rent["suggested target"] < rent["suggested floor"] <= 0.08
    assert "typical months" in str(rent["method"])
    assert rows["BB01"]["method"] == "no whole year in the history store"


def test_suggest_never_writes_over_the_register(
    recorded: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    register, store = recorded
    before = register.read_bytes()
    code = main(["suggest", "--register", str(register), "--year", "2024-25", "-o",
                 str(register), "--store", store])  # fmt: skip
    assert code == 2
    assert "register" in capsys.readouterr().err
    assert register.read_bytes() == before


@pytest.mark.parametrize("year", ["next", "25-26", "3024-25"])
def test_a_year_that_is_not_one_is_one_line(
    recorded: tuple[Path, str], tmp_path: Path, year: str, capsys: pytest.CaptureFixture[str]
) -> None:
    register, store = recorded
    code = main(["suggest", "--register", str(register), "--year", year, "-o",
                 str(tmp_path / "s.xlsx"), "--store", store])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--year" in err and "2025-26" in err
    assert not (tmp_path / "s.xlsx").exists()


def test_the_stores_earlier_years_give_the_forecast_its_seasons(
    recorded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """September 2024, with 2021/22 to 2023/24 in the store: the December dip and the March
    peak still to come are in the year-end forecast, which says what it was made from."""
    import csv

    register, store = recorded
    months = [f"{n}-24" for n in NAMES[:6]]
    level = 1000 * 1.05**3
    calls = [round(level * s) for s in SEASON[:6]]
    rows = [["Ref", "Indicator description", *months], ["AA04", "Calls received", *calls]]
    returns = write_book(tmp_path / "alpha_2024.xlsx", {"KPIs": rows})
    out = tmp_path / "r.csv"
    code = main(["build", str(returns), "--register", str(register), "--period", "2024-09",
                 "-o", str(tmp_path / "d.xlsx"), "--results", str(out), "--store", store])  # fmt: skip
    assert code in (0, 1), capsys.readouterr().err
    with out.open(encoding="utf-8-sig") as f:
        row = next(r for r in csv.DictReader(f) if r["ref"] == "AA04" and r["forecast"])
    year_end = level * sum(SEASON)
    assert float(row["forecast"]) == pytest.approx(year_end, rel=0.03)
    flat = sum(calls) * 2  # the year so far carried on, no seasons: misses March's peak
    assert abs(float(row["forecast"]) - year_end) < abs(flat - year_end)
    code = main(["explain", "AA04", str(returns), "--register", str(register), "--period",
                 "2024-09", "--store", store])  # fmt: skip
    said = capsys.readouterr().out
    assert code == 0 and f"Year-end forecast: {float(row['forecast']):,.0f} (" in said
    assert "with the seasons and level of earlier years (3 earlier years known)" in said


def test_suggest_names_no_others_when_every_indicator_has_a_suggestion(
    recorded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, store = recorded
    recorded_only = [row for row in INDICATORS if row[0] in ("AA01", "AA04")]
    register = write_register(tmp_path / "register.xlsx", recorded_only)
    code = main(["suggest", "--register", str(register), "--year", "2024-25", "-o",
                 str(tmp_path / "next.xlsx"), "--store", store])  # fmt: skip
    said = capsys.readouterr().out
    assert code == 0, said
    assert "2 of 2 indicators with thresholds have a suggestion for 2024/25\n" in said
