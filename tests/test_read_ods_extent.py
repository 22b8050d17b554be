"""An .ods that repeats a row 199,000 times is refused before calamine expands it; real ones read."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpixl.read.archive import Limits
from kpixl.read.ods import ods_extents
from kpixl.read.returns import ReturnFile, read_return

HEAD = ["Ref", "Indicator description", "Jan-25", "Feb-25", "Mar-25"]
# LibreOffice ends every sheet so: the rest of the rows and columns, empty but styled
LIBREOFFICE_TAIL = (
    '<table:table-row table:style-name="ro1" table:number-rows-repeated="1048570">'
    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
)


def cell(value: object, repeat: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{times}/>"
    if isinstance(value, float | int):
        return (
            f'<table:table-cell{times} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell{times} office:value-type="string"><text:p>{value}</text:p>'
        "</table:table-cell>"
    )


def row(values: Sequence[object], repeat: int = 1) -> str:
    times = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{times}>{''.join(cell(v) for v in values)}</table:table-row>"


def write_ods(path: Path, sheets: dict[str, str]) -> Path:
    """An .ods as LibreOffice lays it out: mimetype stored first, the manifest, content.xml."""
    tables = "".join(
        f'<table:table table:name="{n}">{xml}</table:table>' for n, xml in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", content)
    return path


def bomb(path: Path, times: int = 199_000, width: int = 1) -> Path:
    """A header and one row of figures written once and repeated `times` times."""
    figures = row(["ZZ01", "junk", *([0.5] * width)], times)
    return write_ods(path, {"KPIs": row(HEAD) + figures})


def codes(result: ReturnFile) -> list[str]:
    return [i.code.value for i in result.issues]


def test_a_row_repeated_199000_times_is_sheet_too_large(tmp_path: Path) -> None:
    path = bomb(tmp_path / "bomb.ods")
    assert path.stat().st_size < 2_000  # the whole attack: under 2 KB
    result = read_return(path)
    assert codes(result) == ["sheet-too-large"]
    message = result.issues[0].message
    assert "sheet 'KPIs'" in message and "a row 199,000 times" in message
    assert "limit 100,000" in message and "none of it was read" in message
    assert result.observations == []


def test_a_bomb_that_would_take_gigabytes_is_refused_in_little_memory(tmp_path: Path) -> None:
    """400 figures a row, 199,000 rows: 80 million cells if expanded. Refused before calamine,
    the reading process stays small (its peak resident memory, not its time, is checked)."""
    path = bomb(tmp_path / "wide.ods", width=400)
    # The process's own high-water mark (VmHWM): getrusage's ru_maxrss on Linux keeps the one
    # from before exec, i.e. the forked pytest's, which a full test run makes large.
    script = (
        "import json, sys\n"
        "from kpixl.read.returns import read_return\n"
        "r = read_return(sys.argv[1])\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "peak = int(status) / 1024\n"
        "print(json.dumps({'codes': [i.code.value for i in r.issues], 'peak_mb': peak}))\n"
    )
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc/self/status here to read the reader's peak memory from")
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert found["codes"] == ["sheet-too-large"]
    assert found["peak_mb"] < 400  # expanded, the cells alone would take over 2,000 MB


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        # empty rows between two rows of figures are expanded too
        (row(HEAD) + row([None], 300_000) + row(["AA01", "x", 1]), "reaches cell E300002"),
        # one figure repeated across 1,000 columns
        (row(HEAD) + row(["AA01", "x"]) + f"<table:table-row>{cell(1, 1000)}</table:table-row>",
         "reaches cell ALL3"),
    ],
)  # fmt: skip
def test_repeats_count_towards_the_extent_limits(tmp_path: Path, xml: str, words: str) -> None:
    result = read_return(write_ods(tmp_path / "far.ods", {"KPIs": xml}))
    assert codes(result) == ["sheet-too-large"]
    assert words in result.issues[0].message


def test_a_libreoffice_sheet_with_its_empty_tail_reads(tmp_path: Path) -> None:
    """What LibreOffice writes is not a bomb: a million empty rows, cells repeated across."""
    xml = (
        row(HEAD)
        + row(["AA01", "Calls answered", 0.95, 0.85, 0.7])
        + row(["AA02", "Rent outstanding", "n/a", "n/a", "n/a"]).replace(
            cell("n/a") * 3, cell("n/a", 3)
        )
        + LIBREOFFICE_TAIL
    )
    result = read_return(write_ods(tmp_path / "real.ods", {"KPIs": xml}))
    assert [i for i in result.issues if i.severity.value == "error"] == []
    assert [(o.ref, o.raw) for o in result.observations if o.ref == "AA01"] == [
        ("AA01", 0.95), ("AA01", 0.85), ("AA01", 0.7),
    ]  # fmt: skip
    assert sum(o.ref == "AA02" for o in result.observations) == 3


def test_the_limit_on_repeats_is_configurable(tmp_path: Path) -> None:
    path = bomb(tmp_path / "small.ods", times=50)
    assert "sheet-too-large" not in codes(read_return(path))
    refused = read_return(path, limits=Limits(max_repeated_cells=40))
    assert codes(refused) == ["sheet-too-large"]
    assert "limit 40 cells made by repeating" in refused.issues[0].message


# A sheet of a few rows, each (its cells, how often it repeats); a cell is (value, repeat).
_CELLS = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(0, 9), st.sampled_from(["a", "n/a"])),
              st.integers(1, 4)),
    max_size=5,
)  # fmt: skip
_SHEET = st.lists(st.tuples(_CELLS, st.integers(1, 4)), max_size=6)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sheet=_SHEET)
def test_the_extent_counted_is_the_grid_calamine_makes(
    tmp_path: Path, sheet: list[tuple[list[tuple[object, int]], int]]
) -> None:
    xml = "".join(
        f"<table:table-row{_rows(times)}>{''.join(cell(v, n) for v, n in cells)}</table:table-row>"
        for cells, times in sheet
    )
    path = write_ods(tmp_path / "random.ods", {"S": xml + LIBREOFFICE_TAIL})
    (counted,) = ods_extents(zipfile.ZipFile(path).read("content.xml")) or []
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    grid = book.get_sheet_by_name("S").to_python(skip_empty_area=False)
    filled = [(r, c) for r, line in enumerate(grid) for c, v in enumerate(line) if v != ""]
    rows = max((r + 1 for r, _ in filled), default=0)
    cols = max((c + 1 for _, c in filled), default=0)
    assert (counted.rows, counted.cols, counted.made) == (rows, cols, len(filled))


def _rows(times: int) -> str:
    return f' table:number-rows-repeated="{times}"' if times > 1 else ""
