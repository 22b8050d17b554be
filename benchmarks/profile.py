"""Where the time goes: each stage of a batch run on the scale case, timed in one process.

    python benchmarks/profile.py [--keep DIR] [--dashboard Dash00] [--pyinstrument]

Makes the scale case of benchmarks/batch.py (or reuses it in DIR), then times loading the
register, reading the returns, validating and rating, tabling the results, and building and
saving one dashboard. With --pyinstrument (pip install pyinstrument) it also prints the call
tree of rating and of the dashboard, to find the hot spots.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import make_register, make_return

AREAS, INDICATORS = 600, 40


def scale_case(work: Path) -> tuple[Path, Path]:
    returns, register = work / "returns", work / "register.xlsx"
    if not register.exists() or len(list(returns.glob("*.xlsx"))) != AREAS:
        returns.mkdir(parents=True, exist_ok=True)
        make_register(register, AREAS, INDICATORS)
        for a in range(AREAS):
            make_return(returns / f"area_{a:03d}.xlsx", a, INDICATORS)
    return returns, register


def timed(label: str, call: Callable[[], Any], profile: bool = False) -> Any:
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<44} {wall:7.2f} s wall {cpu:7.2f} s cpu")
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, show_all=False))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--keep", type=Path, default=None, help="make or reuse the case here")
    parser.add_argument("--dashboard", default="Dash00")
    parser.add_argument("--pyinstrument", action="store_true", help="print call trees too")
    args = parser.parse_args()
    returns, register = scale_case(args.keep or Path(tempfile.mkdtemp(prefix="kpixl-prof-")))

    start = time.perf_counter()
    from kpixl.dashboard import build_workbook
    from kpixl.dashboard.save import stamp, workbook_bytes
    from kpixl.dashboard.view import DashboardView
    from kpixl.pipeline import find_returns, rate, read_returns
    from kpixl.read.collector import collector_paused
    from kpixl.register.load import load_register

    print(f"{'imports':<44} {time.perf_counter() - start:7.2f} s wall")
    reg = timed(f"register ({AREAS * INDICATORS} indicators)", lambda: load_register(register))
    files, _ = find_returns([returns])
    read = timed(f"read {len(files)} returns (2 isolated workers)", lambda: read_returns(files, 2))
    results = timed("validate and rate", lambda: rate(reg, read), args.pyinstrument)
    timed("table the results (pandas)", lambda: results.data)
    view = timed(f"{args.dashboard}: its rows", lambda: DashboardView(results, args.dashboard))
    with collector_paused():
        wb = timed(f"{args.dashboard}: build", lambda: build_workbook(view, Path.cwd()),
                   args.pyinstrument)  # fmt: skip
        timed(f"{args.dashboard}: save", lambda: workbook_bytes(wb, stamp(results.period)),
              args.pyinstrument)  # fmt: skip


if __name__ == "__main__":
    main()
