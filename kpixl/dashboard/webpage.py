"""The dashboard as one accessible web page (Guidance, Summary, service areas, Trends), the same
figures and words as the workbook, written through Jinja2 templates that a user may override."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from kpixl.atomic import write_atomically
from kpixl.dashboard import front, styles
from kpixl.dashboard.area import Table, area_tables
from kpixl.dashboard.cellwriter import Entry
from kpixl.dashboard.svgchart import TrendChart, figure, trend_charts
from kpixl.dashboard.trends import NO_KPIS, trend_kpis, trends_note
from kpixl.dashboard.view import NA, DashboardView
from kpixl.errors import UsageError
from kpixl.register.model import Indicator, Kind, ServiceArea

TEMPLATES = Path(__file__).resolve().parent / "web"
PAGE_TEMPLATE = "page.html.j2"  # includes page.css.j2 and chart.svg.j2
# The words coloured (as a second cue: the word is always there): RAG ratings and alerts.
WORD_COLOURS = {**styles.RAG_COLOURS, **styles.ALERT_COLOURS}
BESIDE = "Each chart's figures are in the table beside it."


@dataclass(frozen=True)
class Cell:
    """One table cell: its text as the workbook shows it and its CSS classes."""

    text: str
    css: str = ""


@dataclass(frozen=True)
class WebTable:
    """A table with a caption and column headers; each row's first cell heads the row."""

    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (text, "note" or "commentary")


@dataclass(frozen=True)
class AreaSection:
    """A service area: its header block and its tables."""

    id: str
    heading: str
    block: list[tuple[str, str]]  # (Service Area | lead title | Cabinet Member, who)
    department: str
    tables: list[WebTable]


@dataclass(frozen=True)
class ChartSection:
    """A trend chart and the table of its figures beside it."""

    chart: TrendChart
    figures: WebTable

    def __iter__(self) -> Iterator[TrendChart | WebTable]:
        return iter((self.chart, self.figures))


@dataclass(frozen=True)
class Page:
    """Everything the page template shows."""

    title: str
    language: str
    organisation: str
    fy: str
    period: str
    guidance: dict[str, object]
    summary: list[WebTable]
    areas: list[AreaSection]
    charts: list[ChartSection]
    trends_note: str
    no_kpis: str
    colours: dict[str, object]

    @property
    def sections(self) -> list[tuple[str, str]]:
        """(id, heading) of each section, in page order: the contents and the PDF's bookmarks."""
        found = [("guidance", "Guidance"), ("summary", "Key Performance Indicator Summary")]
        return [*found, *((a.id, a.heading) for a in self.areas), ("trends", "Trends")]


def page_of(view: DashboardView) -> Page:
    """The page model of one dashboard, from the view the workbook is written from."""
    settings = view.results.register.settings
    kpis = trend_kpis(view)
    return Page(
        title=settings.title_for(view.dashboard),
        language=settings.language,
        organisation=settings.organisation,
        fy=view.results.fy_label,
        period=view.period.long_label,
        guidance=_guidance(view),
        summary=_summary(view),
        areas=[_area(view, n, area) for n, area in enumerate(view.areas, start=1)],
        charts=[_chart_section(c) for c in trend_charts(view, kpis)],
        trends_note=f"{trends_note(view, kpis)} {BESIDE}",
        no_kpis=NO_KPIS,
        colours=_colours(),
    )


def _chart_section(chart: TrendChart) -> ChartSection:
    headers, rows = chart.figures
    cells = [[Cell(first), *(Cell(text, "number") for text in rest)] for first, *rest in rows]
    return ChartSection(chart, WebTable(f"{chart.ref} figures, {chart.span}", headers, cells))


def _guidance(view: DashboardView) -> dict[str, object]:
    rag_note = view.results.register.settings.other.get("rag_note") or front.DEFAULT_RAG_NOTE
    key = WebTable(
        "What each RAG rating means",
        ["Rating", "Meaning"],
        [[_word(word), Cell(meaning)] for word, meaning in front.RAG_KEY],
    )
    return {
        "kpi_notes": [n.replace("{rag_note}", rag_note) for n in front.KPI_NOTES],
        "rag_key": key,
        "floor_note": front.FLOOR_FOOTNOTE,
        "activity_notes": list(front.ACTIVITY_NOTES),
    }


