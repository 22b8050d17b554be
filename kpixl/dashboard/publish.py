"""What a build publishes beside each workbook: the accessible web page and the PDF."""

from __future__ import annotations

from pathlib import Path

from kpixl.atomic import make_folder, write_atomically
from kpixl.dashboard.chromium import print_to_pdf
from kpixl.dashboard.pdf import convert_to_pdf
from kpixl.dashboard.view import DashboardView
from kpixl.dashboard.webpage import render_page
from kpixl.errors import UsageError
from kpixl.results import Results

CHROMIUM, LIBREOFFICE = "chromium", "libreoffice"
# chromium: the web page printed, tagged for screen readers (the default: a published PDF must be
# accessible); libreoffice: the workbook printed as Excel would, untagged tables.
PDF_ENGINES = (CHROMIUM, LIBREOFFICE)
PAGE_SUFFIXES = (".html", ".htm")


def html_targets(workbooks: dict[str, Path], html: Path | None) -> dict[str, Path]:
    """Where each dashboard's web page goes: `html` itself when it names an .html file (one
    dashboard only), else `<dashboard>_<YYYY-MM>.html` in the folder `html`."""
    if html is None:
        return {}
    html = Path(html)
    if html.suffix.lower() in PAGE_SUFFIXES:
        if len(workbooks) > 1:
            raise UsageError(
                f"the returns cover {len(workbooks)} dashboards ({', '.join(workbooks)}): give "
                "--html a folder to write a page for each"
            )
        return dict.fromkeys(workbooks, html)
    if (
        html.suffix[1:].isalpha() and not html.is_dir()
    ):  # `--html page.htm1` is a slip, not a folder
        raise UsageError(
            f"--html {html}: a web page is an .html file: name it "
            f"{html.with_suffix('.html').name}, or give a folder"
        )
    return {name: html / book.with_suffix(".html").name for name, book in workbooks.items()}


def pdf_targets(workbooks: dict[str, Path]) -> dict[str, Path]:
    """Each dashboard's PDF: beside its workbook, same name."""
    return {name: book.with_suffix(".pdf") for name, book in workbooks.items()}


def check_engine(engine: str) -> str:
    if engine not in PDF_ENGINES:
        raise UsageError(f"pdf engine '{engine}' is not one of: {', '.join(PDF_ENGINES)}")
    return engine


def publish(
    results: Results,
    workbooks: dict[str, Path],
    *,
    pdf: bool = False,
    engine: str = CHROMIUM,
    html: Path | None = None,
    templates: Path | None = None,
) -> list[Path]:
    """Write each dashboard's web page (when `html` is given) and PDF (when `pdf`); return the
    files written. `workbooks` maps each dashboard to its workbook, already written: the web
    pages come next, then the PDFs, so what was written is kept when a PDF cannot be made."""
    check_engine(engine)
    pages = html_targets(workbooks, html)
    texts: dict[str, str] = {}
    for name in workbooks:
        if name in pages or (pdf and engine == CHROMIUM):
            texts[name] = render_page(DashboardView(results, name), templates)
    written: list[Path] = []
    for name, page in pages.items():
        make_folder(page.parent, "--html")
        write_atomically(texts[name].encode("utf-8"), page)
        written.append(page)
    if pdf:
        for name, target in pdf_targets(workbooks).items():
            if engine == CHROMIUM:
                written.append(print_to_pdf(texts[name], target))
            else:
                written.append(convert_to_pdf(workbooks[name], target))
    return written
