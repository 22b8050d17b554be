"""Every colour, font, fill, border and number format of the dashboard, in one place."""

from __future__ import annotations

from copy import copy
from enum import Enum
from typing import Literal
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.register import Indicator, Unit

# Palette. The RAG word always stays in the cell, so colour is a second cue only; every text
# colour below has a contrast ratio of at least 4.5:1 on its fill (WCAG AA).
GREEN_FILL, GREEN_TEXT = "C6EFCE", "006100"  # 6.1:1
AMBER_FILL, AMBER_TEXT = "FFEB9C", "7A4500"  # 6.6:1
RED_FILL, RED_TEXT = "FFC7CE", "9C0006"  # 5.9:1
NEUTRAL_FILL, NEUTRAL_TEXT = "DDEBF7", "1F3864"  # 9.6:1, for Above/Below: not good or bad
HEADER_FILL, HEADER_TEXT = "1F4E79", "FFFFFF"  # 8.7:1
BLOCK_FILL, BLOCK_TEXT = "DDEBF7", "000000"
TITLE_TEXT = "1F4E79"
LINK_TEXT = "0563C1"  # 5.9:1 on white
BORDER_COLOUR = "A6A6A6"

# (fill, text) per word that conditional formatting recolours.
RAG_COLOURS = {
    "GREEN": (GREEN_FILL, GREEN_TEXT),
    "AMBER": (AMBER_FILL, AMBER_TEXT),
    "RED": (RED_FILL, RED_TEXT),
}
ALERT_COLOURS = {
    "Yes": (GREEN_FILL, GREEN_TEXT),
    "Above": (NEUTRAL_FILL, NEUTRAL_TEXT),
    "Below": (NEUTRAL_FILL, NEUTRAL_TEXT),
}
SEVERITY_COLOURS = {"error": (RED_FILL, RED_TEXT), "warning": (AMBER_FILL, AMBER_TEXT)}

FONT_NAME = "Arial"
BODY_SIZE = 10
LINE_HEIGHT = 13.0  # points per wrapped line of body text, for merged paragraphs
TEXT_FORMAT = "@"
GENERAL_FORMAT = "General"


class Look(Enum):
    """What a cell is, as far as its appearance goes."""

    TITLE = "title"
    SUBTITLE = "subtitle"
    HEADING = "heading"
    HEADER = "header"  # a table's header row
    BLOCK_HEADER = "block_header"  # Service Area | Director | Cabinet Member
    BLOCK = "block"
    GROUP = "group"  # a Summary service-area row
    BODY = "body"  # a table cell
    WRAP = "wrap"  # a table cell with long text
    CENTRE = "centre"  # a table cell with a RAG word, an alert or N/A
    NUMBER = "number"
    PARAGRAPH = "paragraph"  # commentary and notes under a table, no border
    NOTE = "note"
    KEY = "key"  # a RAG word in the Guidance key
    LINK = "link"


_THIN = Side(style="thin", color=BORDER_COLOUR)
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NO_BORDER = Border()
_NO_FILL = PatternFill()
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_TOP = Alignment(vertical="top")
_TOP_CENTRE = Alignment(horizontal="center", vertical="top")
_TOP_RIGHT = Alignment(horizontal="right", vertical="top")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _font(
    size: float = BODY_SIZE,
    bold: bool = False,
    color: str | None = None,
    italic: bool = False,
    underline: bool = False,
) -> Font:
    line: Literal["single"] | None = "single" if underline else None
    return Font(name=FONT_NAME, size=size, bold=bold, color=color, italic=italic, underline=line)


