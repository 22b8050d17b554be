"""Outputs never over inputs: every command that writes refuses, with one line and exit 2 and
nothing written, an output that is one of its inputs (by path after symlinks and `..`, in any
case, or by file identity: hard links) or another of its outputs; templates replace a
workbook only with --force. The property test at the end tries every way of naming a file."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpixl.addin.build import SOURCES
from kpixl.cli.main import main
from kpixl.dashboard.output import check_output_name
from kpixl.errors import UsageError
from kpixl.outputs import Input, check_outputs, is_within, returns_inputs
from tests.conftest import write_book, write_register

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="symlinks and hard links: POSIX")
HEAD = ["Ref", "Indicator description", "Jan-25", "Feb-25", "Mar-25"]
ROWS = [
    HEAD,
    ["AA01", "Calls answered", 0.95, 0.85, 0.70],
    ["AA02", "Rent outstanding", 0.04, 0.06, 0.07],
    ["BB01", "Audits on time", 0.96, 0.97, 0.98],
]


@dataclass
class World:
    """A register and a folder of returns as a user keeps them, and an empty output folder."""

    root: Path
    register: Path
    returns: Path
    first: Path  # returns/alpha.xlsx
    deep: Path  # returns/sub/beta.xlsx
    out: Path


def make_world(root: Path) -> World:
    register = write_register(root / "in" / "register.xlsx")
    returns = root / "in" / "returns"
    first = write_book(returns / "alpha.xlsx", {"KPIs": ROWS[:3]})
    deep = write_book(returns / "sub" / "beta.xlsx", {"KPIs": [HEAD, ROWS[3]]})
    (root / "out").mkdir()
    return World(root, register, returns, first, deep, root / "out")


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under `root`: a file by its bytes' hash, a link by where it points (batch's
    lock file, which only says a batch once ran there, aside)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in [n for n in dirs + files if not n.endswith(".lock")]:
            path = Path(folder, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[key] = "folder" if path.is_dir() else "other"
    return found


def kpixl(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


# --- check_outputs: every way of naming an input ---------------------------------------------


def _link(path: Path, to: Path) -> Path:
    path.symlink_to(to)
    return path


def _hard(path: Path, to: Path) -> Path:
    os.link(to, path)
    return path


ALIASES: dict[str, tuple[Callable[[World], Path], str]] = {
    "the same path": (lambda w: w.register, "{out} is the register: choose another output"),
    "a path through ..": (
        lambda w: w.returns / ".." / "register.xlsx",
        "{out} is {w.register}, the register: choose another output",
    ),
    "another case": (
        lambda w: w.register.with_name("REGISTER.XLSX"),
        "{out} is {w.register}, the register: choose another output",
    ),
    "a symlink to it": (
        lambda w: _link(w.out / "link.xlsx", w.register),
        "{out} is {w.register}, the register: choose another output",
    ),
    "a path through a symlinked folder": (
        lambda w: _link(w.out / "in", w.register.parent) / "register.xlsx",
        "{out} is {w.register}, the register: choose another output",
    ),
    "a hard link to it": (
        lambda w: _hard(w.out / "copy.xlsx", w.register),
        "{out} is the same file as {w.register}, the register (a link to it): "
        "choose another output",
    ),
    "a hard link to a return deep in the folder": (
        lambda w: _hard(w.out / "beta.xlsx", w.deep),
        "{out} is the same file as {w.deep}, in the folder of returns {w.returns} (a link to "
        "it): choose another output",
    ),
    "a new file inside the folder of returns": (
        lambda w: w.returns / "sub" / "dashboard.xlsx",
        "{out} is inside the folder of returns {w.returns}: write outputs elsewhere, or the "
        "next run would read them as returns",
    ),
    "a new file inside it through a symlink": (
        lambda w: _link(w.out / "r", w.returns) / "dashboard.xlsx",
        "{out} is inside the folder of returns {w.returns}: write outputs elsewhere, or the "
        "next run would read them as returns",
    ),
}


@POSIX
@pytest.mark.parametrize("how", list(ALIASES))
def test_an_output_naming_an_input_is_refused(world: World, how: str) -> None:
    name, message = ALIASES[how]
    out = name(world)
    inputs = [*returns_inputs([world.returns]), Input(world.register, "the register")]
    before = snapshot(world.root)
    with pytest.raises(UsageError) as caught:
        check_outputs([world.out / "fine.csv", out], inputs)
    assert str(caught.value) == message.format(out=out, w=world)
    assert snapshot(world.root) == before


def test_a_name_in_another_unicode_form_is_the_same_file(tmp_path: Path) -> None:
    """macOS keeps `é` as e + combining accent; a user types it as one character."""
    typed = tmp_path / unicodedata.normalize("NFC", "Réponse.xlsx")
    typed.write_bytes(b"a return")
    stored = tmp_path / unicodedata.normalize("NFD", "Réponse.xlsx")
    with pytest.raises(UsageError, match="one of the returns being read"):
        check_outputs([stored], returns_inputs([typed]))


@POSIX
def test_two_outputs_that_are_one_file_are_refused(world: World) -> None:
    a = world.out / "dash.xlsx"
    same = {
        "..": world.out / "x" / ".." / "dash.xlsx",
        "case": world.out / "DASH.xlsx",
        "symlink": _link(world.out / "link.xlsx", a),
    }
    for other in same.values():
        with pytest.raises(UsageError) as caught:
            check_outputs([a, other], [])
        assert str(caught.value) == (
            f"{a} and {other} would be written to the same file: give each output its own name"
        )
    a.write_bytes(b"old")
    with pytest.raises(UsageError, match="would be written to the same file"):
        check_outputs([a, _hard(world.out / "hard.xlsx", a)], [])


def test_outputs_beside_the_inputs_are_fine(world: World) -> None:
    inputs = [*returns_inputs([world.returns, world.first]), Input(world.register, "the register")]
    beside = [world.out / "d.xlsx", world.root / "in" / "returns2" / "d.xlsx", world.root / "r.csv"]
    check_outputs(beside, inputs)  # `returns2` is not inside `returns`


def test_without_replace_an_existing_file_or_link_is_refused(world: World) -> None:
    (world.out / "t.xlsx").write_bytes(b"filled in by a service")
    with pytest.raises(UsageError) as caught:
        check_outputs([world.out / "t.xlsx"], [], replace=False)
    assert str(caught.value) == f"{world.out / 't.xlsx'} already exists: give --force to replace it"
    if sys.platform != "win32":
        with pytest.raises(UsageError, match="already exists"):
            check_outputs(
                [_link(world.out / "dangling.xlsx", world.out / "nowhere")], [], replace=False
            )
    check_outputs([world.out / "new.xlsx"], [], replace=False)


def test_a_dash_is_not_taken_for_a_file_called_dash(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-` usually means standard output; kpixl does not write there, and says so instead of
    making a file or a folder called `-`."""
    for out in ("-", "-/D1_2025-03.xlsx"):
        with pytest.raises(UsageError, match="'-' means standard output"):
            check_outputs([Path(out)], [])
    monkeypatch.chdir(world.out)
    for args in (["--results", "-"], ["-o", "-"]):
        code, _, err = kpixl("build", world.returns, "-r", world.register, *args)
        assert code == 2 and err.count("\n") == 1 and "'-' means standard output" in err
    assert os.listdir(world.out) == []


