"""The reporting period when none is given: the latest month the returns give figures for,
unless it stands far from every other month given (a mistyped year)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kpixl.issues import Issue, IssueCode, warning
from kpixl.periods import Period, months_between
from kpixl.read.observations import Field, Observation, ReturnFile

# A month more than this after every other month given is not the reporting period: a return
# for the new month may come before the others, but not a season before them.
AHEAD = 3
# A month more than this before every other month given is told too (its figures are never
# shown: they are far outside the months a dashboard shows).
BEHIND = 12


def default_period(periods: set[Period], read: Sequence[ReturnFile]) -> tuple[Period, list[Issue]]:
    """The latest of `periods` (the months given a valid value) that is not far after every
    other, and a warning at the cell of each month left aside as far from the rest."""
    ordered = sorted(periods)
    strays: list[tuple[Period, str]] = []
    while len(ordered) > 1 and months_between(ordered[-2], ordered[-1]) > AHEAD:
        stray = ordered.pop()
        strays.append((stray, _ahead(stray, ordered[-1])))
    while len(ordered) > 1 and months_between(ordered[0], ordered[1]) > BEHIND:
        stray = ordered.pop(0)
        strays.append((stray, _behind(stray, ordered[0])))
    return ordered[-1], [_told(period, why, read) for period, why in strays]


def _ahead(stray: Period, latest: Period) -> str:
    return (
        f"{stray.label} is {months_between(latest, stray)} months after every other month the "
        f"returns give (the latest is {latest.label}): a mistyped year? It is not taken as the "
        f"reporting month; correct the heading, or give --period {stray} if it is right"
    )


def _behind(stray: Period, earliest: Period) -> str:
    return (
        f"{stray.label} is {months_between(stray, earliest)} months before every other month the "
        f"returns give (the earliest is {earliest.label}): a mistyped year? Correct the heading"
    )


def _told(period: Period, why: str, read: Sequence[ReturnFile]) -> Issue:
    first = next(_values_for(period, read), None)
    if first is None:
        return warning(IssueCode.BAD_PERIOD, why, period=str(period))
    return warning(
        IssueCode.BAD_PERIOD,
        why,
        file=first.file,
        sheet=first.sheet,
        cell=first.cell,
        ref=first.ref,
        period=str(period),
    )


def _values_for(period: Period, read: Sequence[ReturnFile]) -> Iterator[Observation]:
    """The cells giving a value for `period`, in the order read."""
    for return_file in read:
        for block in return_file.blocks:
            columns = [
                i
                for i, c in enumerate(block.columns)
                if c.field is Field.VALUE and c.period in (period, None)
            ]
            for row in block.rows:
                for i in columns:
                    if (
                        row.cells[i] is not None
                        and (block.columns[i].period or row.period) == period
                    ):
                        yield block.observation(row, i)
        yield from (o for o in return_file.loose if o.field is Field.VALUE and o.period == period)
