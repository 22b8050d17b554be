"""Fuzz kpixl's readers with N generated workbooks and mutated sample returns; count failures.

    python benchmarks/fuzz.py [--n 10000] [--jobs 2] [--seed 1] [--keep DIR]

A failure is a case that ends in anything but issues (or a one-line KpixlError): a kpixl
exception, a reader that crashed or ran out of memory, or a case over the per-case time limit.
Failing files are copied to --keep (default ./fuzz-failures) so they can become fixtures.
Prints the counts and the time per case; the target is 0 failures.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpixl.register.load import load_register  # noqa: E402
from tests.test_read_fuzz import failures, mutated_sample, random_workbook  # noqa: E402

CHUNK = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=Path("fuzz-failures"))
    args = parser.parse_args()
    register = load_register(ROOT / "samples" / "register.xlsx")
    refs = list(register.indicators)[:30]
    work = Path(tempfile.mkdtemp(prefix="kpixl-fuzz-"))
    found: list[str] = []
    start = time.perf_counter()
    try:
        for first in range(0, args.n, CHUNK):
            files = []
            for case in range(first, min(first + CHUNK, args.n)):
                rnd = random.Random(f"{args.seed}-{case}")
                path = work / f"case{case:06d}.xlsx"
                if case % 2:
                    files.append(random_workbook(rnd, path, refs))
                else:
                    files.append(mutated_sample(rnd, path))
            problems = failures(register, files, args.jobs)
            found.extend(problems)
            for line in problems:
                failing = work / line.split(":", 1)[0].rsplit("/", 1)[-1]
                if failing.exists():
                    args.keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(failing, args.keep / failing.name)
            for path in files:
                path.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - start
    for line in found[:20]:
        print(line)
    print(f"cases: {args.n}  failures: {len(found)}  ({elapsed / max(args.n, 1) * 1000:.1f} ms per case, "
          f"{elapsed:.0f} s in all, {args.jobs} jobs)")  # fmt: skip


if __name__ == "__main__":
    main()
