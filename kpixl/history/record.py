"""What a run puts in the store: who ran it and when, the register and thresholds it used, each
return by hash, every accepted figure with its cell, and the ratings made; a figure that differs
from the stored one for its ref and period is a revision (the old row kept, marked superseded)."""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpixl import __version__
from kpixl.check.figures import Figure, Figures, Note, Placed
from kpixl.history import schema
from kpixl.history.store import Store
from kpixl.read.observations import Field, Observation
from kpixl.register.model import Register
from kpixl.results import DATA_COLUMNS, Results

# A figure's numbers, by the Field a return gives them as (commentary comes from its notes).
_NUMBERS = {
    Field.VALUE: "value",
    Field.NUMERATOR: "numerator",
    Field.DENOMINATOR: "denominator",
    Field.YTD: "ytd",
    Field.PREV_YEAR: "prev_year",
}
_RATED = ("month_rag", "ytd", "ytd_rag", "alert", "direction")
_RATING_ROW = ("run_id", "ref", "period", *_RATED)
# A figure as `accepted` gives it: the figures table's columns in this order (a tuple each: a
# batch gives hundreds of thousands); `_COMPARED` is what makes a different figure a revision.
FIGURE_ROW = ("ref", "period", *schema.FIGURE_FIELDS, "file", "sheet", "cell", "file_sha256")
_COMPARED = slice(2, 2 + len(schema.FIGURE_FIELDS))
_AT = {name: DATA_COLUMNS.index(name) for name in ("ref", "period", "value", *_RATED)}


@dataclass(frozen=True)
class Recorded:
    """What one run added to the store."""

    run_id: int
    new: int  # figures not in the store before
    revised: int  # figures that replaced a different stored one
    unchanged: int  # figures the store already held as they are


def figures_of(results: Results) -> Figures | None:
    """The validated figures behind `results`, while its rows are still to be rated.

    kpixl.pipeline hands Results a function that rates the rows from the figures the first
    time they are asked for; the figures are taken from it here, so take them before the
    dashboards are written (None once the rows are made, or for results built from a table)."""
    data = vars(results).get("_data")
    if isinstance(data, functools.partial):
        found = [a for a in data.args if isinstance(a, Figures)]
        return found[0] if found else None
    return None


@dataclass(frozen=True)
class Accepted:
    """What a run read and accepted, taken as soon as it is rated (before the store's figures
    of last year are added for the previous-year column: those are not this run's)."""

    files: list[dict[str, Any]]  # each return: sha256, name, size, modified_at
    figures: list[tuple[Any, ...]]  # each indicator and month, as FIGURE_ROW


def take(results: Results, figures: Figures) -> Accepted:
    """The returns of a run (hashed now, as close as can be to their reading) and its figures."""
    files = [_return_file(Path(f)) for f in results.files]
    hashes = {f["name"]: f["sha256"] for f in files}
    return Accepted(files, accepted(results.register, figures, hashes))


def record_run(store: Store, command: str, results: Results, taken: Accepted) -> Recorded:
    """Record one run (build or batch) in one transaction: all of it, or nothing."""
    register = results.register
    with store.writing() as conn:
        run_id = _insert_run(conn, command, register, str(results.period))
        _insert_all(conn, schema.return_files, [f | {"run_id": run_id} for f in taken.files])
        _insert_all(conn, schema.thresholds, _thresholds(register, run_id))
        new, revised, unchanged = _insert_figures(conn, run_id, taken.figures)
        _insert_plain(conn, schema.ratings, _RATING_ROW, _ratings(results, run_id))
    return Recorded(run_id, new, revised, unchanged)


def _insert_run(conn: Connection, command: str, register: Register, period: str) -> int:
    run = {
        "started_at": dt.datetime.now(dt.UTC),
        "user_name": _user(),
        "kpixl_version": __version__,
        "command": command,
        "register_name": register.path.name,
        "register_sha256": _sha256(register.path),
        "period": period,
    }
    inserted = conn.execute(schema.runs.insert().returning(schema.runs.c.id), run)
    return int(inserted.scalar_one())


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password database
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _return_file(path: Path) -> dict[str, Any]:
    try:
        stat = path.stat()
        size, modified = stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    except OSError:  # gone since it was read: its name is still worth keeping
        size, modified = 0, dt.datetime.fromtimestamp(0, dt.UTC)
    return {"sha256": _sha256(path), "name": str(path), "size": size, "modified_at": modified}


def _thresholds(register: Register, run_id: int) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "ref": ind.ref,
            "kind": ind.kind.value,
            "unit": ind.unit.value,
            "decimals": ind.decimals,
            "polarity": ind.polarity.value,
            "target": ind.target,
            "floor": ind.floor,
            "upper": ind.upper,
            "lower": ind.lower,
            "ytd_method": ind.ytd.value,
            "rag_basis": ind.rag_basis.value,
            "prev_year": ind.prev_year,
        }
        for ind in register.indicators.values()
    ]


