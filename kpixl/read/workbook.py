"""Open any workbook safely with python-calamine: checked first, bounded extent, formulas found."""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

import python_calamine as calamine
from defusedxml import ElementTree

from kpixl.cells import column_letter
from kpixl.issues import IssueCode
from kpixl.read.archive import DEFAULT_LIMITS, Contents, Limits, WorkbookError, inspect
from kpixl.read.ods import OdsExtent, error_cells, ods_extents
from kpixl.read.xls import error_cells as xls_error_cells

if TYPE_CHECKING:
    import openpyxl

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_COLS",
    "MAX_ROWS",
    "SUFFIXES",
    "Limits",
    "Sheet",
    "Workbook",
    "WorkbookError",
    "open_with_openpyxl",
    "read_workbook",
]

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
MAX_ROWS = DEFAULT_LIMITS.max_rows  # the default extent limits, for callers that need them
MAX_COLS = DEFAULT_LIMITS.max_cols

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SHEET, _RELATIONSHIP = f"{_NS_MAIN}sheet", f"{_NS_PKG_REL}Relationship"
# the same names as expat gives them with namespace_separator "}" (ElementTree adds the "{")
_SHEET_EXPAT, _RELATIONSHIP_EXPAT = _SHEET[1:], _RELATIONSHIP[1:]
_REL_ID_EXPAT = f"{_NS_REL[1:]}id"
# Each pattern stops at the next tag, so a malformed sheet costs one pass, never a quadratic one.
_CELL = re.compile(rb"<c\b([^<>]*?)(?:/>|>((?:[^<]++|<(?!/c>|c\b))*+)</c>)")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>|<v\s*/>")
# Every r="..." anywhere counts, not only a tag's first: a damaged tag such as
# <c r="F4"r="XFD1048576"> is read by calamine with the last one (and it then aborts).
_ANY_REF = re.compile(rb'\br="([A-Z]{0,3})(\d+)"')  # a row's r="7" or a cell's r="C7"
_SCAN_CHUNK = 1024 * 1024
_MAX_CLAIM = 10_000_000  # a claimed extent beyond this is not turned into a regex
_DIGIT = r"\d"
_DIMENSION = re.compile(rb'<dimension\b[^<>]*?\bref="[A-Z]*\d*:?([A-Z]{1,3})(\d+)"')


@dataclass
class Sheet:
    """One sheet's cached values on an absolute grid (row 0 is Excel row 1)."""

    name: str
    rows: list[list[Any]]
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)

    def cell(self, row: int, col: int) -> object:
        if row < len(self.rows) and col < len(self.rows[row]):
            value = self.rows[row][col]
            return None if value == "" else value
        return None


@dataclass
class Workbook:
    path: Path
    sheets: list[Sheet]
    too_large: list[str] = field(default_factory=list)  # sheets skipped for their extent
    warnings: list[tuple[IssueCode, str]] = field(default_factory=list)  # macros, links...
    chart_sheets: int = 0


def read_workbook(path: Path, limits: Limits = DEFAULT_LIMITS) -> Workbook:
    """Read every visible and hidden worksheet's values; never writes to the file.

    The file is checked before any parser sees it (kpixl.read.archive.inspect); the format is
    taken from the content, not the name, so an .xls renamed .xlsx is still read.
    """
    path = Path(path)
    if not path.is_file():
        raise WorkbookError("the file does not exist or is not a file")
    contents = inspect(path, limits, keep=True)  # the file is read once, here
    xml_facts = _scan_ooxml(path, contents) if contents.kind == "xlsx" else {}
    ods_sheets = _refuse_large_ods(contents, limits) if contents.kind == "ods" else {}
    xls_errors = xls_error_cells(contents.data) if contents.kind == "xls" else {}
    contents.parts.clear()  # the sheets' XML is not needed any more
    try:
        source = io.BytesIO(contents.data) if contents.data else path.open("rb")
        with source as handle:
            book = calamine.CalamineWorkbook.from_filelike(handle)
    except calamine.PasswordError:
        raise WorkbookError(
            "the workbook is password-protected: save it without a password and send it again",
            IssueCode.PASSWORD_PROTECTED,
        ) from None
    except Exception as exc:  # calamine raises several unrelated types for bad files
        raise WorkbookError(f"the workbook is damaged and cannot be read ({exc})") from None
    result = Workbook(path, [], warnings=list(contents.warnings))
    try:
        for meta in book.sheets_metadata:
            if str(meta.typ) != str(calamine.SheetTypeEnum.WorkSheet):
                result.chart_sheets += 1
                continue
            facts = xml_facts.get(meta.name)
            found = (ods_sheets.get(meta.name), xls_errors.get(meta.name, {}))
            _read_sheet(book, meta.name, facts, limits, result, found)
    except Exception as exc:
        raise WorkbookError(f"the workbook is damaged and cannot be read ({exc})") from None
    finally:
        book.close()
    return result


