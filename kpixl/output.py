"""Where outputs go: dashboard file names, the results CSV, and never over an input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kpixl.atomic import write_atomically
from kpixl.dashboard import dashboard_filename, write_dashboard
from kpixl.errors import OutputError, UsageError
from kpixl.results import DATA_COLUMNS, Results

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def dashboards_with_data(results: Results) -> list[str]:
    """The register's dashboards that have at least one figure for the period's FY."""
    areas = set(results.data.loc[results.data["value"].notna(), "service_area"])
    return [
        name
        for name, members in results.register.dashboards().items()
        if any(a.name in areas for a in members)
    ]


def write_dashboards(results: Results, output: Path | None) -> list[Path]:
    """Write one workbook per dashboard; `output` is a file for one dashboard or a folder."""
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
        folder = output or Path.cwd()
        targets = {n: folder / dashboard_filename(n, results.period) for n in names}
    for target in targets.values():
        refuse_input(target, results.files)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the folder {target.parent}: {exc.strerror}") from None
    return [write_dashboard(results, name, target) for name, target in targets.items()]


def refuse_input(target: Path, inputs: list[str]) -> None:
    """Never write over a return: an output path that is one of the inputs is refused."""
    resolved = target.resolve()
    if any(Path(f).resolve() == resolved for f in inputs):
        raise UsageError(f"{target} is one of the returns being read: choose another output")


def safe_text(value: object) -> object:
    """Text that Excel would run as a formula gets a leading apostrophe in CSV files."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(results: Results, path: Path) -> Path:
    """The Data table as CSV, exactly DATA_COLUMNS, one row per indicator and period."""
    refuse_input(path, results.files)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(DATA_COLUMNS)
    for row in results.data.itertuples(index=False):
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    write_atomically(text.getvalue().encode("utf-8-sig"), path)
    return path
