"""Returns validated while the readers still read the others give what validating after gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpixl import pipeline
from kpixl.pipeline import find_returns, rate, read_returns, run
from kpixl.read.isolation import Budget, Failure, run_isolated
from kpixl.register.load import load_register
from tests.test_check_validate import wide


@pytest.mark.parametrize("per_result", [1, 4, 1000])
def test_validating_as_returns_arrive_gives_the_same_results(
    tmp_path: Path, register_path: Path, monkeypatch: pytest.MonkeyPatch, per_result: int
) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    wide(folder, name="alpha.xlsx")
    wide(folder, {("AA01", "Mar-25"): 0.5, ("AA04", "Feb-25"): "lots"}, name="beta.xlsx")
    wide(folder, {("AA02", "Jan-25"): 7}, name="gamma.xlsx", extra=[["ZZ99", "unknown", 1]])
    (folder / "delta.xlsx").write_text("Ref,Value\nAA01,0.9\n", encoding="utf-8")
    for n in range(6):  # enough files for both readers to be busy while the register loads
        wide(folder, name=f"more_{n}.xlsx")
    monkeypatch.setattr(pipeline, "_PER_RESULT", per_result)

    streamed = run([folder], register_path)
    files, _ = find_returns([folder])
    plain = rate(load_register(register_path), read_returns(files, 1))

    assert [i.as_dict() for i in streamed.report] == [i.as_dict() for i in plain.report]
    codes = {i.code.value for i in streamed.report}
    assert {"conflicting-value", "not-numeric", "unknown-ref", "not-a-workbook"} <= codes
    assert streamed.period == plain.period
    assert streamed.files == plain.files
    assert streamed.data.equals(plain.data)


def test_each_result_is_handed_over_once_as_it_comes_in() -> None:
    tasks = [(-1,), ("x",), (2,), (-3.5,), (4,)]
    seen: list[tuple[int, object]] = []
    results = run_isolated(
        abs, tasks, 2, Budget(512, 30), lambda i, result: seen.append((i, result))
    )
    assert sorted(seen, key=lambda s: s[0]) == list(enumerate(results))
    assert results[0] == 1 and results[3] == 3.5
    assert isinstance(results[1], Failure) and "TypeError" in results[1].reason
