"""The house: packages follow the flow, imports point down it, and none go round in a circle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import kpixl

PACKAGE = Path(kpixl.__file__).parent

# Each room's place in the flow: a module may import from a lower room, or from its own.
GROUND = {
    "periods",
    "issues",
    "errors",
    "values",
    "cells",
    "atomic",
    "forked",
    "terminal",
    "outputs",
}
RANK = {
    "ground": 0,
    "read": 1,
    "register": 2,
    "check": 3,
    "results": 4,
    "rate": 5,
    "pipeline": 6,
    "explain": 6,  # reads what the pipeline made (Results, Figures) and the register
    "dashboard": 7,
    "api": 8,
    "templates": 8,
    "batch": 8,
    "mail": 8,
    "history": 8,  # records what the pipeline rated; only the command line calls it
    "addin": 9,
    "cli": 10,  # `kpixl addin build|install` calls the add-in's builder and installer
    "__init__": 11,
    "__main__": 11,
}


def _room(module: str) -> str:
    """`kpixl.check.validate` -> `check`; `kpixl.periods` -> `ground`."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return "ground" if parts[1] in GROUND else parts[1]


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The kpixl modules `path` imports (at the top level only: what runs on import)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("kpixl"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kpixl"):
            known = _modules()
            for alias in node.names:
                if alias.name == "__version__":  # a fact, not code: any module may say it
                    continue
                full = f"{node.module}.{alias.name}"
                names.add(full if full in known else node.module)
    return names


def test_every_package_says_what_comes_in_and_goes_out() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init.parent.name}/__init__.py has no docstring"
        assert " in" in doc.splitlines()[0] and " out" in doc.splitlines()[0], doc


def test_imports_point_down_the_flow() -> None:
    wrong = []
    for name, path in _modules().items():
        room = _room(name)
        if room == "__init__" or name.startswith("kpixl.__main__"):
            continue
        for target in _imports(path, top_level_only=False):
            other = _room(target)
            if other != room and RANK[other] >= RANK[room]:
                wrong.append(f"{name} ({room}) imports {target} ({other})")
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = {n: _imports(p, top_level_only=True) for n, p in _modules().items()}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            pytest.fail("import cycle: " + " -> ".join([*path[path.index(node) :], node]))
        if node in done or node not in graph:
            return
        for target in sorted(graph[node]):
            visit(target, [*path, node])
        done.add(node)

    for name in sorted(graph):
        visit(name, [])


def test_no_flat_family_of_modules_is_left() -> None:
    """A prefix shared by top-level modules (mail_*, batch_*) is a package asking to exist."""
    flat = [p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")]
    prefixes = [s.split("_")[0] for s in flat if "_" in s]
    assert [p for p in prefixes if p in flat or prefixes.count(p) > 1] == []


def test_the_public_api_is_small_documented_and_importable() -> None:
    for name in kpixl.__all__:
        value = getattr(kpixl, name)
        if callable(value) and name != "__version__":
            assert value.__doc__, f"kpixl.{name} has no docstring"
    assert {"run", "write_dashboard", "send_dashboard", "Results", "Report"} <= set(kpixl.__all__)
    with pytest.raises(AttributeError):
        _ = kpixl.pipeline_internal_name  # type: ignore[attr-defined]


def test_help_shows_the_api_without_writing_workbooks_on_import() -> None:
    code = (
        "import sys, kpixl; heavy = {'openpyxl', 'pandas'} & set(sys.modules); "
        "assert not heavy, heavy; help(kpixl)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "run(returns" in out.stdout
    assert "write_dashboard(results" in out.stdout
    assert "only this is stable" in out.stdout or "__all__" in out.stdout


def test_nothing_in_the_project_sends_readers_outside_it() -> None:
    root = PACKAGE.parent
    files = [root / "README.md", *root.glob("docs/*.md"), *PACKAGE.rglob("*.py")]
    outside = [str(f.relative_to(root)) for f in files if "../shared" in f.read_text("utf-8")]
    assert outside == []
