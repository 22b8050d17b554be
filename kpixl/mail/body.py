"""The body of the dashboard e-mail: the KPI summary as an HTML table and as plain text."""

from __future__ import annotations

from html import escape

from kpixl.dashboard.styles import (
    BLOCK_FILL,
    BLOCK_TEXT,
    BORDER_COLOUR,
    HEADER_FILL,
    HEADER_TEXT,
    RAG_COLOURS,
)
from kpixl.mail.read import RAG_WORDS, DashboardSummary, KpiLine

NA = "N/A"
_CELL = f"border:1px solid #{BORDER_COLOUR};padding:3px 6px;"
_TABLE = "border-collapse:collapse;font-family:Arial,sans-serif;font-size:10pt;"


def _attachments_sentence(names: list[str]) -> str:
    if not names:
        return ""
    listed = " and ".join(names)
    return f"The dashboard is attached ({listed})."


def _counts_line(summary: DashboardSummary, column: str) -> str:
    counts = summary.counts(column)
    return ", ".join(f"{counts[word]} {word}" for word in RAG_WORDS)


def plain_text(summary: DashboardSummary, attachments: list[str]) -> str:
    """The text alternative: what a reader without HTML sees."""
    lines = [summary.title, f"Results up to {summary.period.long_label}"]
    if summary.financial_year:
        lines.append(summary.financial_year)
    lines += [
        "",
        f"Latest RAG: {_counts_line(summary, 'latest')}",
        f"YTD RAG:    {_counts_line(summary, 'ytd')}",
    ]
    for area in summary.areas:
        lines += ["", area.name, f"  {'Ref':<8} {'Latest':<7} {'YTD':<7} Indicator"]
        lines += [
            f"  {kpi.ref:<8} {kpi.latest or NA:<7} {kpi.ytd or NA:<7} {kpi.indicator}"
            for kpi in area.kpis
        ]
    lines += ["", _attachments_sentence(attachments)]
    if summary.produced_by:
        lines += ["", summary.produced_by]
    return "\n".join(lines).rstrip() + "\n"


def _rag_cell(word: str) -> str:
    """A RAG cell coloured as on the dashboard; the word stays, so colour is a second cue."""
    shown = word or NA
    colours = RAG_COLOURS.get(shown.upper())
    style = f"{_CELL}text-align:center;"
    if colours is None:
        return f'<td style="{style}">{escape(shown)}</td>'
    fill, text = colours
    return (
        f'<td bgcolor="#{fill}" style="{style}background-color:#{fill};color:#{text};'
        f'font-weight:bold;">{escape(shown)}</td>'
    )


def _kpi_row(kpi: KpiLine) -> str:
    return (
        f'<tr><td style="{_CELL}">{escape(kpi.ref)}</td>'
        f'<td style="{_CELL}">{escape(kpi.indicator)}</td>'
        f"{_rag_cell(kpi.latest)}{_rag_cell(kpi.ytd)}</tr>"
    )


def _table(summary: DashboardSummary) -> list[str]:
    header = f"{_CELL}background-color:#{HEADER_FILL};color:#{HEADER_TEXT};text-align:left;"
    block = f"{_CELL}background-color:#{BLOCK_FILL};color:#{BLOCK_TEXT};font-weight:bold;"
    rows = [
        f'<table style="{_TABLE}">',
        "<thead><tr>"
        + "".join(
            f'<th bgcolor="#{HEADER_FILL}" style="{header}">{name}</th>'
            for name in ("Ref", "Indicator", "Latest RAG", "YTD RAG")
        )
        + "</tr></thead>",
        "<tbody>",
    ]
    for area in summary.areas:
        rows.append(f'<tr><td colspan="4" style="{block}">{escape(area.name)}</td></tr>')
        rows += [_kpi_row(kpi) for kpi in area.kpis]
    rows += ["</tbody>", "</table>"]
    return rows


def _counts_table(summary: DashboardSummary) -> list[str]:
    rows = [f'<table style="{_TABLE}"><tr><td style="{_CELL}"></td>']
    rows += [_rag_cell(word) for word in RAG_WORDS]
    rows.append("</tr>")
    for label, column in (("Latest RAG", "latest"), ("YTD RAG", "ytd")):
        counts = summary.counts(column)
        cells = "".join(
            f'<td style="{_CELL}text-align:center;">{counts[w]}</td>' for w in RAG_WORDS
        )
        rows.append(f'<tr><td style="{_CELL}font-weight:bold;">{label}</td>{cells}</tr>')
    rows.append("</table>")
    return rows


def html_body(summary: DashboardSummary, attachments: list[str]) -> str:
    """The HTML alternative; every text read from the workbook is escaped."""
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"></head>',
        '<body style="font-family:Arial,sans-serif;font-size:10pt;">',
        f"<h2>{escape(summary.title)}</h2>",
        f"<p>Results up to {escape(summary.period.long_label)}"
        + (f"<br>{escape(summary.financial_year)}" if summary.financial_year else "")
        + "</p>",
        *_counts_table(summary),
        "<p></p>",
        *_table(summary),
        f"<p>{escape(_attachments_sentence(attachments))}</p>",
    ]
    if summary.produced_by:
        parts.append(f"<p>{escape(summary.produced_by)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
