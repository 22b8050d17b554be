"""read_workbook's fast paths give the careful paths' answers, and refuse what they refuse in
the same words: parts unpacked in one call (archive._unpack_quickly), the sheet list read by
expat itself (workbook._sheets_and_targets), and the extent found from the references at or
beyond the sheet's claimed <dimension> (workbook._extent)."""

from __future__ import annotations

import io
import random
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.cells import column_letter
from kpixl.read import archive, workbook
from kpixl.read.archive import Contents, WorkbookError, inspect
from tests.conftest import write_book
from tests.test_read_security import parts_of, rezip

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
ROWS: list[list[object]] = [["Ref", "Mar-25", "Note"], ["AA01", 0.9, "=B2*2"], ["AA02", 0.8, 0.7]]


def careful_extent(xml: bytes) -> tuple[int, int]:
    return workbook._furthest(xml, workbook._ANY_REF)  # every reference, as before


def outcome(call: Callable[[], object]) -> object:
    try:
        return call()
    except WorkbookError as exc:
        return (str(exc), exc.code.value)


def read(path: Path) -> object:
    book = outcome(lambda: workbook.read_workbook(path))
    if isinstance(book, workbook.Workbook):
        sheets = [(s.name, s.rows, s.formulas_without_value) for s in book.sheets]
        return sheets, book.too_large, book.warnings, book.chart_sheets
    return book


# -- hostile returns: the same result, or the same refusal, with the fast paths as without --


