"""`kpixl suggest`: next year's thresholds from the history store, beside the register."""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.cli.options import EXIT_OK, register_opt, say


@click.command()
@register_opt
@click.option("--year", required=True, metavar="YYYY-YY",
              help="The financial year to suggest thresholds for, e.g. 2025-26.")  # fmt: skip
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path),
              help="The copy of the register to write, with a Suggested sheet (.xlsx).")  # fmt: skip
@click.option("--store", metavar="URL", default=None,
              help="The history store (default: the register's, else your own).")  # fmt: skip
def suggest(register: Path, year: str, output: Path, store: str | None) -> int:
    """Suggest next year's targets, floors and expected ranges from past years in the history
    store: writes a copy of the register whose Suggested sheet lists, per indicator, today's
    thresholds, the suggested ones, the years and method behind them and how well such values
    held before. The register itself is never changed.
    """
    from kpixl.cli.history import open_to_read
    from kpixl.history.suggest import first_month, past_years, suggestions, write_suggested
    from kpixl.outputs import Input, check_outputs
    from kpixl.register.load import load_register

    if output.suffix.lower() != ".xlsx":
        raise click.UsageError(
            f"-o {output}: the copy of the register is a workbook: name it .xlsx"
        )
    check_outputs([output], [Input(register, "the register")])
    reg = load_register(register)
    first = first_month(year, reg)
    opened = open_to_read(store, register)
    try:
        rows = suggestions(reg, past_years(opened, reg, first))
    finally:
        opened.close()
    label = first.fy_label(reg.settings.fy_start_month)
    write_suggested(register, output, rows, label)
    made = sum(s is not None for _, s in rows)
    missing = f" (the others have no whole year in {opened.shown})" if made < len(rows) else ""
    say(f"{made} of {len(rows)} indicators with thresholds have a suggestion for {label}{missing}")
    say(f"wrote {output}: copy what you accept from its Suggested sheet into the register")
    return EXIT_OK