def test_is_within_sees_through_links_and_case(world: World) -> None:
    assert is_within(world.deep, world.returns) and is_within(world.returns, world.returns)
    assert is_within(str(world.returns).upper() + "/x", world.returns)
    assert not is_within(world.register, world.returns)
    if sys.platform != "win32":
        assert is_within(_link(world.out / "r", world.returns) / "x.xlsx", world.returns)


@pytest.mark.parametrize(
    ("name", "refused"),
    [("out.xlsx", False), ("OUT.XLSX", False), ("out", False), ("2025.03", False),
     ("out.xlsm", True), ("dash.csv", True), ("dash.pdf", True), ("out.ods", True)],
)  # fmt: skip
def test_o_names_an_xlsx_workbook_or_a_folder(name: str, refused: bool) -> None:
    if refused:
        with pytest.raises(UsageError, match=r"a dashboard is an \.xlsx workbook: name it "):
            check_output_name(Path(name))
    else:
        check_output_name(Path(name))


# --- every command, run as a user runs it -----------------------------------------------------


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dashboard built by kpixl from the small register, for `kpixl email`."""
    world = make_world(tmp_path_factory.mktemp("dash"))
    code, _, err = kpixl("build", world.returns, "-r", world.register, "-o", world.out)
    assert code == 0, err
    (found,) = world.out.glob("*.xlsx")
    return found


def _email(w: World, dash: Path, eml: Callable[[Path], Path]) -> list[object]:
    copy = Path(shutil.copy(dash, w.out / dash.name))
    return ["email", copy, "-r", w.register, "--eml", eml(copy)]


REFUSED: dict[str, tuple[Callable[[World, Path], list[object]], str]] = {
    "build -o REGISTER": (
        lambda w, d: ["build", w.returns, "-r", w.register, "-o", w.register],
        "{w.register} is the register",
    ),
    "build --results REGISTER": (
        lambda w, d: [
            "build",
            w.returns,
            "-r",
            w.register,
            "-o",
            w.out / "d.xlsx",
            "--results",
            w.register,
        ],
        "{w.register} is the register",
    ),
    "build -o X --results X": (
        lambda w, d: [
            "build",
            w.returns,
            "-r",
            w.register,
            "-o",
            w.out / "d.xlsx",
            "--results",
            w.out / "d.xlsx",
        ],
        "{w.out}/d.xlsx and {w.out}/d.xlsx would be written to the same file",
    ),
    "build --pdf over the register": (
        lambda w, d: [
            "build",
            w.returns,
            "-r",
            w.register,
            "--pdf",
            "-o",
            _link(w.out / "d.pdf", w.register).with_suffix(".xlsx"),
        ],
        "{w.out}/d.pdf is {w.register}, the register",
    ),
    "build -o the --template": (
        lambda w, d: [
            "build",
            w.returns,
            "-r",
            w.register,
            "--template",
            write_book(w.out / "style.xlsx", {"x": []}),
            "-o",
            w.out / "style.xlsx",
        ],
        "{w.out}/style.xlsx is the dashboard template (--template)",
    ),
    "build -o a hard link to a return": (
        lambda w, d: ["build", w.first, "-r", w.register, "-o", _hard(w.out / "d.xlsx", w.first)],
        "{w.out}/d.xlsx is the same file as {w.first}, one of the returns being read",
    ),
    "build -o a folder of returns": (
        lambda w, d: ["build", w.returns, "-r", w.register, "-o", w.returns / "sub"],
        "{w.returns}/sub/D1_2025-03.xlsx is inside the folder of returns {w.returns}",
    ),
    "build -o out.xlsm": (
        lambda w, d: ["build", w.returns, "-r", w.register, "-o", w.out / "out.xlsm"],
        "{w.out}/out.xlsm: a dashboard is an .xlsx workbook: name it out.xlsx, or give a folder",
    ),
    "build -o dash.csv": (
        lambda w, d: ["build", w.returns, "-r", w.register, "-o", w.out / "dash.csv"],
        "{w.out}/dash.csv: a dashboard is an .xlsx workbook: name it dash.xlsx (--results "
        "writes the CSV), or give a folder",
    ),
    "template register over a workbook": (
        lambda w, d: ["template", "register", w.register],
        "{w.register} already exists: give --force to replace it",
    ),
    "template return --force over the register": (
        lambda w, d: [
            "template",
            "return",
            "-r",
            w.register,
            "-a",
            "Alpha",
            "-p",
            "2025-03",
            "--force",
            w.returns / ".." / "register.xlsx",
        ],
        "{w.returns}/../register.xlsx is {w.register}, the register",
    ),
    "template return into the --history folder": (
        lambda w, d: [
            "template",
            "return",
            "-r",
            w.register,
            "-a",
            "Alpha",
            "-p",
            "2025-03",
            "--history",
            w.returns,
            "--force",
            w.returns / "t.xlsx",
        ],
        "{w.returns}/t.xlsx is inside the history folder {w.returns}",
    ),
    "template returns -o the --history folder": (
        lambda w, d: [
            "template",
            "returns",
            "-r",
            w.register,
            "-p",
            "2025-03",
            "--history",
            w.returns,
            "--force",
            "-o",
            w.returns,
        ],
        "{w.returns}/return_Alpha_2025-03.xlsx is inside the history folder {w.returns}",
    ),
    "template returns over a workbook": (
        lambda w, d: [
            "template",
            "returns",
            "-r",
            w.register,
            "-p",
            "2025-03",
            "-o",
            write_book(w.out / "return_Beta_2025-03.xlsx", {"x": []}).parent,
        ],
        "{w.out}/return_Beta_2025-03.xlsx already exists: give --force to replace it",
    ),
    "template refresh over a workbook": (
        lambda w, d: ["template", "refresh", w.register.parent],
        "{w.register} already exists: give --force to replace it",
    ),
    "batch with its report over the register": (
        lambda w, d: [
            "batch",
            w.returns,
            "-r",
            w.register,
            "-o",
            _link(w.out / "run_report.xlsx", w.register).parent,
        ],
        "{w.out}/run_report.xlsx is {w.register}, the register",
    ),
    "batch with a dashboard over a return": (
        lambda w, d: [
            "batch",
            w.returns,
            "-r",
            w.register,
            "-o",
            _hard(w.out / "D1_2025-03.xlsx", w.deep).parent,
        ],
        "{w.out}/D1_2025-03.xlsx is the same file as {w.deep}, in the folder of returns",
    ),
    "email --eml over the register": (
        lambda w, d: _email(w, d, lambda _: w.register),
        "{w.register} is the register",
    ),
    "email --eml over the dashboard": (
        lambda w, d: _email(w, d, lambda copy: _hard(w.out / "draft.eml", copy)),
        "{w.out}/draft.eml is the same file as {w.out}/{d.name}, the file being mailed",
    ),
    "addin build -o its own sources": (
        lambda w, d: ["addin", "build", "-o", _link(w.out / "src", SOURCES) / "package"],
        "{w.out}/src/package/kpixl.xlam is inside the add-in's sources {src}",
    ),
}


@POSIX
@pytest.mark.parametrize("case", list(REFUSED))
def test_every_command_refuses_an_output_over_an_input(
    world: World, dashboard: Path, case: str
) -> None:
    command, message = REFUSED[case]
    args = command(world, dashboard)
    before, sources = snapshot(world.root), snapshot(SOURCES)
    code, out, err = kpixl(*args)
    expected = message.format(w=world, d=dashboard, src=SOURCES)
    assert code == 2 and err.startswith(f"kpixl: {expected}") and err.count("\n") == 1, err
    assert snapshot(world.root) == before and snapshot(SOURCES) == sources
    assert "wrote" not in out


def test_template_commands_replace_a_workbook_only_with_force(world: World) -> None:
    target = write_book(world.out / "register.xlsx", {"mine": [["filled in"]]})
    mine = target.read_bytes()
    code, _, err = kpixl("template", "register", target)
    assert err == f"kpixl: {target} already exists: give --force to replace it\n"
    assert code == 2 and target.read_bytes() == mine
    code, out, _ = kpixl("template", "register", "--force", target)
    assert (code, out) == (0, f"wrote {target}\n")
    assert "Indicators" in openpyxl.load_workbook(target).sheetnames  # the blank register now
    folder = world.out / "month"
    assert kpixl("template", "returns", "-r", world.register, "-p", "2025-03", "-o", folder)[0] == 0
    first = snapshot(folder)
    assert kpixl("template", "returns", "-r", world.register, "-p", "2025-03", "-o", folder)[0] == 2
    again = kpixl("template", "returns", "-r", world.register, "-p", "2025-03", "-o", folder,
                  "--force")  # fmt: skip
    assert again[0] == 0 and snapshot(folder) == first  # the same bytes every time


def test_build_o_out_xlsm_makes_no_folder(world: World) -> None:
    for name in ("out.xlsm", "dash.csv"):
        code, _, err = kpixl("build", world.returns, "-r", world.register, "-o", world.out / name)
        assert code == 2 and err.count("\n") == 1 and "a dashboard is an .xlsx workbook" in err
        assert not (world.out / name).exists()


# --- the property: no command ever changes a byte of an input ---------------------------------

ALIAS_KINDS = ["same", "dotdot", "case", "symlink", "hardlink", "linked-folder", "inside", "fresh"]
COMMANDS = ["build -o", "build --results", "template register", "template return",
            "template returns", "batch", "email --eml"]  # fmt: skip


def alias(world: World, of: Path, kind: str, n: int) -> Path:
    """A name for the file `of` (or a new name near it) written the way `kind` says."""
    here = world.out / f"a{n}"
    here.mkdir()
    if kind == "same":
        return of
    if kind == "dotdot":
        return of.parent / ".." / of.parent.name / of.name
    if kind == "case":
        return of.with_name(of.name.swapcase())
    if kind == "symlink":
        return _link(here / of.name, of)
    if kind == "hardlink":
        return _hard(here / of.name, of) if of.is_file() else of
    if kind == "linked-folder":
        return _link(here / "folder", of.parent) / of.name
    if kind == "inside":
        return world.returns / "sub" / f"new{n}.xlsx"
    return here / "fresh.xlsx"


def command_line(command: str, world: World, out: Path, dash: Path, force: bool) -> list[object]:
    reg, returns, fresh = world.register, world.returns, world.out / "other.xlsx"
    forced = ["--force"] if force else []
    return {
        "build -o": ["build", returns, "-r", reg, "-o", out],
        "build --results": ["build", returns, "-r", reg, "-o", fresh, "--results", out],
        "template register": ["template", "register", *forced, out],
        "template return": ["template", "return", "-r", reg, "-a", "Alpha", "-p", "2025-03",
                            "--history", returns, *forced, out],
        "template returns": ["template", "returns", "-r", reg, "-p", "2025-03",
                             "--history", returns, *forced, "-o", out.parent],
        "batch": ["batch", returns, "-r", reg, "-o", out.parent],
        "email --eml": ["email", dash, "-r", reg, "--eml", out],
    }[command]  # fmt: skip


def inputs_of(command: str, world: World, dash: Path) -> list[Path]:
    """The files `command` reads: these must come out byte for byte the same."""
    returns = sorted(p for p in world.returns.rglob("*") if p.is_file())
    return {
        "template register": [],
        "email --eml": [dash, world.register],
    }.get(command, [world.register, *returns])


def hashes(files: list[Path]) -> dict[str, str]:
    return {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], World]]:
    """A fresh copy of one world per example: the register and returns are made once."""
    base = make_world(tmp_path_factory.mktemp("base"))
    count = iter(range(10**6))

    def fresh() -> World:
        root = tmp_path_factory.mktemp(f"example{next(count)}")
        shutil.copytree(base.root / "in", root / "in")
        return make_world_from(root)

    yield fresh


def make_world_from(root: Path) -> World:
    returns = root / "in" / "returns"
    (root / "out").mkdir()
    return World(root, root / "in" / "register.xlsx", returns, returns / "alpha.xlsx",
                 returns / "sub" / "beta.xlsx", root / "out")  # fmt: skip


@POSIX
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# the slips issue 19 found, always tried
@example(command="build -o", target="register", kind="same", force=False)
@example(command="build --results", target="register", kind="same", force=False)
@example(command="template return", target="register", kind="hardlink", force=True)
@example(command="template register", target="register", kind="symlink", force=False)
@example(command="email --eml", target="dashboard", kind="dotdot", force=False)
@given(
    command=st.sampled_from(COMMANDS),
    target=st.sampled_from(["register", "first", "deep", "dashboard"]),
    kind=st.sampled_from(ALIAS_KINDS),
    force=st.booleans(),
)
def test_no_command_ever_changes_a_byte_of_an_input(
    worlds: Callable[[], World], dashboard: Path, command: str, target: str, kind: str,
    force: bool,
) -> None:  # fmt: skip
    world = worlds()
    dash = Path(shutil.copy(dashboard, world.root / "in" / dashboard.name))
    of = {"register": world.register, "first": world.first, "deep": world.deep,
          "dashboard": dash}[target]  # fmt: skip
    out = alias(world, of, kind, 0)
    inputs = inputs_of(command, world, dash)
    before = hashes(inputs)
    code, _, err = kpixl(*command_line(command, world, out, dash, force))
    assert hashes(inputs) == before, (command, kind, err)
    assert "unexpected problem" not in err and "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1, err
    # A command that writes the file it is given must refuse every name of one of its inputs
    # (a new name in another case too: on Windows and macOS that is the same file).
    names_it = kind not in {"inside", "fresh"} and of in inputs
    inside = kind == "inside" and world.first in inputs
    if command not in {"template returns", "batch"} and (names_it or inside):
        assert code == 2, (command, target, kind, err)
