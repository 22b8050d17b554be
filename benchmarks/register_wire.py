"""CPU time of the register's trip from file to parent: load, pickle.dumps, pickle.loads.

    python benchmarks/register_wire.py [REGISTER.xlsx] [--repeat 5]

`kpixl validate` loads the register in a reader process and pickles it back to the parent,
which can validate nothing before it arrives. Prints the median (and every run) of each step's
CPU time (time.process_time, one process); without a register, makes the scale case's
(600 areas of 40 indicators, as benchmarks/validate.py does) in a temporary folder.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kpixl.register.load import load_register

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import make_register


def one_trip(path: Path) -> dict[str, float]:
    times: dict[str, float] = {}
    start = time.process_time()
    register = load_register(path)
    times["load"] = time.process_time() - start
    start = time.process_time()
    data = pickle.dumps(register)
    times["dumps"] = time.process_time() - start
    start = time.process_time()
    pickle.loads(data)
    times["loads"] = time.process_time() - start
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("register", type=Path, nargs="?", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = args.register
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="kpixl-wire-")) / "register.xlsx"
        make_register(path, 600, 40)
    trips = [one_trip(path) for _ in range(args.repeat)]
    size = len(pickle.dumps(load_register(path)))
    print(f"{path} ({size / 1e6:.1f} MB pickled), CPU seconds, median of {args.repeat}:")
    for step in ("load", "dumps", "loads", "total"):
        runs = [t[step] for t in trips]
        every = " ".join(f"{r:.3f}" for r in runs)
        print(f"  {step:<6} {statistics.median(runs):6.3f}   ({every})")


if __name__ == "__main__":
    main()
