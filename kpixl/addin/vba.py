"""vbaProject.bin from the `.bas` sources, written by the pure-Python MS-OVBA writer `ms-ovba`."""

from __future__ import annotations

import contextlib
import importlib
import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kpixl.addin.ovba_compression import compress
from kpixl.errors import UsageError

# A fixed project id, so the same sources give the same bytes.
PROJECT_ID = "{5B1D2A7E-3C4F-4E0B-9A61-6B7E2D0C4A19}"
# Excel's document modules: the workbook and its one (hidden) sheet, named as in xl/workbook.xml.
_DOC_MODULES = {
    "ThisWorkbook": "0002081900000000C000000000000046",
    "Sheet1": "0002082000000000C000000000000046",
}
_REFERENCES = (
    ("stdole", "0002043000000000C000000000000046", r"C:\Windows\System32\stdole2.tlb",
     "OLE Automation"),
    # IRibbonControl, the handlers' argument type, lives in the Office library.
    ("Office", "2DF8D04C5BFA101BBDE500AA0044DE52",
     r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL",
     "Microsoft Office 16.0 Object Library"),
)  # fmt: skip


def vba_project(modules: list[Path]) -> bytes:
    """The vbaProject.bin holding the document modules and the given standard modules.

    ms-ovba writes its work files into the current folder and beside its inputs, and draws
    random bytes for the project's protection fields: so it runs in a scratch folder, on copies,
    with the random generator seeded (and restored afterwards).
    """
    ovba = _ms_ovba()
    with tempfile.TemporaryDirectory(prefix="kpixl-vba-") as tmp, _sandbox(Path(tmp), ovba):
        project = ovba.VbaProject()
        project.project_id = PROJECT_ID
        blank = Path(ovba.package_dir) / "blank_files"
        for name, guid in _DOC_MODULES.items():
            module = ovba.DocModule(name)
            module.add_file(str(_copy(blank / f"{name}.cls", Path(tmp))))
            module.add_guid(uuid.UUID(guid))
            module.normalize_file()
            project.add_module(module)
        for source in modules:
            module = ovba.StdModule(source.stem)
            module.add_file(str(_copy(source, Path(tmp))))
            module.normalize_file()
            project.add_module(module)
        for name, guid, path, description in _REFERENCES:
            libid = ovba.LibidReference(uuid.UUID(guid), "2.0", "0", path, description)
            project.add_reference(ovba.Reference(ovba.ReferenceRegistered(libid), name))
        ovba.ProjectOleFile.write_file(project)
        return (Path(tmp) / "vbaProject.bin").read_bytes()


def _copy(source: Path, folder: Path) -> Path:
    target = folder / source.name
    shutil.copyfile(source, target)
    return target


@contextlib.contextmanager
def _sandbox(folder: Path, ovba: _MsOvba) -> Iterator[None]:
    state = random.getstate()
    random.seed(0)
    broken = ovba.MsOvba.compress
    setattr(ovba.MsOvba, "compress", lambda self, data: compress(bytes(data)))  # noqa: B010
    try:
        with contextlib.chdir(folder):
            yield
    finally:
        setattr(ovba.MsOvba, "compress", broken)  # noqa: B010
        random.setstate(state)


class _MsOvba:
    """The few names of ms-ovba the build uses, imported only when building (no type hints)."""

    def __init__(self) -> None:
        def load(module: str, name: str) -> Any:
            return getattr(importlib.import_module(module), name)

        entities = "ms_ovba.Models.Entities."
        self.package_dir = Path(importlib.import_module("ms_ovba").__file__ or "").parent
        self.MsOvba = load("ms_ovba_compression.ms_ovba", "MsOvba")
        self.DocModule = load(entities + "doc_module", "DocModule")
        self.StdModule = load(entities + "std_module", "StdModule")
        self.Reference = load(entities + "reference", "Reference")
        self.ReferenceRegistered = load(entities + "reference_registered", "ReferenceRegistered")
        self.LibidReference = load("ms_ovba.Models.Fields.libid_reference", "LibidReference")
        self.VbaProject = load("ms_ovba.vbaProject", "VbaProject")
        self.ProjectOleFile = load("ms_ovba.Views.project_ole_file", "ProjectOleFile")


def _ms_ovba() -> _MsOvba:
    try:
        return _MsOvba()
    except ImportError:
        raise UsageError(
            "building the add-in needs the ms-ovba package: pip install 'kpixl[addin]'"
        ) from None
