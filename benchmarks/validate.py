"""Time `kpixl validate` on N generated service-area returns against the calamine read floor.

    python benchmarks/validate.py [--areas 600] [--indicators 40] [--keep DIR] [--repeat N]

Prints the read floor (python-calamine reading every sheet of every return in one process),
the ideal reader (benchmarks/ideal_read.py: calamine alone on the register and the returns in
two processes, the least any design with isolated readers can take), the `kpixl validate`
wall time (the command line, as a user runs it), its ratio to the floor (target <= 2.0) and
peak memory. With --keep DIR the case is made there once and reused; --repeat N measures
floor and command N times in turn (the machine's noise is large) and prints the median ratio.

Then the noisy variant (issue 16): the same returns with realistic noisy series, one
indicator in five carrying a typing slip (×10, ÷1000, two digits swapped, a value copied
forward), so that many indicators are checked one by one and warned about; it prints the
`kpixl validate` time of both cases and their ratio (target <= 1.25x). --noisy-only skips
the first part.
kpixl is byte-compiled first, as an installed kpixl is (see compile_kpixl).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import python_calamine
import xlsxwriter

MONTHS = ["Apr-24", "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24", "Nov-24",
          "Dec-24", "Jan-25", "Feb-25", "Mar-25"]  # fmt: skip


def make_register(path: Path, areas: int, indicators: int) -> None:
    book = xlsxwriter.Workbook(str(path))
    ind = book.add_worksheet("Indicators")
    ind.write_row(
        0, 0, ["ref", "description", "service_area", "kind", "unit", "target", "floor", "ytd"]
    )
    row = 1
    for a in range(areas):
        for i in range(indicators):
            kpi = i % 2 == 0
            ind.write_row(row, 0, [f"A{a:03d}I{i:02d}", f"Indicator {i} of area {a}", f"Area {a:03d}",
                                   "KPI" if kpi else "Activity", "percent" if kpi else "count",
                                   0.9 if kpi else "", 0.8 if kpi else "", "mean" if kpi else "sum"])  # fmt: skip
            row += 1
    sa = book.add_worksheet("Service areas")
    sa.write_row(0, 0, ["service_area", "department", "dashboard"])
    for a in range(areas):
        sa.write_row(a + 1, 0, [f"Area {a:03d}", f"Dept {a // 20:02d}", f"Dash{a // 20:02d}"])
    book.add_worksheet("Settings").write_row(0, 0, ["organisation", "Benchmark"])
    book.close()


def make_return(path: Path, area: int, indicators: int) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, ["Ref", "Indicator description", *MONTHS])
    for i in range(indicators):
        kpi = i % 2 == 0
        values = [0.8 + ((area + i + m) % 19) / 100 if kpi else 1000 + (area * 7 + i * 13 + m * 31) % 500
                  for m in range(12)]  # fmt: skip
        sheet.write_row(i + 1, 0, [f"A{area:03d}I{i:02d}", f"Indicator {i}", *values])
    book.close()


def make_noisy_return(path: Path, area: int, indicators: int) -> None:
    """A return of noisy series, one indicator in five with a typing slip in it."""
    rng = random.Random(area)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("KPIs")
    sheet.write_row(0, 0, ["Ref", "Indicator description", *MONTHS])
    for i in range(indicators):
        values = _noisy_series(rng, kpi=i % 2 == 0)
        if rng.random() < 0.2:
            _type_slip(rng, values, kpi=i % 2 == 0)
        sheet.write_row(i + 1, 0, [f"A{area:03d}I{i:02d}", f"Indicator {i}", *values])
    book.close()


def _noisy_series(rng: random.Random, *, kpi: bool) -> list[float]:
    if kpi:  # a percentage worked out from a numerator and denominator
        level, noise = rng.uniform(0.6, 0.95), rng.uniform(0.01, 0.05)
        return [min(1.0, max(0.0, round(rng.gauss(level, noise), 4))) for _ in MONTHS]
    level, noise = rng.uniform(200, 20000), rng.uniform(0.03, 0.15)
    return [float(round(level * rng.lognormvariate(0, noise))) for _ in MONTHS]


def _type_slip(rng: random.Random, values: list[float], *, kpi: bool) -> None:
    m = rng.randint(1, 9)
    kind = rng.choice(["scale", "swap", "copy"])
    if kind == "copy":
        values[m + 1] = values[m + 2] = values[m]
    elif kind == "swap":
        text = str(round(values[m] * 100) if kpi else int(values[m]))
        swapped = float(text[1] + text[0] + text[2:]) if text[0] != text[1] else float(text)
        values[m] = swapped / 100 if kpi else swapped
    else:
        values[m] = round(values[m] / 10, 4) if kpi else values[m] * rng.choice([10, 0.001])


def compile_kpixl() -> None:
    """Byte-compile kpixl first, as pip does for an installed package and Python does on a
    first run: where PYTHONDONTWRITEBYTECODE is set (this sandbox sets it) every measured run
    would otherwise compile kpixl's modules from source, about 0.1 s a run no user pays."""
    import compileall

    import kpixl

    compileall.compile_dir(str(Path(kpixl.__file__).parent), quiet=1)


