"""One bad return, or a hundred: each file's own problem is said, in text and JSON, exit 1."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli.main import main
from kpixl.errors import UsageError
from kpixl.pipeline import NothingToRate, run
from tests.conftest import write_book

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples/returns"
REGISTER = ROOT / "samples/register.xlsx"


def kpixl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# -- broken returns, made as users make them (see tests/test_read_security.py) ---------------


def password_protected(path: Path) -> None:
    """What Excel saves with a password: an OLE2 container holding an EncryptedPackage."""
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    path.write_bytes(ole2 + b"\0" * 60 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 400)


def truncated(path: Path) -> None:
    write_book(path, {"Finance KPIs": [["Ref", "Mar-25"], ["FN07", 0.9]]})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def csv_renamed(path: Path) -> None:
    path.write_text("Ref,Mar-25\nFN07,0.9\n", encoding="utf-8")


def without_a_table(path: Path) -> None:
    write_book(path, {"Notes": [["Finance return", "March"], ["see attached", 1]]})


def another_registers(path: Path) -> None:
    rows = [["Ref", "Jan-25", "Feb-25"]] + [[f"FIN-{n}", n, n + 1] for n in range(1, 13)]
    write_book(path, {"KPIs": rows})


def unfilled(path: Path) -> None:
    rows = [["Ref", "Indicator", "Mar-25"], ["FN07", "Invoices", None], ["FN08", "Debt", None]]
    write_book(path, {"KPIs": rows})


BROKEN: list[tuple[Callable[[Path], None], str, str]] = [
    (password_protected, "password-protected", "save it without a password"),
    (truncated, "file-unreadable", "damaged or was cut short"),
    (csv_renamed, "not-a-workbook", "text (probably CSV) renamed"),
    (without_a_table, "no-table", "no table of indicators found"),
    (
        another_registers,
        "no-known-refs",
        "12 refs such as FIN-1, FIN-2, FIN-3, none in the register register.xlsx: is this the "
        "right register for this file?",
    ),
    (unfilled, "no-figures", "holds 2 indicators of the register (FN07, FN08) but no figure"),
]
IDS = [code for _, code, _ in BROKEN]


@pytest.mark.parametrize(("make", "code", "words"), BROKEN, ids=IDS)
def test_validate_one_bad_return_says_what_is_wrong_with_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], None],
    code: str,
    words: str,
) -> None:
    finance = tmp_path / "Finance.xlsx"
    make(finance)
    status, out, err = kpixl(capsys, "validate", finance, "--register", REGISTER)
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"error: {finance}: ")
    assert words in lines[0] and lines[0].endswith(f"[{code}]")
    assert lines[1:] == [
        "1 return checked: 1 error(s), 0 warning(s)",
        "nothing rated: no return gives a figure for any indicator of the register",
    ]


@pytest.mark.parametrize(("make", "code", "words"), BROKEN, ids=IDS)
def test_validate_json_always_prints_the_full_report(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], None],
    code: str,
    words: str,
) -> None:
    finance = tmp_path / "Finance.xlsx"
    make(finance)
    status, out, err = kpixl(capsys, "validate", finance, "--register", REGISTER, "--json")
    assert (status, err) == (1, "")
    report = json.loads(out)
    assert report["valid"] is False
    [issue] = report["issues"]
    assert (issue["severity"], issue["code"], issue["file"]) == ("error", code, str(finance))
    assert words in issue["message"]


def test_every_file_of_many_is_answered_and_nothing_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    for make, code, _ in BROKEN:
        make(folder / f"{code}.xlsx")
    out_file = tmp_path / "out" / "dashboard.xlsx"
    status, out, err = kpixl(capsys, "build", folder, "--register", REGISTER, "-o", out_file)
    assert (status, err) == (1, "")
    said = {line.rsplit("[", 1)[1].rstrip("]"): line for line in out.splitlines() if "[" in line}
    assert sorted(said) == sorted(IDS)
    for code, line in said.items():  # each file named with its own problem
        assert line.startswith(f"error: {folder / (code + '.xlsx')}: ")
    assert out.splitlines()[-2:] == [
        "6 returns checked: 6 error(s), 0 warning(s)",
        "nothing written: no return gives a figure for any indicator of the register",
    ]
    assert not out_file.parent.exists()


def test_a_return_of_another_register_among_good_ones_gets_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = tmp_path / "Stray.xlsx"
    another_registers(stray)
    out_dir = tmp_path / "out"
    status, out, _ = kpixl(capsys, "build", SAMPLES, stray, "--register", REGISTER, "-o", out_dir)
    assert status == 1
    assert (out_dir / "CED-DCED_2025-03.xlsx").is_file()  # the good returns are still built
    stray_lines = [line for line in out.splitlines() if str(stray) in line]
    assert len(stray_lines) == 1  # not one `unknown-ref` per ref
    assert stray_lines[0].endswith("[no-known-refs]")


def test_a_single_unknown_ref_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = write_book(tmp_path / "typo.xlsx", {"KPIs": [["Ref", "Mar-25"], ["FN7", 0.9]]})
    status, out, _ = kpixl(capsys, "validate", typo, "--register", REGISTER)
    assert status == 1
    assert (
        f"error: {typo}: its one ref, FN7, is not in the register register.xlsx: is this the "
        "right register for this file? If so, correct the refs [no-known-refs]"
    ) in out.splitlines()


def test_a_file_with_one_known_ref_keeps_its_unknown_ref_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [["Ref", "Mar-25"], ["FN07", 0.9], ["FN99", 0.5]]
    mixed = write_book(tmp_path / "mixed.xlsx", {"KPIs": rows})
    status, out, _ = kpixl(capsys, "validate", mixed, "--register", REGISTER, "--json")
    assert status == 1
    codes = [(i["code"], i["cell"]) for i in json.loads(out)["issues"] if i["file"] == str(mixed)]
    assert ("unknown-ref", "A3") in codes and "no-known-refs" not in {c for c, _ in codes}


def test_figures_all_marked_n_a_still_exit_1_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    na = write_book(tmp_path / "na.xlsx", {"KPIs": [["Ref", "Mar-25"], ["FN07", "n/a"]]})
    status, out, _ = kpixl(capsys, "validate", na, "--register", REGISTER, "--json")
    assert status == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert [i["code"] for i in report["issues"] if i["severity"] == "error"] == ["no-figures"]


def test_an_unusable_register_is_still_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    finance = tmp_path / "Finance.xlsx"
    password_protected(finance)
    register = tmp_path / "register.xlsx"
    csv_renamed(register)
    status, out, err = kpixl(capsys, "validate", finance, "--register", register, "--json")
    assert status == 2 and out == ""
    assert "register register.xlsx" in err


def test_the_library_says_each_files_problem_too(tmp_path: Path) -> None:
    locked, cut = tmp_path / "Locked.xlsx", tmp_path / "Cut.xlsx"
    password_protected(locked)
    truncated(cut)
    with pytest.raises(NothingToRate) as caught:
        run([locked, cut], REGISTER)
    assert isinstance(caught.value, UsageError)  # what scripts caught before
    assert caught.value.report.flatten(["file", "code"]) == [
        [str(cut), "file-unreadable"],
        [str(locked), "password-protected"],
    ]
    message = str(caught.value)  # what the add-in and `kpixl batch` show in one line
    assert message.startswith("no figure for any indicator of the register in the 2 returns given")
    assert "Locked.xlsx: cannot read this file: the workbook is password-protected" in message


def test_nothing_written_means_no_workbook_left_behind(tmp_path: Path) -> None:
    finance = tmp_path / "Finance.xlsx"
    without_a_table(finance)
    out_file = tmp_path / "dashboard.xlsx"
    assert main(["build", str(finance), "--register", str(REGISTER), "-o", str(out_file)]) == 1
    assert not out_file.exists()
    assert openpyxl.load_workbook(finance).sheetnames == ["Notes"]  # the return untouched
