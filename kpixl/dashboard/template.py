"""The dashboard template: a workbook holding kpixl's cell styles, for users to restyle."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.atomic import write_atomically
from kpixl.dashboard import styles
from kpixl.dashboard.cellwriter import column_widths, put_paragraph, put_text
from kpixl.dashboard.save import stamp, workbook_bytes
from kpixl.dashboard.styles import Look, Palette
from kpixl.errors import UsageError
from kpixl.periods import Period
from kpixl.read.workbook import WorkbookError, open_with_openpyxl

TEMPLATE_NAME = "dashboard.xlsx"
STYLES_SHEET = "Styles"
LOGO_NAME = "Logo"  # a defined name over the logo area of the Styles sheet
LOGO_AREA = "D4:F8"
LOGO_REF = f"'{STYLES_SHEET}'!$D$4:$F$8"
LOGO_NOTE = "Reserved for the organisation's logo (not yet copied into dashboards)."
TEMPLATE_STAMP = Period(2025, 3)  # any fixed date: the template's bytes never change
HOW_TO = (
    "This workbook holds the cell styles of kpixl dashboards. To restyle every dashboard: in "
    "Excel, Home > Cell Styles, right-click a style whose name starts with 'kpixl', Modify, "
    "change its font, fill or border, save this workbook under another name, then build with "
    "`kpixl build ... --template <that file>`. Choose colours under More Colors (a theme colour "
    "keeps kpixl's default for the RAG words and chart lines). Only the styles are read: "
    "what you type in the cells below changes nothing."
)
# What each style is for, shown beside a sample cell that uses it.
USES = {
    Look.TITLE: "Sheet titles",
    Look.SUBTITLE: "Financial year, results up to, produced by",
    Look.HEADING: "Table titles",
    Look.HEADER: "Table header rows",
    Look.BLOCK_HEADER: "Service Area | Director | Cabinet Member headings",
    Look.BLOCK: "Service-area names",
    Look.GROUP: "Summary: Latest RAG, YTD RAG",
    Look.BODY: "Table cells",
    Look.WRAP: "Indicator descriptions",
    Look.CENTRE: "RAG words, alerts, N/A, direction of travel",
    Look.NUMBER: "Figures",
    Look.PARAGRAPH: "Commentary under a table",
    Look.NOTE: "Footnotes",
    Look.KEY: "The RAG key",
    Look.LINK: "Links to the cell of a return",
    Look.DATA: "Cells of the Data table (no border: blanks stay empty)",
}
WORD_USES = "Conditional formatting of this word (its font colour and fill)"
LINE_USES = "Trend charts: colour of the {line} line (the font colour)"


def write_template(path: Path) -> Path:
    """Write the dashboard template (the default styles) to `path`, atomically; return `path`."""
    path = Path(path)
    wb = Workbook()
    palette = styles.default_palette()
    styles.use_palette(wb, palette)
    ws = wb.active
    assert ws is not None  # a new Workbook always has one sheet
    ws.title = STYLES_SHEET
    _styles_sheet(ws, palette)
    write_atomically(workbook_bytes(wb, stamp(TEMPLATE_STAMP)), path)
    return path


def _styles_sheet(ws: Worksheet, palette: Palette) -> None:
    column_widths(ws, {1: 26.0, 2: 34.0, 3: 60.0, 4: 14.0, 5: 14.0, 6: 14.0})
    put_text(ws, 1, 1, "kpixl dashboard styles", Look.TITLE)
    put_paragraph(ws, 2, (1, 3), HOW_TO, 120.0, Look.PARAGRAPH)
    put_text(ws, 3, 4, "Logo area", Look.HEADING)
    put_text(ws, 4, 4, LOGO_NOTE, Look.NOTE)
    ws.merge_cells(LOGO_AREA)
    wb = ws.parent
    assert isinstance(wb, Workbook)
    wb.defined_names[LOGO_NAME] = DefinedName(LOGO_NAME, attr_text=LOGO_REF)
    row = 10
    for col, header in enumerate(("Cell style", "Sample", "Used for"), start=1):
        put_text(ws, row, col, header, Look.HEADER)
    for look in Look:
        row += 1
        put_text(ws, row, 1, styles.style_name(look), Look.BODY)
        put_text(ws, row, 2, USES[look], look)
        put_text(ws, row, 3, USES[look], Look.WRAP)
    for word in palette.words:
        row += 1
        put_text(ws, row, 1, styles.word_style_name(word), Look.BODY)
        ws.cell(row, 2, word).style = styles.word_style_name(word)
        put_text(ws, row, 3, WORD_USES, Look.WRAP)
    for line in palette.lines:
        row += 1
        put_text(ws, row, 1, styles.line_style_name(line), Look.BODY)
        ws.cell(row, 2, line.capitalize()).style = styles.line_style_name(line)
        put_text(ws, row, 3, LINE_USES.format(line=line), Look.WRAP)


def load_template(path: Path) -> Palette:
    """The palette of a user's restyled template (its `kpixl ...` cell styles).

    Raises UsageError, in the user's words, when the file cannot be read or holds no kpixl style.
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"--template {path}: no such file")
    try:
        wb = open_with_openpyxl(path, with_styles=True)  # the same checks as for any return
    except (
        WorkbookError,
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        OSError,
    ) as exc:
        raise UsageError(
            f"--template {path}: cannot read it as an Excel workbook (.xlsx) ({exc}); start "
            f"from workbook_templates/{TEMPLATE_NAME}"
        ) from None
    if not any(name.startswith(styles.STYLE_PREFIX) for name in wb.named_styles):
        raise UsageError(
            f"--template {path}: it holds none of kpixl's cell styles (named 'kpixl ...'); "
            f"start from workbook_templates/{TEMPLATE_NAME} and restyle those"
        )
    return styles.palette_from(wb)
