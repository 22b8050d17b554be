"""Return and register templates for services, and one call that regenerates the bundled ones."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from kpixl import dashboard
from kpixl.dashboard.save import stamp
from kpixl.errors import OutputError, UsageError
from kpixl.outputs import Input, check_outputs, is_within
from kpixl.periods import Period
from kpixl.register.load import load_register
from kpixl.register.model import Register, ServiceArea
from kpixl.templates import register_template
from kpixl.templates.cells import save
from kpixl.templates.register_template import build_register_template
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
    return History(months, values, len(results.files), results.report.counts()["error"])


def write_register_template(out: Path, *, force: bool = False) -> Path:
    """Write the blank register template to `out`, atomically; an existing workbook is only
    replaced with `force`."""
    check_outputs([Path(out)], [], replace=force)
    return register_template.write_register_template(Path(out))


def write_return_template(
    register: Register,
    area: str,
    period: Period,
    out: Path,
    history: History | None = None,
    *,
    force: bool = False,
    inputs: Sequence[Input] = (),
) -> Path:
    """Write the return template of one service area and month to `out`, atomically: never
    over the register or `inputs` (the history folder), nor over an existing workbook unless
    `force`."""
    found = find_area(register, area)
    check_outputs([Path(out)], [_register_input(register), *inputs], replace=force)
    return save(build_return(register, found, period, history), Path(out), stamp(period))


def write_return_templates(
    register: Register,
    period: Period,
    out_dir: Path,
    history: History | None = None,
    *,
    force: bool = False,
    inputs: Sequence[Input] = (),
) -> list[Path]:
    """One return template per service area that has indicators, in register order; all are
    checked as write_return_template's `out` is before any is written."""
    areas = [a for a in register.service_areas.values() if register.indicators_of(a.name)]
    names: list[str] = []
    for area in areas:
        name = return_filename(area.name, period)
        if name.lower() in {n.lower() for n in names}:  # names that differ only in punctuation
            name = name.replace(".xlsx", f"_{len(names) + 1}.xlsx")
        names.append(name)
    targets = [Path(out_dir) / name for name in names]
    check_outputs(targets, [_register_input(register), *inputs], replace=force)
    _folder(out_dir)
    return [
        save(build_return(register, area, period, history), target, stamp(period))
        for area, target in zip(areas, targets, strict=True)
    ]


def _register_input(register: Register) -> Input:
    return Input(register.path, "the register")


def refresh_templates(out_dir: Path | None = None, *, force: bool = False) -> list[Path]:
    """Regenerate workbook_templates/: the blank register, the return template of the sample
    service area for March 2025 (with the samples as its history) and the dashboard template.

    Into another folder, workbooks already there are only replaced with `force`: it may hold a
    register someone has filled in."""
    if not SAMPLE_REGISTER.is_file() or not SAMPLE_RETURNS.is_dir():
        raise UsageError(
            f"refresh needs the kpixl repository's samples ({SAMPLE_REGISTER} and "
            f"{SAMPLE_RETURNS}): run it from a clone of the repository"
        )
    target = Path(out_dir) if out_dir is not None else TEMPLATES_DIR
    # The dashboard template comes from the dashboard writer, when it offers one.
    write_template: Callable[[Path], Path] | None = getattr(dashboard, "write_template", None)
    names = ["register.xlsx", return_filename(SAMPLE_AREA, SAMPLE_PERIOD)]
    names += [DASHBOARD_TEMPLATE] if write_template is not None else []
    samples = [
        Input(SAMPLE_REGISTER, "the sample register"),
        Input(SAMPLE_RETURNS, "the sample returns", "the next refresh would read them as samples"),
    ]
    bundled = is_within(target, TEMPLATES_DIR) and is_within(TEMPLATES_DIR, target)
    replace = force or bundled  # regenerating the bundled templates is what refresh is for
    check_outputs([target / n for n in names], samples, replace=replace)
    folder = _folder(target)
    register = load_register(SAMPLE_REGISTER)
    history = read_history(SAMPLE_RETURNS, register, SAMPLE_PERIOD)
    written = [
        register_template.write_register_template(folder / names[0]),
        save(
            build_return(register, find_area(register, SAMPLE_AREA), SAMPLE_PERIOD, history),
            folder / names[1],
            stamp(SAMPLE_PERIOD),
        ),
    ]
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
