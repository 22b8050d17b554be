"""Where outputs go: dashboard file names, the results CSV, and never over an input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from kpixl.atomic import write_atomically
from kpixl.dashboard import dashboard_filename, load_template, write_dashboard
from kpixl.dashboard.pdf import convert_to_pdf
from kpixl.errors import OutputError, UsageError
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


def write_dashboards(
    results: Results, output: Path | None, template: Path | None = None, pdf: bool = False
) -> list[Path]:
    """Write one workbook per dashboard; `output` is a file for one dashboard or a folder.

    `template`: a restyled copy of workbook_templates/dashboard.xlsx to take the styles from.
    `pdf`: also a PDF of each beside it (through LibreOffice); the workbooks are written first,
    so they are kept when the PDF cannot be made.
    """
    palette = load_template(template) if template is not None else None
    names = dashboards_with_data(results)
    if not names:
        raise UsageError("no indicator has a figure for this period: nothing to build")
    if output is not None and output.suffix.lower() == ".xlsx":
        if len(names) > 1:
            raise UsageError(
                f"the returns cover {len(names)} dashboards ({', '.join(names)}): give -o a "
                "folder to write them all"
            )
        targets = {names[0]: output}
    else:
        targets = dashboard_targets(names, results.period, output or Path.cwd())
    for target in targets.values():
        refuse_input(target, results.files, map(Path, results.folders))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(
                f"cannot create the folder {target.parent}: a file of that name is in the way; "
                "choose another output"
            ) from None
        except OSError as exc:
            raise OutputError(f"cannot create the folder {target.parent}: {exc.strerror}") from None
    written = [write_dashboard(results, name, target, palette) for name, target in targets.items()]
    if pdf:
        for workbook in list(written):
            refuse_input(workbook.with_suffix(".pdf"), results.files, map(Path, results.folders))
            written.append(convert_to_pdf(workbook))
    return written


def refuse_input(target: Path, inputs: list[str], folders: Iterable[Path] = ()) -> None:
    """Never write over a return: an output path that is one of the inputs is refused, and so
    is one inside a folder of returns given as input (the next run would read it as a return)."""
    resolved = target.resolve()
    if any(Path(f).resolve() == resolved for f in inputs):
        raise UsageError(f"{target} is one of the returns being read: choose another output")
    for folder in folders:
        if resolved.is_relative_to(Path(folder).resolve()):
            raise UsageError(
                f"{target} is inside the folder of returns {folder}: write outputs elsewhere, "
                "or the next run would read them as returns"
            )


def safe_text(value: object) -> object:
    """Text that Excel would run as a formula gets a leading apostrophe in CSV files."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(results: Results, path: Path) -> Path:
    """The Data table as CSV, exactly DATA_COLUMNS, one row per indicator and period."""
    refuse_input(path, results.files, map(Path, results.folders))
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(DATA_COLUMNS)
    for row in results.data.itertuples(index=False):
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    write_atomically(text.getvalue().encode("utf-8-sig"), path)
    return path
