"""Time `kpixl batch --jobs 2` on the scale case against its floors, measured in the same run.

    python benchmarks/batch.py [--areas 600] [--indicators 40] [--per-dashboard 20] [--jobs 2]
                               [--keep DIR] [--repeat N]

The scale case: 600 service-area returns x 40 indicators x 12 months, 30 dashboards of 20 areas
(20 KPIs per area, so 400 KPI charts per dashboard). Prints
- the read floor: python-calamine reading every sheet of every return, one process;
- the write floor: xlsxwriter writing every dashboard's cells (a sheet per service area with its
  indicators' 12 months, YTD, target and floor; the tidy Data sheet of every indicator and month)
  and one line chart per KPI, unstyled, one process;
- `kpixl validate` as a ratio to the read floor (target <= 2.0x);
- `kpixl batch --jobs N` as a ratio to read floor + write floor (target <= 1.5x);
- peak memory: the largest single process, and the whole process tree sampled (target <= 1 GB).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import MONTHS, compile_kpixl, make_register, make_return, read_floor

DATA_HEADER = ["ref", "description", "service_area", "kind", "period", "value", "month_rag",
               "ytd", "ytd_rag", "alert", "target", "floor", "upper", "lower", "prev_year",
               "direction", "source"]  # fmt: skip


def _value(area: int, i: int, m: int) -> float:
    """The figure make_return writes for area, indicator i, month m."""
    return (
        0.8 + ((area + i + m) % 19) / 100
        if i % 2 == 0
        else 1000 + (area * 7 + i * 13 + m * 31) % 500
    )


def write_floor(out: Path, areas: int, indicators: int, per_dashboard: int) -> float:
    """Write every dashboard's cells and one line chart per KPI with xlsxwriter, unstyled."""
    start = time.perf_counter()
    for d in range(areas // per_dashboard):
        book = xlsxwriter.Workbook(str(out / f"Dash{d:02d}_floor.xlsx"))
        data = book.add_worksheet("Data")
        data.write_row(0, 0, DATA_HEADER)
        trends = book.add_worksheet("Trends")
        data_row = charts = 0
        for a in range(d * per_dashboard, (d + 1) * per_dashboard):
            sheet = book.add_worksheet(f"Area {a:03d}")
            sheet.write_row(
                0, 0, ["Ref", "Indicator description", *MONTHS, "YTD", "Target", "Floor"]
            )
            for i in range(indicators):
                values = [_value(a, i, m) for m in range(12)]
                kpi = i % 2 == 0
                ref = f"A{a:03d}I{i:02d}"
                sheet.write_row(i + 1, 0, [ref, f"Indicator {i} of area {a}", *values,
                                           sum(values) / 12, 0.9 if kpi else "", 0.8 if kpi else ""])  # fmt: skip
                for m, v in enumerate(values):
                    data_row += 1
                    data.write_row(data_row, 0, [ref, f"Indicator {i} of area {a}", f"Area {a:03d}",
                                                 "KPI" if kpi else "Activity", MONTHS[m], v,
                                                 "GREEN" if kpi else "", sum(values[: m + 1]) / (m + 1),
                                                 "AMBER" if kpi else "", "", 0.9, 0.8, "", "", "", "same",
                                                 f"area_{a:03d}.xlsx!KPIs!{chr(67 + m)}{i + 2}"])  # fmt: skip
                if kpi:
                    chart = book.add_chart({"type": "line"})
                    name = sheet.get_name()
                    chart.add_series(
                        {"categories": [name, 0, 2, 0, 13], "values": [name, i + 1, 2, i + 1, 13]}
                    )
                    chart.set_title({"name": ref})
                    trends.insert_chart(charts * 16, 0, chart)
                    charts += 1
        book.close()
    return time.perf_counter() - start


class TreeMemory:
    """Samples the resident memory of a process and all its descendants (Linux /proc)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_mb, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_mb = max(self.peak_mb, sum(_rss_mb(p) for p in _tree(self.pid)))


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [p for p, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def timed(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as memory:
        out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    return elapsed, memory.peak_mb, subprocess.CompletedProcess(command, proc.returncode, out, err)


def measure(
    files: list[Path], returns: Path, register: Path, floor_out: Path, out: Path,
    args: argparse.Namespace,
) -> None:  # fmt: skip
    """Floors and commands, one after the other, so each ratio compares like with like."""
    read = read_floor(files)
    write = write_floor(floor_out, args.areas, args.indicators, args.per_dashboard)
    kpixl = [sys.executable, "-m", "kpixl"]
    validate_s, validate_mb, v = timed(
        [*kpixl, "validate", str(returns), "-r", str(register), "--json"]
    )
    batch_s, batch_mb, b = timed([*kpixl, "batch", str(returns), "-r", str(register), "-o", str(out),
                                  "--jobs", str(args.jobs)])  # fmt: skip
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"read floor (calamine, every sheet, one process):         {read:8.2f} s")
    print(f"write floor (xlsxwriter cells + KPI charts, one process): {write:8.2f} s")
    print(f"kpixl validate (exit {v.returncode}):                             {validate_s:8.2f} s"
          f"  = {validate_s / read:.2f}x read floor (target <= 2.0x)")  # fmt: skip
    print(f"kpixl batch --jobs {args.jobs} (exit {b.returncode}):                        {batch_s:8.2f} s"
          f"  = {batch_s / (read + write):.2f}x read + write floor (target <= 1.5x)")  # fmt: skip
    print(f"peak memory: validate {validate_mb:.0f} MB, batch {batch_mb:.0f} MB (process tree, "
          f"sampled); largest single process {largest:.0f} MB (target <= 1024 MB)")  # fmt: skip
    for proc in (v, b):
        if proc.returncode == 2:
            print(proc.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--areas", type=int, default=600)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--per-dashboard", type=int, default=20, help="service areas per dashboard")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files here")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure N times (a shared machine's figures vary from run to run)")  # fmt: skip
    args = parser.parse_args()
    if args.per_dashboard != 20:
        raise SystemExit("benchmarks/validate.py groups 20 areas per dashboard")
    work = args.keep or Path(tempfile.mkdtemp(prefix="kpixl-bench-batch-"))
    returns, floor_out, out = work / "returns", work / "floor", work / "out"
    for folder in (returns, floor_out):
        folder.mkdir(parents=True, exist_ok=True)
    register = work / "register.xlsx"
    t0 = time.perf_counter()
    make_register(register, args.areas, args.indicators)
    files = [returns / f"area_{a:03d}.xlsx" for a in range(args.areas)]
    for a, f in enumerate(files):
        make_return(f, a, args.indicators)
    print(f"generated {args.areas} returns x {args.indicators} indicators x 12 months, "
          f"{args.areas // args.per_dashboard} dashboards, in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    compile_kpixl()
    for n in range(args.repeat):
        if args.repeat > 1:
            print(f"-- run {n + 1} of {args.repeat}")
        shutil.rmtree(out, ignore_errors=True)
        measure(files, returns, register, floor_out, out, args)
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
