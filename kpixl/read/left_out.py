"""What a table holds that is not read, each with an issue saying where and why: columns whose
heading is not a month kpixl can use, and rows with figures but no ref."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from kpixl.cells import a1, column_letter
from kpixl.issues import Issue, IssueCode, error, warning
from kpixl.periods import Period, header_problem, parse_header
from kpixl.values import error_value, is_blank, text_of

_Rows = list[list[Any]]


class Dropped(NamedTuple):
    """Why a column whose heading is meant as a month is left out of its table."""

    reason: str  # what the heading is: "after this month (Mar-25)"
    advice: str  # what to do
    to_come: bool = False  # a month after this one: left empty, nothing is lost


def after_this_month(now: Period) -> Dropped:
    return Dropped(f"after this month ({now.label})", "a mistyped year? correct it", True)


def not_a_month(problem: str) -> Dropped:
    return Dropped(
        f"not a month kpixl can read ({problem})", "write the month as Mar-25 or 2025-03"
    )


def usable(raw: object, now: Period) -> tuple[Period | None, str]:
    """The month a `Period` cell names, if it is not after `now`; else why not."""
    period = parse_header(raw)
    if period is None:
        problem = header_problem(raw)
        return None, f"not a month ({problem})" if problem else "not a month"
    if period > now:
        return None, f"after this month ({now.label}), a mistyped year?"
    return period, ""


def dropped(
    rows: _Rows,
    header_row: int,
    columns: dict[int, Dropped],
    kept: Sequence[int],
    file: str,
    sheet: str,
) -> list[Issue]:
    """The issues of the columns left out of a table (see dropped_column)."""
    found = (
        dropped_column(rows, header_row, col, why, kept, file, sheet)
        for col, why in columns.items()
    )
    return [issue for issue in found if issue is not None]


def dropped_column(
    rows: _Rows, header_row: int, col: int, why: Dropped, kept: Sequence[int], file: str, sheet: str
) -> Issue | None:
    """The issue for a column left out of a table, by what it holds in the table's rows `kept`:
    an error when it holds figures (they are not read), a warning when it is empty; None for
    an empty column of a month still to come."""
    given = [r for r in kept if col < len(rows[r]) and not is_blank(rows[r][col])]
    heading = text_of(rows[header_row][col])
    where = {"file": file, "sheet": sheet, "cell": a1(header_row, col)}
    if given:
        n, cells = len(given), _cells(col, given)
        verb = "is" if n == 1 else "are"
        return error(
            IssueCode.BAD_PERIOD,
            f"the column heading '{heading}' is {why.reason}, so its {_figures(n)} ({cells}) "
            f"{verb} not read: {why.advice}",
            **where,
        )
    if why.to_come:
        return None  # a month to come, left empty: nothing is lost
    return warning(
        IssueCode.BAD_PERIOD,
        f"the column heading '{heading}' is {why.reason}; the column is empty, so nothing is "
        f"lost, but {why.advice}",
        **where,
    )


def rows_without_ref(
    rows: _Rows,
    missing: set[tuple[int, int]],
    ref_col: int,
    columns: Iterable[int],
    skipped: Iterable[int],
    file: str,
    sheet: str,
) -> list[tuple[int, Issue]]:
    """A warning, with its row, for each row of `skipped` (rows of a table with no ref) that
    gives a figure in `columns`: its figures are not read."""
    columns = list(columns)
    found = []
    for row in skipped:
        cells = rows[row]
        given = [
            c for c in columns if (c < len(cells) and not is_blank(cells[c])) or (row, c) in missing
        ]
        if not given:
            continue
        raw = cells[ref_col] if ref_col < len(cells) else None
        shown = error_value(raw)
        why = (
            f"its Ref is {shown}"
            if shown
            else "its Ref is a formula with no saved result"
            if (row, ref_col) in missing
            else "it has no Ref"
        )
        message = (
            f"row {row + 1} gives {_figures(len(given))} ({_cells_in_row(row, given)}) but {why}, "
            f"so they are not read: type the indicator's ref in {a1(row, ref_col)}, or delete "
            "the row if it is a total or a note"
        )
        cell = a1(row, ref_col)
        found.append(
            (row, warning(IssueCode.MISSING_REF, message, file=file, sheet=sheet, cell=cell))
        )
    return found


def _figures(n: int) -> str:
    return "1 figure" if n == 1 else f"{n} figures"


def _cells(col: int, rows: list[int]) -> str:
    letter = column_letter(col)
    shown = ", ".join(f"{letter}{r + 1}" for r in rows[:3])
    return shown + (f" and {len(rows) - 3} more" if len(rows) > 3 else "")


def _cells_in_row(row: int, cols: list[int]) -> str:
    shown = ", ".join(a1(row, c) for c in cols[:3])
    return shown + (f" and {len(cols) - 3} more" if len(cols) > 3 else "")
