"""Golden test: the samples' dashboard, normalised to JSON, against tests/golden/dashboard.json.

Run with KPIXL_UPDATE_GOLDEN=1 to rewrite the golden file after an intended change, then read
the diff of tests/golden/dashboard.json before committing it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import write_dashboard
from kpixl.periods import Period
from kpixl.pipeline import run

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests/golden/dashboard.json"
UPDATE = "KPIXL_UPDATE_GOLDEN"
DIFF_LINES = 80


def _colour(colour: Any) -> str | None:
    if colour is None:
        return None
    rgb = getattr(colour, "rgb", None)
    return rgb[-6:] if isinstance(rgb, str) else f"{colour.type}:{getattr(colour, colour.type)}"


def _style(cell: Cell) -> str:
    font, fill, al = cell.font, cell.fill, cell.alignment
    parts = [
        f"{cell.style}",
        f"font {font.name} {font.sz:g}{' bold' if font.b else ''}{' italic' if font.i else ''}"
        f"{' underline' if font.u else ''} {_colour(font.color)}",
        f"fill {fill.fill_type} {_colour(fill.fgColor) if fill.fill_type else ''}".rstrip(),
        f"border {cell.border.left.style if cell.border.left else None}",
        f"align {al.horizontal}/{al.vertical}{' wrap' if al.wrap_text else ''}",
    ]
    return "; ".join(parts)


def _cells(ws: Worksheet, styles: dict[str, str]) -> list[str]:
    lines = []
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None and not cell.has_style:
                continue
            style = _style(cell)
            key = hashlib.sha1(style.encode()).hexdigest()[:8]
            styles[key] = style
            value = json.dumps(cell.value, ensure_ascii=False)
            lines.append(f"{cell.coordinate} {value} [{cell.number_format}] {key}")
    return lines


def _rules(ws: Worksheet) -> list[str]:
    found = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            fill = _colour(rule.dxf.fill.fgColor) if rule.dxf and rule.dxf.fill else None
            font = _colour(rule.dxf.font.color) if rule.dxf and rule.dxf.font else None
            found.append(f"{cf.sqref} {rule.type} {rule.operator} {rule.formula} {fill} {font}")
    return sorted(found)


def _charts(ws: Worksheet) -> list[dict[str, Any]]:
    charts = []
    for chart in ws._charts:
        title = "".join(r.t for p in chart.title.tx.rich.p for r in (p.r or []))
        anchor = chart.anchor._from
        series = [
            {
                "title": s.tx.strRef.f,
                "categories": s.cat.numRef.f if s.cat.numRef else s.cat.strRef.f,
                "values": s.val.numRef.f,
                "line": f"{s.spPr.ln.solidFill.srgbClr} {s.spPr.ln.prstDash}",
                "marker": s.marker.symbol if s.marker else None,
            }
            for s in chart.series
        ]
        charts.append({
            "title": title, "anchor": [anchor.col, anchor.row], "series": series,
            "y_format": chart.y_axis.numFmt.formatCode if chart.y_axis.numFmt else None,
            "y_range": [chart.y_axis.scaling.min, chart.y_axis.scaling.max],
        })  # fmt: skip
    return charts


def _print(ws: Worksheet) -> dict[str, Any]:
    setup = ws.page_setup
    return {
        "orientation": setup.orientation, "paper": setup.paperSize,
        "fit": [ws.sheet_properties.pageSetUpPr.fitToPage, setup.fitToWidth, setup.fitToHeight],
        "title_rows": ws.print_title_rows, "area": ws.print_area,
        "header": [ws.oddHeader.left.text, ws.oddHeader.center.text, ws.oddHeader.right.text],
        "footer": [ws.oddFooter.left.text, ws.oddFooter.center.text, ws.oddFooter.right.text],
        "row_breaks": [b.id for b in ws.row_breaks.brk],
    }  # fmt: skip


def dump(path: Path) -> dict[str, Any]:
    """What a reader sees and prints, sheet by sheet; nothing that changes from run to run."""
    book = openpyxl.load_workbook(path)
    styles: dict[str, str] = {}
    sheets = {}
    for ws in book.worksheets:
        sheets[ws.title] = {
            "state": ws.sheet_state,
            "freeze": ws.freeze_panes,
            "widths": {k: v.width for k, v in sorted(ws.column_dimensions.items()) if v.width},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "cells": _cells(ws, styles),
            "conditional_formats": _rules(ws),
            "charts": _charts(ws),
            "print": _print(ws),
        }
    return {"sheets": sheets, "styles": dict(sorted(styles.items()))}


def test_samples_dashboard_matches_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Relative paths, as a user types them: the Validation sheet shows them, and the golden must
    # not depend on where the repository is checked out.
    monkeypatch.chdir(ROOT)
    results = run([Path("samples/returns")], Path("samples/register.xlsx"), Period(2025, 3))
    out = write_dashboard(results, "CED-DCED", tmp_path / "CED-DCED_2025-03.xlsx")
    text = json.dumps(dump(out), indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    if os.environ.get(UPDATE) == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8") if GOLDEN.exists() else ""
    if text != expected:
        diff = list(
            difflib.unified_diff(
                expected.splitlines(), text.splitlines(), "golden", "built", lineterm="", n=2
            )
        )
        shown = "\n".join(diff[:DIFF_LINES])
        more = f"\n... {len(diff) - DIFF_LINES} more diff lines" if len(diff) > DIFF_LINES else ""
        raise AssertionError(
            f"the samples' dashboard differs from {GOLDEN.name} "
            f"(if intended, rerun with {UPDATE}=1 and review the file's diff):\n{shown}{more}"
        )
