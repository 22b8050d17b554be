"""Print set-up: landscape A4, one page wide, header rows repeated, the title and page numbers."""

from __future__ import annotations

from openpyxl.worksheet.header_footer import HeaderFooterItem, _HeaderFooterPart
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import styles

PAGE_NUMBERS = "Page &P of &N"
SHEET_NAME = "&A"
# Inches: narrow sides (more room for the tables), room above and below for header and footer.
MARGINS = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.6, header=0.3, footer=0.3)


MAX_HEADER_FOOTER = 255  # Excel's limit on a header's (or footer's) text, codes included


def header_text(text: str) -> str:
    """Text shown as typed in a print header: `&` starts a code there, `&&` is an ampersand."""
    return text.replace("&", "&&")


def fit_one_page_wide(ws: Worksheet) -> None:
    """Landscape, one page wide and as many pages tall as needed."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def set_up_printing(ws: Worksheet, title: str, organisation: str, repeat_rows: str = "") -> None:
    """Landscape, one page wide and as many tall as needed; `repeat_rows` (e.g. `1:4`) printed
    at the top of every page; the dashboard's title over each page, the sheet's name beside it,
    and `Page n of m` and who produced it under each page."""
    fit_one_page_wide(ws)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins = MARGINS
    if repeat_rows:
        ws.print_title_rows = repeat_rows
    header, footer = _parts(ws.oddHeader), _parts(ws.oddFooter)
    _item(header[1], SHEET_NAME, styles.PRINT_FONT, styles.PRINT_SIZE)
    _item(footer[1], PAGE_NUMBERS, styles.PRINT_FONT, styles.PRINT_SIZE)
    _fitted(ws.oddHeader, header[0], title, styles.PRINT_TITLE_FONT, styles.PRINT_TITLE_SIZE)
    if organisation:
        produced = f"Produced by {organisation}"
        _fitted(ws.oddFooter, footer[0], produced, styles.PRINT_FONT, styles.PRINT_SIZE)


def _fitted(
    whole: HeaderFooterItem | None, part: _HeaderFooterPart, text: str, font: str, size: int
) -> None:
    """`text` in `part`, shortened with an ellipsis until the whole header (or footer), codes
    and all, holds no more than the 255 characters Excel allows (a long register title)."""
    shown = " ".join(text.split())
    _item(part, header_text(shown), font, size)
    while whole is not None and len(str(whole)) > MAX_HEADER_FOOTER and shown:
        shown = shown[: max(0, len(shown) - (len(str(whole)) - MAX_HEADER_FOOTER) - 1)] + "…"
        shown = shown if len(shown) > 1 else ""
        _item(part, header_text(shown), font, size)


def _parts(item: HeaderFooterItem | None) -> tuple[_HeaderFooterPart, _HeaderFooterPart]:
    assert item is not None  # openpyxl gives every sheet an (empty) header and footer
    return item.left, item.right


def _item(item: _HeaderFooterPart, text: str, font: str, size: int) -> None:
    item.text = text
    item.font = font
    item.size = size
    item.color = styles.PRINT_TEXT


def one_page_if_short(ws: Worksheet, max_rows: int) -> None:
    """Print a sheet of at most `max_rows` rows on one page (the Summary: no service area's
    KPIs split over two pages); a longer one takes as many pages as it needs."""
    if ws.max_row <= max_rows:
        ws.page_setup.fitToHeight = 1
