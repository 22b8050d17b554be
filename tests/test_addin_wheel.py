"""The add-in as a user gets it: from the sdist and wheel built as a release is (not the editable
checkout), installed into a fresh virtual environment, `kpixl addin build` there; and the ribbon
XML against Microsoft's published customUI schema (MS-CUSTOMUI)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from kpixl.addin.build import RIBBON_PART, SOURCES, VBA_PART

ROOT = Path(__file__).resolve().parents[1]
XSD = Path(__file__).parent / "data" / "customUI.xsd"  # a copy of Microsoft's customUI.xsd


def _run(args: list[str | Path], cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist made from a copy of the checkout, then the wheel made from that sdist, as
    `python -m build` does for a release (without isolation: no index needed)."""
    tmp = tmp_path_factory.mktemp("wheel")
    tree = tmp / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(
        ROOT / "kpixl", tree / "kpixl", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    dist = tmp / "dist"
    sdist = _run(
        [sys.executable, "-c",
         f"from setuptools import build_meta as b; print(b.build_sdist({str(dist)!r}))"],
        tree,
    ).strip().splitlines()[-1]  # fmt: skip
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", dist, dist / sdist],
        tmp,
    )  # fmt: skip
    (found,) = dist.glob("kpixl-*.whl")
    return found


def _sources() -> set[str]:
    return {
        "kpixl/addin/src/" + p.relative_to(SOURCES).as_posix()
        for p in SOURCES.rglob("*")
        if p.is_file()
    }


def test_the_wheel_holds_every_addin_source_dot_files_included(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        held = {n for n in zf.namelist() if n.startswith("kpixl/addin/src/")}
        assert "kpixl/addin/src/package/_rels/.rels" in held
        assert held == _sources()
        for name in held:
            local = SOURCES / name.removeprefix("kpixl/addin/src/")
            assert zf.read(name) == local.read_bytes(), name


def _fresh_venv(where: Path, wheel: Path) -> Path:
    """A new environment with the wheel installed as a user installs it (no editable finder);
    kpixl's dependencies are borrowed from this one through a .pth line, which adds the folder
    without running the editable-install hooks kept there."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
         "--no-index", "-q", wheel],
        where,
    )  # fmt: skip
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], where)
    Path(purelib.strip(), "borrowed-deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    return python


def test_addin_build_from_the_installed_wheel_writes_a_whole_xlam(
    wheel: Path, tmp_path: Path
) -> None:
    python = _fresh_venv(tmp_path / "venv", wheel)
    work = tmp_path / "work"  # not the checkout: nothing of it is on the path
    work.mkdir()
    where = _run([python, "-c", "import kpixl; print(kpixl.__file__)"], work).strip()
    assert Path(where).is_relative_to(tmp_path / "venv")
    out = _run([python, "-m", "kpixl", "addin", "build", "-o", work / "dist"], work)
    xlam = work / "dist" / "kpixl.xlam"
    assert out == f"wrote {xlam}\n"
    package = SOURCES / "package"
    expected = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
    with zipfile.ZipFile(xlam) as zf:
        assert set(zf.namelist()) == expected | {RIBBON_PART, VBA_PART}
        assert zf.read("_rels/.rels") == (package / "_rels" / ".rels").read_bytes()
        assert b'Target="customUI/customUI.xml"' in zf.read("_rels/.rels")
        assert zf.read(RIBBON_PART) == (SOURCES / "customUI.xml").read_bytes()
    # byte for byte what the checkout builds
    from kpixl.addin.build import build_xlam

    assert xlam.read_bytes() == build_xlam(tmp_path / "here").read_bytes()


def test_the_ribbon_is_valid_against_microsofts_customui_schema() -> None:
    import xmlschema

    schema = xmlschema.XMLSchema(str(XSD))
    assert schema.target_namespace == "http://schemas.microsoft.com/office/2006/01/customui"
    schema.validate(str(SOURCES / "customUI.xml"))


def test_the_schema_check_would_catch_a_broken_ribbon() -> None:
    import xmlschema

    schema = xmlschema.XMLSchema(str(XSD))
    text = (SOURCES / "customUI.xml").read_text(encoding="utf-8")
    for broken in (
        text.replace('size="large"', 'size="huge"', 1),  # not an ST_Size
        text.replace("onAction=", "onClick=", 1),  # not an attribute of a button
        text.replace('id="kpixlSettings"', 'id="kpixl Settings"'),  # not an ST_ID
    ):
        assert broken != text
        assert not schema.is_valid(broken)
