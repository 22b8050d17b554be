"""The previous-year column from the store: last year's figures, recorded when last year's
returns were built, give the same previous year as last year's returns themselves would; and
with no earlier year in the store, the samples' results are byte for byte what they were."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kpixl.cli.main import main
from tests.test_history_record import AA01, a_return, kpixl, register

ROOT = Path(__file__).resolve().parent.parent
LAST_YEAR = ["Apr-23", "May-23", "Jun-23", "Jul-23", "Aug-23", "Sep-23", "Oct-23", "Nov-23",
             "Dec-23", "Jan-24", "Feb-24", "Mar-24"]  # fmt: skip
AA01_LAST_YEAR = [0.8, 0.82, 0.85, 0.84, 0.86, 0.83, 0.81, 0.88, 0.87, 0.8, 0.79, 0.9]


@pytest.fixture(autouse=True)
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "kpixl"


def last_years_return(path: Path) -> Path:
    from tests.conftest import write_book

    header = ["Ref", *LAST_YEAR]
    return write_book(
        path,
        {
            "KPIs": [header, ["AA01", *AA01_LAST_YEAR]],
            "Numerators": [header, ["AA01", *[round(v * 150) for v in AA01_LAST_YEAR]]],
            "Denominators": [header, ["AA01", *[150] * 12]],
        },
    )


def prev_years(csv_file: Path, ref: str) -> dict[str, str]:
    with csv_file.open(encoding="utf-8-sig", newline="") as fh:
        return {r["period"]: r["prev_year"] for r in csv.DictReader(fh) if r["ref"] == ref}


def test_last_years_figures_from_the_store_give_the_previous_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg, store = register(tmp_path), f"sqlite:///{tmp_path / 'h.sqlite3'}"
    old = last_years_return(tmp_path / "2023-24" / "Alpha_2023-24.xlsx")
    new = a_return(tmp_path / "2024-25" / "Alpha_2024-25.xlsx", AA01)
    # what the previous year is when last year's return is given beside this year's
    both = tmp_path / "both.csv"
    assert kpixl(capsys, "build", old, new, "-r", reg, "-o", tmp_path / "b.xlsx", "--results",
                 both, "--no-store", "--period", "2024-12")[0] == 0  # fmt: skip
    # this year's return alone, before and after last year's was recorded
    alone = tmp_path / "alone.csv"
    kpixl(
        capsys,
        "build",
        new,
        "-r",
        reg,
        "-o",
        tmp_path / "a.xlsx",
        "--results",
        alone,
        "--store",
        store,
    )
    kpixl(capsys, "build", old, "-r", reg, "-o", tmp_path / "o.xlsx", "--store", store)
    from_store = tmp_path / "from_store.csv"
    code, out, err = kpixl(capsys, "build", new, "-r", reg, "-o", tmp_path / "s.xlsx", "--results",
                           from_store, "--store", store)  # fmt: skip
    assert (code, err) == (0, "") and "the previous year of 1 from it" in out
    assert set(prev_years(alone, "AA01").values()) == {"0.85"}  # the register's prev_year
    expected = prev_years(both, "AA01")
    assert prev_years(from_store, "AA01") == expected
    # Dec-24 against Apr-Dec 2023: the ratio of last year's numerators and denominators
    numerators = sum(round(v * 150) for v in AA01_LAST_YEAR[:9])
    assert float(expected["2024-12"]) == pytest.approx(numerators / (150 * 9))


def test_a_returns_own_previous_year_wins_over_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import write_book

    reg, store = register(tmp_path), f"sqlite:///{tmp_path / 'h.sqlite3'}"
    kpixl(capsys, "build", last_years_return(tmp_path / "o" / "Old.xlsx"), "-r", reg,
          "-o", tmp_path / "o.xlsx", "--store", store)  # fmt: skip
    given = write_book(
        tmp_path / "n" / "New.xlsx",
        {"KPIs": [["Ref", "Dec-24", "Prev. Year"], ["AA01", 0.9, 0.77]]},
    )
    out_csv = tmp_path / "r.csv"
    kpixl(
        capsys,
        "build",
        given,
        "-r",
        reg,
        "-o",
        tmp_path / "n.xlsx",
        "--results",
        out_csv,
        "--store",
        store,
    )
    assert prev_years(out_csv, "AA01")["2024-12"] == "0.77"


def test_the_samples_results_are_unchanged_when_the_store_holds_no_earlier_year(
    tmp_path: Path,
) -> None:
    samples, reg = ROOT / "samples" / "returns", ROOT / "samples" / "register.xlsx"
    store = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    made = []
    for name, how in [
        ("none", ["--no-store"]),
        ("empty", ["--store", store]),
        ("same", ["--store", store]),
    ]:
        target = tmp_path / f"{name}.csv"
        code = main(["build", str(samples), "-r", str(reg), "--period", "2025-03",
                     "-o", str(tmp_path / f"{name}.xlsx"), "--results", str(target), *how])  # fmt: skip
        assert code == 0
        made.append(target.read_bytes())
    assert made[0] == made[1] == made[2]  # the third run's store holds this year only
