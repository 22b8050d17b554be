"""The Trends sheet: a small line chart per KPI, the FY's values against its target and floor."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.chart import LineChart, Reference, Series
from openpyxl.chart.axis import TextAxis
from openpyxl.chart.legend import LegendEntry
from openpyxl.chart.marker import Marker
from openpyxl.chart.series import Series as ChartSeries
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import fromstring, tostring

from kpixl.dashboard import styles
from kpixl.dashboard.cellwriter import (
    RowWriter,
    clean_text,
    column_widths,
    put_paragraph,
    put_text,
)
from kpixl.dashboard.styles import Look
from kpixl.dashboard.view import DashboardView
from kpixl.periods import Period
from kpixl.register.model import Indicator, Kind, Unit
from kpixl.results import TREND_MONTHS

# The charts' figures go on a hidden sheet whose header says `Indicator`, never `Ref`: a
# dashboard given back as a return must not find a table there.
CHART_DATA_SHEET = "Chart data"
CHART_DATA_HEADERS = ("Indicator", "Line")
LINE_LABELS = {"value": "Value", "target": "Target", "floor": "Floor"}
YEAR_LINE = "year "  # an earlier financial year's line: `year 2022/23`
FIRST_CHART_ROW = 4
CHARTS_PER_ROW = 3
SLOT_COLUMNS, SLOT_ROWS = 6, 13  # sheet columns and rows each chart takes, gap included
COLUMN_WIDTH = 10.0  # characters: 6 columns are about 11.9 cm
ROW_HEIGHT = 15.0  # points: 13 rows are about 6.9 cm; fixed so charts never overlap
CHART_WIDTH_CM, CHART_HEIGHT_CM = 11.6, 6.6
CHART_ROWS_PER_PAGE = 3
NO_KPIS = "The register lists no Key Performance Indicators for this dashboard."


@dataclass(frozen=True)
class ChartBlock:
    """Where one KPI's figures are on the chart-data sheet: a row of period labels, then a row
    per line; `lines` maps each line drawn to its row."""

    ref: str
    labels_row: int
    lines: dict[str, int]
    periods: int
    lowest: float | None  # the lowest figure drawn


def trend_kpis(view: DashboardView) -> list[Indicator]:
    """The dashboard's KPIs in the order of its service-area sheets."""
    return [i for area in view.areas for i in view.indicators(area.name, Kind.KPI)]


def fy_periods(view: DashboardView, ind: Indicator) -> list[Period]:
    """The whole FY (quarter ends for a quarterly KPI), so every chart spans the same year."""
    start = view.period.fy_start(view.fy_start)
    months = [start.shift(n) for n in range(12)]
    return [p for p in months if p.is_quarter_end(view.fy_start)] if ind.is_quarterly else months


def axis_label(period: Period, ind: Indicator) -> str:
    """`Apr`: the month is enough on a chart of one FY (quarter ends keep the year: `Jun-24`)."""
    return period.label if ind.is_quarterly else period.label.split("-")[0]


def trend_periods(view: DashboardView, ind: Indicator) -> list[Period]:
    """The periods a KPI's chart spans: the whole FY; or, where the history store gives it
    earlier years, the TREND_MONTHS to the reporting period (quarter ends when quarterly)."""
    if not view.earlier(ind):
        return fy_periods(view, ind)
    months = [view.period.shift(n) for n in range(1 - TREND_MONTHS, 1)]
    return [p for p in months if p.is_quarter_end(view.fy_start)] if ind.is_quarterly else months


def chart_lines(
    view: DashboardView, ind: Indicator, periods: list[Period]
) -> dict[str, list[float | None]]:
    """The lines of a KPI's chart: this year's values and its target and floor, then, over
    earlier years, a line per financial year (`year 2022/23`), so each year's end is a break."""
    earlier = view.earlier(ind)
    this_year = view.period.fy_start(view.fy_start)
    lines = {"value": [view.value(ind, p) for p in periods]}
    for name, level in (("target", ind.target), ("floor", ind.floor)):
        if level is not None:  # today's thresholds: drawn over this year only
            lines[name] = [level if p >= this_year else None for p in periods]
    years = dict.fromkeys(p.fy_label(view.fy_start) for p in periods if p < this_year)
    for year in years:
        lines[f"{YEAR_LINE}{year}"] = [
            earlier.get(p) if p < this_year and p.fy_label(view.fy_start) == year else None
            for p in periods
        ]
    return lines


def line_label(name: str) -> str:
    """`Value`, `Target`, `Floor`, or an earlier year's `2022/23`."""
    return LINE_LABELS.get(name) or name.removeprefix(YEAR_LINE)


def trends_note(view: DashboardView, kpis: list[Indicator]) -> str:
    """What the charts show: this year, or the months since three years ago where the history
    store holds them (the workbook's Trends sheet and the web page say the same)."""
    note = (
        f"Key Performance Indicators, financial year {view.results.fy_label}: each month's value "
        "(quarterly indicators: each quarter's) against its target and floor."
    )
    if any(view.earlier(ind) for ind in kpis):
        note += (
            f" Where the history store holds earlier years, the {TREND_MONTHS} months to "
            f"{view.period.label}, the line broken at each financial year (the target and "
            "floor are this year's)."
        )
    return note


