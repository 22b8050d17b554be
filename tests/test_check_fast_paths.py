"""The shortcuts that make `kpixl validate` fast give exactly what the plain rules give."""

from __future__ import annotations

import math
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from kpixl.check import level, levels, runs
from kpixl.errors import RegisterError, UsageError
from kpixl.periods import Period
from kpixl.pipeline import run
from kpixl.rate.rating import compute_ytd, running_ytd
from kpixl.read import workbook
from kpixl.read.returns import Field, Observation, ReturnFile
from kpixl.register.load import load_register
from kpixl.register.model import Indicator, Kind, Unit, YtdMethod
from kpixl.results import DATA_COLUMNS

FAST = settings(max_examples=300, deadline=None)
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

maybe = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))
small = st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.5, -1.0]))


def indicator(method: YtdMethod = YtdMethod.MEAN, unit: Unit = Unit.COUNT) -> Indicator:
    return Indicator("X01", "Test", "Area", Kind.KPI, unit=unit, ytd=method, target=0.9)


@FAST
@given(
    st.sampled_from(list(YtdMethod)),
    st.lists(st.tuples(maybe, small, small), max_size=12),
    st.booleans(),
)
def test_running_ytd_is_compute_ytd_month_by_month(
    method: YtdMethod, months: list[tuple[float | None, float | None, float | None]], parts: bool
) -> None:
    ind = indicator(method)
    values = [v for v, _, _ in months]
    nums = [n for _, n, _ in months] if parts else None
    dens = [d for _, _, d in months] if parts else None
    expected = [
        compute_ytd(
            ind,
            values[: i + 1],
            None if nums is None else nums[: i + 1],
            None if dens is None else dens[: i + 1],
        )
        for i in range(len(values))
    ]
    assert running_ytd(ind, values, nums, dens) == expected


@FAST
@given(
    st.lists(st.one_of(st.floats(1, 1e6), st.sampled_from([0.0, 1.0, 2.5, 50.0])), min_size=4,
             max_size=24),
    st.sampled_from([(True, False), (False, True), (False, False)]),
    st.booleans(),
)  # fmt: skip
def test_the_screen_measures_every_month_as_the_rules_do(
    values: list[float], kind: tuple[bool, bool], negative: bool
) -> None:
    """kpixl.check.levels (numpy, all rows at once) gives kpixl.check.level's distances."""
    values = [-v for v in values] if negative else values
    log, percent = kind
    rows = np.array([values, list(reversed(values))])
    found = levels.measure(rows, np.array([log, log]), np.array([percent, percent]))
    for k, row in enumerate(rows):
        expected = level.level(list(row), log=log, percent=percent)
        for got, want in (
            (found.z, expected.z),
            (found.noise, expected.noise),
            (found.left, expected.left),
            (found.right, expected.right),
        ):
            assert got[k].tolist() == pytest.approx(want, rel=1e-9, abs=1e-9, nan_ok=True)


@FAST
@given(
    st.lists(
        st.lists(st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, 0.5, math.nan])),
                 min_size=13, max_size=13),
        min_size=1, max_size=6,
    ),
    st.integers(1, 13),
)  # fmt: skip
def test_the_screens_median_is_numpys_to_the_bit(rows: list[list[float]], width: int) -> None:
    """levels.median (by sorting) is np.median(axis=1): odd and even widths, ties, NaN rows."""
    table = np.array([row[:width] for row in rows])
    got, want = levels.median(table), np.median(table, axis=1)
    assert np.array_equal(got, want, equal_nan=True)
    assert got.tobytes() == np.where(np.isnan(want), got, want).tobytes()  # -0.0 and 0.0 too


@FAST
@given(st.lists(st.one_of(st.floats(-1e9, 1e9), st.sampled_from([0.0, 1.0, 0.25, 12.5, 1e-7])),
                max_size=16))  # fmt: skip
def test_a_runs_step_is_found_as_counting_every_value_finds_it(values: list[float]) -> None:
    """runs.resolution (every place at once, in numpy) is the plain count of every value."""
    expected = 1e-6
    for places in range(-3, 7):
        scaled = [v * 10.0**places for v in values]
        if sum(abs(x - round(x)) <= 1e-6 * max(1.0, abs(x)) for x in scaled) >= 0.75 * len(values):
            expected = 10.0**-places
            break
    assert runs.resolution(values) == expected


