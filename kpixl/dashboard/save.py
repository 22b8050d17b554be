"""Saving a workbook byte for byte the same every time."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from kpixl.periods import Period

CREATOR = "kpixl"
# zlib's fastest level: a dashboard is written in a third of the time level 6 takes, and its
# file is only a little larger (XML compresses well either way).
COMPRESS_LEVEL = 1


def stamp(period: Period) -> dt.datetime:
    """The fixed creation time of a period's dashboard: the first of the next month, 00:00 UTC
    (openpyxl stores naive datetimes as UTC)."""
    following = period.shift(1)
    return dt.datetime(following.year, following.month, 1)


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose every member carries one fixed time and no file-system attributes, so the
    same workbook always gives the same bytes (a zip records when each member was written)."""

    def __init__(self, file: IO[bytes], when: dt.datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
        self._date_time = (when.year, when.month, when.day, when.hour, when.minute, when.second)

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: Any,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        info = zipfile.ZipInfo(str(name), date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 0  # the same bytes whichever system writes it
        info.external_attr = 0
        super().writestr(info, data, compresslevel=COMPRESS_LEVEL)

    def write(
        self, filename: str | os.PathLike[str], arcname: Any = None, *args: Any, **kwargs: Any
    ) -> None:
        """openpyxl writes each worksheet to a temporary file first: take its bytes, not its
        modification time."""
        with open(filename, "rb") as source:
            self.writestr(str(arcname or filename), source.read())


def workbook_bytes(wb: Workbook, when: dt.datetime) -> bytes:
    """The .xlsx file, with no trace of when it was made beyond `when`."""
    wb.properties.creator = CREATOR
    wb.properties.lastModifiedBy = CREATOR
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    # ExcelWriter, unlike Workbook.save, leaves `modified` as set above.
    with _FixedTimeZip(raw, when) as archive:
        ExcelWriter(wb, archive).write_data()
    return raw.getvalue()
