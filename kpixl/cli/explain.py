"""`kpixl explain REF RETURNS...`: how one indicator's figures and ratings were made."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kpixl.cli.options import EXIT_OK, parse_period, period_opt, register_opt, returns_arg, say
from kpixl.cli.returns import nothing_to_rate
from kpixl.explain import explain as explain_ref
from kpixl.pipeline import NothingToRate, run_with_figures


@click.command()
@click.argument("ref")
@returns_arg
@register_opt
@period_opt
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain(
    ref: str, returns: tuple[Path, ...], register: Path, period: str | None, as_json: bool
) -> int:
    """Explain how REF's figures and ratings were made from RETURNS (files or folders): each
    value with its cell, the YTD arithmetic, the target, floor and polarity behind each colour,
    the alert range, the previous year, the direction and any issue on it.

    Exit status: 0 explained, 1 no return gives a figure of the register, 2 an unknown REF or
    an unusable register or argument.
    """
    try:
        results, figures = run_with_figures(returns, register, parse_period(period))
    except NothingToRate as exc:
        return nothing_to_rate(exc, as_json, done="nothing to explain")
    explanation = explain_ref(results, figures, ref)
    if as_json:
        click.echo(json.dumps(explanation.as_json(), indent=2, ensure_ascii=False))
    else:
        for line in explanation.lines():
            say(line)
    return EXIT_OK
