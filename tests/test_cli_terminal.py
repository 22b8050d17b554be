"""The terminal shows text from returns and file names; it never runs it (issue 19, item 6)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from kpixl.terminal import printable
from tests.test_check_validate import wide

HOSTILE_NAME = "Fin\x1b]8;;https://evil.example/\x07ance\x1b]8;;\x07\x1b[2J\x07.xlsx"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain [/bold] text", "plain [/bold] text"),
        ("\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07", "click"),
        ("\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", "click"),
        ("red\x1b[31m!\x1b[0m", "red!"),
        ("bell\x07 and cr\roverwrite", "bell and croverwrite"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("c1\x9b2Jcontrol\x85", "c1control"),
        ("Siân’s “return” – £1,234", "Siân’s “return” – £1,234"),
    ],
)
def test_printable_keeps_the_words_and_drops_the_controls(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_a_file_name_with_a_newline_stays_on_its_line() -> None:
    assert printable("a\nb.xlsx", one_line=True) == "a\\nb.xlsx"


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run kpixl with its output on a real pseudo-terminal (rich then draws tables)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kpixl", *args], cwd=cwd, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def test_markup_and_escape_sequences_from_a_return_are_shown_not_run(
    tmp_path: Path, register_path: Path
) -> None:
    returns = tmp_path / "returns"
    returns.mkdir()
    wide(returns, {("AA01", "Mar-25"): "[/bold] [link=https://evil.example]x[/link]"},
         name=HOSTILE_NAME)  # fmt: skip
    code, out = _on_a_terminal(
        ["validate", str(returns), "--register", str(register_path)], tmp_path
    )
    assert code == 1, out  # the text in a number cell is an error, and nothing crashed
    assert "MarkupError" not in out and "unexpected problem" not in out
    assert "[/bold]" in out  # shown as typed
    assert "evil.example" in out  # the markup link is shown as text ...
    assert "\x1b]8;;https://evil.example" not in out  # ... never made a live link
    assert "\x1b[2J" not in out and "\x07" not in out  # no clearing the screen, no bell
    assert "Finance.xlsx" in out.replace("\n", "").replace(" ", "").replace("│", "")


def test_build_names_the_hostile_file_plainly_on_a_terminal(
    tmp_path: Path, register_path: Path
) -> None:
    returns = tmp_path / "returns"
    returns.mkdir()
    wide(returns, {("AA01", "Mar-25"): "[/bold]"}, name=HOSTILE_NAME)
    code, out = _on_a_terminal(
        ["build", str(returns), "--register", str(register_path), "-o", str(tmp_path / "out")],
        tmp_path,
    )
    assert code == 1, out
    assert "wrote" in out and "MarkupError" not in out
    assert "\x1b]8;;" not in out and "\x07" not in out


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["validate"], "(26,436 → 26,439)"),  # CS08's drag-fill warning
        (["explain", "FN07"], "Σ numerators / Σ denominators"),
    ],
)
def test_output_to_a_file_in_a_code_page_without_the_arrow_is_written_whole(
    tmp_path: Path, command: list[str], shown: str
) -> None:
    """On Windows, output redirected to a file is in the PC's code page (cp1252: no → or Σ) and
    `kpixl validate > log.txt` stopped with an encoding error; it is now written as UTF-8."""
    samples = Path(__file__).resolve().parent.parent / "samples"
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "XDG_DATA_HOME": str(tmp_path)}
    args = [*command, str(samples / "returns"), "--register", str(samples / "register.xlsx")]
    proc = subprocess.run(
        [sys.executable, "-m", "kpixl", *args], capture_output=True, env=env, check=False
    )
    assert (proc.returncode, proc.stderr.decode("utf-8")) == (0, "")
    assert shown in proc.stdout.decode("utf-8")