def _word(word: str) -> Cell:
    """A RAG or alert word: the word itself, coloured as a second cue."""
    return Cell(word, f"word word-{word.lower()}")


def _rag(word: str) -> Cell:
    return _word(word) if word in styles.RAG_COLOURS else Cell(word, "centre")


def _summary(view: DashboardView) -> list[WebTable]:
    tables = []
    for area in view.areas:
        kpis = view.indicators(area.name, Kind.KPI)
        if not kpis:
            continue
        rows = []
        for ind in kpis:
            latest, ytd = view.rags(ind)
            rows.append([Cell(f"{ind.ref}: {ind.summary_text}"), _rag(latest), _rag(ytd)])
        tables.append(WebTable(area.name, ["Indicator", "Latest RAG", "YTD RAG"], rows))
    return tables


def _area(view: DashboardView, n: int, area: ServiceArea) -> AreaSection:
    block = [
        ("Service Area", area.name),
        (area.lead_title, area.lead_name),
        ("Cabinet Member", area.cabinet_member),
    ]
    tables = [_table(area.name, t) for t in area_tables(view, area)]
    return AreaSection(f"area-{n}", area.name, block, area.department, tables)


def _table(area: str, table: Table) -> WebTable:
    rows = [
        [_cell(entry, col, table, ind) for col, entry in enumerate(entries, start=1)]
        for ind, entries in zip(table.indicators, table.rows, strict=True)
    ]
    notes = [(ind.footnote, "note") for ind in table.indicators if ind.footnote]
    notes += [(line, "note") for line in table.at_risk]
    notes += [(f"{line.ref} – {line.text}", "commentary") for line in table.commentary]
    return WebTable(f"{area}: {table.title}", table.headers, rows, notes)


def _cell(entry: Entry, col: int, table: Table, ind: Indicator) -> Cell:
    value = entry.value
    if isinstance(value, str):
        coloured = col in table.rag_cols or col in table.alert_cols
        if coloured and value in WORD_COLOURS:
            return _word(value)
        return Cell(value, "centre" if entry.look is styles.Look.CENTRE or value == NA else "")
    return Cell(figure(value, ind), "number")


def _colours() -> dict[str, object]:
    """The page's colours: the workbook's own, each text colour at least 4.5:1 on its fill."""
    return {
        "words": {w.lower(): (f"#{fill}", f"#{text}") for w, (fill, text) in WORD_COLOURS.items()},
        "header": (f"#{styles.HEADER_FILL}", f"#{styles.HEADER_TEXT}"),
        "block": (f"#{styles.BLOCK_FILL}", f"#{styles.BLOCK_TEXT}"),
        "title": f"#{styles.TITLE_TEXT}",
        "link": f"#{styles.LINK_TEXT}",
        "border": f"#{styles.BORDER_COLOUR}",
        "text": "#000000",
        "background": "#FFFFFF",
    }


def css_string(text: object) -> Markup:
    """`text` as a quoted CSS string (the page's running header): every character other than a
    letter, digit or space is written as a CSS escape, so nothing in it can end the string or
    the style sheet."""
    escaped = "".join(
        c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):x} " for c in str(text)
    )
    return Markup(f'"{escaped}"')


def environment(templates: Path | None = None) -> jinja2.Environment:
    """Jinja2 with every value HTML-escaped; a user's folder of templates first, if given."""
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        if not Path(templates).is_dir():
            raise UsageError(f"--html-templates {templates}: no such folder")
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    return env


def render_page(view: DashboardView, templates: Path | None = None) -> str:
    """The page's HTML. Raises UsageError when a user's template cannot be used."""
    env = environment(templates)
    try:
        return env.get_template(PAGE_TEMPLATE).render(page=page_of(view))
    except jinja2.TemplateError as exc:
        where = (
            f" ({exc.filename}, line {exc.lineno})"
            if isinstance(exc, jinja2.TemplateSyntaxError)
            else ""
        )
        raise UsageError(
            f"--html-templates: the page template cannot be used{where}: {exc}"
        ) from None


def write_page(view: DashboardView, out: Path, templates: Path | None = None) -> Path:
    """Write the dashboard's web page to `out` (UTF-8), atomically; return `out`."""
    out = Path(out)
    write_atomically(render_page(view, templates).encode("utf-8"), out)
    return out
