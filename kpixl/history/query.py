"""Reading the store back: an indicator's months, each with every version a run recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpixl.history import schema
from kpixl.history.store import Store


@dataclass(frozen=True)
class Version:
    """A figure as one run recorded it, with where it came from and who recorded it when."""

    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    ytd: float | None
    prev_year: float | None
    commentary: str | None
    file: str
    sheet: str
    cell: str
    file_sha256: str | None
    user: str
    recorded_at: dt.datetime
    command: str

    @property
    def source(self) -> str:
        return f"{self.file}!{self.sheet}!{self.cell}"

    def numbers(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in schema.FIGURE_FIELDS}


@dataclass(frozen=True)
class Month:
    """One period of an indicator: its versions, oldest first; the last is the current one."""

    period: str
    versions: list[Version]

    @property
    def current(self) -> Version:
        return self.versions[-1]


def series(store: Store, ref: str, start: str | None = None, end: str | None = None) -> list[Month]:
    """The months of `ref` (as the register spells it, or in any case) from `start` to `end`
    (YYYY-MM, both included), each with its revisions."""
    with store.reading() as conn:
        rows = _versions(conn, schema.figures.c.ref == ref, start, end)
        if not rows:  # typed in another case than the register's
            rows = _versions(conn, sa.func.upper(schema.figures.c.ref) == ref.upper(), start, end)
    months: dict[str, list[Version]] = {}
    for version in rows:
        months.setdefault(version.period, []).append(version)
    return [Month(period, versions) for period, versions in months.items()]


def _versions(
    conn: Connection, which: sa.ColumnElement[bool], start: str | None, end: str | None
) -> list[Version]:
    f, r = schema.figures.c, schema.runs.c
    query = (
        sa.select(
            f.period,
            *(f[n] for n in schema.FIGURE_FIELDS),
            f.file,
            f.sheet,
            f.cell,
            f.file_sha256,
            r.user_name.label("user"),
            r.started_at.label("recorded_at"),
            r.command,
        )
        .join_from(schema.figures, schema.runs, f.run_id == r.id)
        .where(which)
        .order_by(f.period, f.id)
    )
    if start:
        query = query.where(f.period >= start)
    if end:
        query = query.where(f.period <= end)
    found = [dict(row._mapping) for row in conn.execute(query)]
    return [Version(**row | {"recorded_at": _aware(row["recorded_at"])}) for row in found]


def _aware(when: dt.datetime) -> dt.datetime:
    """SQLite gives back the UTC time it was given without its zone."""
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