def _solid(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


_LOOKS: dict[Look, tuple[Font, PatternFill | None, Border, Alignment]] = {
    Look.TITLE: (_font(16, True, color=TITLE_TEXT), None, _NO_BORDER, _TOP),
    Look.SUBTITLE: (_font(12, True), None, _NO_BORDER, _TOP),
    Look.HEADING: (_font(12, True, color=TITLE_TEXT), None, _NO_BORDER, _TOP),
    Look.HEADER: (_font(bold=True, color=HEADER_TEXT), _solid(HEADER_FILL), _BOX, _HEADER_ALIGN),
    Look.BLOCK_HEADER: (_font(bold=True, color=BLOCK_TEXT), _solid(BLOCK_FILL), _BOX, _TOP_WRAP),
    Look.BLOCK: (_font(), None, _BOX, _TOP_WRAP),
    Look.GROUP: (_font(bold=True, color=BLOCK_TEXT), _solid(BLOCK_FILL), _BOX, _HEADER_ALIGN),
    Look.BODY: (_font(), None, _BOX, _TOP),
    Look.WRAP: (_font(), None, _BOX, _TOP_WRAP),
    Look.CENTRE: (_font(), None, _BOX, _TOP_CENTRE),
    Look.NUMBER: (_font(), None, _BOX, _TOP_RIGHT),
    Look.PARAGRAPH: (_font(), None, _NO_BORDER, _TOP_WRAP),
    Look.NOTE: (_font(italic=True), None, _NO_BORDER, _TOP_WRAP),
    Look.KEY: (_font(bold=True), None, _BOX, _TOP_CENTRE),
    Look.LINK: (_font(color=LINK_TEXT, underline=True), None, _BOX, _TOP),
}


# Per workbook: the style array a look ends in. Setting font, fill, border and alignment one by
# one hashes each object against the workbook's lists, which dominates the time to write a large
# Data sheet; copying the finished array (openpyxl's own idiom for copying a style) does not.
_DONE: WeakKeyDictionary[Workbook, dict[tuple[Look, str], object]] = WeakKeyDictionary()


def apply(cell: Cell | MergedCell, look: Look, number_format: str = GENERAL_FORMAT) -> None:
    """Give a cell the font, fill, border, alignment and number format of its look."""
    book = getattr(cell.parent, "parent", None)
    done = _DONE.setdefault(book, {}) if isinstance(book, Workbook) else {}
    array = done.get((look, number_format))
    if array is not None and hasattr(cell, "_style"):
        cell._style = copy(array)
        return
    font, fill, border, alignment = _LOOKS[look]
    cell.font = font
    cell.fill = fill or _NO_FILL
    cell.border = border
    cell.alignment = alignment
    cell.number_format = number_format
    if hasattr(cell, "_style"):
        done[(look, number_format)] = copy(cell._style)


def number_format(ind: Indicator) -> str:
    """The Excel format that shows a value as the register says: `0%`, `0.0%`, `#,##0`."""
    places = "." + "0" * ind.decimals if ind.decimals > 0 else ""
    if ind.unit is Unit.PERCENT:
        return f"0{places}%"
    if ind.unit is Unit.SECONDS:
        return f"0{places}"
    # count, currency_k (£000s) and number: thousands separators, the register's decimals
    # (the RAG compares the value at this same display precision).
    return f"#,##0{places}"


def _word_rule(word: str, fill: str, text: str) -> Rule:
    style = DifferentialStyle(font=Font(color=text, bold=True), fill=_solid(fill))
    return Rule(type="cellIs", operator="equal", formula=[f'"{word}"'], dxf=style)


def _add_rules(ws: Worksheet, ranges: str, colours: dict[str, tuple[str, str]]) -> None:
    if not ranges.strip():
        return
    for word, (fill, text) in colours.items():
        ws.conditional_formatting.add(ranges, _word_rule(word, fill, text))


def add_rag_formatting(ws: Worksheet, ranges: str) -> None:
    """Colour GREEN/AMBER/RED by the cell's text, so a word typed over a cell recolours it."""
    _add_rules(ws, ranges, RAG_COLOURS)


def add_alert_formatting(ws: Worksheet, ranges: str) -> None:
    """Colour Yes/Above/Below by the cell's text."""
    _add_rules(ws, ranges, ALERT_COLOURS)


def add_severity_formatting(ws: Worksheet, ranges: str) -> None:
    """Colour error/warning by the cell's text."""
    _add_rules(ws, ranges, SEVERITY_COLOURS)


def fit_to_page_width(ws: Worksheet) -> None:
    """Landscape, one page wide, as many pages tall as needed (fuller print set-up: issue 3)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
