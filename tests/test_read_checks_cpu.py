"""The cheaper pre-checks give the careful ones' answers: the zip directory read with struct
(archive._central_directory) is zipfile's infolist, or left to zipfile; a part is never inflated
past its declared size; the extent is taken as the sheet's claim only when some reference
reaches it and none can go beyond it (workbook._reaches, workbook._beyond); the warnings for
macros, links and objects are found as before (archive._flags)."""

from __future__ import annotations

import io
import random
import struct
import tempfile
import tracemalloc
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.cells import column_letter
from kpixl.read import archive, workbook
from kpixl.read.archive import inspect
from tests.conftest import write_book
from tests.test_read_fast_path import (
    DIGITS,
    EDGES,
    LETTERS,
    ROWS,
    careful_extent,
    claims,
    outcome,
    read,
    sheet_xml,
)

ROOT = Path(__file__).resolve().parent.parent
FIELDS = (
    "filename",
    "orig_filename",
    "flag_bits",
    "compress_type",
    "CRC",
    "compress_size",
    "file_size",
    "header_offset",
)


def zipfile_infolist(data: bytes) -> object:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [tuple(getattr(i, f) for f in FIELDS) for i in zf.infolist()]
    except Exception as exc:  # the careful path's refusal, whatever it is
        return type(exc)


def assert_directory_is_zipfiles(data: bytes) -> bool:
    """The fast directory is zipfile's infolist whenever it gives one; True if it did."""
    fast = archive._central_directory(data)
    if fast is None:
        return False
    assert [tuple(getattr(e, f) for f in FIELDS) for e in fast] == zipfile_infolist(data)
    return True


@contextmanager
def careful_path() -> Iterator[None]:
    """Every fast path of the pre-checks off: zipfile reads the directory and every part."""
    with (
        mock.patch.object(archive, "_central_directory", lambda data: None),
        mock.patch.object(archive, "_unpack_quickly", lambda data, info: None),
    ):
        yield


def compare_inspect(data: bytes, suffix: str = ".xlsx") -> object:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"m{suffix}"
        path.write_bytes(data)
        fast = outcome(lambda: inspect(path, keep=True))
        with careful_path():
            careful = outcome(lambda: inspect(path, keep=True))
        assert fast == careful  # the same Contents (kind, warnings, bytes, parts) or refusal
        return fast


# -- the zip directory -------------------------------------------------------------------------

