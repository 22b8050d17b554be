"""The library calls behind `kpixl`'s public API: what a script or a notebook uses."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kpixl.errors import UsageError
from kpixl.periods import Period
from kpixl.pipeline import run as _run
from kpixl.register.model import Register
from kpixl.results import Results

PathLike = str | Path


def run(
    returns: PathLike | Iterable[PathLike],
    register: Register | PathLike,
    period: Period | str | None = None,
) -> Results:
    """Read, validate and rate returns against the register: what `kpixl validate` does.

    `returns` is one workbook or folder, or a list of them (folders are searched
    recursively). `register` is the register workbook's path or a `Register` already loaded.
    `period` is the reporting month (`"2025-03"` or a `Period`); by default the latest month
    any return gives a figure for. Problems in the data are collected in `results.report`;
    only a register or arguments that cannot be used raise (`RegisterError`, `UsageError`).
    """
    sources = [returns] if isinstance(returns, str | Path) else list(returns)
    return _run(sources, register, _period(period))


def write_dashboard(
    results: Results,
    path: PathLike,
    template: PathLike | None = None,
    *,
    pdf: bool = False,
    pdf_engine: str = "chromium",
    html: PathLike | None = None,
) -> list[Path]:
    """Write the dashboard workbook(s) of `results`, as `kpixl build -o path` does.

    `path` is an `.xlsx` file when the results cover one dashboard, or a folder, which then
    gets one `<dashboard>_<YYYY-MM>.xlsx` per dashboard. `template` is a restyled copy of
    `workbook_templates/dashboard.xlsx`; `pdf=True` also writes a PDF beside each: the
    accessible one printed from the web page by Chromium, or with `pdf_engine="libreoffice"`
    the workbook printed by LibreOffice. `html` also writes each one's accessible web page (an
    `.html` file for one dashboard, or a folder). Returns the files written. Never writes over
    a return or the register.
    """
    from kpixl.dashboard.output import write_dashboards

    style = Path(template) if template is not None else None
    page = Path(html) if html is not None else None
    return write_dashboards(
        results, Path(path), template=style, pdf=pdf, pdf_engine=pdf_engine, html=page
    )


def write_results_csv(results: Results, path: PathLike) -> Path:
    """Write the Data table (`results.data`) as CSV, as `kpixl build --results path` does."""
    from kpixl.dashboard.output import write_csv

    return write_csv(results, Path(path))


def _period(period: Period | str | None) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    try:
        return Period.parse(str(period))
    except ValueError as exc:
        raise UsageError(f"period: {exc}") from None