def accepted(register: Register, figures: Figures, hashes: dict[str, str]) -> list[tuple[Any, ...]]:
    """Every accepted figure: one row per indicator and period with its numbers, commentary and
    the cell it came from (the value's, else the first number's, else the commentary's)."""
    figures.gather()
    notes = _notes_by_key(figures.notes)
    rows: list[tuple[Any, ...]] = []
    for ref in register.indicators:
        tables = figures.tables(ref)
        numbers = [tables.get(field, {}) for field in _NUMBERS]
        ref_notes = notes.get(ref, {})
        periods = set(ref_notes).union(*numbers)
        for period in sorted(periods):
            found = [table.get(period) for table in numbers]
            rows.append(_row(ref, str(period), found, ref_notes.get(period, ()), hashes))
    return rows


def _notes_by_key(notes: Iterable[Note]) -> dict[str, dict[Any, list[Note]]]:
    by_key: dict[str, dict[Any, list[Note]]] = {}
    for note in notes:
        kept = by_key.setdefault(note.ref, {}).setdefault(note.period, [])
        if all(n.text != note.text for n in kept):  # a dashboard read back gives a line twice
            kept.append(note)
    return by_key


def _row(
    ref: str,
    period: str,
    found: list[Figure | None],
    notes: Sequence[Note],
    hashes: dict[str, str],
) -> tuple[Any, ...]:
    """One figure, as FIGURE_ROW (`found`: its numbers in the order of _NUMBERS)."""
    first = next((f for f in found if f is not None), None)
    file, sheet, cell = _where(first) if first is not None else _obs_where(notes[0].obs)
    numbers = [f.value if f is not None else None for f in found]
    commentary = "\n".join(n.text for n in notes) or None
    return (ref, period, *numbers, commentary, _file_name(file), sheet, cell, hashes.get(file))


def _where(figure: Figure) -> tuple[str, str, str]:
    """The file, sheet and cell a figure came from, as its observation gives them, without
    making the observation (a batch records hundreds of thousands of figures)."""
    at = figure.at
    if isinstance(at, Placed):
        block, row = at.block, at.row
        return block.file, block.sheet, f"{block.columns[figure.col].letter}{row.sheet_row + 1}"
    return _obs_where(at)


def _obs_where(obs: Observation) -> tuple[str, str, str]:
    return obs.file, obs.sheet, obs.cell


@functools.lru_cache(maxsize=4096)
def _file_name(path: str) -> str:
    """A return's name (a few hundred returns give hundreds of thousands of figures)."""
    return Path(path).name


def _insert_figures(
    conn: Connection, run_id: int, rows: list[tuple[Any, ...]]
) -> tuple[int, int, int]:
    """Insert the figures the store does not hold as they are; a different one replaces the
    stored one, which is kept and points at its successor."""
    stored = _current(conn, {row[1] for row in rows})
    fresh, revised, unchanged = [], 0, 0
    for row in rows:
        old = stored.get((row[0], row[1]))
        if old is None:
            fresh.append((*row, run_id))
        elif old[1] == row[_COMPARED]:
            unchanged += 1
        else:
            values = dict(zip(FIGURE_ROW, row, strict=True)) | {"run_id": run_id}
            insert = schema.figures.insert().returning(schema.figures.c.id)
            new_id = conn.execute(insert, values).scalar_one()
            conn.execute(
                schema.figures.update()
                .where(schema.figures.c.id == old[0])
                .values(superseded_by=new_id)
            )
            revised += 1
    _insert_plain(conn, schema.figures, (*FIGURE_ROW, "run_id"), fresh)
    return len(fresh), revised, unchanged


def _current(
    conn: Connection, periods: set[str]
) -> dict[tuple[str, str], tuple[int, tuple[Any, ...]]]:
    """The store's current figure (id, numbers) for each ref in these periods."""
    f = schema.figures.c
    query = sa.select(f.id, f.ref, f.period, *(f[n] for n in schema.FIGURE_FIELDS)).where(
        f.superseded_by.is_(None), f.period.in_(sorted(periods))
    )
    return {(r[1], r[2]): (r[0], tuple(r[3:])) for r in conn.execute(query)}


def _ratings(results: Results, run_id: int) -> list[tuple[Any, ...]]:
    """The ratings this run made (as _RATING_ROW), for each indicator and period with a value
    or a YTD."""
    ref, period, value, ytd = (_AT[n] for n in ("ref", "period", "value", "ytd"))
    rated = [_AT[n] for n in _RATED]
    return [
        (run_id, row[ref], row[period], *(row[i] for i in rated))
        for row in results.rows()
        if row[value] is not None or row[ytd] is not None
    ]


def _insert_all(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def _insert_plain(
    conn: Connection, table: sa.Table, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """`_insert_all` for the big tables of plain numbers and text (figures, ratings): the rows
    go to the driver's executemany as tuples, bound as parameters as ever, without Core's
    processing of each row's parameters (most of the time recording took)."""
    if not rows:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(table.c[n].name for n in names)  # the schema's names, never data
    sql = f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join([mark] * len(names))})"
    conn.exec_driver_sql(sql, rows)