NAMES = st.sampled_from(
    ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "a b/c.rels", "d.vml"]
) | st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=1, max_size=12)


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    out = io.BytesIO()
    out.write(draw(st.sampled_from([b"", b"", b"junk before the zip"])))
    with zipfile.ZipFile(out, "a" if out.tell() else "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a name twice: zipfile keeps both
        for name in draw(st.lists(NAMES, max_size=5)):
            info = zipfile.ZipInfo(name)
            info.compress_type = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
            info.comment = draw(st.sampled_from([b"", b"a note"]))
            if draw(st.integers(0, 5)) == 0:
                info.extra = struct.pack("<HH", 0xCAFE, 2) + b"xy"
            zf.writestr(info, draw(st.binary(max_size=300)) * draw(st.integers(1, 3)))
        zf.comment = draw(st.sampled_from([b"", b"", b"", b"archive comment"]))
    data = bytearray(out.getvalue())
    # damage near the end (the directory and its end record) or anywhere, sometimes
    for _ in range(draw(st.integers(0, 3))):
        at = draw(
            st.integers(max(len(data) - 200, 0), len(data) - 1) | st.integers(0, len(data) - 1)
        )
        data[at] = draw(st.integers(0, 255))
    if draw(st.integers(0, 6)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@settings(max_examples=500, deadline=None)
@given(archives())
def test_the_directory_read_with_struct_is_zipfiles_infolist(data: bytes) -> None:
    assert_directory_is_zipfiles(data)


def test_a_name_not_in_utf8_is_decoded_as_zipfile_decodes_it() -> None:
    """Names in cp437 (no UTF-8 flag), in UTF-8 with the flag, and broken UTF-8 with the flag."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/caf\u00e9.xml", b"<x/>")  # zipfile sets the UTF-8 flag for it
        zf.writestr("xl/plain.xml", b"<y/>")
    utf8 = out.getvalue()
    assert assert_directory_is_zipfiles(utf8)
    cp437 = utf8.replace(b"\x00\x08", b"\x00\x00")  # the flag cleared in both headers
    assert assert_directory_is_zipfiles(cp437)
    assert archive._central_directory(cp437)[0].filename == "xl/caf\u251c\u2310.xml"  # type: ignore[index]
    broken = utf8.replace("caf\u00e9".encode(), b"caf\xff\xfe")
    assert archive._central_directory(broken) is None  # zipfile's UnicodeDecodeError, its words
    assert isinstance(outcome(lambda: zipfile_infolist(broken)), type)


def test_what_is_left_to_zipfile() -> None:
    base = io.BytesIO()
    with zipfile.ZipFile(base, "w") as zf:
        zf.writestr("xl/workbook.xml", b"<w/>")
    data = base.getvalue()
    assert assert_directory_is_zipfiles(data)
    with_comment = data[:-2] + b"\x02\x00hi"
    nul_name = data.replace(b"xl/workbook.xml", b"xl/w\x00rkbook.xml")
    backslash = data.replace(b"xl/workbook.xml", b"xl\\workbook.xml")
    for unusual in (with_comment, nul_name, backslash, data[:-1], b"PK" + b"\x00" * 40):
        assert archive._central_directory(unusual) is None
        compare_inspect(unusual)


def fixtures() -> list[Path]:
    found = [p for p in (ROOT / "tests" / "data").rglob("*") if p.is_file()]
    found += [p for p in (ROOT / "samples").rglob("*") if p.suffix in (".xlsx", ".xlsm")]
    return sorted(found)


def test_every_fixture_and_sample_reads_the_same() -> None:
    plain = 0
    for path in fixtures():
        data = path.read_bytes()
        if data.startswith(b"PK"):
            plain += assert_directory_is_zipfiles(data)
        assert compare_inspect(data, path.suffix) is not None, path
    assert plain >= 20  # the samples are plain zips, so they take the fast directory


def test_a_real_return_damaged_anywhere_is_read_or_refused_as_zipfile_does(tmp_path: Path) -> None:
    real = write_book(tmp_path / "r.xlsx", {"KPIs": ROWS, "Notes": [["Ref"]]}).read_bytes()
    assert assert_directory_is_zipfiles(real)
    rnd = random.Random(7)
    for _ in range(200):
        data = bytearray(real)
        for _ in range(rnd.randrange(1, 4)):
            at = (
                rnd.randrange(len(data))
                if rnd.random() < 0.5
                else len(data) - rnd.randrange(1, 400)
            )
            data[at] = rnd.randrange(256)
        assert_directory_is_zipfiles(bytes(data))
        compare_inspect(bytes(data))


# -- a part is never inflated beyond its declared size -----------------------------------------


def test_a_part_declaring_less_than_it_inflates_to_is_not_inflated_whole() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<w/>")
        zf.writestr("xl/styles.xml", b" " * 40_000_000)  # packs to about 40 KB
    data = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/styles.xml")
    declared = struct.pack("<L", 100)
    for at in (info.header_offset + 22, data.rfind(b"PK\x01\x02") + 24):  # both headers
        assert data[at : at + 4] == struct.pack("<L", 40_000_000)
        data[at : at + 4] = declared
    small = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/styles.xml")
    assert small.file_size == 100
    tracemalloc.start()
    try:
        assert archive._unpack_quickly(bytes(data), small) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # not the 40 MB the stream holds
    refused = compare_inspect(bytes(data))
    assert isinstance(refused, tuple) and refused[1] == "file-unreadable"


# -- the extent from the claim -----------------------------------------------------------------


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_the_extent_is_every_references_with_the_true_claim(data: st.DataObject) -> None:
    """With the claim the sheet really reaches (the usual case), and near it, as cells and rows."""
    xml = data.draw(sheet_xml())
    tail = data.draw(st.sampled_from(["", '<row r="{r}"><c r="{c}{r}"/></row>', '<c r="{c}{r}"/>']))
    rows, cols = careful_extent(xml)
    if tail and rows and cols:
        xml += tail.format(r=rows, c=column_letter(cols - 1)).encode()
    claimed = data.draw(claims(xml))
    assert workbook._extent(xml, claimed) == careful_extent(xml)


@settings(max_examples=600, deadline=None)
@given(LETTERS, DIGITS, st.integers(1, 2_000_000), st.integers(1, 18_278))
def test_every_reference_beyond_the_claim_is_found(
    letters: str, digits: str, rows: int, cols: int
) -> None:
    xml = f'<c r="{letters}{digits}"/>'.encode()
    found = careful_extent(xml)
    if found[0] > rows or found[1] > cols:
        assert workbook._beyond(rows, column_letter(cols - 1)).search(xml)


def test_every_claim_against_every_reference_beyond_it() -> None:
    numbers = sorted({*range(1, 131), *EDGES, 999, 1000, 1001, 1999, 2000, 24001, 99999})
    for claim in numbers:
        for other in [*numbers, 10 * claim, claim + 1]:
            for ref in (f"B{other}", f"B0{other}", f"{other}"):
                xml = f'<row r="{claim}"><c r="B{claim}"/></row><c r="{ref}"/>'.encode()
                assert workbook._extent(xml, (claim, 2)) == careful_extent(xml), (claim, ref)
    columns = [column_letter(c) for c in [*range(0, 60), 675, 676, 701, 702, 703, 727, 16383]]
    for claim_letters in columns:
        for other in [*columns, "AAAA", "ZZZZ"]:
            xml = f'<c r="{claim_letters}7"/><c r="{other}3"/><c r="A7"/>'.encode()
            claimed = (7, workbook._col_number(claim_letters.encode()))
            assert workbook._extent(xml, claimed) == careful_extent(xml), (claim_letters, other)


def test_a_written_sheet_takes_the_claim_and_a_wrong_claim_does_not(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "k.xlsx", {"KPIs": [[f"R{r}C{c}" for c in range(14)] for r in range(41)]}
    )
    xml = archive.inspect(path, keep=True).parts["xl/worksheets/sheet1.xml"]
    assert workbook._reaches(xml, 41, "N") and not workbook._beyond(41, "N").search(xml)
    assert workbook._extent(xml, (41, 14)) == careful_extent(xml) == (41, 14)
    assert not workbook._reaches(xml, 40, "N")  # no reference reaches a claim too low...
    assert workbook._beyond(40, "M").search(xml)  # ...and some go beyond it
    assert workbook._extent(xml, (40, 13)) == (41, 14)
    assert workbook._extent(xml, (42, 15)) == (41, 14)  # a claim too high


def test_hostile_sheets_read_the_same_with_every_fast_path_off(tmp_path: Path) -> None:
    from tests.test_read_fast_path import HOSTILE

    for case, make in HOSTILE.items():
        path = make(tmp_path)
        fast = read(path)
        with (
            careful_path(),
            mock.patch.object(workbook, "_sheets_and_targets", lambda read: None),
            mock.patch.object(workbook, "_extent", lambda xml, claimed=(0, 0): careful_extent(xml)),
        ):
            assert read(path) == fast, case


# -- the warnings for macros, links and embedded objects ---------------------------------------


def flags_before(names: list[str]) -> list[tuple[object, str]]:
    """archive._flags as it was, name by name (a frozen copy)."""
    lowered = [n.lower() for n in names]
    found: list[tuple[object, str]] = []
    for marker, code, message in archive._FLAGS:
        if any(marker in n for n in lowered) and (code, message) not in found:
            if code is archive.IssueCode.EMBEDDED_OBJECTS and any(c is code for c, _ in found):
                continue
            found.append((code, message))
    return found


PIECES = st.sampled_from(
    [
        *("xl/", "vbaProject.bin", "VBAPROJECT", ".bin", "externalLinks/", "external", "Links/"),
        *("\n", "activeX/", "embeddings/", "EMBEDDINGS", "/", "x", "\u0130"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(PIECES, max_size=4).map("".join), max_size=5))
def test_the_warnings_are_the_ones_found_name_by_name(names: list[str]) -> None:
    assert archive._flags(names) == flags_before(names)


@pytest.mark.parametrize("n", [1, 2])
def test_bench_like_returns_take_every_fast_path(tmp_path: Path, n: int) -> None:
    taken: list[str] = []
    unpack = archive._unpack_quickly

    def spy(data: bytes, info: archive._Part) -> bytes | None:
        part = unpack(data, info)
        taken.append(info.filename if part is not None else "")
        return part

    path = write_book(tmp_path / "b.xlsx", {f"S{i}": ROWS for i in range(n)})
    with mock.patch.object(archive, "_unpack_quickly", spy):
        contents = compare_inspect(path.read_bytes())
    assert isinstance(contents, archive.Contents) and "" not in taken
    xml = [name for name in contents.names if name.endswith((".xml", ".rels"))]
    assert sorted(taken) == sorted(xml)
