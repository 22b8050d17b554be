"""The .xlam add-in as built: its package, the ribbon's customUI XML, the VBA and its compression."""

from __future__ import annotations

import ast
import importlib
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st

import kpixl.addin
from kpixl.addin import install
from kpixl.addin.build import RIBBON_PART, SOURCES, VBA_PART, build_xlam, vba_sources
from kpixl.cli.main import main
from tests.addin_helpers import xlam

__all__ = ["xlam"]  # the fixture, shared with tests/test_addin_install.py

UI = "{http://schemas.microsoft.com/office/2006/01/customui}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
HANDLER = re.compile(r"Public Sub (\w+)\(control As IRibbonControl\)\n(.*?)\nEnd Sub", re.S)


# --- the package --------------------------------------------------------------------------


def _xml(zf: zipfile.ZipFile, part: str) -> Any:
    return ElementTree.fromstring(zf.read(part))


def test_build_is_deterministic(xlam: Path, tmp_path: Path) -> None:
    again = build_xlam(tmp_path)
    assert again.read_bytes() == xlam.read_bytes()
    with zipfile.ZipFile(again) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.namelist()[0] == "[Content_Types].xml"


def test_package_is_a_macro_enabled_addin_with_a_ribbon(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as zf:
        assert zf.testzip() is None
        types = _xml(zf, "[Content_Types].xml")
        defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT}Default")}
        overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
        assert (
            overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        )
        assert defaults["bin"] == "application/vnd.ms-office.vbaProject"
        for name in zf.namelist():  # every part has a content type
            assert "/" + name in overrides or name.rsplit(".", 1)[-1] in defaults, name
        for part in overrides:
            assert part.lstrip("/") in zf.namelist()
        root = {r.get("Type").rsplit("/", 1)[-1]: r.get("Target") for r in _xml(zf, "_rels/.rels")}
        assert root["extensibility"] == RIBBON_PART
        assert root["officeDocument"] == "xl/workbook.xml"
        book = {r.get("Type").rsplit("/", 1)[-1]: r.get("Target")
                for r in _xml(zf, "xl/_rels/workbook.xml.rels")}  # fmt: skip
        assert "xl/" + book["vbaProject"] == VBA_PART
        assert all("xl/" + target in zf.namelist() for target in book.values())
        assert zf.read(RIBBON_PART) == (SOURCES / "customUI.xml").read_bytes()


def test_ribbon_tab_buttons_and_unique_ids() -> None:
    ribbon = ElementTree.fromstring((SOURCES / "customUI.xml").read_bytes())
    assert ribbon.tag == f"{UI}customUI"
    (tab,) = ribbon.iter(f"{UI}tab")
    assert tab.get("label") == "KPI Dashboard"
    buttons = list(tab.iter(f"{UI}button"))
    assert [b.get("label") for b in buttons] == [
        "Validate return", "Build dashboard", "Email dashboard", "Settings",
    ]  # fmt: skip
    ids = [e.get("id") for e in ribbon.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    # no pictures of our own: built-in Office icons only, so no image parts to relate
    assert all(b.get("imageMso") and b.get("image") is None for b in buttons)


def _bas_code(path: Path) -> str:
    return path.read_text(encoding="ascii").strip()


def test_olevba_extracts_every_module_as_written(xlam: Path) -> None:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(xlam))
    try:
        modules = {
            name.rsplit(".", 1)[0]: code.replace("\r\n", "\n").strip()
            for _, _, name, code in parser.extract_macros()
        }
    finally:
        parser.close()
    assert set(modules) == {"ThisWorkbook", "Sheet1", *(p.stem for p in vba_sources())}
    for source in vba_sources():
        assert modules[source.stem] == _bas_code(source)


def _handlers() -> dict[str, str]:
    text = "\n".join(p.read_text(encoding="ascii") for p in vba_sources())
    return dict(HANDLER.findall(text))


def test_every_button_has_a_handler_running_its_own_python_entry_point() -> None:
    ribbon = ElementTree.fromstring((SOURCES / "customUI.xml").read_bytes())
    actions = [b.get("onAction") for b in ribbon.iter(f"{UI}button")]
    handlers = _handlers()
    assert sorted(actions) == sorted(handlers)
    called = []
    for body in handlers.values():
        (command,) = re.findall(r'RunKpixl "([^"]+)"', body)
        statements = ast.parse(command).body
        imported = statements[0].names[0].name  # type: ignore[attr-defined]
        call = statements[1].value  # type: ignore[attr-defined]
        module, function = ast.unparse(call.func).rsplit(".", 1)
        assert module == imported and not call.args
        assert callable(getattr(importlib.import_module(module), function))
        called.append(function)
    assert sorted(called) == sorted(kpixl.addin.__all__)


def test_python_is_run_through_the_installed_xlwings_addin() -> None:
    text = "\n".join(p.read_text(encoding="ascii") for p in vba_sources())
    assert f'XLWINGS_ADDIN As String = "{install.XLWINGS_ADDIN}"' in text
    call = re.search(
        r"Application\.Run \"'\" & XLWINGS_ADDIN & \"'!(\w+)\", (.*?)\n(?! )", text, re.S
    )
    assert call is not None
    assert call[1] == "ExecuteWindows"
    args = [a.strip(" _\n") for a in call[2].split(",")]
    assert args == ["False", "command", "interpreter", "NO_WORKBOOK_PATH"]


# --- the command line ---------------------------------------------------------------------


def test_cli_build_writes_the_addin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["addin", "build", "-o", str(tmp_path / "dist")]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'dist' / 'kpixl.xlam'}\n"
    with zipfile.ZipFile(tmp_path / "dist" / "kpixl.xlam") as zf:
        assert VBA_PART in zf.namelist()


# --- the VBA stream compression -----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.binary(max_size=9000)
    | st.text(alphabet="Sub End ()\r\n'\"xy", max_size=9000).map(str.encode)
)
def test_compression_round_trips_through_oletools(data: bytes) -> None:
    from oletools.olevba import decompress_stream

    from kpixl.addin.ovba_compression import compress

    assert decompress_stream(bytearray(compress(data))) == data


def test_compression_shrinks_vba_text() -> None:
    from kpixl.addin.ovba_compression import compress

    text = (SOURCES / "KpixlRibbon.bas").read_bytes().replace(b"\n", b"\r\n")
    assert len(compress(text)) < len(text) * 0.8
