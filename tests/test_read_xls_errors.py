"""Error cells in an old-style .xls return are told as in an .xlsx: calamine reads a cell showing
#DIV/0! as a blank, so the reader finds the error cells with xlrd and puts back the error each
one shows (kpixl/read/xls.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpixl.cli.main import main
from kpixl.read.workbook import read_workbook
from kpixl.read.xls import error_cells
from tests.test_read_ods_errors import SOFFICE, with_errors


@pytest.mark.skipif(SOFFICE is None, reason="needs LibreOffice (soffice)")
def test_validate_tells_error_cells_of_an_xls(
    tmp_path: Path, register_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xls = with_errors(tmp_path, {"O3": "=1/0", "N4": "=NA()"}, "xls")  # AA01 Mar-25, AA02 Feb-25
    status = main(["validate", str(xls), "--register", str(register_path), "--json"])
    told = [
        (i["code"], i["cell"], i["ref"], i["message"])
        for i in json.loads(capsys.readouterr().out)["issues"]
        if i["code"] in {"error-value", "not-numeric", "missing-value", "legacy-format"}
    ]
    assert status == 1
    assert [t[:3] for t in told] == [
        ("legacy-format", "", ""),
        ("error-value", "O3", "AA01"),
        ("error-value", "N4", "AA02"),
    ]
    assert (
        told[1][3] == "AA01 Mar-25 is #DIV/0!: the formula divides by zero; type the figure or n/a"
    )
    assert (
        told[2][3]
        == "AA02 Feb-25 is #N/A: the formula's lookup found nothing; type the figure or n/a"
    )
    # the sheet's other values are calamine's, as before
    sheet = read_workbook(xls).sheets[0]
    assert sheet.cell(2, 1) == "AA01" and sheet.cell(2, 14) == "#DIV/0!"


def test_a_file_xlrd_cannot_read_has_no_error_cells() -> None:
    """The values are read by calamine all the same; only the errors go untold."""
    assert error_cells(b"not a workbook at all") == {}
    assert error_cells(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) == {}