def _read_sheet(
    book: calamine.CalamineWorkbook,
    name: str,
    facts: _SheetFacts | None,
    limits: Limits,
    result: Workbook,
    found: tuple[OdsExtent | None, dict[tuple[int, int], str]] = (None, {}),
) -> None:
    """Read one sheet into `result` (or say it is too large); `found`: an .ods sheet's extent
    and error cells, or an .xls sheet's error cells (kpixl.read.xls)."""
    ods, xls_errors = found
    limit = (
        f"(limit {limits.max_rows:,} rows, {limits.max_cols} columns, "
        f"{limits.max_cells:,} cells in all)"
    )
    if facts is not None and _too_large(facts.rows, facts.cols, limits):
        # refused before calamine, which aborts the process on a sheet reaching XFD1048576
        result.too_large.append(
            f"{name} reaches cell {column_letter(facts.cols - 1)}{facts.rows} {limit}"
        )
        return
    sheet = book.get_sheet_by_name(name)
    if facts is None and _too_large(sheet.total_height, sheet.total_width, limits):
        result.too_large.append(
            f"{name} has {sheet.total_height:,} rows and {sheet.total_width} columns {limit}"
        )
        return
    rows = list(sheet.to_python(skip_empty_area=False))
    missing = facts.formulas_without_value if facts else set()
    # calamine gives an error cell as "" (an .ods one as "" or 0), as if blank: put back the
    # error the cell shows
    if facts is not None:
        _put_back_errors(rows, facts.errors, only_blank=True)
    if xls_errors:
        _put_back_errors(rows, xls_errors, only_blank=True)
    if ods is not None and ods.errors:
        width = max(map(len, rows), default=0)
        _put_back_errors(rows, error_cells(ods.errors, len(rows), width), only_blank=False)
    result.sheets.append(Sheet(name, rows, missing))


def _put_back_errors(
    rows: list[list[Any]], errors: dict[tuple[int, int], str], only_blank: bool
) -> None:
    for (row, col), text in errors.items():
        if row < len(rows) and col < len(rows[row]) and (rows[row][col] == "" or not only_blank):
            rows[row][col] = text


def _too_large(rows: int, cols: int, limits: Limits) -> bool:
    return rows > limits.max_rows or cols > limits.max_cols or rows * cols > limits.max_cells


def _refuse_large_ods(contents: Contents, limits: Limits) -> dict[str, OdsExtent]:
    """Refuse the whole .ods when one of its sheets, repeats counted out, is too large: calamine
    expands every sheet as it opens the file, so no sheet of it can be skipped alone. Else
    every sheet's extent and error cells, by name."""
    content = contents.parts.get("content.xml")
    sheets = (ods_extents(content) if content is not None else None) or []
    for sheet in sheets:
        if _too_large(sheet.rows, sheet.cols, limits):
            what = (
                f"sheet '{sheet.name}' reaches cell {column_letter(sheet.cols - 1)}{sheet.rows} "
                f"once its repeated rows and cells are counted (limit {limits.max_rows:,} rows, "
                f"{limits.max_cols} columns, {limits.max_cells:,} cells in all)"
            )
        elif sheet.repeated > limits.max_repeated_cells:
            once = f" (a row {sheet.longest_repeat:,} times)" if sheet.longest_repeat > 1 else ""
            what = (
                f"sheet '{sheet.name}' repeats rows or cells it writes once{once} until "
                f"{sheet.made:,} cells hold a value, from {sheet.written:,} written in the file "
                f"(limit {limits.max_repeated_cells:,} cells made by repeating): the file looks "
                "built to exhaust memory"
            )
        else:
            continue
        raise WorkbookError(
            f"{what}; an .ods file is read whole, so none of it was read: copy the table into "
            "a new workbook",
            IssueCode.SHEET_TOO_LARGE,
        )
    return {sheet.name: sheet for sheet in sheets}


