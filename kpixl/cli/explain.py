"""`kpixl explain REF RETURNS...`: how one indicator's figures and ratings were made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kpixl.cli.options import EXIT_OK, parse_period, period_opt, register_opt, returns_arg, say
from kpixl.cli.returns import nothing_to_rate
from kpixl.errors import UsageError

if TYPE_CHECKING:
    from kpixl.check.figures import Figures
    from kpixl.results import Results


@click.command()
@click.argument("ref")
@returns_arg
@register_opt
@period_opt
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.option("--store", metavar="URL", default=None,
              help="The history store to read earlier years from (default: the register's, "
                   "else your own, when there is one); it is only read.")  # fmt: skip
@click.option("--no-store", is_flag=True, help="Read no history store.")
def explain(
    ref: str, returns: tuple[Path, ...], register: Path, period: str | None, as_json: bool,
    store: str | None, no_store: bool,
) -> int:  # fmt: skip
    """Explain how REF's figures and ratings were made from RETURNS (files or folders): each
    value with its cell, the YTD arithmetic, the target, floor and polarity behind each colour,
    the alert range, the previous year, the direction and any issue on it.

    Exit status: 0 explained, 1 no return gives a figure of the register, 2 an unknown REF or
    an unusable register or argument.
    """
    from kpixl.explain import explain as explain_ref  # the pipeline: when the command runs
    from kpixl.pipeline import NothingToRate, run_with_figures

    try:
        results, figures = run_with_figures(returns, register, parse_period(period))
    except NothingToRate as exc:
        return nothing_to_rate(exc, as_json, done="nothing to explain")
    if not no_store:
        _earlier_years(store, register, results, figures)
    explanation = explain_ref(results, figures, ref)
    if as_json:
        click.echo(json.dumps(explanation.as_json(), indent=2, ensure_ascii=False))
    else:
        for line in explanation.lines():
            say(line)
    return EXIT_OK


def _earlier_years(option: str | None, register: Path, results: Results, figures: Figures) -> None:
    """Earlier years' figures from the history store, as `build` used them (the previous year,
    the forecast's seasons). No store yet is no matter; a --store that cannot be read is."""
    from kpixl.cli.history import open_to_read
    from kpixl.history.previous import fill_last_year

    try:
        opened = open_to_read(option, register)
    except UsageError:
        if option is not None:
            raise
        return
    try:
        fill_last_year(opened, results.register, figures, results.period)
    finally:
        opened.close()
