"""Before any parser sees a return: what the file really is, and whether its archive is safe."""

from __future__ import annotations

import io
import pyexpat
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kpixl.issues import IssueCode

MB = 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_CHUNK = 1024 * 1024
# Parts kpixl itself parses with expat (defusedxml): a huge single token there is quadratic in
# expat before 2.6.0 (CVE-2023-52425), so such parts are refused whatever the expat version.
_EXPAT_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "content.xml")
_LONG_TOKEN = re.compile(rb"[^<]{1048576}")
# A zip part's local header as zipfile reads it (zipfile.structFileHeader), only its magic,
# flags and name and extra lengths; and the flags that make zipfile do more than unpack a part:
# encrypted (1), compressed patch (0x20), strong encryption (0x40)
_LOCAL_HEADER = struct.Struct("<4s2xH18xHH")
_LOCAL_MAGIC = b"PK\x03\x04"
_ZIP_FLAGS_NOT_PLAIN = 0x01 | 0x20 | 0x40
_ZIP_UTF8_NAME = 0x800
# The end of the central directory (zipfile.structEndArchive) and one directory entry
# (zipfile.structCentralDir), only the fields zipfile's infolist gives that the checks use
_END = struct.Struct("<4s8x2L2s")
_END_MAGIC = b"PK\x05\x06"
_ZIP64_LOCATOR_MAGIC = b"PK\x06\x07"
_ENTRY = struct.Struct("<4s2xB1x2H4x3L3H8xL")
_ENTRY_MAGIC = b"PK\x01\x02"
_MAX_EXTRACT_VERSION = 63  # zipfile.MAX_EXTRACT_VERSION: zipfile refuses a part needing more


def expat_is_quadratic(version: str = pyexpat.EXPAT_VERSION) -> bool:
    """True for expat before 2.6.0 (`expat_2.5.0`), slow on huge tokens (CVE-2023-52425)."""
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:3])
    return numbers < (2, 6, 0)


@dataclass(frozen=True)
class Limits:
    """How much one return may hold or cost before it is refused; see docs/security.md."""

    max_file_mb: float = 50  # size of the file on disk
    max_unpacked_mb: float = 100  # total declared size of the parts inside an .xlsx/.ods
    max_parts: int = 1000  # parts (files) inside the archive
    max_ratio: float = 100  # unpacked:packed ratio of one part, checked above ratio_above_mb
    ratio_above_mb: float = 1
    max_rows: int = 200_000  # furthest row a sheet may use
    max_cols: int = 500  # furthest column a sheet may use
    max_cells: int = 5_000_000  # rows x columns up to a sheet's furthest cell (the reader's grid)
    # cells with a value that an .ods sheet makes by repeating a row or cell it writes once
    # (table:number-rows-repeated, number-columns-repeated): a tiny file, a million cells
    max_repeated_cells: int = 100_000
    memory_mb: int = 2048  # memory one reader process may use (Linux and macOS only)
    timeout_s: float = 60  # time one return may take to read


DEFAULT_LIMITS = Limits()


class WorkbookError(Exception):
    """The file cannot be read as a workbook; the message says why in the user's words."""

    def __init__(self, message: str, code: IssueCode = IssueCode.FILE_UNREADABLE) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Contents:
    """What the pre-checks learnt: the real format and the warnings to pass on."""

    kind: str  # "xlsx", "xls", "ods"
    warnings: list[tuple[IssueCode, str]] = field(default_factory=list)
    # with inspect(keep=True): the file's bytes and, for a zip, its parts' names and the XML
    # parts unpacked for the checks, so the reader need not open or unpack them again
    data: bytes = b""
    names: list[str] = field(default_factory=list)
    parts: dict[str, bytes] = field(default_factory=dict)