def with_sheet(tmp: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    path = write_book(tmp / name, {"KPIs": ROWS, "Notes": [["Ref", "Commentary"]]})
    parts = parts_of(path)
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    return rezip(path, parts)


def with_part(tmp: Path, name: str, part: str, text: bytes) -> Path:
    path = write_book(tmp / name, {"KPIs": ROWS})
    parts = parts_of(path)
    parts[part] = text
    return rezip(path, parts)


DOCTYPE = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
NOISE_TEXT = "".join(random.Random(3).choices("abcdefghij", k=1_100_000)).encode()  # packs badly
HOSTILE: dict[str, Callable[[Path], Path]] = {
    "plain": lambda tmp: with_sheet(tmp, "plain.xlsx", lambda x: x),
    "far cell in a damaged tag": lambda tmp: with_sheet(
        tmp, "far.xlsx", lambda x: x.replace(b'<c r="B2"', b'<c r="B2"r="XFD1048576"', 1)
    ),
    "second reference after a word character": lambda tmp: with_sheet(
        tmp, "word.xlsx", lambda x: x.replace(b'<c r="B2"', b'<c r="B2" xr="XFD1048576"', 1)
    ),
    "cell without r=": lambda tmp: with_sheet(
        tmp, "nor.xlsx", lambda x: x.replace(b'<c r="C3"', b"<c", 1)
    ),
    "rows out of order, dimension lies": lambda tmp: with_sheet(
        tmp,
        "order.xlsx",
        lambda x: x.replace(
            b"<sheetData>", b'<sheetData><row r="90"><c r="D90"><v>1</v></c></row>'
        ),
    ),
    "row far beyond the claim": lambda tmp: with_sheet(
        tmp,
        "tall.xlsx",
        lambda x: x.replace(
            b"</sheetData>", b'<row r="300001"><c r="A300001"><v>1</v></c></row></sheetData>'
        ),
    ),
    "leading zeros": lambda tmp: with_sheet(
        tmp, "zeros.xlsx", lambda x: x.replace(b'<c r="B2"', b'<c r="B0000000000002"', 1)
    ),
    "DOCTYPE after a long comment": lambda tmp: with_part(
        tmp, "comment.xlsx", "xl/styles.xml", b"<!--" + b"x" * 200_000 + b"-->" + DOCTYPE + b"<x/>"
    ),
    "DOCTYPE after a long processing instruction": lambda tmp: with_part(
        tmp, "pi.xlsx", "docProps/app.xml", b"<?pi " + b"y" * 200_000 + b"?>" + DOCTYPE + b"<x/>"
    ),
    "DOCTYPE in a part over one chunk": lambda tmp: with_part(
        tmp, "big.xlsx", "xl/theme/theme1.xml", b"<!--" + NOISE_TEXT + b"-->" + DOCTYPE
    ),
    "DOCTYPE in the workbook's index": lambda tmp: with_part(
        tmp, "index.xlsx", "xl/workbook.xml", DOCTYPE + b"<workbook/>"
    ),
    "comment in the workbook's index": lambda tmp: (
        lambda path: with_part(
            tmp,
            "remark.xlsx",
            "xl/workbook.xml",
            parts_of(path)["xl/workbook.xml"].replace(b"<sheets>", b"<!-- a note --><sheets>"),
        )
    )(write_book(tmp / "w.xlsx", {"KPIs": ROWS})),
    "unparsable workbook index": lambda tmp: with_part(tmp, "bad.xlsx", "xl/workbook.xml", b"<wb"),
    "sheet named with XML escapes": lambda tmp: write_book(
        tmp / "esc.xlsx", {"R&D <\"Q4\"> 'x' end": ROWS, "Notes": [["Ref"]]}
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_returns_read_the_same_with_and_without_the_fast_paths(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = HOSTILE[case](tmp_path)
    fast = read(path)
    # every fast path off: zipfile unpacks, defusedxml lists the sheets, every reference counts
    monkeypatch.setattr(archive, "_unpack_quickly", lambda data, info: None)
    monkeypatch.setattr(workbook, "_sheets_and_targets", lambda read: None)
    monkeypatch.setattr(workbook, "_extent", lambda xml, claimed=(0, 0): careful_extent(xml))
    assert read(path) == fast


def test_what_the_hostile_returns_give(tmp_path: Path) -> None:
    """The answers themselves, as a user sees them."""
    far = read(HOSTILE["far cell in a damaged tag"](tmp_path))
    assert isinstance(far, tuple) and "KPIs reaches cell XFD1048576" in far[1][0]
    word = read(HOSTILE["second reference after a word character"](tmp_path))
    assert isinstance(word, tuple) and word[1] == []  # xr="..." is not a cell reference
    tall = read(HOSTILE["row far beyond the claim"](tmp_path))
    assert isinstance(tall, tuple) and "reaches cell C300001" in tall[1][0]
    for case in ("DOCTYPE after a long comment", "DOCTYPE in a part over one chunk"):
        refused = read(HOSTILE[case](tmp_path))
        assert isinstance(refused, tuple) and refused[1] == "suspicious-archive"
        assert "declares a DTD or entities" in refused[0]
    named = read(HOSTILE["sheet named with XML escapes"](tmp_path))
    assert isinstance(named, tuple) and named[0][0][0] == "R&D <\"Q4\"> 'x' end"
    assert named[0][0][2] == {(1, 2)}  # the formula without a saved value, found by name


def test_facts_of_the_hostile_sheets(tmp_path: Path) -> None:
    order = HOSTILE["rows out of order, dimension lies"](tmp_path)
    facts = workbook._scan_ooxml(order, inspect(order, keep=True))["KPIs"]
    assert (facts.rows, facts.cols, facts.dimension) == (90, 4, (3, 3))
    zeros = HOSTILE["leading zeros"](tmp_path)
    assert workbook._scan_ooxml(zeros, inspect(zeros, keep=True))["KPIs"].rows == 3


# -- the extent: hypothesis against every reference ------------------------------------------

EDGES = [1, 9, 10, 11, 19, 20, 39, 40, 41, 42, 49, 50, 51, 99, 100, 101, 199, 200, 1048576]
LETTERS = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=0, max_size=4) | st.sampled_from(
    ["", "A", "M", "N", "O", "Y", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD", "ZZZ", "AAAA"]
)
DIGITS = st.builds(
    lambda zeros, n: "0" * zeros + str(n),
    st.integers(0, 2) | st.just(0),
    st.integers(0, 2_000_000) | st.integers(0, 120) | st.sampled_from(EDGES),
)
BEFORE = st.sampled_from([" ", "<c ", "\t", '"', "x", "_", "9", "<row ", ""])
NOISE = st.sampled_from(
    ["<v>1</v>", "</c>", 'r=""', 'r="$A$1"', 'header="0.3"', 'r="A"', "r=", 'R="B7"', "<f>A1</f>"]
)


@st.composite
def sheet_xml(draw: st.DrawFn) -> bytes:
    pieces: list[str] = []
    for _ in range(draw(st.integers(0, 30))):
        if draw(st.booleans()):
            pieces.append(f'{draw(BEFORE)}r="{draw(LETTERS)}{draw(DIGITS)}"')
        else:
            pieces.append(draw(NOISE))
    return "".join(pieces).encode()


@st.composite
def claims(draw: st.DrawFn, xml: bytes) -> tuple[int, int]:
    """The true extent, near it, anywhere, or any one reference's (a claim too low)."""
    rows, cols = careful_extent(xml)
    near = st.tuples(
        st.integers(max(rows - 2, 0), rows + 2), st.integers(max(cols - 2, 0), cols + 2)
    )
    anywhere = st.tuples(st.integers(0, 3_000_000), st.integers(0, 20_000))
    refs = [(int(d), workbook._col_number(ltr)) for ltr, d in workbook._ANY_REF.findall(xml)]
    one = st.sampled_from(refs) if refs else anywhere
    return draw(st.just((rows, cols)) | near | anywhere | one | one)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_extent_from_the_claim_is_the_extent_of_every_reference(data: st.DataObject) -> None:
    xml = data.draw(sheet_xml())
    claimed = data.draw(claims(xml))
    assert workbook._extent(xml, claimed) == careful_extent(xml)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_the_extent_across_scan_chunks(data: st.DataObject) -> None:
    xml = data.draw(sheet_xml())
    claimed = data.draw(claims(xml))
    old = workbook._SCAN_CHUNK
    workbook._SCAN_CHUNK = 7  # many chunks, cut before each `r=`
    try:
        assert workbook._extent(xml, claimed) == careful_extent(xml)
    finally:
        workbook._SCAN_CHUNK = old


def test_every_claim_against_every_other_reference() -> None:
    """A claim and one more reference beyond or before it, in rows and in columns: the edges of
    the digits and letters the pattern compares (first one, first two, how many)."""
    numbers = sorted({*range(1, 131), *EDGES, 999, 1000, 1001, 24001, 30000, 200000, 200001})
    for claim in numbers:
        for other in numbers:
            xml = f'<c r="B{claim}"/><c r="A{other}"/><row r="{other}"/>'.encode()
            assert workbook._extent(xml, (claim, 2)) == careful_extent(xml), (claim, other)
    columns = [column_letter(c) for c in [*range(0, 60), 675, 676, 701, 702, 703, 727, 16383]]
    for claim_letters in columns:
        for other_letters in columns:
            xml = f'<c r="{claim_letters}7"/><c r="{other_letters}3"/>'.encode()
            claimed = (7, workbook._col_number(claim_letters.encode()))
            assert workbook._extent(xml, claimed) == careful_extent(xml), (
                claim_letters,
                other_letters,
            )


def test_the_extent_of_a_real_sheet_and_its_corners() -> None:
    for rows, cols in [(1, 1), (9, 26), (10, 27), (41, 14), (99, 702), (100, 703), (24001, 8)]:
        corner = f"{column_letter(cols - 1)}{rows}"
        xml = f'<dimension ref="A1:{corner}"/><row r="1"><c r="A1"/></row><c r="{corner}"/>'
        assert workbook._scan_sheet_xml(xml.encode()).rows == rows
        assert workbook._extent(xml.encode(), (rows, cols)) == (rows, cols)
        assert workbook._extent(xml.encode(), (rows + 1, cols)) == (rows, cols)  # claim too high


# -- the sheet list: expat itself against defusedxml -----------------------------------------

NAME_CHARS = st.characters(
    min_codepoint=9,
    max_codepoint=0x2FFFF,
    blacklist_categories=("Cs", "Cc"),
    whitelist_characters="\t\n\r",
)


def attribute(value: str, quote: str, by_reference: bool) -> str:
    text = escape(value, {'"': "&quot;", "'": "&apos;"})
    if by_reference:
        text = "".join(f"&#{ord(c)};" if not c.isalnum() else c for c in value)
    return f"{quote}{text}{quote}"


@st.composite
def workbook_index(draw: st.DrawFn) -> tuple[bytes, bytes]:
    prefix = draw(st.sampled_from(["", "x:"]))
    rel = draw(st.sampled_from(["r", "rel", "ns0"]))
    quote = draw(st.sampled_from(['"', "'"]))
    extra = draw(st.sampled_from(["", "<!-- note -->", "<?pi x?>", '<x:ext xmlns:x="urn:x"/>']))
    sheets, rels = [], []
    for i, name in enumerate(draw(st.lists(st.text(NAME_CHARS, max_size=12), max_size=4))):
        value = attribute(name, quote, draw(st.booleans()))
        rel_id = f' {rel}:id="rId{i}"' if draw(st.integers(0, 5)) else ""
        sheets.append(f'<{prefix}sheet name={value} sheetId="{i + 1}"{rel_id}/>')
        target = draw(st.sampled_from([f"worksheets/sheet{i}.xml", f"/xl/worksheets/sheet{i}.xml"]))
        rels.append(f'<Relationship Id="rId{i}" Type="t" Target="{target}"/>')
    ns = f'xmlns{":" + prefix[:-1] if prefix else ""}="{MAIN}" xmlns:{rel}="{REL}"'
    index = f"<{prefix}workbook {ns}>{extra}<{prefix}sheets>{''.join(sheets)}</{prefix}sheets></{prefix}workbook>"
    cut = draw(st.sampled_from([None, -1, -7]))  # a damaged index sometimes
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n{index}'.encode()
    relationships = f'<Relationships xmlns="{PKG}">{"".join(reversed(rels))}</Relationships>'
    return (text if cut is None else text[:cut]), relationships.encode()


@settings(max_examples=300, deadline=None)
@given(workbook_index())
def test_the_sheet_list_read_by_expat_is_the_one_defusedxml_reads(
    index: tuple[bytes, bytes],
) -> None:
    parts = {"xl/workbook.xml": index[0], "xl/_rels/workbook.xml.rels": index[1]}
    fast = workbook._sheets_and_targets(parts.__getitem__)
    try:
        careful = workbook._sheets_and_targets_carefully(parts.__getitem__)
    except workbook.ElementTree.ParseError:
        assert fast is None  # damaged: left to the careful path, which says so
        return
    assert fast == careful or (fast is None and b"<!" in index[0])  # a comment: careful path


def test_a_missing_relationships_part_is_left_to_the_careful_path() -> None:
    parts = {"xl/workbook.xml": f'<workbook xmlns="{MAIN}"/>'.encode()}
    assert workbook._sheets_and_targets(parts.__getitem__) is None


# -- parts unpacked in one call: zipfile's bytes, or zipfile's refusal -----------------------


def base_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>" * 20, zipfile.ZIP_DEFLATED)
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}"/>', zipfile.ZIP_STORED)
        zf.writestr(
            "xl/styles.xml",
            b"<styleSheet>" + b"<a/>" * 200 + b"</styleSheet>",
            zipfile.ZIP_DEFLATED,
        )
        zf.writestr(
            "xl/sharedStrings.xml",
            "<sst><si><t>Caf\u00e9 \u2013 R&amp;D</t></si></sst>",
            zipfile.ZIP_DEFLATED,
        )
        zf.writestr("docProps/core.xml", b"<core/>", zipfile.ZIP_STORED)
    return out.getvalue()


BASE = base_zip()


def compare_inspect(data: bytes) -> None:
    """inspect(keep=True) with the fast unpacking and without it (zipfile unpacks every part):
    the same Contents, or the same refusal."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.xlsx"
        path.write_bytes(data)
        fast = outcome(lambda: inspect(path, keep=True))
        with mock.patch.object(archive, "_unpack_quickly", lambda data, info: None):
            careful = outcome(lambda: inspect(path, keep=True))
        assert fast == careful  # Contents compare field by field: kind, warnings, bytes, parts
        if isinstance(fast, Contents):
            with zipfile.ZipFile(path) as zf:
                assert all(fast.parts[n] == zf.read(n) for n in fast.parts)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255)), min_size=1, max_size=3)
)
def test_damaged_zips_unpack_or_are_refused_as_zipfile_does(flips: list[tuple[int, int]]) -> None:
    data = bytearray(BASE)
    for at, byte in flips:
        data[at] = byte
    compare_inspect(bytes(data))


def test_each_part_takes_the_fast_path_when_nothing_is_unusual(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken: list[str] = []
    unpack = archive._unpack_quickly

    def spy(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
        part = unpack(data, info)
        if part is not None:
            taken.append(info.filename)
        return part

    monkeypatch.setattr(archive, "_unpack_quickly", spy)
    compare_inspect(BASE)
    assert sorted(taken) == sorted(zipfile.ZipFile(io.BytesIO(BASE)).namelist())


@pytest.mark.parametrize(
    "damage",
    [
        "bad CRC",
        "local name differs",
        "local header magic",
        "cut inside a part",
        "deflate stream damaged",
    ],
)
def test_each_kind_of_damage_is_refused_in_zipfiles_words(damage: str) -> None:
    data = bytearray(BASE)
    infos = zipfile.ZipFile(io.BytesIO(BASE)).infolist()
    styles = next(i for i in infos if i.filename == "xl/styles.xml")
    start = styles.header_offset + 30 + len(styles.filename)
    if damage == "bad CRC":
        data[start + 5] ^= 0xFF
    elif damage == "local name differs":
        data[styles.header_offset + 30] = ord("X")
    elif damage == "local header magic":
        data[styles.header_offset + 2] = 0
    elif damage == "cut inside a part":
        data = data[: start + 3] + data[start + styles.compress_size :]
    else:
        data[start : start + 4] = b"\xff\xff\xff\xff"
    compare_inspect(bytes(data))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.xlsx"
        path.write_bytes(bytes(data))
        refused = outcome(lambda: inspect(path, keep=True))
        assert isinstance(refused, tuple) and refused[1] == "file-unreadable", refused


def test_random_damage_to_a_real_return_matches_zipfile(tmp_path: Path) -> None:
    real = write_book(tmp_path / "r.xlsx", {"KPIs": ROWS}).read_bytes()
    rnd = random.Random(5)
    for _ in range(150):
        data = bytearray(real)
        for _ in range(rnd.randrange(1, 4)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        compare_inspect(bytes(data))


def test_a_part_before_the_start_of_the_file_is_left_to_zipfile() -> None:
    """A damaged directory can put a part at a negative offset: zipfile cannot seek there, and
    the fast path must not read it from the end of the bytes instead."""
    info = zipfile.ZipFile(io.BytesIO(BASE)).infolist()[0]
    assert archive._unpack_quickly(BASE, info) is not None
    info.header_offset -= len(BASE)  # the same bytes, counted from the end
    assert archive._unpack_quickly(BASE, info) is None