@dataclass
class _SheetFacts:
    rows: int = 0
    cols: int = 0
    dimension: tuple[int, int] = (0, 0)  # rows, columns the sheet claims to use
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # cells showing #DIV/0! …


def _scan_ooxml(path: Path, kept: Contents | None = None) -> dict[str, _SheetFacts]:
    """Per sheet name: its extent and the cells holding a formula but no cached value.

    `kept`: what inspect(keep=True) kept, read from memory rather than unpacked again."""
    try:
        if kept is not None and kept.data:
            return _scan_parts(kept.names, functools.partial(_kept_part, kept))
        with zipfile.ZipFile(path) as zf:
            return _scan_parts(zf.namelist(), zf.read)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return {}  # let calamine describe the damage
    except Exception as exc:  # defusedxml refuses entities and DTDs
        raise WorkbookError(f"the workbook contains XML kpixl will not read ({exc})") from None


def _kept_part(kept: Contents, name: str) -> bytes:
    if name in kept.parts:
        return kept.parts[name]
    with zipfile.ZipFile(io.BytesIO(kept.data)) as zf:  # a part not named .xml (never kept)
        return zf.read(name)


def _scan_parts(names: list[str], read: Callable[[str], bytes]) -> dict[str, _SheetFacts]:
    facts: dict[str, _SheetFacts] = {}
    for name, part in _sheet_parts(names, read).items():
        # sizes were bounded by archive.inspect before this read
        facts[name] = _scan_sheet_xml(read(part))
    return facts


