"""This run's revisions, found before anything is written: each accepted figure that differs
from the store's current one for its ref and period, as a `revised` warning (so the dashboard's
Validation sheet, the console and the batch run report list it like any issue). The store is
only read here: kpixl.history.record records the run, and the revision, once the dashboards are
written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from kpixl.check.figures import Figures
from kpixl.check.wording import format_value
from kpixl.history import schema
from kpixl.history.store import Store
from kpixl.issues import Issue, IssueCode, warning
from kpixl.periods import Period
from kpixl.read.observations import Observation
from kpixl.register.model import Indicator, Register

_FIELDS = schema.FIGURE_FIELDS
_WHERE = ("file", "sheet", "cell", "file_sha256")
_COMPARED = slice(2, 2 + len(_FIELDS))  # a row of kpixl.history.record.FIGURE_ROW
_SOURCE = slice(2 + len(_FIELDS), None)


def revisions(
    store: Store, register: Register, figures: Figures, rows: Sequence[tuple[Any, ...]]
) -> list[Issue]:
    """A `revised` warning for each of `rows` (as kpixl.history.record.accepted gives them)
    whose numbers or commentary differ from the store's current figure for its ref and period."""
    stored = _current(store, {row[1] for row in rows})
    found = []
    for row in rows:
        old = stored.get((row[0], row[1]))
        if old is not None and old[_COMPARED] != row[_COMPARED]:
            found.append(_issue(register.indicators[row[0]], figures, old, row))
    return found


def _current(store: Store, periods: set[str]) -> dict[tuple[str, str], tuple[Any, ...]]:
    """The store's current figures of these periods, each as FIGURE_ROW."""
    if not periods:
        return {}
    f = schema.figures.c
    query = sa.select(f.ref, f.period, *(f[n] for n in (*_FIELDS, *_WHERE))).where(
        f.superseded_by.is_(None), f.period.in_(sorted(periods))
    )
    with store.reading() as conn:
        return {(r[0], r[1]): tuple(r) for r in conn.execute(query)}


def _issue(ind: Indicator, figures: Figures, old: tuple[Any, ...], new: tuple[Any, ...]) -> Issue:
    """`GL03 Jan-25 changed from 58% to 61%, Governance_2024-25.xlsx cell N6, resubmitted`."""
    period = Period.parse(new[1])
    file, sheet, cell, sha = new[_SOURCE]
    old_file, _, old_cell, old_sha = old[_SOURCE]
    if file == old_file:
        how = "resubmitted" if sha != old_sha else "the same file"
    else:
        how = f"replacing {old_file}" + (f" cell {old_cell}" if old_cell else "")
    where = f"{file} cell {cell}" if cell else file
    message = f"{ind.ref} {period.label} {_what(ind, old, new)}, {where}, {how}"
    obs = _observation(figures, ind.ref, period)
    return warning(
        IssueCode.REVISED, message, file=obs.file if obs else file, sheet=sheet, cell=cell,
        ref=ind.ref, period=str(period),
    )  # fmt: skip


def _what(ind: Indicator, old: tuple[Any, ...], new: tuple[Any, ...]) -> str:
    """`changed from 58% to 61%` (the value as the dashboard shows it), then any other number,
    and the commentary, that changed."""
    parts = []
    for name, before, after in zip(_FIELDS, old[_COMPARED], new[_COMPARED], strict=True):
        if before == after:
            continue
        if name == "commentary":
            parts.append("commentary changed")
            continue
        # the value, YTD and previous year as the dashboard shows them; the parts as numbers
        scaled = name in ("value", "ytd", "prev_year")
        was, now = (_shown(v, ind if scaled else None) for v in (before, after))
        what = {"value": "", "ytd": "YTD ", "prev_year": "previous year "}.get(name, f"{name} ")
        parts.append(f"{what}changed from {was} to {now}")
    return ", ".join(parts)


def _shown(value: object, ind: Indicator | None) -> str:
    if not isinstance(value, int | float):
        return "blank" if value is None else str(value)
    return format_value(float(value), ind) if ind is not None else f"{value:,g}"


def _observation(figures: Figures, ref: str, period: Period) -> Observation | None:
    """Where the run read the figure (the return's path, as the run's other issues give it)."""
    for table in figures.tables(ref).values():
        figure = table.get(period)
        if figure is not None:
            return figure.obs
    return next((n.obs for n in figures.notes if n.ref == ref and n.period == period), None)
