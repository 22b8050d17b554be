"""Time the history store on the scale case: what recording adds to `kpixl batch`, and how fast
`kpixl history REF` answers from a store holding five years of it.

    python benchmarks/history.py [--areas 600] [--indicators 40] [--jobs 2] [--keep DIR]
                                 [--repeat N] [--years 5] [--skip-batch]

The scale case is benchmarks/validate.py's: 600 service-area returns x 40 indicators x 12
months (288,000 figures), 30 dashboards of 20 areas. Prints
- `kpixl batch --force` without a store (`--no-store`) and recording into a new SQLite store
  (`--store sqlite:///...`), in turn, each into a fresh output folder, N times; their medians and
  the overhead (target: recording adds at most 20%);
- the same batch recording into a store that already holds the four financial years before
  (what a team has after a few years: the run reads three earlier years back for the
  previous-year column and the forecast's seasons, and records beside 1.15 million figures);
- a store of five financial years (1.44 million figures, plus one resubmission of 1 figure in 20
  of the latest year as revisions), recorded through kpixl's own record path
  (kpixl.history.record.record_run): the returns are read and rated once in this process, and
  each earlier year is the same figures moved back 12, 24, ... months, with their values scaled
  so that the years differ;
- `kpixl history REF --store ...`, with `--json` and with `--changes`, as a user runs them (the
  command line), median of N, at least 5 (target < 0.3 s); then with `--register` instead (its
  register of 24,000 indicators is read too), and `kpixl --version` for comparison.
Batch times are wall and CPU seconds (user + system of the process tree): on a shared machine
the wall time of one command varies threefold with other people's work, its CPU time little.
With --keep DIR the returns and stores are made there once and reused. kpixl is byte-compiled
first, as an installed kpixl is (see benchmarks/validate.py).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import compile_kpixl, make_register, make_return

KPIXL = [sys.executable, "-m", "kpixl"]


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc


def cpu_of_children() -> float:
    """CPU seconds (user + system) of the finished child processes so far: on a shared machine
    far steadier than wall time, which waits for other people's work."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def batch(
    returns: Path, register: Path, out: Path, jobs: int, store: list[str]
) -> tuple[float, float]:
    """`kpixl batch --force` into a fresh `out`, as a user runs it: wall and CPU seconds."""
    shutil.rmtree(out, ignore_errors=True)
    command = [*KPIXL, "batch", str(returns), "-r", str(register), "-o", str(out), "--force",
               "--jobs", str(jobs), *store]  # fmt: skip
    cpu = cpu_of_children()
    elapsed, proc = timed(command)
    cpu = cpu_of_children() - cpu
    said = [line for line in proc.stdout.splitlines() if line.startswith("history:")]
    print(f"  batch {store[0]:<10} {elapsed:7.2f} s wall, {cpu:7.2f} s CPU, exit {proc.returncode}"
          f"{'  ' + said[0][:60] if said else ''}")  # fmt: skip
    if proc.returncode == 2 or (store != ["--no-store"] and not said):
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    return elapsed, cpu


def _medians(label: str, runs: list[tuple[float, float]], base: list[tuple[float, float]]) -> None:
    wall, cpu = (statistics.median(r[i] for r in runs) for i in (0, 1))
    wall0, cpu0 = (statistics.median(r[i] for r in base) for i in (0, 1))
    added = "" if runs is base else (f" = +{(wall / wall0 - 1) * 100:.0f}% wall, "
                                     f"+{(cpu / cpu0 - 1) * 100:.0f}% CPU (target <= +20%)")  # fmt: skip
    print(f"{label}, median of {len(runs)}: {wall:7.2f} s wall, {cpu:7.2f} s CPU{added}")


def compare_batch(work: Path, returns: Path, register: Path, args: argparse.Namespace) -> None:
    """--no-store and a new store in turn, N times; then a store holding earlier years."""
    plain, stored = [], []
    for n in range(args.repeat):
        print(f"-- batch, run {n + 1} of {args.repeat}")
        plain.append(batch(returns, register, work / "out_plain", args.jobs, ["--no-store"]))
        db = work / "batch.sqlite3"
        _remove_store(db)
        url = ["--store", f"sqlite:///{db}"]
        stored.append(batch(returns, register, work / "out_store", args.jobs, url))
    _medians("kpixl batch --no-store", plain, plain)
    _medians("kpixl batch --store (a new SQLite store)", stored, plain)
    earlier = work / "four_years.sqlite3"
    if earlier.exists():
        later = []
        for _ in range(args.repeat):
            db = work / "batch_on_four.sqlite3"
            _remove_store(db)
            shutil.copyfile(earlier, db)
            url = ["--store", f"sqlite:///{db}"]
            later.append(batch(returns, register, work / "out_store", args.jobs, url))
        _medians("kpixl batch --store (holding the 4 years before)", later, plain)


def _remove_store(db: Path) -> None:
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)


class _YearBack:
    """A run's results as `record_run` reads them, moved back `months` months."""

    def __init__(self, results: Any, months: int) -> None:
        from kpixl.results import DATA_COLUMNS

        self.register, self.months = results.register, months
        self.period = results.period.shift(-months)
        at = DATA_COLUMNS.index("period")
        self._rows = [(*r[:at], _back(r[at], months), *r[at + 1 :]) for r in results.rows()]

    def rows(self) -> list[tuple[object, ...]]:
        return self._rows