def period_labels(view: DashboardView, ind: Indicator, periods: list[Period]) -> list[str]:
    """`Apr` on a chart of one year; `Apr-22` on one of earlier years too."""
    years = len(periods) > len(fy_periods(view, ind))
    return [p.label if years else axis_label(p, ind) for p in periods]


def write_trends(ws: Worksheet, data: Worksheet, view: DashboardView) -> None:
    """Charts in a grid, three to a row and three rows to a printed page, in register order."""
    column_widths(ws, {c: COLUMN_WIDTH for c in range(1, CHARTS_PER_ROW * SLOT_COLUMNS + 1)})
    put_text(ws, 1, 1, "Trends", Look.TITLE)
    kpis = trend_kpis(view)
    note = trends_note(view, kpis)
    put_paragraph(ws, 2, (1, CHARTS_PER_ROW * SLOT_COLUMNS), note, 200.0, Look.NOTE)
    if not kpis:
        put_text(ws, FIRST_CHART_ROW, 1, NO_KPIS, Look.PARAGRAPH)
    blocks = write_chart_data(data, view, kpis)
    chart_rows = -(-len(kpis) // CHARTS_PER_ROW)
    last_row = FIRST_CHART_ROW + chart_rows * SLOT_ROWS - 1
    for row in range(FIRST_CHART_ROW, last_row + 1):
        ws.row_dimensions[row].height = ROW_HEIGHT
    charts = TrendCharts(data, styles.palette_of(ws.parent))
    for n, (ind, block) in enumerate(zip(kpis, blocks, strict=True)):
        line, place = divmod(n, CHARTS_PER_ROW)
        anchor = (
            f"{get_column_letter(1 + place * SLOT_COLUMNS)}{FIRST_CHART_ROW + line * SLOT_ROWS}"
        )
        ws.add_chart(charts.chart(ind, block), anchor)
    for line in range(CHART_ROWS_PER_PAGE, chart_rows, CHART_ROWS_PER_PAGE):
        ws.row_breaks.append(Break(id=FIRST_CHART_ROW + line * SLOT_ROWS - 1))
    last_col = get_column_letter(CHARTS_PER_ROW * SLOT_COLUMNS)
    ws.print_area = f"A1:{last_col}{max(last_row, FIRST_CHART_ROW)}"


def write_chart_data(
    data: Worksheet, view: DashboardView, kpis: list[Indicator]
) -> list[ChartBlock]:
    """Per KPI: its period labels, then its values, target and floor (where it has one)."""
    data.sheet_state = "hidden"
    column_widths(data, {1: 10.0, 2: 10.0})
    for col, header in enumerate(CHART_DATA_HEADERS, start=1):
        put_text(data, 1, col, header, Look.HEADER)
    blocks: list[ChartBlock] = []
    writer = RowWriter(data)
    text = styles.TEXT_FORMAT
    row = 2
    for ind in kpis:
        periods = trend_periods(view, ind)
        fmt = styles.number_format(ind)
        labels = [(label, Look.CENTRE, text) for label in period_labels(view, ind, periods)]
        writer.append([(ind.ref, Look.BODY, text), ("Period", Look.BODY, text), *labels])
        lines = chart_lines(view, ind, periods)
        rows: dict[str, int] = {}
        for offset, (name, figures) in enumerate(lines.items(), start=1):
            rows[name] = row + offset
            cells = [(f, Look.NUMBER, fmt) for f in figures]
            writer.append([None, (line_label(name), Look.BODY, text), *cells])
        writer.append([])  # a blank row between blocks
        drawn = [f for figures in lines.values() for f in figures if f is not None]
        blocks.append(ChartBlock(ind.ref, row, rows, len(periods), min(drawn, default=None)))
        row += len(lines) + 2
    return blocks


def chart_title(ind: Indicator) -> str:
    return clean_text(f"{ind.ref}: {ind.summary_text}")


def y_range(ind: Indicator, block: ChartBlock) -> tuple[float | None, float | None]:
    """The value axis' minimum and maximum (None: Excel chooses)."""
    if ind.unit is not Unit.PERCENT:
        return None, None
    # A rate's axis stops at its highest possible value: never an axis up to 120%.
    top = ind.max if ind.max is not None else 1.0
    if block.lowest is not None and block.lowest > 0:
        # From the 10% step below the lowest figure: a month's dip shows, not a flat line.
        return max(0.0, math.floor((block.lowest - 0.02) * 10) / 10), top
    return None, top


def trend_chart(
    ind: Indicator, data: Worksheet, block: ChartBlock, palette: styles.Palette, title: str = ""
) -> LineChart:
    """One KPI's chart, made the ordinary openpyxl way (`title`: other than chart_title)."""
    chart = LineChart()
    chart.title = _title(title or chart_title(ind))
    # centimetres; the stubs say int, openpyxl takes any number
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM  # type: ignore[assignment]
    assert chart.legend is not None  # a new chart has a legend
    chart.legend.position = "b"
    chart.display_blanks = "gap"  # a month with no figure is a gap, not a zero
    last_col = 2 + block.periods
    for name, row in block.lines.items():
        ref = Reference(data, min_col=2, max_col=last_col, min_row=row, max_row=row)
        series = Series(ref, title_from_data=True)
        look = "value" if name.startswith(YEAR_LINE) else name  # earlier years: the value's
        _line_look(series, look, palette.lines[look])
        chart.series.append(series)
    labels = Reference(data, min_col=3, max_col=last_col, min_row=block.labels_row)
    chart.set_categories(labels)
    _earlier_years(chart, list(block.lines), block.periods)
    chart.y_axis.number_format = styles.number_format(ind)
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = y_range(ind, block)
    # openpyxl 3.1 marks axes as deleted unless told otherwise: Excel would show none.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def _earlier_years(chart: LineChart, names: list[str], periods: int) -> None:
    """Earlier years' lines look like the value's and say nothing more in the legend (Value,
    Target, Floor, as ever); a chart of three years' months labels every third one."""
    hidden = [n for n, name in enumerate(names) if name.startswith(YEAR_LINE)]
    if not hidden:
        return
    assert chart.legend is not None
    chart.legend.legendEntry = [LegendEntry(idx=n, delete=True) for n in hidden]
    if periods > 2 * 12 and isinstance(chart.x_axis, TextAxis):  # a line chart's: always
        chart.x_axis.tickLblSkip = chart.x_axis.tickMarkSkip = 3


def _line_look(series: ChartSeries, name: str, colour: str) -> None:
    series.smooth = False
    line = series.graphicalProperties.line
    line.solidFill = colour
    line.width = styles.CHART_LINE_WIDTH
    if name == "value":
        dots = GraphicalProperties(solidFill=colour)
        dots.line.solidFill = colour
        series.marker = Marker("circle", size=styles.CHART_MARKER_SIZE, spPr=dots)
    else:
        line.dashStyle = "dash"  # target and floor read apart from the value without colour
        series.marker = Marker("none")


def _title(text: str) -> Title:
    size = styles.CHART_FONT_SIZE * 100  # hundredths of a point
    props = CharacterProperties(sz=size, b=True)
    run = RegularTextRun(rPr=props, t=text)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[run])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


