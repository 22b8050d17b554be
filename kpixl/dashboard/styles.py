"""Every colour, font, fill, border and number format of the dashboard, in one place."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from enum import Enum
from typing import Literal
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.register.model import Indicator, Unit

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
    DATA = "data"  # a cell of the tidy Data table: no border, so an empty cell needs no style


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
    Look.DATA: (_font(), None, _NO_BORDER, Alignment()),
}


# Every style of the dashboard is a named style (`kpixl title`, `kpixl word GREEN`...), so a user
# restyles a dashboard, or the template it is built from, with Excel's Cell Styles.
STYLE_PREFIX = "kpixl "
WORDS = ("GREEN", "AMBER", "RED", "Yes", "Above", "Below", "error", "warning")
LINES = ("value", "target", "floor")  # the trend charts' lines
LINE_COLOURS = {"value": TITLE_TEXT, "target": GREEN_TEXT, "floor": RED_TEXT}
CHART_FONT_SIZE = 9  # points, the trend charts' titles
CHART_LINE_WIDTH = 19050  # EMU: 1.5 points
CHART_MARKER_SIZE = 5
# The direction of travel as an arrow and a word: it reads without colour.
DIRECTION_SIGNS = {"better": "\u25b2 better", "worse": "\u25bc worse", "same": "\u25ba same"}


def style_name(look: Look) -> str:
    return f"{STYLE_PREFIX}{look.value}"


def word_style_name(word: str) -> str:
    return f"{STYLE_PREFIX}word {word}"


def line_style_name(line: str) -> str:
    return f"{STYLE_PREFIX}line {line}"


@dataclass(frozen=True)
class Palette:
    """How a dashboard looks: a named style per Look, a (fill, text) colour pair per word that
    conditional formatting colours, and the colour of each trend-chart line."""

    looks: dict[Look, NamedStyle]
    words: dict[str, tuple[str, str]]
    lines: dict[str, str]

    def named_styles(self) -> list[NamedStyle]:
        """Every style, the words and lines included (they show in the template's Styles sheet)."""
        found = [copy(self.looks[look]) for look in Look]
        for word, (fill, text) in self.words.items():
            found.append(
                NamedStyle(
                    word_style_name(word),
                    font=_font(bold=True, color=text),
                    fill=_solid(fill),
                    border=_BOX,
                    alignment=_TOP_CENTRE,
                )
            )
        for line, colour in self.lines.items():
            found.append(NamedStyle(line_style_name(line), font=_font(bold=True, color=colour)))
        return found


def _named(look: Look) -> NamedStyle:
    font, fill, border, alignment = _LOOKS[look]
    return NamedStyle(style_name(look), font=font, fill=fill or _NO_FILL, border=border,
                      alignment=alignment)  # fmt: skip


def default_palette() -> Palette:
    words = {**RAG_COLOURS, **ALERT_COLOURS, **SEVERITY_COLOURS}
    return Palette({look: _named(look) for look in Look}, words, dict(LINE_COLOURS))


def palette_from(wb: Workbook) -> Palette:
    """The palette of a (restyled) template: its `kpixl ...` named styles, where present, over
    the defaults. A colour that is not a plain RGB one (an Excel theme colour) keeps its default."""
    default = default_palette()
    named = {s.name: s for s in wb._named_styles}  # type: ignore[attr-defined]
    looks = {look: _renamed(named.get(style_name(look)), default.looks[look]) for look in Look}
    words = {}
    for word, (fill, text) in default.words.items():
        style = named.get(word_style_name(word))
        if style is not None:
            fill, text = _rgb(style.fill.fgColor, fill), _rgb(style.font.color, text)
        words[word] = (fill, text)
    lines = {}
    for line, colour in default.lines.items():
        style = named.get(line_style_name(line))
        lines[line] = _rgb(style.font.color, colour) if style is not None else colour
    return Palette(looks, words, lines)


def _renamed(found: NamedStyle | None, default: NamedStyle) -> NamedStyle:
    if found is None:
        return default
    return NamedStyle(default.name, font=copy(found.font), fill=copy(found.fill),
                      border=copy(found.border), alignment=copy(found.alignment))  # fmt: skip


def _rgb(colour: object, default: str) -> str:
    rgb = getattr(colour, "rgb", None)
    if getattr(colour, "type", "rgb") != "rgb" or not isinstance(rgb, str) or len(rgb) < 6:
        return default
    return rgb[-6:].upper()


# Per workbook: its palette, and the style array a look ends in. Setting font, fill, border and
# alignment one by one hashes each object against the workbook's lists, which dominates the
# time to write a large Data sheet; copying the finished array (openpyxl's own idiom for copying
# a style) does not.
_PALETTES: WeakKeyDictionary[Workbook, Palette] = WeakKeyDictionary()
_DONE: WeakKeyDictionary[Workbook, dict[tuple[Look, str], StyleArray]] = WeakKeyDictionary()


def use_palette(wb: Workbook, palette: Palette) -> None:
    """Give the workbook the palette's named styles; cells styled from now on use them."""
    have = set(wb.named_styles)
    for style in palette.named_styles():
        if style.name not in have:
            wb.add_named_style(style)
    _PALETTES[wb] = palette
    _DONE.pop(wb, None)


def palette_of(wb: object) -> Palette:
    if isinstance(wb, Workbook):
        if wb not in _PALETTES:
            use_palette(wb, default_palette())
        return _PALETTES[wb]
    return default_palette()


def apply(cell: Cell | MergedCell, look: Look, number_format: str = GENERAL_FORMAT) -> None:
    """Give a cell its look's named style (font, fill, border, alignment) and a number format."""
    ws = cell.parent
    if not isinstance(ws, Worksheet) or not isinstance(ws.parent, Workbook):
        return
    if isinstance(cell, Cell):
        cell._style = style_array(ws, look, number_format)  # type: ignore[attr-defined]
    else:  # a merged cell keeps only its border
        cell.style = style_name(look)
        cell.number_format = number_format


def style_array(ws: Worksheet, look: Look, number_format: str = GENERAL_FORMAT) -> StyleArray:
    """A fresh copy of the style a cell of `ws` with this look and number format has: given to
    a new cell, it is the cheapest way to style many cells alike (openpyxl's own way to copy a
    style; setting font, fill, border and alignment one by one is many times slower)."""
    book = ws.parent
    assert book is not None  # a sheet being written belongs to a workbook
    palette_of(book)
    done = _DONE.setdefault(book, {})
    array = done.get((look, number_format))
    if array is None:
        scratch = Cell(ws, row=1, column=1)  # never added to the sheet: only its style is wanted
        scratch.style = style_name(look)
        scratch.number_format = number_format
        array = done[(look, number_format)] = copy(scratch._style)  # type: ignore[attr-defined]
    return copy(array)


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


def _add_rules(ws: Worksheet, ranges: str, words: tuple[str, ...]) -> None:
    if not ranges.strip():
        return
    colours = palette_of(ws.parent).words
    for word in words:
        fill, text = colours[word]
        ws.conditional_formatting.add(ranges, _word_rule(word, fill, text))


def add_rag_formatting(ws: Worksheet, ranges: str) -> None:
    """Colour GREEN/AMBER/RED by the cell's text, so a word typed over a cell recolours it."""
    _add_rules(ws, ranges, tuple(RAG_COLOURS))


def add_alert_formatting(ws: Worksheet, ranges: str) -> None:
    """Colour Yes/Above/Below by the cell's text."""
    _add_rules(ws, ranges, tuple(ALERT_COLOURS))


def add_severity_formatting(ws: Worksheet, ranges: str) -> None:
    """Colour error/warning by the cell's text."""
    _add_rules(ws, ranges, tuple(SEVERITY_COLOURS))


# Print header and footer: Excel's codes for the font, in the dashboard's typeface.
PRINT_TITLE_FONT = f"{FONT_NAME},Bold"
PRINT_FONT = f"{FONT_NAME},Regular"
PRINT_TITLE_SIZE, PRINT_SIZE = 10, 8
PRINT_TEXT = TITLE_TEXT