def _back(period: object, months: int) -> str:
    from kpixl.periods import Period

    return str(Period.parse(str(period)).shift(-months))


def _taken_back(taken: Any, years: int, scale: float) -> Any:
    """The figures of `taken` (as kpixl.history.record.FIGURE_ROW), `years` years earlier, each
    number scaled by `scale`."""
    from kpixl.history.record import Accepted

    def moved(row: tuple[Any, ...]) -> tuple[Any, ...]:
        numbers = (None if v is None else v * scale for v in row[2:7])
        return (row[0], _back(row[1], 12 * years), *numbers, *row[7:])

    return Accepted(taken.files, [moved(r) for r in taken.figures])


def build_store(work: Path, returns: Path, register: Path, years: int) -> Path:
    """A store of `years` financial years of the scale case, recorded by record_run; the store
    of the years before the latest is kept too (four_years.sqlite3), for compare_batch."""
    from kpixl.history.location import checked
    from kpixl.history.record import record_run, take
    from kpixl.history.store import open_store
    from kpixl.pipeline import run_with_figures

    db, before = work / "five_years.sqlite3", work / "four_years.sqlite3"
    if db.exists() and before.exists():
        return db
    _remove_store(db)
    start = time.perf_counter()
    results, figures = run_with_figures([returns], register)
    taken = take(results, figures)
    print(f"read and rated the returns in this process: {time.perf_counter() - start:.1f} s")
    store = open_store(checked(f"sqlite:///{db}"))
    try:
        for back in range(years - 1, -1, -1):
            if back == 0:
                store.close()
                shutil.copyfile(db, before)
                store = open_store(checked(f"sqlite:///{db}"))
            start = time.perf_counter()
            year = _taken_back(taken, back, 1 - 0.03 * back) if back else taken
            done = record_run(store, "batch", _YearBack(results, 12 * back), year)  # type: ignore[arg-type]
            print(f"recorded {results.period.shift(-12 * back)}: {done.new} new, "
                  f"{done.revised} revised in {time.perf_counter() - start:.1f} s")  # fmt: skip
        resubmitted = [(*r[:2], r[2] * 1.01 if i % 20 == 0 and r[2] else r[2], *r[3:])
                       for i, r in enumerate(taken.figures)]  # fmt: skip
        start = time.perf_counter()
        done = record_run(store, "batch", results, type(taken)(taken.files, resubmitted))
        print(f"resubmitted 1 figure in 20 of {results.period}: {done.revised} revised, "
              f"{done.unchanged} unchanged in {time.perf_counter() - start:.1f} s")  # fmt: skip
    finally:
        store.close()
    return db


def time_history(db: Path, register: Path, ref: str, repeat: int) -> None:
    """`kpixl history REF` (text and --json) and `--changes` for REF, as a user runs them."""
    base = [*KPIXL, "history", ref, "--store", f"sqlite:///{db}"]
    size = db.stat().st_size / 1e6
    count = _count(db)
    print(f"store: {count:,} figure rows, {size:.0f} MB ({db})")
    variants = (("", []), (" --json", ["--json"]), (" --changes", ["--changes"]))
    for label, extra in variants:
        times, lines = [], 0
        for _ in range(repeat):
            elapsed, proc = timed([*base, *extra])
            times.append(elapsed)
            lines = proc.stdout.count("\n")
            if proc.returncode != 0:
                print(proc.stdout[-1000:], proc.stderr[-1000:])
        print(f"kpixl history {ref}{label}: median {statistics.median(times):.3f} s of {repeat} "
              f"(min {min(times):.3f}, max {max(times):.3f}), {lines} lines out"
              f"{' (target < 0.3 s)' if not extra else ''}")  # fmt: skip
    times = [timed([*KPIXL, "history", ref, "-r", str(register)])[0] for _ in range(repeat)]
    print(
        f"kpixl history {ref} --register REGISTER (reads its store setting and organisation "
        f"from the register): median {statistics.median(times):.3f} s"
    )
    elapsed, _ = timed([*KPIXL, "--version"])
    print(f"for scale: `kpixl --version` takes {elapsed:.3f} s (the interpreter and kpixl start)")


def _count(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM figures").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--areas", type=int, default=600)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--years", type=int, default=5, help="financial years in the store")
    parser.add_argument("--keep", type=Path, default=None, help="make (or reuse) the case here")
    parser.add_argument("--repeat", type=int, default=3, help="measure N times, take medians")
    parser.add_argument("--skip-batch", action="store_true", help="only the history store")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kpixl-bench-history-"))
    returns, register = work / "returns", work / "register.xlsx"
    files = [returns / f"area_{a:03d}.xlsx" for a in range(args.areas)]
    if not (register.exists() and all(f.exists() for f in files)):
        returns.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        make_register(register, args.areas, args.indicators)
        for a, path in enumerate(files):
            make_return(path, a, args.indicators)
        print(f"generated {args.areas} returns x {args.indicators} indicators x 12 months "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
    compile_kpixl()
    db = build_store(work, returns, register, args.years)
    if not args.skip_batch:
        compare_batch(work, returns, register, args)
    time_history(db, register, "A000I00", max(args.repeat, 5))
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
