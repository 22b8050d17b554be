"""docs/make_pictures.py: the docs' three pictures drawn from the samples' PDF (LibreOffice, slow)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "docs" / "make_pictures.py"
PICTURES = ["service_area.png", "summary.png", "trends.png"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="needs LibreOffice's soffice and poppler's pdftoppm",
)
def test_make_pictures_writes_three_pngs(tmp_path: Path) -> None:
    out = tmp_path / "pictures"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(path.name for path in out.iterdir()) == PICTURES
    for name in PICTURES:
        data = (out / name).read_bytes()
        assert data[:8] == PNG_SIGNATURE, name
        assert data[12:16] == b"IHDR", name
        width, height = struct.unpack(">II", data[16:24])
        assert 400 < width <= 3000 and 300 < height < width, (name, width, height)  # A4 landscape
        assert 20_000 < len(data) < 400_000, (name, len(data))  # not a blank page; small for docs
        assert name in result.stdout