# Rows standing for a block's rows in the XML of a chart drawn once per shape (openpyxl takes
# rows up to 1,000,000); only the template holds them, so they cannot clash with real rows.
_STAND_IN_ROW = 990_000
_STAND_IN_RE = re.compile(r"(?<=[A-Z$])(9900[0-9][0-9])(?![0-9])")  # `$C$990001`, `B990001`
_TITLE_TOKEN = "KPIXL-CHART-TITLE"


class _PreparedChart(LineChart):
    """A chart whose XML is already made: openpyxl only places it and writes it out."""

    def __init__(self, xml: bytes) -> None:
        super().__init__()
        self._xml = xml
        # centimetres; the stubs say int, openpyxl takes any number
        self.width, self.height = CHART_WIDTH_CM, CHART_HEIGHT_CM  # type: ignore[assignment]

    def _write(self) -> Any:
        return fromstring(self._xml)


class TrendCharts:
    """The trend charts of one workbook, made fast: the XML openpyxl gives the first chart of
    each shape (lines drawn, periods, number format, axis range) is kept with stand-ins for
    the title and rows, and each chart of that shape is that XML with its own put in. A
    dashboard of 400 KPIs renders a dozen charts instead of 400; the XML is the same."""

    def __init__(self, data: Worksheet, palette: styles.Palette) -> None:
        self.data, self.palette = data, palette
        self._shapes: dict[tuple[object, ...], str] = {}

    def chart(self, ind: Indicator, block: ChartBlock) -> LineChart:
        key = (tuple(block.lines), block.periods, styles.number_format(ind), y_range(ind, block))
        template = self._shapes.get(key)
        if template is None:
            template = self._shapes[key] = self._template(ind, block)
        rows = [block.labels_row, *block.lines.values()]
        xml = _STAND_IN_RE.sub(lambda m: str(rows[int(m.group(1)) - _STAND_IN_ROW]), template)
        return _PreparedChart(
            xml.replace(_TITLE_TOKEN, escape(chart_title(ind), {"\r": "&#13;"})).encode()
        )

    def _template(self, ind: Indicator, block: ChartBlock) -> str:
        lines = {name: _STAND_IN_ROW + n for n, name in enumerate(block.lines, start=1)}
        stand_in = ChartBlock(ind.ref, _STAND_IN_ROW, lines, block.periods, block.lowest)
        chart = trend_chart(ind, self.data, stand_in, self.palette, title=_TITLE_TOKEN)
        xml: object = tostring(chart._write())  # type: ignore[attr-defined]
        return xml.decode("utf-8") if isinstance(xml, bytes) else str(xml)  # lxml: bytes