def inspect(
    path: Path,
    limits: Limits = DEFAULT_LIMITS,
    every_part_by_expat: bool = False,
    keep: bool = False,
) -> Contents:
    """Say what the file is and refuse it unread if it is not a workbook or is unsafe to open.

    `every_part_by_expat`: the caller parses every XML part with expat (openpyxl), so with an
    expat older than 2.6.0 every part, not only the workbook's index, is checked for huge tokens.
    `keep`: the file is read once, and its bytes and XML parts are kept in the Contents.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
            # read whole only within the size limit (checked below, before any use)
            data = head + handle.read() if keep and size <= limits.max_file_mb * MB else b""
    except OSError as exc:
        raise WorkbookError(f"the file cannot be opened ({exc.strerror})") from None
    if size == 0:
        raise WorkbookError(
            "the file is empty (0 bytes): ask the service to send it again", IssueCode.EMPTY_FILE
        )
    if size > limits.max_file_mb * MB:
        raise WorkbookError(
            f"the file is {size / MB:,.1f} MB, over the {limits.max_file_mb:g} MB limit for a "
            "return: send only the KPI table, or raise the limit",
            IssueCode.FILE_TOO_LARGE,
        )
    if head.startswith(_OLE2):
        return _inspect_ole2(path, data if keep else None)
    if head.startswith(b"PK"):
        all_tokens = every_part_by_expat and expat_is_quadratic()
        return _inspect_zip(path, limits, all_tokens, data if keep else None)
    raise WorkbookError(_not_a_workbook(head), IssueCode.NOT_A_WORKBOOK)


def _inspect_ole2(path: Path, data: bytes | None) -> Contents:
    # An encrypted .xlsx is an OLE2 container holding an `EncryptedPackage` stream.
    if _ENCRYPTED_STREAM in (path.read_bytes() if data is None else data):
        raise WorkbookError(
            "the workbook is password-protected: save it without a password and send it again",
            IssueCode.PASSWORD_PROTECTED,
        )
    note = (
        "this is an old-style .xls workbook: kpixl reads its values but cannot check it for "
        "formulas without saved values, macros or external links; save it as .xlsx"
    )
    return Contents("xls", [(IssueCode.LEGACY_FORMAT, note)], data=data or b"")


def _not_a_workbook(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    save_as = "open it in Excel and use Save As > Excel Workbook (.xlsx), then send that"
    if text.startswith(b"%pdf"):
        return "the file is not an Excel workbook but a PDF: send the Excel return itself"
    if text.startswith(b"<") and (b"<html" in text or b"<table" in text or b"<!doctype" in text):
        return f"the file is not an Excel workbook but a web page (HTML) renamed: {save_as}"
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return f"the file is not an Excel workbook but an 'XML Spreadsheet 2003': {save_as}"
    if _looks_like_text(head):
        return f"the file is not an Excel workbook but text (probably CSV) renamed: {save_as}"
    return "the file is not an Excel workbook: ask the service to send the .xlsx return again"


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("utf-16")
        except UnicodeDecodeError:
            return False
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text[:-4])


class _Entry(NamedTuple):
    """A part as zipfile's infolist gives it, read by _central_directory."""

    filename: str
    orig_filename: str
    flag_bits: int
    compress_type: int
    CRC: int
    compress_size: int
    file_size: int
    header_offset: int


_Part = _Entry | zipfile.ZipInfo  # what the checks use of a part is in both


