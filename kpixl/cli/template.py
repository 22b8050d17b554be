"""`kpixl template ...`: the workbooks services fill in, and the register's blank template."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kpixl.cli.options import parse_period
from kpixl.outputs import Input, check_outputs
from kpixl.periods import Period

if TYPE_CHECKING:
    from kpixl.register.model import Register
    from kpixl.templates.write import History

# kpixl.templates.write (and openpyxl with it) is imported by the commands that write a template:
# every other command, `validate` above all, starts without it.

_register_opt = click.option(
    "--register", "-r", required=True, type=click.Path(path_type=Path),
    help="The indicator register workbook (register.xlsx).",
)  # fmt: skip
_period_opt = click.option(
    "--period", "-p", required=True, metavar="YYYY-MM", help="The month the return is for."
)
_force_opt = click.option(
    "--force", is_flag=True, help="Replace a workbook already there (never an input)."
)
_history_opt = click.option(
    "--history", type=click.Path(path_type=Path), default=None, metavar="DIR",
    help="A folder of this year's returns: their figures for the earlier months are shown "
    "(read-only) on a History sheet.",
)  # fmt: skip


def _inputs(register: Path, history: Path | None) -> list[Input]:
    """What a template command reads: no template may be written over it, or among the
    history's returns."""
    found = [Input(register, "the register")]
    return found + ([Input(history, "the history folder")] if history is not None else [])


def _history(folder: Path | None, register: Register, period: Period) -> History | None:
    if folder is None:
        return None
    from kpixl.templates.write import read_history

    history = read_history(folder, register, period)
    if history.errors:
        click.echo(
            f"history: {history.errors} error(s) in the returns of {folder}; those figures are "
            f"left out (run `kpixl validate {folder} --register ...` to see them)",
            err=True,
        )
    return history


@click.group()
def template() -> None:
    """Write the workbooks services fill in (returns) and a blank register."""


@template.command("register")
@_force_opt
@click.argument("out", type=click.Path(path_type=Path))
def register_template(force: bool, out: Path) -> None:
    """Write a blank register (Indicators, Service areas, Settings) to OUT."""
    from kpixl.templates.write import write_register_template

    click.echo(f"wrote {write_register_template(out, force=force)}")


@template.command("return")
@_register_opt
@click.option("--service-area", "-a", required=True, help="The service area, as in the register.")
@_period_opt
@_history_opt
@_force_opt
@click.argument("out", type=click.Path(path_type=Path))
def return_template(
    register: Path, service_area: str, period: str, history: Path | None, force: bool, out: Path
) -> None:
    """Write the return template of one service area for one month to OUT."""
    from kpixl.templates.write import write_return_template

    inputs = _inputs(register, history)
    check_outputs([out], inputs, replace=force)  # before the history is read
    from kpixl.register.load import load_register  # when the command runs

    reg = load_register(register)
    month = parse_period(period)
    past = _history(history, reg, month)
    written = write_return_template(reg, service_area, month, out, past, force=force, inputs=inputs)
    click.echo(f"wrote {written}")


@template.command("returns")
@_register_opt
@_period_opt
@_history_opt
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path),
              help="The folder to write them to (made if it does not exist).")  # fmt: skip
@_force_opt
def returns_templates(
    register: Path, period: str, history: Path | None, output: Path, force: bool
) -> None:
    """Write one return template per service area for one month into a folder."""
    from kpixl.register.load import load_register  # when the command runs
    from kpixl.templates.write import write_return_templates

    reg = load_register(register)
    month = parse_period(period)
    inputs = _inputs(register, history)
    past = _history(history, reg, month)
    written = write_return_templates(reg, month, output, past, force=force, inputs=inputs)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"{len(written)} return template(s) for {month.long_label}")


@template.command("refresh")
@click.option("--force", is_flag=True,
              help="Replace workbooks already in FOLDER (workbook_templates/ always is).")  # fmt: skip
@click.argument("folder", required=False, type=click.Path(path_type=Path))
def refresh(force: bool, folder: Path | None) -> None:
    """Regenerate the templates in FOLDER (default: the repository's workbook_templates/)."""
    from kpixl.templates.write import refresh_templates

    for path in refresh_templates(folder, force=force):
        click.echo(f"wrote {path}")
