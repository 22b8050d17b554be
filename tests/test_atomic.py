"""Outputs are written in place of what the user named: a symlink's target is replaced (the link
stays), devices, pipes and sockets are refused, and a read-only folder is one clear line."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpixl.atomic import write_atomically
from kpixl.cli.main import main
from kpixl.errors import OutputError

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="symlinks, FIFOs and mounts: POSIX")


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_new_file_is_written_and_an_old_one_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    write_atomically(b"first", out)
    write_atomically(b"second", out)
    assert out.read_bytes() == b"second"
    assert listing(tmp_path) == ["results.csv"]  # no temporary file left beside it


@POSIX
def test_a_symlink_is_followed_and_its_target_replaced(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "results.csv"
    target.write_bytes(b"last month")
    link = tmp_path / "results.csv"
    link.symlink_to(os.path.relpath(target, tmp_path))  # a relative link, as `ln -s` makes
    write_atomically(b"this month", link)
    assert link.is_symlink() and os.readlink(link) == os.path.relpath(target, tmp_path)
    assert target.read_bytes() == b"this month"
    assert listing(shared) == ["results.csv"] and listing(tmp_path) == ["results.csv", "shared"]


@POSIX
def test_a_chain_of_links_and_a_dangling_link_lead_to_their_target(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    (tmp_path / "one").symlink_to(target)  # dangling: the target does not exist yet
    (tmp_path / "two").symlink_to(tmp_path / "one")
    write_atomically(b"made", tmp_path / "two")
    assert target.read_bytes() == b"made"
    assert (tmp_path / "one").is_symlink() and (tmp_path / "two").is_symlink()


@POSIX
def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    out.write_bytes(b"old")
    out.chmod(0o640)
    write_atomically(b"new", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_bytes() == b"new"


@POSIX
def test_a_symlink_loop_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OutputError, match=r"a\b.*: it is a symbolic link that leads round"):
        write_atomically(b"x", tmp_path / "a")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _socket(path: Path) -> Path:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()  # the socket file stays
    return path


def _device(path: Path) -> Path:
    try:  # the same device as /dev/null, made in the test's own folder
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device file needs root (CAP_MKNOD)")
    return path


@POSIX
@pytest.mark.parametrize(
    ("make", "kind"),
    [(_fifo, "a pipe (FIFO)"), (_socket, "a socket"), (_device, "a device")],
)
def test_devices_pipes_and_sockets_are_refused_never_replaced(
    tmp_path: Path, make: object, kind: str
) -> None:
    special = make(tmp_path / "out.csv")  # type: ignore[operator]
    with pytest.raises(OutputError) as caught:
        write_atomically(b"data", special)
    assert str(caught.value) == (
        f"cannot write {special}: it is {kind}, not a file; give the name of a file"
    )
    mode = os.lstat(special).st_mode
    assert not stat.S_ISREG(mode) and listing(tmp_path) == ["out.csv"]


@POSIX
def test_a_link_to_a_pipe_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "link.csv").symlink_to(_fifo(tmp_path / "pipe"))
    with pytest.raises(OutputError, match="it is a pipe"):
        write_atomically(b"data", tmp_path / "link.csv")
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)


@POSIX
def test_the_command_line_refuses_a_pipe_as_the_results_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is read or written: the pipe is found before the returns are read."""
    pipe = _fifo(tmp_path / "results.csv")
    code = main(["build", str(tmp_path / "none.xlsx"), "-r", str(tmp_path / "reg.xlsx"),
                 "--results", str(pipe)])  # fmt: skip
    err = capsys.readouterr().err
    assert (code, err) == (2, f"kpixl: cannot write {pipe}: it is a pipe (FIFO), not a file; "
                              "give the name of a file\n")  # fmt: skip


@pytest.mark.skipif(not Path("/dev/stdout").exists(), reason="no /dev/stdout")
def test_dev_stdout_into_a_pipe_stays_a_pipe(tmp_path: Path) -> None:
    """Run as root, /dev/stdout was once replaced by a file: it leads to a pipe here."""
    proc = subprocess.run(
        [sys.executable, "-m", "kpixl", "build", str(tmp_path / "none.xlsx"),
         "-r", str(tmp_path / "reg.xlsx"), "--results", "/dev/stdout"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "kpixl: cannot write /dev/stdout: it is a pipe (FIFO), not a file; give the name of a "
        "file\n"
    )
    assert os.path.islink("/dev/stdout")


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(OutputError, match="it is a folder, not a file"):
        write_atomically(b"x", tmp_path / "out.csv")


def test_a_file_in_the_way_of_the_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "out").write_bytes(b"a file, not a folder")
    with pytest.raises(OutputError) as caught:
        write_atomically(b"x", tmp_path / "out" / "results.csv")
    assert str(caught.value) == (
        f"cannot write {tmp_path / 'out' / 'results.csv'}: a file is in the way of the folder "
        f"{tmp_path / 'out'}"
    )
    assert listing(tmp_path) == ["out"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores modes")
def test_a_read_only_file_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    out.write_bytes(b"kept")
    out.chmod(0o444)
    with pytest.raises(OutputError, match="permission denied"):
        write_atomically(b"new", out)
    assert out.read_bytes() == b"kept"


def _mount(folder: Path, *options: str) -> bool:
    command = ["mount", "-t", "tmpfs", "-o", ",".join(["size=1m", *options]), "tmpfs", str(folder)]
    try:
        return subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:
        return False


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system holding one file, `old.csv` (a tmpfs mounted, written,
    then remounted read-only); skipped where mounting is not allowed."""
    if not sys.platform.startswith("linux"):
        pytest.skip("mounting a tmpfs: Linux")
    folder = tmp_path / "ro"
    folder.mkdir()
    if not _mount(folder):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        (folder / "old.csv").write_bytes(b"kept")
        remount = ["mount", "-o", "remount,ro", str(folder)]
        if subprocess.run(remount, capture_output=True, check=False).returncode != 0:
            pytest.skip("cannot remount the tmpfs read-only")
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)


@POSIX
def test_a_read_only_file_system_is_one_line(read_only: Path) -> None:
    for name in ("new.csv", "old.csv"):
        with pytest.raises(OutputError) as caught:
            write_atomically(b"x", read_only / name)
        assert str(caught.value) == f"cannot write {read_only / name}: read-only file system"
    assert listing(read_only) == ["old.csv"] and (read_only / "old.csv").read_bytes() == b"kept"


@POSIX
def test_the_command_line_says_read_only_not_unexpected_problem(
    read_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target in (read_only / "register.xlsx", read_only / "old.csv"):
        code = main(["template", "register", "--force", str(target)])
        err = capsys.readouterr().err
        assert (code, err) == (2, f"kpixl: cannot write {target}: read-only file system\n")