def _inspect_zip(path: Path, limits: Limits, all_tokens: bool, data: bytes | None) -> Contents:
    """`data`: the file's bytes, to read the zip from and keep with its XML parts."""
    try:
        entries = _central_directory(data) if data is not None else None
        if entries is not None and data is not None:
            return _check_zip(entries, limits, all_tokens, data, _zipfile_of(data))
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as zf:
            return _check_zip(zf.infolist(), limits, all_tokens, data, lambda: zf)
    except zipfile.BadZipFile as exc:
        raise WorkbookError(
            f"the file is damaged or was cut short ({exc}): ask the service to send it again",
            IssueCode.FILE_UNREADABLE,
        ) from None
    except (OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
        raise WorkbookError(
            f"the file is damaged and cannot be unpacked ({exc}): ask the service to send it again",
            IssueCode.FILE_UNREADABLE,
        ) from None


def _zipfile_of(data: bytes) -> Callable[[], zipfile.ZipFile]:
    """zipfile's reading of `data`, opened when first asked for (for a part that is not plain)."""
    opened: list[zipfile.ZipFile] = []

    def zipfile_of_data() -> zipfile.ZipFile:
        if not opened:
            opened.append(zipfile.ZipFile(io.BytesIO(data)))
        return opened[0]

    return zipfile_of_data


def _check_zip(
    infos: Sequence[_Part],
    limits: Limits,
    all_tokens: bool,
    data: bytes | None,
    zf: Callable[[], zipfile.ZipFile],
) -> Contents:
    """The checks, on zipfile's infolist or the same parts read by _central_directory."""
    names = [i.filename for i in infos]
    kind = _zip_kind(infos, names)
    _check_sizes(infos, limits)
    kept = _check_xml_parts(infos, zf, all_tokens, data)
    if data is None:
        return Contents(kind, _flags(names))
    return Contents(kind, _flags(names), data, names, kept)


def _central_directory(data: bytes) -> list[_Entry] | None:
    """The parts zipfile.ZipFile(io.BytesIO(data)).infolist() gives, for a plain zip: the end
    record last with no comment, no zip64, every entry whole inside the directory, no extra
    field, a name zipfile keeps as it is. None for anything else, for zipfile to read (or refuse
    in its own words). Read as zipfile reads it (_EndRecData, _RealGetContents)."""
    end = len(data) - _END.size
    if end < 20 or data[-2:] != b"\0\0" or data[end - 20 : end - 16] == _ZIP64_LOCATOR_MAGIC:
        return None
    magic, size, offset, _ = _END.unpack_from(data, end)
    concat = end - size - offset  # bytes before the zip (zipfile allows them)
    at = end - size  # the directory's start
    if magic != _END_MAGIC or at < 0:
        return None
    entries: list[_Entry] = []
    while at < end:
        if at + _ENTRY.size > end:
            return None
        magic, version, flags, method, crc, packed, unpacked, name_length, extra, note, offset = (
            _ENTRY.unpack_from(data, at)
        )
        start = at + _ENTRY.size
        at = start + name_length + note
        if magic != _ENTRY_MAGIC or version > _MAX_EXTRACT_VERSION or extra or at > end:
            return None
        name = _entry_name(data[start : start + name_length], flags)
        if name is None:
            return None
        entries.append(_Entry(name, name, flags, method, crc, packed, unpacked, offset + concat))
    return entries


def _entry_name(raw: bytes, flags: int) -> str | None:
    """The name zipfile gives a part, when its filename and orig_filename are the same."""
    if b"\0" in raw or b"\\" in raw:  # zipfile cuts at NUL; on Windows turns \\ into /
        return None
    return _decoded_name(raw, flags)


def _decoded_name(raw: bytes, flags: int) -> str | None:
    """A part's name as zipfile decodes it (UTF-8 when flagged, else cp437); None if it cannot."""
    if raw.isascii():  # the same in UTF-8 and cp437
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8" if flags & _ZIP_UTF8_NAME else "cp437")
    except UnicodeDecodeError:
        return None


def _zip_kind(infos: Sequence[_Part], names: list[str]) -> str:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names:
        return "ods"
    if any(n.startswith("word/") for n in names):
        what = "a Word document"
    elif any(n.startswith("ppt/") for n in names):
        what = "a PowerPoint presentation"
    else:
        what = "a zip archive"
    if any(i.flag_bits & 1 for i in infos):
        raise WorkbookError(
            f"the file is {what} with a password, not a workbook: send the return itself",
            IssueCode.NOT_A_WORKBOOK,
        )
    raise WorkbookError(
        f"the file is {what}, not a workbook: send the Excel return itself",
        IssueCode.NOT_A_WORKBOOK,
    )


def _check_sizes(infos: Sequence[_Part], limits: Limits) -> None:
    """Refuse a zip bomb from the central directory alone; the declared sizes bound what
    zipfile and calamine will unpack (a forged size makes both fail)."""
    if len(infos) > limits.max_parts:
        raise WorkbookError(
            f"the workbook holds {len(infos):,} parts (limit {limits.max_parts:,}): it is not a "
            "normal return; copy the table into a new workbook",
            IssueCode.SUSPICIOUS_ARCHIVE,
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_unpacked_mb * MB:
        raise WorkbookError(
            f"the workbook unpacks to {total / MB:,.0f} MB (limit {limits.max_unpacked_mb:g} MB): "
            "send only the KPI table, or raise the limit",
            IssueCode.FILE_TOO_LARGE,
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_above_mb * MB and ratio > limits.max_ratio:
            raise WorkbookError(
                f"part {info.filename} unpacks {ratio:,.0f} times larger than it is stored "
                f"({info.file_size / MB:,.0f} MB; limit {limits.max_ratio:g}:1): the file looks "
                "built to exhaust memory; copy the table into a new workbook",
                IssueCode.SUSPICIOUS_ARCHIVE,
            )
        if info.flag_bits & 1:
            raise WorkbookError(
                "the workbook's parts are encrypted: save it without a password and send it again",
                IssueCode.PASSWORD_PROTECTED,
            )


def _check_xml_parts(
    infos: Sequence[_Part],
    zf: Callable[[], zipfile.ZipFile],
    all_tokens: bool,
    data: bytes | None,
) -> dict[str, bytes]:
    """Check every XML part (see _check_xml_part); with `data`, return them unpacked.

    From `data`, a part plainly stored or deflated is unpacked in one call (_unpack_quickly);
    anything unusual about it is left to zipfile (`zf()`, whose infolist is `infos` or the same
    parts), which reads and refuses it in its own words."""
    kept: dict[str, bytes] = {}
    for index, info in enumerate(infos):
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        whole = all_tokens or info.filename in _EXPAT_PARTS
        part = _unpack_quickly(data, info) if data is not None else None
        if part is None:
            part = _check_xml_part(zf(), zf().infolist()[index], whole, data is not None)
        else:  # the whole part is one chunk, as _check_xml_part would have read it
            _refuse_declarations(info.filename, part)
            if whole:
                _refuse_long_token(info.filename, part)
        if part is not None:
            kept[info.filename] = part
    return kept


def _check_xml_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, whole: bool, keep: bool = False
) -> bytes | None:
    """No DTD or entity declaration anywhere: workbooks never need one, entity bombs do.

    `whole`: the part will be parsed by expat, so a token over 1 MB is refused too.
    `keep`: return the part's unpacked bytes (None otherwise)."""
    tail = b""
    parts: list[bytes] = []
    with zf.open(info) as part:
        while chunk := part.read(_CHUNK):
            _refuse_declarations(info.filename, tail + chunk)
            tail = chunk[-16:]
            if whole or keep:
                parts.append(chunk)
    unpacked = b"".join(parts) if whole or keep else None
    if whole and unpacked is not None:
        _refuse_long_token(info.filename, unpacked)
    return unpacked if keep else None


def _refuse_declarations(name: str, text: bytes) -> None:
    # memchr for `!` first: rare in a workbook's XML but in formulas (Sheet2!A1) and text
    if b"!" in text and b"<!" in text and _DTD.search(text):
        raise WorkbookError(
            f"part {name} declares a DTD or entities, which workbooks never need (an 'entity "
            "bomb'): kpixl will not read it; copy the table into a new workbook",
            IssueCode.SUSPICIOUS_ARCHIVE,
        )


def _refuse_long_token(name: str, text: bytes) -> None:
    if _LONG_TOKEN.search(text):
        raise WorkbookError(
            f"part {name} holds a single piece of text over 1 MB long, which slows XML "
            "readers to a halt: kpixl will not read it; copy the table into a new workbook",
            IssueCode.SUSPICIOUS_ARCHIVE,
        )


def _unpack_quickly(data: bytes, info: _Part) -> bytes | None:
    """A part's bytes from the zip's `data` in one call, when it is plainly stored or deflated,
    at most one chunk (_CHUNK) long, and everything zipfile checks on reading it checks out
    (local header, name, length, CRC-32): then zipfile would return the very same bytes.
    None for anything else, for zipfile to read (or refuse, in its own words)."""
    method, size = info.compress_type, info.file_size
    if method != zipfile.ZIP_DEFLATED and method != zipfile.ZIP_STORED:
        return None
    if info.flag_bits & _ZIP_FLAGS_NOT_PLAIN or not 0 < size <= _CHUNK:
        return None
    start = info.header_offset  # negative in a damaged zip: zipfile cannot seek there
    if start < 0 or start + _LOCAL_HEADER.size > len(data):
        return None
    magic, flags, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, start)
    start += _LOCAL_HEADER.size
    name = data[start : start + name_length]
    if magic != _LOCAL_MAGIC or not _same_name(name, flags, info.orig_filename):
        return None
    start += name_length + extra_length
    end = start + info.compress_size
    if end > len(data):
        return None
    if method == zipfile.ZIP_STORED:
        unpacked = data[start:end]
    else:
        inflater = zlib.decompressobj(-15)
        try:  # one byte more than declared at most: enough to tell a longer part, bounded
            unpacked = inflater.decompress(data[start:end], size + 1)
        except zlib.error:
            return None
        if not inflater.eof:
            return None
    if len(unpacked) != size or zlib.crc32(unpacked) != info.CRC:
        return None
    return unpacked


def _same_name(name: bytes, flags: int, expected: str) -> bool:
    """Whether a local header's name decodes, as zipfile decodes it, to the expected one."""
    if expected.isascii():  # the same bytes in UTF-8 and cp437 alike
        return name == expected.encode("ascii")
    return _decoded_name(name, flags) == expected


_FLAGS: tuple[tuple[str, IssueCode, str], ...] = (
    (
        "vbaproject.bin",
        IssueCode.MACROS_PRESENT,
        "the workbook contains macros; kpixl never runs them and reads only the saved values",
    ),
    (
        "externallinks/",
        IssueCode.EXTERNAL_LINKS,
        "the workbook links to other workbooks: a value computed from a link is whatever was "
        "saved last time, a claim kpixl cannot check; paste the figures as values",
    ),
    (
        "activex/",
        IssueCode.EMBEDDED_OBJECTS,
        "the workbook contains ActiveX controls; kpixl ignores them (they are never run)",
    ),
    (
        "embeddings/",
        IssueCode.EMBEDDED_OBJECTS,
        "the workbook contains embedded objects or files; kpixl ignores them (never opened)",
    ),
)


def _flags(names: list[str]) -> list[tuple[IssueCode, str]]:
    # a marker (no newline in it) is in the joined names just when it is in one of them
    lowered = "\n".join(n.lower() for n in names)
    found: list[tuple[IssueCode, str]] = []
    for marker, code, message in _FLAGS:
        if marker in lowered and (code, message) not in found:
            if code is IssueCode.EMBEDDED_OBJECTS and any(c is code for c, _ in found):
                continue
            found.append((code, message))
    return found
