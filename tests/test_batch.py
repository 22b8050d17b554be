"""`kpixl batch`, run as a user runs it: a messy folder in, dashboards and a run report out."""

from __future__ import annotations

import email.policy
import hashlib
import json
import sys
from collections.abc import Sequence
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpixl.batch import run as batch_module
from kpixl.batch.lock import LOCK_NAME
from kpixl.batch.manifest import MANIFEST_NAME
from kpixl.cli.main import main
from kpixl.pipeline import read_with_register
from kpixl.read.returns import ReturnFile
from kpixl.register.model import Register
from tests.conftest import write_book, write_register

AREAS = [
    ("service_area", "department", "lead_title", "lead_name", "cabinet_member", "dashboard"),
    ("Alpha", "Dept One", "Director", "A. Person", "C. Member", "D1"),
    ("Beta", "Dept Two", "Head of Service", "B. Person", "C. Member", "D2"),
]
HEAD = ["Ref", "Indicator description", "Jan-25", "Feb-25", "Mar-25"]
FORMULA_NAME = "=HYPERLINK(1).xlsx"  # a file name Excel would run as a formula


def kpixl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["batch", *(str(a) for a in args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def messy(tmp_path: Path) -> tuple[Path, Path]:
    """A returns folder as the team finds it: sub-folders, a lock file, a hidden file, a broken
    file, a return with an error, and a file whose name starts with '='."""
    register = write_register(tmp_path / "register.xlsx", areas=AREAS)
    folder = tmp_path / "returns"
    write_book(folder / "Alpha" / "alpha.xlsx", {"KPIs": [
        HEAD,
        ["AA01", "Calls answered", 0.95, 0.85, 0.70],  # Mar-25 below the 80% floor: RED
        ["AA02", "Rent outstanding", 0.04, 0.06, 0.07],  # lower is better, 5%..10%: AMBER
        ["AA03", "Complaints on time", None, None, 0.90],  # quarterly, 85% target: GREEN
        ["AA04", "Calls received", 900, 950, 1000],
    ]})  # fmt: skip
    write_book(folder / "Beta" / "sub" / "beta.xlsx", {"KPIs": [
        HEAD, ["BB01", "Audits on time", 0.96, 0.97, 0.98]]})  # fmt: skip
    write_book(folder / "Beta" / FORMULA_NAME, {"KPIs": [HEAD, ["BB02", "Cases", 60, 70, 80]]})
    write_book(folder / "Beta" / "beta_late.xlsx", {"KPIs": [HEAD, ["BB01", "x", None, "ninety"]]})
    (folder / "broken.xlsx").write_bytes(b"this is not a workbook")
    (folder / "Alpha" / "~$alpha.xlsx").write_bytes(b"lock")
    write_book(folder / ".hidden.xlsx", {"KPIs": [HEAD, ["AA01", "x", 0.1, 0.1, 0.1]]})
    (folder / ".DS_Store").write_bytes(b"not a return, not worth a line")
    (folder / "notes.txt").write_text("neither")
    return folder, register


def report_rows(out: Path, sheet: str) -> dict[str, tuple[Any, ...]]:
    ws = openpyxl.load_workbook(out / "run_report.xlsx")[sheet]
    return {str(r[0]): r for r in ws.iter_rows(min_row=2, values_only=True)}


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_twice_comparable(out: Path) -> dict[str, Any]:
    """Every output's bytes, except the JSON report's timings (wall-clock seconds)."""
    found: dict[str, Any] = digests(out)
    report = json.loads((out / "run_report.json").read_text(encoding="utf-8"))
    report.pop("seconds")
    for entry in report["files"]:
        entry.pop("seconds")
    found["run_report.json"] = report
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["outputs"].pop("run_report.json")  # its hash covers the timings
    found[MANIFEST_NAME] = manifest
    return found


def test_messy_folder_gives_every_dashboard_and_a_run_report(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    out = tmp_path / "out"
    code, stdout, err = kpixl(capsys, folder, "-r", register, "-o", out, "--jobs", "1")
    assert code == 1 and err == ""  # built, with a validation error in beta_late.xlsx
    assert sorted(p.name for p in out.iterdir()) == [
        LOCK_NAME,
        "D1_2025-03.xlsx",
        "D2_2025-03.xlsx",
        MANIFEST_NAME,
        "run_report.json",
        "run_report.xlsx",
    ]  # fmt: skip (the lock's note, .kpixl_batch.lock.json, goes with the run)
    files = report_rows(out, "Files")
    assert {name: row[1] for name, row in files.items()} == {
        ".hidden.xlsx": "skipped",
        "Alpha/alpha.xlsx": "read",
        "Alpha/~$alpha.xlsx": "skipped",
        f"Beta/{FORMULA_NAME}": "read",
        "Beta/beta_late.xlsx": "read with errors",
        "Beta/sub/beta.xlsx": "read",
        "broken.xlsx": "unreadable",
    }
    assert files["Alpha/alpha.xlsx"][2:4] == ("Alpha", "Jan-25 to Mar-25")
    assert files["Beta/beta_late.xlsx"][4] == 1
    assert "not a number" in files["Beta/beta_late.xlsx"][6]
    assert "lock file" in files["Alpha/~$alpha.xlsx"][6]
    dashboards = report_rows(out, "Dashboards")
    # Dashboard, File, Service areas, KPIs, KPIs rated, GREEN, AMBER, RED (latest)
    assert dashboards["D1"][:8] == ("D1", "D1_2025-03.xlsx", 1, 3, 3, 1, 1, 1)
    assert dashboards["D2"][:8] == ("D2", "D2_2025-03.xlsx", 1, 1, 1, 1, 0, 0)
    assert "D1_2025-03.xlsx" in stdout and "7 files: 3 read, 1 read with errors" in stdout


def test_text_in_the_run_report_stays_text(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    kpixl(capsys, folder, "-r", register, "-o", tmp_path / "out", "-j", "1")
    ws = openpyxl.load_workbook(tmp_path / "out" / "run_report.xlsx")["Files"]
    cell = next(c for c in ws["A"] if c.value == f"Beta/{FORMULA_NAME}")
    assert cell.data_type == "s"
    issues = openpyxl.load_workbook(tmp_path / "out" / "run_report.xlsx")["Issues"]
    assert all(c.data_type != "f" for row in issues.iter_rows() for c in row)


def test_inputs_are_never_written(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    before = digests(folder)
    kpixl(capsys, folder, "-r", register, "-o", tmp_path / "out", "-j", "2")
    assert digests(folder) == before


@pytest.mark.parametrize("inside", [".", "out", "Alpha/out"])
def test_an_output_folder_inside_the_input_folder_is_refused(
    messy: tuple[Path, Path], inside: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    before = digests(folder)
    code, _, err = kpixl(capsys, folder, "-r", register, "-o", folder / inside)
    assert code == 2
    assert err.startswith("kpixl: the output folder") and "inside the input folder" in err
    assert len(err.splitlines()) == 1
    assert digests(folder) == before


def test_an_input_folder_inside_the_output_folder_is_fine(
    messy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    code, _, _ = kpixl(capsys, folder, "-r", register, "-o", folder.parent, "-j", "1")
    assert code == 1 and (folder.parent / "D1_2025-03.xlsx").is_file()


def test_same_bytes_whatever_the_jobs_and_as_kpixl_build_writes(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    kpixl(capsys, folder, "-r", register, "-o", tmp_path / "one", "--jobs", "1")
    kpixl(capsys, folder, "-r", register, "-o", tmp_path / "two", "--jobs", "2")
    one, two = run_twice_comparable(tmp_path / "one"), run_twice_comparable(tmp_path / "two")
    assert one == two
    assert one["D1_2025-03.xlsx"] != one["D2_2025-03.xlsx"]
    # A dashboard written from its own slice of the results is the one `kpixl build` writes.
    main(["build", str(folder), "-r", str(register), "-o", str(tmp_path / "build")])
    assert digests(tmp_path / "build") == {
        name: one[name] for name in ("D1_2025-03.xlsx", "D2_2025-03.xlsx")
    }


def test_rerun_on_unchanged_inputs_skips_and_force_rebuilds(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    out = tmp_path / "out"
    args: Sequence[str | Path] = (folder, "-r", register, "-o", out, "-j", "1")
    kpixl(capsys, *args)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    code, stdout, _ = kpixl(capsys, *args)
    assert code == 1  # the dashboards up to date still carry the validation error
    assert "nothing changed: 2 dashboards up to date" in stdout
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    code, stdout, _ = kpixl(capsys, *args, "--force")
    assert "nothing changed" not in stdout and "D1_2025-03.xlsx" in stdout
    assert (out / "D1_2025-03.xlsx").stat().st_mtime_ns != stamps["D1_2025-03.xlsx"]


@pytest.mark.parametrize(
    "change", ["return", "register", "period", "lost output", "edited output", "replaced output"]
)
def test_a_change_makes_the_rerun_build_again(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str
) -> None:
    folder, register = messy
    out = tmp_path / "out"
    args: list[str | Path] = [folder, "-r", register, "-o", out, "-j", "1"]
    kpixl(capsys, *args)
    if change == "return":  # the late resubmission fixes its error
        write_book(folder / "Beta" / "beta_late.xlsx", {"KPIs": [HEAD, ["BB01", "x", None, 0.97]]})
    elif change == "register":
        write_register(register, areas=AREAS, settings=[("key", "value"), ("organisation", "X")])
    elif change == "period":
        args += ["--period", "2025-02"]
    elif change == "edited output":  # opened in Excel and saved: the same name, other bytes
        book = openpyxl.load_workbook(out / "D2_2025-03.xlsx")
        book["Summary"]["A1"] = "edited"
        book.save(out / "D2_2025-03.xlsx")
    elif change == "replaced output":  # another dashboard copied over it
        (out / "D2_2025-03.xlsx").write_bytes((out / "D1_2025-03.xlsx").read_bytes())
    else:
        (out / "D2_2025-03.xlsx").unlink()
    code, stdout, _ = kpixl(capsys, *args)
    assert "nothing changed" not in stdout
    assert code == 1  # broken.xlsx is still unreadable
    if change == "return":
        assert report_rows(out, "Files")["Beta/beta_late.xlsx"][1] == "read"
    expected = "D1_2025-02.xlsx" if change == "period" else "D2_2025-03.xlsx"
    assert (out / expected).is_file()
    if "output" in change:  # rebuilt: the dashboard is the one the inputs make again
        summary = openpyxl.load_workbook(out / "D2_2025-03.xlsx")["Summary"]
        assert summary["A1"].value != "edited"
        assert (out / "D2_2025-03.xlsx").read_bytes() != (out / "D1_2025-03.xlsx").read_bytes()


def test_the_manifest_lists_only_what_this_run_wrote_with_their_hashes(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    out = tmp_path / "out"
    out.mkdir()
    (out / "D1_2025-02.xlsx").write_bytes(b"last month's, kept by the team")
    kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1")
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["outputs"] == {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest()
        for name in ("D1_2025-03.xlsx", "D2_2025-03.xlsx", "run_report.xlsx", "run_report.json")
    }
    assert (out / "D1_2025-02.xlsx").read_bytes() == b"last month's, kept by the team"


def test_a_run_stopped_half_way_leaves_no_manifest_to_trust(
    messy: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A complete run, then one on other returns stopped after its dashboards: the first run's
    manifest must not vouch for the mix of its files and the second run's."""
    folder, register = messy
    out = tmp_path / "out"
    args: list[str | Path] = [folder, "-r", register, "-o", out, "-j", "1"]
    kpixl(capsys, *args)
    assert (out / MANIFEST_NAME).is_file()
    write_book(folder / "Beta" / "beta_late.xlsx", {"KPIs": [HEAD, ["BB01", "x", None, 0.97]]})

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_module, "write_report", interrupted)
    assert kpixl(capsys, *args)[0] == 2
    assert not (out / MANIFEST_NAME).exists()
    monkeypatch.undo()
    stdout = kpixl(capsys, *args)[1]
    assert "nothing changed" not in stdout and (out / MANIFEST_NAME).is_file()


def test_a_file_that_changes_while_read_is_reported_not_used(
    messy: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, register = messy
    beta = folder / "Beta" / "sub" / "beta.xlsx"

    def read_while_saved(
        register: Path, files: Sequence[Path], jobs: int
    ) -> tuple[Register, list[ReturnFile]]:
        found = read_with_register(register, files, jobs)
        write_book(beta, {"KPIs": [HEAD, ["BB01", "Audits on time", 0.5, 0.5, 0.5]]})
        return found

    monkeypatch.setattr(batch_module, "read_with_register", read_while_saved)
    out = tmp_path / "out"
    code, _, _ = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1")
    assert code == 1
    row = report_rows(out, "Files")["Beta/sub/beta.xlsx"]
    assert row[1] == "unreadable" and "changed while kpixl was reading it" in row[6]
    data = openpyxl.load_workbook(out / "D2_2025-03.xlsx")["Data"]
    assert not [r for r in data.iter_rows(values_only=True) if r[0] == "BB01" and r[5] is not None]
    monkeypatch.undo()
    code, stdout, _ = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1")
    assert "nothing changed" not in stdout  # read again, whole this time
    assert report_rows(out, "Files")["Beta/sub/beta.xlsx"][1] == "read"


def test_nothing_to_build_exits_2_and_still_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = write_register(tmp_path / "register.xlsx", areas=AREAS)
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    code, _, err = kpixl(capsys, folder, "-r", register, "-o", tmp_path / "out")
    assert code == 2 and err.startswith("kpixl: nothing built: ")
    assert report_rows(tmp_path / "out", "Files")["broken.xlsx"][1] == "unreadable"
    assert not list((tmp_path / "out").glob("D*.xlsx"))


def test_the_register_in_the_input_folder_is_not_read_as_a_return(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = messy
    register = write_register(folder / "register.xlsx", areas=AREAS)
    kpixl(capsys, folder, "-r", register, "-o", tmp_path / "out", "-j", "1")
    row = report_rows(tmp_path / "out", "Files")["register.xlsx"]
    assert row[1] == "skipped" and "register" in row[6]


def test_an_interrupted_run_leaves_whole_files_and_is_rebuilt(
    messy: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, register = messy
    out = tmp_path / "out"

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_module, "write_report", interrupted)
    assert kpixl(capsys, folder, "-r", register, "-o", out, "-j", "2")[0] == 2
    assert sorted(p.name for p in out.iterdir()) == [
        LOCK_NAME,
        "D1_2025-03.xlsx",
        "D2_2025-03.xlsx",
    ]
    openpyxl.load_workbook(out / "D1_2025-03.xlsx")  # whole, opens
    monkeypatch.undo()
    code, stdout, _ = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1")
    assert code == 1 and "nothing changed" not in stdout and (out / MANIFEST_NAME).is_file()


def test_progress_is_plain_lines_off_a_terminal_and_silent_in_ci(
    messy: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, register = messy
    monkeypatch.delenv("CI", raising=False)
    _, stdout, _ = kpixl(capsys, folder, "-r", register, "-o", tmp_path / "a", "-j", "1")
    assert "kpixl batch: Reading 5 returns" in stdout and "\x1b[" not in stdout
    monkeypatch.setenv("CI", "true")
    _, stdout, _ = kpixl(capsys, folder, "-r", register, "-o", tmp_path / "b", "-j", "1")
    assert "kpixl batch:" not in stdout and "run report:" in stdout


def test_help_and_docs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = kpixl(capsys, "--help")
    options = ("--register", "--jobs", "--force", "--period", "--wait", "--html", "--pdf")
    assert code == 0 and all(opt in out for opt in options)
    docs = (Path(__file__).resolve().parent.parent / "docs" / "batch.md").read_text()
    words = ("kpixl batch", "--jobs", "--force", "--wait", "run_report.xlsx", ".kpixl_batch.lock")
    assert all(word in docs for word in words)


def test_email_mails_each_dashboard_built_to_its_recipients(
    messy: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp = pytest.importorskip("tests.smtp_servers")
    monkeypatch.setitem(sys.modules, "keyring", None)  # no keyring: no password to look up
    folder, _ = messy
    handler = smtp.Recorder()
    with smtp.smtp_server(handler) as port:
        settings = [("key", "value"), ("mail_from", "performance@example.org"),
                    ("smtp_host", "127.0.0.1"), ("smtp_port", port), ("smtp_security", "none")]  # fmt: skip
        areas = [(*AREAS[0], "recipients"), (*AREAS[1], "alpha@example.org"),
                 (*AREAS[2], "beta@example.org; boss@example.org")]  # fmt: skip
        register = write_register(tmp_path / "mail_register.xlsx", areas=areas, settings=settings)
        args = (folder, "-r", register, "-o", tmp_path / "out", "-j", "1", "--email")
        code, stdout, err = kpixl(capsys, *args)
        assert (code, err) == (1, "")
        assert "mailed D2_2025-03.xlsx to 2 recipients" in stdout
        code, stdout, _ = kpixl(capsys, *args)  # unchanged: nothing is sent twice
        assert "not mailed again" in stdout
    received = {}
    for message in handler.messages:
        parsed = BytesParser(policy=email.policy.default).parsebytes(message.content)
        (attachment,) = parsed.iter_attachments()
        received[attachment.get_filename()] = sorted(message.rcpt_tos)
        assert (
            attachment.get_content() == (tmp_path / "out" / attachment.get_filename()).read_bytes()
        )
    assert received == {
        "D1_2025-03.xlsx": ["alpha@example.org"],
        "D2_2025-03.xlsx": ["beta@example.org", "boss@example.org"],
    }


@pytest.mark.parametrize("broken", ["no indicators sheet", "not a workbook"])
def test_an_unusable_register_is_one_line_and_nothing_is_written(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: str
) -> None:
    folder, _ = messy
    register = tmp_path / "bad_register.xlsx"
    if broken == "not a workbook":
        register.write_bytes(b"this is not a workbook")
    else:
        write_book(register, {"Settings": [["organisation", "Kent"]]})
    out = tmp_path / "out"
    code, _, err = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "2")
    assert code == 2
    assert "bad_register.xlsx" in err and "Traceback" not in err
    assert not list(out.glob("*.xlsx"))


def test_html_gives_every_dashboard_its_web_page_and_a_rerun_asked_for_less_rebuilds(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, register = messy
    out = tmp_path / "out"
    code, stdout, _ = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1", "--html")
    assert code == 1  # beta_late's error: built, with errors
    for name in ("D1_2025-03", "D2_2025-03"):
        page = (out / f"{name}.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and "<caption" in page and "<th scope" in page
        assert f"wrote {out / name}.html" in stdout
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert {"D1_2025-03.html", "D2_2025-03.html"} <= set(manifest["outputs"])
    assert manifest["published"] == ["html"]
    _, stdout, _ = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1", "--html")
    assert "nothing changed" in stdout
    (out / "D2_2025-03.html").unlink()  # a page lost: the next run builds it again
    _, stdout, _ = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1", "--html")
    assert "nothing changed" not in stdout and (out / "D2_2025-03.html").exists()
    _, stdout, _ = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1")  # asked for less
    assert "nothing changed" not in stdout


@pytest.mark.skipif(
    not any(Path(p).exists() for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser")),
    reason="no Chromium here (.ci/run installs Debian's chromium)",
)
def test_pdf_gives_every_dashboard_its_tagged_pdf(
    messy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pikepdf = pytest.importorskip("pikepdf")
    folder, register = messy
    out = tmp_path / "out"
    code, _, err = kpixl(capsys, folder, "-r", register, "-o", out, "-j", "1", "--pdf")
    assert code == 1, err
    for name in ("D1_2025-03", "D2_2025-03"):
        with pikepdf.open(out / f"{name}.pdf") as pdf:
            assert "/StructTreeRoot" in pdf.Root and pdf.Root.Lang == "en-GB"
    assert not (out / "D1_2025-03.html").exists()  # only what was asked for
