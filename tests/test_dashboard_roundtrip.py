"""A dashboard kpixl wrote, given back as a return, yields the same figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpixl.dashboard import write_dashboard
from kpixl.periods import Period
from kpixl.pipeline import run

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "samples/register.xlsx"


def test_dashboard_reads_back_as_a_return(tmp_path: Path) -> None:
    first = run([ROOT / "samples/returns"], REGISTER, Period(2025, 3))
    dashboard = write_dashboard(first, "CED-DCED", tmp_path / "CED-DCED_2025-03.xlsx")
    again = run([dashboard], REGISTER, Period(2025, 3))
    assert again.report.errors == []
    compared = ["ref", "period", "value", "month_rag", "ytd", "ytd_rag", "alert", "prev_year"]
    before = first.data[compared].to_dict("records")
    after = again.data[compared].to_dict("records")
    assert len(before) == len(after) == 584
    for b, a in zip(before, after, strict=True):
        words = {k: v for k, v in b.items() if not isinstance(v, float)}
        assert {k: a[k] for k in words} == words
        numbers = {k: v for k, v in b.items() if isinstance(v, float)}
        assert {k: a[k] for k in numbers} == pytest.approx(numbers, rel=1e-12), words
    assert {(c.ref, c.text) for c in again.commentary} == {
        (c.ref, c.text) for c in first.commentary
    }
