"""A map shared with a forked copy of the process gives exactly the plain map's results, in
order, whatever befalls the copy; and rating shared that way finds the same warnings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kpixl import forked
from kpixl.pipeline import run

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
PARENT = os.getpid()
shared = pytest.mark.skipif(not forked.can_fork(), reason="no fork, or one core, here")


def square_with_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@shared
def test_the_later_half_is_worked_out_by_another_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "LEAST", 10)
    results = forked.shared_map(square_with_pid, list(range(25)))
    assert [r for r, _ in results] == [x * x for x in range(25)]
    pids = [pid for _, pid in results]
    assert set(pids[:13]) == {os.getpid()}
    assert len(set(pids[13:])) == 1 and pids[13] != os.getpid()


def test_a_short_map_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "LEAST", 10)
    results = forked.shared_map(square_with_pid, list(range(9)))
    assert results == [(x * x, os.getpid()) for x in range(9)]


def dies_in_the_copy(x: int) -> int:
    if os.getpid() != PARENT:
        os._exit(3)  # the copy is killed, say by the kernel's out-of-memory killer
    return x + 1


@shared
def test_a_copy_that_dies_leaves_its_half_to_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "LEAST", 4)
    assert forked.shared_map(dies_in_the_copy, list(range(20))) == list(range(1, 21))


def fails_on_seven(x: int) -> int:
    if x == 7:
        raise ValueError("seven")
    return x


@shared
def test_an_error_in_the_later_half_is_raised_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "LEAST", 4)
    with pytest.raises(ValueError, match="seven"):
        forked.shared_map(fails_on_seven, list(range(10)))


@shared
def test_an_error_in_the_first_half_stops_the_copy_and_is_raised_alone(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(forked, "LEAST", 4)
    with pytest.raises(ValueError, match="seven"):
        forked.shared_map(fails_on_seven, list(range(20)))
    assert capfd.readouterr().err == ""  # no traceback from the copy


def unsendable(x: int) -> object:
    return lambda: x  # a result pickle cannot send back


@shared
def test_results_the_copy_cannot_send_are_worked_out_here(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(forked, "LEAST", 4)
    results = forked.shared_map(unsendable, list(range(10)))
    assert [f() for f in results] == list(range(10))  # type: ignore[operator]
    assert capfd.readouterr().err == ""


def test_no_copy_is_made_beside_another_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)
    monkeypatch.setattr(forked, "LEAST", 2)
    results = forked.shared_map(square_with_pid, list(range(6)))
    assert {pid for _, pid in results} == {os.getpid()}


@shared
def test_rating_shared_with_a_copy_finds_the_same_warnings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def said(least: int) -> list[tuple[str, str, str, str]]:
        monkeypatch.setattr(forked, "LEAST", least)
        results = run([SAMPLES / "returns"], SAMPLES / "register.xlsx")
        rows = results.data[["ref", "period", "ytd", "ytd_rag"]].astype(str)
        return [
            *[(i.code, i.ref, i.period, i.message) for i in results.report.issues],
            *map(tuple, rows.to_numpy().tolist()),
        ]

    alone = said(10**9)
    assert alone == said(2)
    assert any(code == "drag-fill" for code, *_ in alone)  # CS08's, found by the copy or here