def read_floor(files: list[Path]) -> float:
    start = time.perf_counter()
    for f in files:
        book = python_calamine.CalamineWorkbook.from_path(str(f))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    return time.perf_counter() - start


def ideal_read(files: list[Path], register: Path) -> float:
    """benchmarks/ideal_read.py as a command: the least two reader processes can take."""
    script = Path(__file__).with_name("ideal_read.py")
    start = time.perf_counter()
    subprocess.run([sys.executable, str(script), str(register), *map(str, files)], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=600)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--keep", type=Path, default=None, help="make (or reuse) the files here")
    parser.add_argument("--repeat", type=int, default=1, help="measure this many times in turn")
    parser.add_argument("--noisy-only", action="store_true", help="only the noisy comparison")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kpixl-bench-"))
    returns = work / "returns"
    register = work / "register.xlsx"
    files = [returns / f"area_{a:03d}.xlsx" for a in range(args.areas)]
    if not (register.exists() and all(f.exists() for f in files)):
        returns.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        make_register(register, args.areas, args.indicators)
        for a, path in enumerate(files):
            make_return(path, a, args.indicators)
        print(f"generated {args.areas} returns x {args.indicators} indicators x 12 months "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    compile_kpixl()
    if not args.noisy_only:
        ratios = [measure(files, returns, register) for _ in range(args.repeat)]
        if args.repeat > 1:
            print(
                f"median ratio of {args.repeat}: {statistics.median(ratios):.2f}x (target <= 2.0x)"
            )
    noisy = work / "returns_noisy"
    if not all((noisy / f.name).exists() for f in files):
        noisy.mkdir(parents=True, exist_ok=True)
        for a, path in enumerate(files):
            make_noisy_return(noisy / path.name, a, args.indicators)
    compare_noisy(returns, noisy, register, args.repeat)
    if args.keep is None:
        shutil.rmtree(work)


def validate_time(returns: Path, register: Path) -> tuple[float, float, int, int]:
    """`kpixl validate --json` as a user runs it: seconds, CPU seconds (its processes', steadier
    than the clock on a shared machine), exit status, warnings."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "kpixl", "validate", str(returns), "--register", str(register), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    warnings = proc.stdout.count('"severity": "warning"')
    return elapsed, cpu, proc.returncode, warnings


def compare_noisy(clean: Path, noisy: Path, register: Path, repeat: int) -> None:
    """The clean case and the noisy one, measured in turn; the median ratios."""
    ratios, cpu_ratios = [], []
    for _ in range(repeat):
        plain, plain_cpu, _, plain_warnings = validate_time(clean, register)
        busy, busy_cpu, code, busy_warnings = validate_time(noisy, register)
        ratios.append(busy / plain)
        cpu_ratios.append(busy_cpu / plain_cpu)
        print(f"kpixl validate, clean series: {plain:8.2f} s, {plain_cpu:6.2f} s CPU "
              f"({plain_warnings} warnings)")  # fmt: skip
        print(f"kpixl validate, noisy series with slips: {busy:8.2f} s, {busy_cpu:6.2f} s CPU "
              f"({busy_warnings} warnings, exit {code})")  # fmt: skip
    print(f"noisy / clean: {statistics.median(ratios):.2f}x wall clock, "
          f"{statistics.median(cpu_ratios):.2f}x CPU (target <= 1.25x)")  # fmt: skip


def measure(files: list[Path], returns: Path, register: Path) -> float:
    """The read floor, then `kpixl validate --json` as a user runs it; their ratio."""
    floor = read_floor(files)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "kpixl", "validate", str(returns), "--register", str(register), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ideal = ideal_read(files, register)
    print(f"read floor (calamine, every sheet, one process): {floor:8.2f} s")
    print(f"ideal reader (calamine alone, 2 processes, register too): {ideal:8.2f} s "
          f"= {ideal / floor:.2f}x")  # fmt: skip
    print(f"kpixl validate (command line, exit {proc.returncode}):      {elapsed:8.2f} s")
    print(f"ratio: {elapsed / floor:.2f}x (target <= 2.0x)")
    print(f"peak memory of kpixl validate: {peak:.0f} MB")
    if proc.returncode == 2:
        print(proc.stderr)
    return elapsed / floor


if __name__ == "__main__":
    main()