def _sheet_parts(names: list[str], read: Callable[[str], bytes]) -> dict[str, str]:
    """Sheet name -> its part, from the workbook's index and its relationships."""
    sheets, targets = _sheets_and_targets(read) or _sheets_and_targets_carefully(read)
    parts: dict[str, str] = {}
    for name, rel_id in sheets:
        target = targets.get(rel_id, "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        part = posixpath.normpath(part)
        if part in names:
            parts[name] = part
    return parts


_Index = tuple[list[tuple[str, str | None]], dict[str | None, str]]


def _sheets_and_targets_carefully(read: Callable[[str], bytes]) -> _Index:
    """With defusedxml, which refuses entities and DTDs and says what is wrong."""
    workbook = ElementTree.fromstring(read("xl/workbook.xml"))
    rels = ElementTree.fromstring(read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(_RELATIONSHIP)}
    return [(s.get("name", ""), s.get(f"{_NS_REL}id")) for s in workbook.iter(_SHEET)], targets


def _sheets_and_targets(read: Callable[[str], bytes]) -> _Index | None:
    """The workbook's (sheet name, relationship id) in order and its relationships' targets,
    read by expat itself, which is what defusedxml runs too: the same names, namespaces and
    unescaped text (`&amp;`). Only for XML with no `<!` at all, so no DTD or entity can be
    declared (archive.inspect has refused them anyway, and 1 MB tokens here); None for any
    other XML or any error, for the careful path to read (or refuse) in its own words."""
    try:
        index, rels = read("xl/workbook.xml"), read("xl/_rels/workbook.xml.rels")
    except Exception:  # the careful path reads them again, and fails the same way
        return None
    if b"<!" in index or b"<!" in rels:
        return None
    sheets: list[tuple[str, str | None]] = []
    targets: dict[str | None, str] = {}

    def sheet(tag: str, attributes: dict[str, str]) -> None:
        if tag == _SHEET_EXPAT:
            sheets.append((attributes.get("name", ""), attributes.get(_REL_ID_EXPAT)))

    def relationship(tag: str, attributes: dict[str, str]) -> None:
        if tag == _RELATIONSHIP_EXPAT:
            targets[attributes.get("Id")] = attributes.get("Target", "")

    try:
        for xml, handler in ((index, sheet), (rels, relationship)):
            parser = expat.ParserCreate(None, "}")  # as ElementTree's XMLParser
            parser.StartElementHandler = handler
            parser.Parse(xml, True)
    except expat.ExpatError:
        return None
    return sheets, targets


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _extent(xml: bytes, claimed: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """The furthest row and column any r="..." names.

    `claimed`: the rows and columns the sheet's <dimension> claims. When a reference reaches
    that row and one that column, and none can go beyond either, the claim is the extent.
    Otherwise only the references at or beyond that row or column are looked at, since only
    they can be the furthest; if they do not reach it (the claim is wrong), every reference
    is, as without a claim."""
    rows, cols = claimed
    if 0 < rows <= _MAX_CLAIM and 0 < cols <= _MAX_CLAIM:
        letters = column_letter(cols - 1)
        if _reaches(xml, rows, letters) and not _beyond(rows, letters).search(xml):
            return rows, cols  # some reference reaches the claim and none goes beyond it
        found = _furthest(xml, _at_or_beyond(rows, letters))
        if found[0] >= rows and found[1] >= cols:
            return found  # every other reference is before both, so nearer
    return _furthest(xml, _ANY_REF)


def _reaches(xml: bytes, rows: int, letters: str) -> bool:
    """Whether a reference is on row `rows` and one in column `letters`, from a few likely
    ones: the last row's, the last cell's and the first cell in that column."""
    row = column = False
    wanted = letters.encode()
    for tag, at in (
        (b'<row r="', xml.rfind(b'<row r="')),
        (b'<c r="', xml.rfind(b'<c r="')),
        (b'<c r="', xml.find(b'<c r="' + wanted)),
    ):
        ref = _ANY_REF.match(xml, at + len(tag) - 3) if at >= 0 else None
        if ref:  # a reference _ANY_REF finds (its \b sees the byte before `r`)
            row = row or int(ref.group(2)) == rows
            column = column or ref.group(1) == wanted
    return row and column


def _furthest(xml: bytes, refs_pattern: re.Pattern[bytes]) -> tuple[int, int]:
    """The furthest row and column of the references the pattern finds, a megabyte at a time
    (bounded memory)."""
    rows = cols = start = 0
    while start < len(xml):
        # no match can span an `r=` (a match only starts there), so cut the text just before one
        end = xml.find(b"r=", start + _SCAN_CHUNK)
        end = len(xml) if end < 0 else end
        refs = refs_pattern.findall(xml, start, end)  # \b still sees the byte before `start`
        if refs:  # the distinct letters and numbers are few: convert only those
            letters, numbers = zip(*refs, strict=True)
            rows = max(rows, *map(int, set(numbers)))
            cols = max(cols, *map(_col_number, set(letters)))
        start = end
    return rows, cols


@functools.lru_cache(maxsize=64)
def _at_or_beyond(rows: int, letters: str) -> re.Pattern[bytes]:
    """Some references _ANY_REF finds, as it gives them, among them every one whose row is
    at least `rows` or whose column letters are at least `letters` (and a few before: with as
    many letters and a first one as high, with as many digits and the first two as high, or
    more digits, leading zeros and all). It starts with `r="`, which the regex engine seeks
    fast; the lookahead turns most references away at their first characters; the lookbehind
    is _ANY_REF's word boundary (`r` not after a letter, digit or `_`)."""
    more_letters = f"[A-Z]{{{len(letters) + 1}}}|" if len(letters) < 3 else ""
    column = f"{more_letters}[{letters[0]}-Z]{_times('[A-Z]', len(letters) - 1)}\\d"
    return re.compile(
        f'r="(?={column}|[A-Z]{{0,3}}+(?:{_digits_at_least(str(rows))}))'
        '(?<![A-Za-z0-9_]r=")([A-Z]{0,3})(\\d+)"'.encode()
    )


@functools.lru_cache(maxsize=64)
def _beyond(rows: int, letters: str) -> re.Pattern[bytes]:
    """Every reference _ANY_REF finds whose row is over `rows` or whose column is after
    `letters`, and a few more (it looks at neither the word boundary nor the end): more letters,
    or as many with the same first ones and then a later one; more digits (leading zeros and
    all), or as many with the same first ones and then a higher one. Each alternative fails at
    a first character or two, so the many references before the claim cost little."""
    columns = [f"[A-Z]{{{len(letters) + 1}}}"] if len(letters) < 3 else []
    columns += [
        f"{letters[:i]}[{chr(ord(letter) + 1)}-Z]{_times('[A-Z]', len(letters) - i - 1)}"
        for i, letter in enumerate(letters)
        if letter != "Z"
    ]
    digits = str(rows)
    higher = [_times(_DIGIT, len(digits) + 1)]
    higher += [
        f"{digits[:i]}[{int(digit) + 1}-9]{_times(_DIGIT, len(digits) - i - 1)}"
        for i, digit in enumerate(digits)
        if digit != "9"
    ]
    row = "[A-Z]{0,3}+(?:" + "|".join(higher) + ")"
    return re.compile(f'r="(?:{"|".join([*columns, row])})'.encode())


def _digits_at_least(digits: str) -> str:
    """A regex for a row number (its digits then `"`) with more digits than `digits`, or as
    many and the first two at least as high (a number with fewer digits is lower)."""
    first, rest = int(digits[0]), len(digits) - 1
    choices = [f"\\d{{{rest + 2}}}"]
    if rest == 0:
        return f'{choices[0]}|[{first}-9]"'
    if first < 9:
        choices.append(f'[{first + 1}-9]{_times(_DIGIT, rest)}"')
    choices.append(f'{first}[{digits[1]}-9]{_times(_DIGIT, rest - 1)}"')
    return "|".join(choices)


def _times(regex: str, n: int) -> str:
    return f"{regex}{{{n}}}" if n > 1 else regex * n


def _scan_sheet_xml(xml: bytes) -> _SheetFacts:
    facts = _SheetFacts()
    dimension = _DIMENSION.search(xml, 0, 4096)
    if dimension:  # calamine ignores it, but openpyxl's read-only mode trusts it
        facts.dimension = (int(dimension.group(2)), _col_number(dimension.group(1)))
    facts.rows, facts.cols = _extent(xml, facts.dimension)
    if b't="e"' in xml:
        facts.errors = _error_cells(xml)
    if b"<f" not in xml:
        return facts
    for m in _CELL.finditer(xml):
        body = m.group(2) or b""
        if b"<f" not in body:
            continue
        value = _VALUE.search(body)
        cached = value is not None and (bool(value.group(1)) or b't="str"' in m.group(1))
        if cached:
            continue
        ref = _CELL_REF.search(m.group(1))
        if ref:
            facts.formulas_without_value.add((int(ref.group(2)) - 1, _col_number(ref.group(1)) - 1))
    return facts


_ERROR_CELL = re.compile(
    rb'<c\b[^<>]*?\bt="e"[^<>]*>(?:(?!</c>).)*?<v>(#[A-Z0-9/!?_]{1,16})</v>', re.S
)


def _error_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """The cells holding an Excel error value (t="e"), with the error's text."""
    errors = {}
    for m in _ERROR_CELL.finditer(xml):
        ref = _CELL_REF.search(m.group(0), 0, m.group(0).find(b">"))
        if ref:
            cell = (int(ref.group(2)) - 1, _col_number(ref.group(1)) - 1)
            errors[cell] = m.group(1).decode("ascii")
    return errors


def open_with_openpyxl(
    path: Path, limits: Limits = DEFAULT_LIMITS, with_styles: bool = False
) -> openpyxl.Workbook:
    """The one way kpixl may read a return with openpyxl (kpixl itself reads with calamine).

    The same checks as read_workbook first, then also the sheets' declared dimension (which
    openpyxl's read-only mode trusts); defusedxml must be active; no links, no VBA, values only.
    `with_styles` loads the whole workbook (not read-only) for its named styles (--template).
    """
    import openpyxl  # only here: reading values never needs it
    import openpyxl.xml

    path = Path(path)
    if not openpyxl.xml.DEFUSEDXML:
        raise WorkbookError("defusedxml is not installed: kpixl will not read returns without it")
    if inspect(path, limits, every_part_by_expat=True).kind != "xlsx":
        raise WorkbookError("only .xlsx and .xlsm workbooks can be opened this way")
    for name, facts in _scan_ooxml(path).items():
        rows, cols = max(facts.rows, facts.dimension[0]), max(facts.cols, facts.dimension[1])
        if _too_large(rows, cols, limits):
            raise WorkbookError(
                f"sheet '{name}' reaches cell {column_letter(cols - 1)}{rows} (limit "
                f"{limits.max_rows:,} rows, {limits.max_cols} columns, {limits.max_cells:,} cells)",
                IssueCode.SHEET_TOO_LARGE,
            )
    return openpyxl.load_workbook(
        path, read_only=not with_styles, data_only=True, keep_links=False, keep_vba=False
    )
