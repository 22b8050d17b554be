"""The reference pages keep up with the code: every issue code, register column and setting key
is in docs/formats.md, and every plausibility check is explained in docs/rules.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpixl.issues import IssueCode

DOCS = Path(__file__).resolve().parent.parent / "docs"
FORMATS = DOCS / "formats.md"
RULES = DOCS / "rules.md"
PLAUSIBILITY = (IssueCode.DRAG_FILL, IssueCode.FLAT_RUN, IssueCode.OUTLIER, IssueCode.NEAR_ZERO)


def quoted(page: Path) -> set[str]:
    """Everything the page writes in backticks, e.g. `ytd-mismatch` or `service_area`."""
    return set(re.findall(r"`([^`\n]+)`", page.read_text(encoding="utf-8")))


def test_every_issue_code_is_in_formats() -> None:
    missing = [code.value for code in IssueCode if code.value not in quoted(FORMATS)]
    assert not missing, f"docs/formats.md does not list these issue codes: {missing}"


def test_every_register_column_and_setting_is_in_formats() -> None:
    # the loader's own lists of what it reads (lower-case names)
    from kpixl.register.load import AREA_COLUMNS, INDICATOR_COLUMNS
    from kpixl.register.settings import SETTING_KEYS

    found = quoted(FORMATS)
    for what, names in (
        ("Indicators column", INDICATOR_COLUMNS),
        ("Service areas column", AREA_COLUMNS),
        ("setting", SETTING_KEYS),
    ):
        assert names, f"no {what}s to check"
        missing = [name for name in names if name not in found]
        assert not missing, f"docs/formats.md does not describe these {what}s: {missing}"


def test_rules_explain_every_plausibility_check() -> None:
    assert RULES.is_file(), "docs/rules.md is missing"
    found = quoted(RULES)
    missing = [code.value for code in PLAUSIBILITY if code.value not in found]
    assert not missing, f"docs/rules.md does not explain these checks: {missing}"


@pytest.mark.parametrize("page", [FORMATS, RULES], ids=lambda p: p.name)
def test_pages_stand_alone(page: Path) -> None:
    """Users get the repository, not the project's working notes: links stay inside docs/."""
    text = page.read_text(encoding="utf-8")
    assert "SPEC.md" not in text and "../shared" not in text
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_every_data_column_is_documented() -> None:
    from kpixl.results import DATA_COLUMNS

    page = (Path(__file__).resolve().parent.parent / "docs" / "formats.md").read_text("utf-8")
    assert [c for c in DATA_COLUMNS if f"`{c}`" not in page] == []
