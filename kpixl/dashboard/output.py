"""Where a build's outputs go: dashboard file names, PDFs and the results CSV, never over an input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from kpixl.atomic import make_folder, write_atomically
from kpixl.dashboard import dashboard_filename, load_template, write_dashboard
from kpixl.dashboard.publish import CHROMIUM, html_targets, pdf_targets, publish
from kpixl.errors import UsageError
from kpixl.outputs import Input, check_outputs, returns_inputs
from kpixl.periods import Period
from kpixl.results import DATA_COLUMNS, Results

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def dashboards_with_data(results: Results) -> list[str]:
    """The register's dashboards that have at least one figure for the period's FY."""
    value, area = DATA_COLUMNS.index("value"), DATA_COLUMNS.index("service_area")
    # from the rows, not the table: a batch then never needs pandas
    areas = {
        row[area] for row in results.rows() if row[value] is not None and row[value] == row[value]
    }
    return [
        name
        for name, members in results.register.dashboards().items()
        if any(a.name in areas for a in members)
    ]


def dashboard_targets(names: list[str], period: Period, folder: Path) -> dict[str, Path]:
    """`<dashboard>_<YYYY-MM>.xlsx` in `folder` for each dashboard; two names that would give
    the same file (file names are not case-sensitive on Windows) are refused, never overwritten."""
    targets: dict[str, Path] = {}
    taken: dict[str, str] = {}
    for name in names:
        file = dashboard_filename(name, period)
        if file.lower() in taken:
            raise UsageError(
                f"the dashboards '{taken[file.lower()]}' and '{name}' would both be written to "
                f"{file}: rename one of them in the register's Service areas sheet"
            )
        taken[file.lower()] = name
        targets[name] = folder / file
    return targets


def check_output_name(output: Path) -> None:
    """`-o` names an .xlsx workbook or a folder: a name of another kind of file (`out.xlsm`,
    `dash.csv`) is refused, never made into a folder of that name."""
    suffix = output.suffix
    if suffix.lower() == ".xlsx" or output.is_dir() or not suffix[1:].isalpha():
        return
    hint = {".csv": " (--results writes the CSV)", ".pdf": " (--pdf writes a PDF beside it)"}
    raise UsageError(
        f"{output}: a dashboard is an .xlsx workbook: name it "
        f"{output.with_suffix('.xlsx').name}{hint.get(suffix.lower(), '')}, or give a folder"
    )


def dashboard_paths(results: Results, output: Path | None) -> dict[str, Path]:
    """Where each dashboard with figures goes: `output` itself when it is an .xlsx file (one
    dashboard only), else `<dashboard>_<YYYY-MM>.xlsx` in the folder `output` (default: here)."""
    names = dashboards_with_data(results)
    if not names:
        raise UsageError("no indicator has a figure for this period: nothing to build")
    if output is not None:
        check_output_name(output)
    if output is not None and output.suffix.lower() == ".xlsx":
        if len(names) > 1:
            raise UsageError(
                f"the returns cover {len(names)} dashboards ({', '.join(names)}): give -o a "
                "folder to write them all"
            )
        return {names[0]: output}
    return dashboard_targets(names, results.period, output or Path.cwd())


def build_inputs(
    returns: Iterable[Path | str], register: Path, template: Path | None = None
) -> list[Input]:
    """What `kpixl build` reads: no output may be one of these, or inside a folder of returns."""
    found = [*returns_inputs(returns), Input(register, "the register")]
    if template is not None:
        found.append(Input(template, "the dashboard template (--template)"))
    return found


def check_named_outputs(
    inputs: list[Input], output: Path | None, results_csv: Path | None, pdf: bool = False
) -> None:
    """The outputs named on the command line, checked before any return is read: a slip such
    as `-o register.xlsx` is said at once (the dashboards of a folder are checked once their
    names are known)."""
    named = [results_csv] if results_csv is not None else []
    if output is not None:
        check_output_name(output)
        if output.suffix.lower() == ".xlsx":
            named += [output, output.with_suffix(".pdf")] if pdf else [output]
    check_outputs(named, inputs)


def results_inputs(results: Results, template: Path | None = None) -> list[Input]:
    """The files the results were read from (returns as given, and each file found in a
    folder), the register, and the template."""
    sources = dict.fromkeys([*results.folders, *results.files])
    return build_inputs(sources, results.register.path, template)


def write_dashboards(
    results: Results,
    output: Path | None,
    template: Path | None = None,
    pdf: bool = False,
    results_csv: Path | None = None,
    pdf_engine: str = CHROMIUM,
    html: Path | None = None,
    html_templates: Path | None = None,
) -> list[Path]:
    """Write one workbook per dashboard; `output` is a file for one dashboard or a folder.

    `template`: a restyled copy of workbook_templates/dashboard.xlsx to take the styles from.
    `pdf`: also a PDF of each beside it, printed from its web page by Chromium (tagged for
    screen readers) or, with `pdf_engine="libreoffice"`, from the workbook. `html`: also each
    one's web page (an .html file for one dashboard, or a folder); `html_templates`: a folder
    of templates overriding the page's. The workbooks are written first, then the pages, then
    the PDFs, so what was written is kept when a PDF cannot be made. `results_csv`: also the
    Data table as CSV. Every output is checked against every input and the others before
    anything is written.
    """
    targets = dashboard_paths(results, output)
    planned = [*targets.values()]
    planned += [*pdf_targets(targets).values()] if pdf else []
    planned += [*html_targets(targets, html).values()]
    planned += [results_csv] if results_csv is not None else []
    check_outputs(planned, results_inputs(results, template))
    palette = load_template(template) if template is not None else None
    for target in targets.values():
        make_folder(target.parent)
    written = [write_dashboard(results, name, target, palette) for name, target in targets.items()]
    written += publish(
        results, targets, pdf=pdf, engine=pdf_engine, html=html, templates=html_templates
    )
    if results_csv is not None:
        written.append(_write_csv(results, results_csv))
    return written


def safe_text(value: object) -> object:
    """Text that Excel would run as a formula gets a leading apostrophe in CSV files."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(results: Results, path: Path) -> Path:
    """The Data table as CSV, exactly DATA_COLUMNS, one row per indicator and period; never
    over an input."""
    check_outputs([path], results_inputs(results))
    return _write_csv(results, path)


def _write_csv(results: Results, path: Path) -> Path:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(DATA_COLUMNS)
    for row in results.data.itertuples(index=False):
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    write_atomically(text.getvalue().encode("utf-8-sig"), path)
    return path
