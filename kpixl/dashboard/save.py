"""Saving a workbook byte for byte the same every time."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from kpixl.periods import Period

CREATOR = "kpixl"


def stamp(period: Period) -> dt.datetime:
    """The fixed creation time of a period's dashboard: the first of the next month, 00:00 UTC
    (openpyxl stores naive datetimes as UTC)."""
    following = period.shift(1)
    return dt.datetime(following.year, following.month, 1)


def workbook_bytes(wb: Workbook, when: dt.datetime) -> bytes:
    """The .xlsx file, with no trace of when it was made beyond `when`."""
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    # ExcelWriter, unlike Workbook.save, leaves `modified` as set above.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return _restamp(raw.getvalue(), when)


def _restamp(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite the zip with a fixed time on every member (zip records when each was written)."""
    date_time = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # the same bytes whichever system writes it
            info.external_attr = 0
            target.writestr(info, source.read(member.filename))
    return out.getvalue()
