"""Build kpixl.xlam from the text sources in kpixl/addin/src, byte for byte the same every time."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from kpixl.addin.vba import vba_project
from kpixl.atomic import write_atomically
from kpixl.errors import OutputError
from kpixl.outputs import Input, check_outputs

SOURCES = Path(__file__).parent / "src"
ADDIN_NAME = "kpixl.xlam"
RIBBON_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build time in the file


def vba_sources() -> list[Path]:
    """The standard modules, as `.bas` text, in name order."""
    return sorted(SOURCES.glob("*.bas"))


def xlam_parts() -> dict[str, bytes]:
    """Every part of the add-in package by its name in the zip, in a fixed order."""
    package = SOURCES / "package"
    parts = {
        p.relative_to(package).as_posix(): p.read_bytes()
        for p in sorted(package.rglob("*"))
        if p.is_file()
    }
    parts[RIBBON_PART] = (SOURCES / "customUI.xml").read_bytes()
    parts[VBA_PART] = vba_project(vba_sources())
    first = "[Content_Types].xml"  # Office expects it first in the zip
    return {first: parts.pop(first), **dict(sorted(parts.items()))}


def xlam_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in xlam_parts().items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # the same on every system
            info.external_attr = 0
            zf.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def build_xlam(folder: Path) -> Path:
    """Write kpixl.xlam into `folder` (created if missing) and return its path."""
    target = folder / ADDIN_NAME
    sources = Input(SOURCES, "the add-in's sources", "the next build would pack it in")
    check_outputs([target], [sources])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: {exc.strerror}") from None
    write_atomically(xlam_bytes(), target)
    return target
