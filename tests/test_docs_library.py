"""docs/library.md's worked example runs as written, block after block, on the samples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "library.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


def test_the_library_page_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "samples").symlink_to(ROOT / "samples", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    blocks = _blocks()
    assert len(blocks) >= 6
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)
    out = capsys.readouterr().out
    assert "2025-03 2024/25" in out
    assert "valid: True" in out
    assert "FN06" in out  # FN06, RED in March 2025 (34% against a 65% floor)
    assert (tmp_path / "out" / "CED-DCED_2025-03.xlsx").stat().st_size > 10_000
    assert (tmp_path / "out" / "results.csv").read_text("utf-8-sig").startswith("ref,description")
    eml = (tmp_path / "out" / "CED-DCED_2025-03.eml").read_bytes()
    assert b"CED-DCED_2025-03.xlsx" in eml
    assert "--period: " in out or "period: not a month" in out or "period:" in out


def test_every_public_name_is_on_the_library_page() -> None:
    import kpixl

    page = PAGE.read_text(encoding="utf-8")
    missing = [n for n in kpixl.__all__ if n != "__version__" and n not in page]
    assert missing == []