def test_a_step_is_found_past_the_largest_float() -> None:
    """A figure that a millionth's step takes past the largest float (or one that is not a
    number) only misses that place: no OverflowError, as there was in round(inf)."""
    assert runs.resolution([0.123456] * 18 + [1e303] * 6) == 1e-6
    assert runs.resolution([2.5] * 18 + [math.nan, math.inf] * 3) == 0.1
    assert level.resolution([0.123456] * 6 + [1e303] * 6) == 1e-6


_ROW = re.compile(rb'\br="(\d+)"')
_CELL = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _reference_extent(xml: bytes) -> tuple[int, int]:
    rows = cols = 0
    for m in _ROW.finditer(xml):
        rows = max(rows, int(m.group(1)))
    for m in _CELL.finditer(xml):
        rows = max(rows, int(m.group(2)))
        cols = max(cols, workbook._col_number(m.group(1)))
    return rows, cols


PIECES = [b'r="', b'"', b"A", b"XFD", b"12", b"1048576", b"<c ", b">", b"x", b" ", b"r=", b"0"]


@FAST
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_sheet_extent_scan_in_chunks_finds_every_reference(pieces: list[bytes]) -> None:
    xml = b"".join(pieces)
    assert workbook._extent(xml) == _reference_extent(xml)
    chunk = workbook._SCAN_CHUNK
    workbook._SCAN_CHUNK = 7  # many cuts: none may lose or invent a reference
    try:
        assert workbook._extent(xml) == _reference_extent(xml)
    finally:
        workbook._SCAN_CHUNK = chunk


def test_observations_come_back_from_a_reader_process_unchanged() -> None:
    obs = Observation("KPI 01", Period(2025, 3), Field.VALUE, 0.85, "/in/ret.xlsx", "KPIs", "C7")
    result = ReturnFile(Path("/in/ret.xlsx"), [obs, obs._replace(raw="n/a", cell="D7")])
    back = pickle.loads(pickle.dumps(result))
    assert back.observations == result.observations
    assert back.observations[1].raw == "n/a"
    assert back.observations[0].source == "ret.xlsx!KPIs!C7"
    assert back.observations[0].ref_cell == "" and not back.observations[0].formula_without_value


def test_validating_never_imports_pandas_but_the_table_is_there_when_asked() -> None:
    code = (
        "import sys; from kpixl.pipeline import run; "
        f"r = run([{str(SAMPLES / 'returns')!r}], {str(SAMPLES / 'register.xlsx')!r}); "
        "print(len(r.report), 'pandas' in sys.modules); "
        "print(r.data.shape, 'pandas' in sys.modules, sorted(set(map(str, r.data.dtypes))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split("\n")
    issues, before = out[0].split()
    assert int(issues) > 0 and before == "False"
    rows, columns = (int(n) for n in re.findall(r"\d+", out[1].split(")")[0]))
    assert rows > 0 and columns == len(DATA_COLUMNS)
    assert out[1].endswith("True ['object']")


NOT_A_BOOK = re.escape("register register.xlsx: the file is not an Excel workbook")


def test_register_read_beside_the_returns_still_reports_its_problems_first(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "register.xlsx"
    bad.write_text("ref,description\n", encoding="utf-8")  # a CSV renamed: no workbook
    with pytest.raises(RegisterError, match=NOT_A_BOOK):
        run([SAMPLES / "returns"], bad)  # read in a reader process, beside the returns
    with pytest.raises(RegisterError, match=NOT_A_BOOK):
        run([tmp_path / "nowhere"], bad)  # no returns either: the register is still first
    with pytest.raises(UsageError, match="nowhere: no such file or folder"):
        run([tmp_path / "nowhere"], SAMPLES / "register.xlsx")


def test_register_problems_come_back_from_the_reader_process_whole(tmp_path: Path) -> None:
    register = load_register(SAMPLES / "register.xlsx")
    first = next(iter(register.indicators))
    bad = tmp_path / "register.xlsx"
    book = load_workbook(SAMPLES / "register.xlsx")
    sheet = book["Indicators"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == first:
            row[0].value = None  # an indicator row without its ref
    book.save(bad)
    with pytest.raises(RegisterError) as caught:
        run([SAMPLES / "returns"], bad)
    assert [i.code.value for i in caught.value.issues] == ["register-missing-value"]
    assert caught.value.issues[0].sheet == "Indicators"
