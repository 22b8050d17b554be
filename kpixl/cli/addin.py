"""`kpixl addin build | install | uninstall`: the Excel add-in from the command line."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from kpixl.addin.install import Step

_INSTALLED = "done: start Excel again and open a workbook to see the KPI Dashboard tab"
_dry_run = click.option("--dry-run", is_flag=True, help="Print what would be done; change nothing.")


@click.group("addin")
def addin() -> None:
    """Build, install or remove the Excel add-in (the "KPI Dashboard" ribbon tab)."""


@addin.command("build")
@click.option("--output", "-o", "folder", type=click.Path(path_type=Path), default=Path("."),
              show_default=True, help="Folder to write kpixl.xlam into.")  # fmt: skip
def build(folder: Path) -> None:
    """Build kpixl.xlam from its text sources (the same bytes every time)."""
    from kpixl.addin.build import build_xlam

    click.echo(f"wrote {build_xlam(folder)}")


@addin.command("install")
@_dry_run
def install(dry_run: bool) -> None:
    """Install the add-in for this Windows user: xlwings add-in, kpixl.xlam, interpreter setting.

    Quit Excel first; start it again afterwards to see the KPI Dashboard tab.
    """
    from kpixl.addin.build import build_xlam
    from kpixl.addin.install import current_env, plan_install

    env = current_env()
    with tempfile.TemporaryDirectory(prefix="kpixl-addin-") as tmp:
        _carry_out(plan_install(env, build_xlam(Path(tmp))), dry_run, _INSTALLED)


@addin.command("uninstall")
@_dry_run
def uninstall(dry_run: bool) -> None:
    """Remove what `kpixl addin install` did (quit Excel first)."""
    from kpixl.addin.install import current_env, plan_uninstall

    _carry_out(
        plan_uninstall(current_env()),
        dry_run,
        "done: the KPI Dashboard tab is gone when Excel starts again",
    )


def _carry_out(plan: list[Step], dry_run: bool, done: str) -> None:
    from kpixl.addin.install import apply

    for step in plan:
        click.echo(("would " if dry_run else "") + step.describe())
    if not plan:
        click.echo("nothing to do")
    elif not dry_run:
        apply(plan)
        click.echo(done)
