"""What the commands share: exit statuses, the common arguments, the period and the console."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import click

from kpixl.errors import UsageError
from kpixl.periods import Period
from kpixl.terminal import printable

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_ISSUES, EXIT_FAILED = 0, 1, 2

returns_arg = click.argument("returns", nargs=-1, required=True, type=click.Path(path_type=Path))
register_opt = click.option(
    "--register", "-r", required=True, type=click.Path(path_type=Path),
    help="The indicator register workbook (register.xlsx).",
)  # fmt: skip
period_opt = click.option(
    "--period", "-p", metavar="YYYY-MM", default=None,
    help="Reporting period; defaults to the latest month found in the returns.",
)  # fmt: skip


@overload
def parse_period(text: str) -> Period: ...
@overload
def parse_period(text: None) -> None: ...
def parse_period(text: str | None) -> Period | None:
    """`--period` as a Period (None when not given); one line when it is not a month."""
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise UsageError(f"--period: {exc}") from None


def console() -> Console:
    """A console for people: rich is imported only when something is printed for them.

    Text is never read as rich markup (a cell holding `[/bold]` or `[link=…]` is shown as
    typed) and loses its control characters (kpixl.terminal)."""
    from rich.console import Console

    class _PlainConsole(Console):
        def print(self, *objects: Any, **kwargs: Any) -> None:
            kwargs.setdefault("markup", False)
            super().print(*(printable(o) if isinstance(o, str) else o for o in objects), **kwargs)

    return _PlainConsole(highlight=False, markup=False, soft_wrap=not sys.stdout.isatty())


def say(message: object, *, err: bool = False) -> None:
    """`click.echo` for lines that carry text from files: control characters removed."""
    click.echo(printable(message), err=err)
