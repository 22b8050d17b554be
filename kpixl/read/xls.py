"""The cells of an old-style .xls workbook that show a formula's error (#DIV/0!, #N/A …).

calamine gives such a cell as "", as if blank (python-calamine issue 105), so a return's
#DIV/0! would read as a month not sent. xlrd reads the error each cell shows, and the reader
puts it back, as it does for .xlsx and .ods files. The values themselves are still calamine's.
"""

from __future__ import annotations

import io

import xlrd

Cells = dict[tuple[int, int], str]


def error_cells(data: bytes) -> dict[str, Cells]:
    """Per sheet name, the (row, column) of every cell showing an Excel error, with its text;
    nothing when xlrd cannot read the file (its values are read by calamine all the same)."""
    try:
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), on_demand=True)
    except Exception:  # xlrd raises several unrelated types for files it cannot read
        return {}
    found: dict[str, Cells] = {}
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            cells = {
                (row, col): xlrd.error_text_from_code.get(int(code), "#CALC!")
                for row in range(sheet.nrows)
                for col, (kind, code) in enumerate(
                    zip(sheet.row_types(row), sheet.row_values(row), strict=True)
                )
                if kind == xlrd.XL_CELL_ERROR
            }
            if cells:
                found[sheet.name] = cells
            book.unload_sheet(index)
    except Exception:
        return found
    finally:
        book.release_resources()
    return found
