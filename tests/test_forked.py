"""A map shared with forked copies of the process (a half, or each part as it is made) gives
exactly the plain map's results, in order, whatever befalls a copy; and rating shared that way
finds the same warnings."""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kpixl import forked
from kpixl.check import screen
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


def shared_in_a_pool_worker(n: int) -> list[int]:
    return [r for r, _ in forked.shared_map(square_with_pid, list(range(n)))]


@shared
def test_a_map_in_a_daemonic_process_is_done_there(monkeypatch: pytest.MonkeyPatch) -> None:
    """kpixl called in a multiprocessing.Pool's worker (daemonic: it may start no process)."""
    monkeypatch.setattr(forked, "LEAST", 2)  # the pool's forked worker has it too
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(shared_in_a_pool_worker, (6,)) == [x * x for x in range(6)]


def squares_in_parts(*bounds: int) -> list[Callable[[], list[int]]]:
    return [functools.partial(lambda a, b: list(range(a, b)), a, b) for a, b in bounds]


@shared
def test_each_part_but_the_last_is_worked_out_by_a_copy_as_it_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(forked, "LEAST", 4)
    monkeypatch.setattr(forked, "LEAST_PART", 4)
    made: list[int] = []
    parts = squares_in_parts((0, 6), (6, 8), (8, 14), (14, 22))
    logged = [functools.partial(lambda k, part: made.append(k) or part(), k, part)
              for k, part in enumerate(parts)]  # fmt: skip
    results = forked.streamed_map(square_with_pid, logged)
    assert [r for r, _ in results] == [x * x for x in range(22)] and made == [0, 1, 2, 3]
    pids = [pid for _, pid in results]
    here = os.getpid()
    assert len(set(pids[:6])) == 1 and pids[0] != here  # a copy of its own
    assert set(pids[6:8]) == {here}  # too few to be worth a copy
    assert len(set(pids[8:14])) == 1 and pids[8] not in (here, pids[0])
    assert set(pids[14:18]) == {here} and len(set(pids[18:])) == 1 and pids[18] != here


@shared
def test_a_part_whose_copy_dies_is_worked_out_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "LEAST_PART", 4)
    parts = squares_in_parts((0, 10), (10, 12))
    assert forked.streamed_map(dies_in_the_copy, parts) == list(range(1, 13))


def fails_on_two_and_fifteen(x: int) -> int:
    if x in (2, 15):
        raise ValueError(f"failed on {x}")
    return x


@shared
def test_an_error_in_an_earlier_part_is_raised_before_a_later_ones(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(forked, "LEAST_PART", 4)
    with pytest.raises(ValueError, match="failed on 2"):
        forked.streamed_map(fails_on_two_and_fifteen, squares_in_parts((0, 10), (10, 20)))

    def broken() -> list[int]:
        raise RuntimeError("the part could not be made")

    with pytest.raises(ValueError, match="failed on 2"):  # as the plain map: part 1's error first
        forked.streamed_map(fails_on_two_and_fifteen, [*squares_in_parts((0, 10)), broken])
    with pytest.raises(RuntimeError, match="could not be made"):
        forked.streamed_map(fails_on_two_and_fifteen, [*squares_in_parts((3, 10)), broken])
    assert capfd.readouterr().err == ""  # no traceback from a copy


def test_parts_are_worked_out_here_where_no_copy_can_be_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(forked.threading, "active_count", lambda: 2)
    monkeypatch.setattr(forked, "LEAST_PART", 1)
    results = forked.streamed_map(square_with_pid, squares_in_parts((0, 5), (5, 9)))
    assert results == [(x * x, os.getpid()) for x in range(9)]


@shared
def test_rating_shared_with_a_copy_finds_the_same_warnings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def said(least: int) -> list[tuple[str, str, str, str]]:
        monkeypatch.setattr(forked, "LEAST", least)
        monkeypatch.setattr(forked, "LEAST_PART", least)
        monkeypatch.setattr(screen, "PART_ROWS", 10 if least < 10 else 10**9)  # four parts
        results = run([SAMPLES / "returns"], SAMPLES / "register.xlsx")
        rows = results.data[["ref", "period", "ytd", "ytd_rag"]].astype(str)
        return [
            *[(i.code, i.ref, i.period, i.message) for i in results.report.issues],
            *map(tuple, rows.to_numpy().tolist()),
        ]

    alone = said(10**9)
    assert alone == said(2)
    assert any(code == "drag-fill" for code, *_ in alone)  # CS08's, found by the copy or here
