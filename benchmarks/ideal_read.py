"""The least any reader of the register and the returns in two worker processes can take.

    python benchmarks/ideal_read.py REGISTER RETURN...

python-calamine alone reads the register and then every return (every sheet, `to_python`) in
two worker processes, four returns a task, and sends back only a count: no check, no table
found, nothing validated or rated, nothing but a number sent to the parent. benchmarks/
validate.py runs it as a command, as it runs `kpixl validate`, so the two include the same
interpreter start-up. Whatever kpixl does beyond this (checking each file is safe to open,
finding its tables, sending them back, loading the register's rules, validating, rating) is
added to this time; see docs/batch.md.
"""

from __future__ import annotations

import multiprocessing
import sys

import python_calamine

PER_TASK = 4


def read(paths: list[str]) -> int:
    for path in paths:
        book = python_calamine.CalamineWorkbook.from_path(path)
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    return len(paths)


def main() -> None:
    register, *returns = sys.argv[1:]
    tasks = [[register]] + [returns[i : i + PER_TASK] for i in range(0, len(returns), PER_TASK)]
    with multiprocessing.Pool(2) as pool:
        done = sum(pool.imap_unordered(read, tasks))
    assert done == len(returns) + 1


if __name__ == "__main__":
    main()
