"""The whole store as one tidy table: every version of every figure, with where it came from and
who recorded it when, as CSV or an Excel workbook."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kpixl.atomic import write_atomically
from kpixl.history import schema
from kpixl.history.location import StoreError
from kpixl.history.store import Store

EXPORT_COLUMNS = (
    "ref", "period", "version", "current", *schema.FIGURE_FIELDS, "file", "sheet", "cell",
    "file_sha256", "recorded_by", "recorded_at", "command",
)  # fmt: skip
EXCEL_ROWS = 1_048_576  # a worksheet's rows, the header's included
# Text Excel would take for a formula when it opens the CSV: kept as text (a leading ').
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def versions(store: Store) -> Iterator[tuple[Any, ...]]:
    """Every figure the store holds, by ref, period and then in the order recorded, as
    EXPORT_COLUMNS: `version` counts from 1 in each ref and period; `current` is the last."""
    f, r = schema.figures.c, schema.runs.c
    query = (
        sa.select(
            f.ref,
            f.period,
            f.superseded_by.is_(None),
            *(f[n] for n in schema.FIGURE_FIELDS),
            f.file,
            f.sheet,
            f.cell,
            f.file_sha256,
            r.user_name,
            r.started_at,
            r.command,
        )
        .join_from(schema.figures, schema.runs, f.run_id == r.id)
        .order_by(f.ref, f.period, f.id)
    )
    with store.reading() as conn:
        key, number = None, 0
        for ref, period, current, *rest in conn.execute(query):
            number = number + 1 if (ref, period) == key else 1
            key = (ref, period)
            rest[-2] = _utc(rest[-2])
            yield (ref, period, number, bool(current), *rest)


def _utc(when: dt.datetime) -> str:
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat(timespec="seconds")


def write_export(store: Store, out: Path) -> int:
    """The table into `out` (.csv, or .xlsx), written whole or not at all; the rows written."""
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise StoreError(f"{out}: name the export .csv or .xlsx")
    rows = list(versions(store))
    if out.suffix.lower() == ".csv":
        data = _csv(rows)
    elif len(rows) >= EXCEL_ROWS:
        raise StoreError(
            f"the store holds {len(rows):,} figures, more than an Excel sheet's "
            f"{EXCEL_ROWS - 1:,} rows: export it as .csv"
        )
    else:
        data = _xlsx(rows)
    write_atomically(data, out)
    return len(rows)


def _csv(rows: list[tuple[Any, ...]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow(["" if v is None else _as_text(v) for v in row])
    return text.getvalue().encode("utf-8-sig")


def _as_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _xlsx(rows: list[tuple[Any, ...]]) -> bytes:
    """One sheet, `History`, every text cell stored as text (never run as a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("History")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a commentary starting with = stays words
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
