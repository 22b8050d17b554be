"""Reading the store back: an indicator's months, each with every version a run recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpixl.history import schema
from kpixl.history.store import Store
from kpixl.register.model import Unit


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
    for _, version in rows:
        months.setdefault(version.period, []).append(version)
    return [Month(period, versions) for period, versions in months.items()]


def _versions(
    conn: Connection,
    which: sa.ColumnElement[bool],
    start: str | None = None,
    end: str | None = None,
) -> list[tuple[int, Version]]:
    """(id, version) of the figures `which` picks, by period and then in the order recorded."""
    f, r = schema.figures.c, schema.runs.c
    query = (
        sa.select(
            f.id,
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
    return [
        (row.pop("id"), Version(**row | {"recorded_at": _aware(row["recorded_at"])}))
        for row in found
    ]


@dataclass(frozen=True)
class Change:
    """A revision: the figure a run recorded (`new`) in place of the one before it (`old`)."""

    ref: str
    old: Version
    new: Version

    def changed(self) -> list[str]:
        """The numbers (or commentary) that differ, in the store's order."""
        return [n for n, v in self.old.numbers().items() if v != getattr(self.new, n)]


def changes(store: Store, since: dt.datetime | None = None, ref: str | None = None) -> list[Change]:
    """Every revision recorded (on or after `since`), oldest first: for the auditor."""
    f, r = schema.figures.c, schema.runs.c
    old = schema.figures.alias("old")
    pairs = (
        sa.select(old.c.id, f.id, f.ref)
        .join_from(schema.figures, old, old.c.superseded_by == f.id)
        .join(schema.runs, f.run_id == r.id)
    )
    if since is not None:
        pairs = pairs.where(r.started_at >= since)
    if ref is not None:
        pairs = pairs.where(sa.func.upper(f.ref) == ref.upper())
    with store.reading() as conn:
        found = conn.execute(pairs).all()
        ids = sorted({i for row in found for i in row[:2]})
        versions: dict[int, Version] = {}
        for at in range(0, len(ids), _CHUNK):
            versions.update(_versions(conn, f.id.in_(ids[at : at + _CHUNK])))
    made = [Change(name, versions[o], versions[n]) for o, n, name in found]
    return sorted(made, key=lambda c: (c.new.recorded_at, c.ref, c.new.period))


_CHUNK = 900  # ids per query: well under any database's limit of bound parameters


def _aware(when: dt.datetime) -> dt.datetime:
    """SQLite gives back the UTC time it was given without its zone."""
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def units(store: Store, ref: str | None = None) -> dict[str, tuple[Unit, int]]:
    """How each indicator (of `ref`, or all, by its ref in capitals) is shown — its unit and
    decimal places — as the latest run that recorded it had them in its register."""
    t = schema.thresholds.c
    query = sa.select(t.ref, t.unit, t.decimals).order_by(t.run_id)
    if ref is not None:
        query = query.where(sa.func.upper(t.ref) == ref.upper())
    with store.reading() as conn:
        rows = conn.execute(query).all()
    found: dict[str, tuple[Unit, int]] = {}
    for name, unit, decimals in rows:
        if unit in Unit._value2member_map_:  # a unit this version of kpixl knows
            found[name.upper()] = (Unit(unit), decimals)
    return found
