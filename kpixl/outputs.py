"""Outputs never over inputs: what a command will write, checked before it writes anything.

Every command that writes gives `check_outputs` all its outputs and all its inputs (the register,
the returns, a template, the file being mailed). Two paths are the same file when they resolve to
the same place once symlinks and `..` are followed, compared without regard to case (Windows and
macOS do not tell `Register.xlsx` from `register.xlsx`), or when they are one file by identity
(device and file number: hard links, bind mounts). A folder given as an input holds inputs in
every file under it, and nothing is written inside it.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kpixl.atomic import check_target
from kpixl.errors import UsageError

RETURNS_WHY = "the next run would read them as returns"


@dataclass(frozen=True)
class Input:
    """A file or folder a command reads, named as the user knows it (`what`: "the register").

    For a folder, `why` says what would go wrong if an output were written inside it."""

    path: Path
    what: str
    why: str = RETURNS_WHY


def returns_inputs(paths: Iterable[Path | str]) -> list[Input]:
    """The returns as given on the command line: files, or folders searched for returns."""
    return [
        Input(
            Path(p),
            "the folder of returns" if Path(p).is_dir() else "one of the returns being read",
        )
        for p in paths
    ]


def check_outputs(
    outputs: Iterable[Path | str], inputs: Iterable[Input], *, replace: bool = True
) -> None:
    """Raise UsageError (one line, nothing written) when an output is an input, lies inside a
    folder of inputs, or is the same file as another output; with `replace=False`, also when an
    output already exists (the command's --force allows it)."""
    wanted = [Path(p) for p in outputs]
    given = list(inputs)
    for out in wanted:
        refuse_standard_output(out)
    _check_each_other(wanted)
    for out in wanted:
        for source in given:
            _check_one(out, source)
    if any(_identity(out) for out in wanted):  # only an existing output can be a hard link
        _check_folder_files(wanted, [s for s in given if s.path.is_dir()])
    for out in wanted:
        if not replace and os.path.lexists(out):
            raise UsageError(f"{out} already exists: give --force to replace it")
        check_target(out)  # a folder, device or pipe in the way: said before anything is written


def refuse_standard_output(out: Path | str) -> None:
    """`-` (or a path under `-`) is how a command is usually told "standard output": kpixl
    writes files, so it says so rather than make a file or folder called `-`."""
    if Path(out).parts[:1] == ("-",):
        raise UsageError(
            f"{out}: '-' means standard output, which kpixl does not write to: give a file or "
            "folder name"
        )


def is_within(path: Path | str, folder: Path | str) -> bool:
    """True when `path` is `folder` or lies anywhere under it (symlinks, `..`, case and bind
    mounts seen through)."""
    inside, outside = _parts(Path(path)), _parts(Path(folder))
    if inside[: len(outside)] == outside:
        return True
    folder_id = _identity(Path(folder))
    if folder_id is None:
        return False
    resolved = _resolved(Path(path))
    return any(_identity(p) == folder_id for p in (resolved, *resolved.parents))


def _check_each_other(outputs: list[Path]) -> None:
    seen: dict[tuple[str, ...], Path] = {}
    ids: dict[tuple[int, int], Path] = {}
    for out in outputs:
        key, identity = _parts(out), _identity(out)
        other = seen.get(key) or (ids.get(identity) if identity else None)
        if other is not None:
            raise UsageError(
                f"{other} and {out} would be written to the same file: give each output its own name"
            )
        seen[key] = out
        if identity:
            ids[identity] = out


def _check_one(out: Path, source: Input) -> None:
    if source.path.is_dir():
        if is_within(out, source.path):
            raise UsageError(
                f"{out} is inside {source.what} {source.path}: write outputs elsewhere, "
                f"or {source.why}"
            )
        return
    if _parts(out) == _parts(source.path):
        if out == source.path:
            raise UsageError(f"{out} is {source.what}: choose another output")
        raise UsageError(f"{out} is {source.path}, {source.what}: choose another output")
    identity = _identity(out)
    if identity is not None and identity == _identity(source.path):
        raise UsageError(
            f"{out} is the same file as {source.path}, {source.what} (a link to it): "
            "choose another output"
        )


def _check_folder_files(outputs: list[Path], folders: list[Input]) -> None:
    """An output that is a hard link to (or the target of a link inside) a folder of inputs."""
    ids = {i: out for out in outputs if (i := _identity(out)) is not None}
    for folder in folders:
        for file in _files_under(folder.path):
            out = ids.get(_identity(file) or (-1, -1))
            if out is not None:
                raise UsageError(
                    f"{out} is the same file as {file}, in {folder.what} {folder.path} (a link "
                    "to it): choose another output"
                )


def _files_under(folder: Path) -> Iterator[Path]:
    for root, _dirs, names in os.walk(folder):
        for name in names:
            yield Path(root, name)


def _parts(path: Path) -> tuple[str, ...]:
    """The resolved path as a user's file system may compare it: without regard to case, and
    with accents in one form (macOS stores them decomposed)."""
    resolved = _resolved(path)
    return tuple(unicodedata.normalize("NFC", part).casefold() for part in resolved.parts)


def _resolved(path: Path) -> Path:
    # os.path.realpath, unlike Path.resolve on Python 3.11, does not raise on a symlink loop
    return Path(os.path.realpath(path))


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's device and number (what os.path.samefile compares); None when it does not
    exist or the file system gives no numbers."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return (found.st_dev, found.st_ino) if found.st_ino else None
