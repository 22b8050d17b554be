"""Return and register templates for services, and one call that regenerates the bundled ones."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

from kpixl import dashboard
from kpixl.dashboard.save import stamp
from kpixl.errors import OutputError, UsageError
from kpixl.periods import Period
from kpixl.register.load import load_register
from kpixl.register.model import Register, ServiceArea
from kpixl.templates.cells import save
from kpixl.templates.register_template import build_register_template, write_register_template
from kpixl.templates.return_template import History, build_return

__all__ = [
    "History",
    "build_register_template",
    "build_return",
    "find_area",
    "read_history",
    "refresh_templates",
    "return_filename",
    "write_register_template",
    "write_return_template",
    "write_return_templates",
]

REPO = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO / "workbook_templates"
SAMPLE_REGISTER = REPO / "samples" / "register.xlsx"
SAMPLE_RETURNS = REPO / "samples" / "returns"
SAMPLE_AREA = "Marketing and Resident Experience"
SAMPLE_PERIOD = Period(2025, 3)
DASHBOARD_TEMPLATE = "dashboard.xlsx"


def find_area(register: Register, name: str) -> ServiceArea:
    """The service area called `name` (case and surrounding spaces do not matter)."""
    wanted = name.strip().lower()
    for area in register.service_areas.values():
        if area.name.lower() == wanted:
            if not register.indicators_of(area.name):
                raise UsageError(
                    f"service area '{area.name}' has no indicators in the register: "
                    "add them to sheet 'Indicators' first"
                )
            return area
    known = "; ".join(register.service_areas) or "none"
    raise UsageError(
        f"the register has no service area '{name}': give one of its service areas ({known})"
    )


def return_filename(area: str, period: Period) -> str:
    """`return_Marketing_and_Resident_Experience_2025-03.xlsx`: safe on every file system."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", area).strip("_") or "area"
    return f"return_{slug}_{period}.xlsx"


def read_history(folder: Path, register: Register, period: Period) -> History:
    """The figures the returns in `folder` give for the FY months before `period`, validated
    as any build would (figures with errors are left out)."""
    from kpixl.pipeline import run  # the whole engine: only when a history is asked for

    folder = Path(folder)
    if not folder.exists():
        raise UsageError(f"history folder {folder}: no such file or folder")
    fy_start = register.settings.fy_start_month
    if period == period.fy_start(fy_start):
        return History()
    last = period.shift(-1)
    months = tuple(last.fy_months(fy_start))
    try:
        results = run([folder], register, last)
    except UsageError as exc:
        raise UsageError(f"history folder {folder}: {exc}") from None
    by_text = {str(m): m for m in months}
    values: dict[str, dict[Period, float]] = {}
    for ref, month, value in results.data[["ref", "period", "value"]].itertuples(index=False):
        if month in by_text and value is not None and not math.isnan(value):
            values.setdefault(str(ref), {})[by_text[month]] = float(value)
    return History(months, values, len(results.files), len(results.report.errors))


def write_return_template(
    register: Register, area: str, period: Period, out: Path, history: History | None = None
) -> Path:
    """Write the return template of one service area and month to `out`, atomically."""
    found = find_area(register, area)
    return save(build_return(register, found, period, history), Path(out), stamp(period))


def write_return_templates(
    register: Register, period: Period, out_dir: Path, history: History | None = None
) -> list[Path]:
    """One return template per service area that has indicators, in register order."""
    folder = _folder(out_dir)
    written: list[Path] = []
    used: set[str] = set()
    for area in register.service_areas.values():
        if not register.indicators_of(area.name):
            continue
        name = return_filename(area.name, period)
        if name.lower() in used:  # two names that differ only in punctuation
            name = name.replace(".xlsx", f"_{len(used) + 1}.xlsx")
        used.add(name.lower())
        built = build_return(register, area, period, history)
        written.append(save(built, folder / name, stamp(period)))
    return written


def refresh_templates(out_dir: Path | None = None) -> list[Path]:
    """Regenerate workbook_templates/: the blank register, the return template of the sample
    service area for March 2025 (with the samples as its history) and the dashboard template."""
    if not SAMPLE_REGISTER.is_file() or not SAMPLE_RETURNS.is_dir():
        raise UsageError(
            f"refresh needs the kpixl repository's samples ({SAMPLE_REGISTER} and "
            f"{SAMPLE_RETURNS}): run it from a clone of the repository"
        )
    folder = _folder(out_dir or TEMPLATES_DIR)
    register = load_register(SAMPLE_REGISTER)
    history = read_history(SAMPLE_RETURNS, register, SAMPLE_PERIOD)
    written = [
        write_register_template(folder / "register.xlsx"),
        write_return_template(
            register,
            SAMPLE_AREA,
            SAMPLE_PERIOD,
            folder / return_filename(SAMPLE_AREA, SAMPLE_PERIOD),
            history,
        ),
    ]
    # The dashboard template comes from the dashboard writer, when it offers one.
    write_template: Callable[[Path], Path] | None = getattr(dashboard, "write_template", None)
    if write_template is not None:
        written.append(Path(write_template(folder / DASHBOARD_TEMPLATE)))
    return written


def _folder(path: Path) -> Path:
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(f"cannot write to {folder}: it is a file, not a folder") from None
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    return folder
