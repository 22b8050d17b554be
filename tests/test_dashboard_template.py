"""The dashboard template: kpixl's cell styles in a workbook that a user restyles in Excel."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from kpixl.cli.main import main
from kpixl.dashboard import load_template, styles, write_template
from kpixl.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples/returns"
REGISTER = ROOT / "samples/register.xlsx"
PURPLE, BRIGHT_GREEN, ORANGE = "7030A0", "00B050", "ED7D31"


def test_bundled_template_is_what_write_template_makes(tmp_path: Path) -> None:
    # Compared as content (its styles), not bytes: the bytes depend on the XML writer in use.
    # tests/test_templates.py compares the cells of every bundled template the same way.
    made = write_template(tmp_path / "dashboard.xlsx")
    bundled = ROOT / "workbook_templates/dashboard.xlsx"
    named = [sorted(openpyxl.load_workbook(p).named_styles) for p in (made, bundled)]
    assert named[0] == named[1]
    assert load_template(made) == load_template(bundled), (
        "workbook_templates/dashboard.xlsx is out of date: run `kpixl template refresh`"
    )


def test_template_holds_every_style(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    names = set(book.named_styles)
    assert {styles.style_name(look) for look in styles.Look} <= names
    assert {"kpixl word GREEN", "kpixl word AMBER", "kpixl word RED", "kpixl line target"} <= names
    samples = {row[0].value: row[1] for row in book["Styles"].iter_rows(min_row=11) if row[0].value}
    assert samples["kpixl word GREEN"].fill.fgColor.rgb[-6:] == styles.GREEN_FILL
    assert "Logo" in book.defined_names


def _restyled(tmp_path: Path) -> Path:
    path = write_template(tmp_path / "dashboard.xlsx")
    book = openpyxl.load_workbook(path)
    found = {s.name: s for s in book._named_styles}
    found["kpixl header"].fill = PatternFill("solid", start_color=PURPLE, end_color=PURPLE)
    found["kpixl word GREEN"].fill = PatternFill(
        "solid", start_color=BRIGHT_GREEN, end_color=BRIGHT_GREEN
    )
    found["kpixl line value"].font = openpyxl.styles.Font(color=ORANGE)
    mine = tmp_path / "ours.xlsx"
    book.save(mine)
    return mine


def test_build_with_a_restyled_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.xlsx"
    code = main(["build", str(SAMPLES), "--register", str(REGISTER), "-o", str(out),
                 "--template", str(_restyled(tmp_path))])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    book = openpyxl.load_workbook(out)
    finance = book["Finance"]
    header = next(c for c in finance["A"] if c.value == "Ref")
    assert header.fill.fgColor.rgb[-6:] == PURPLE
    rules = [r for cf in finance.conditional_formatting for r in cf.rules]
    green = next(r for r in rules if r.formula == ['"GREEN"'])
    assert green.dxf.fill.fgColor.rgb[-6:] == BRIGHT_GREEN
    chart = book["Trends"]._charts[0]
    assert chart.series[0].spPr.ln.solidFill.srgbClr == ORANGE
    # What was not restyled keeps its default.
    amber = next(r for r in rules if r.formula == ['"AMBER"'])
    assert amber.dxf.fill.fgColor.rgb[-6:] == styles.AMBER_FILL


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"not a workbook", "cannot read it as an Excel workbook"),
        ("plain", "it holds none of kpixl's cell styles"),
    ],
)
def test_unusable_template_is_one_clear_line(
    tmp_path: Path, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / "t.xlsx"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "plain":
        openpyxl.Workbook().save(path)
    with pytest.raises(UsageError, match=f"--template {path}: {message}"):
        load_template(path)
