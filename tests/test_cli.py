"""The command line, run as a user runs it: exit codes, one-line errors, JSON shape, outputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli.main import main
from kpixl.results import DATA_COLUMNS
from tests.conftest import write_book

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples/returns"
REGISTER = ROOT / "samples/register.xlsx"


def kpixl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_for_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("build", "validate"):
        code, out, _ = kpixl(capsys, command, "--help")
        assert code == 0 and "--register" in out


def test_readme_documents_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("build", "validate", "batch", "template", "email", "addin", "suggest"):
        assert f"kpixl {command}" in readme
        assert main([command, "--help"]) == 0


def test_validate_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = kpixl(capsys, "validate", SAMPLES, "--register", REGISTER, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["valid"] is True
    assert set(report) == {"valid", "issues"}
    keys = ["severity", "code", "file", "sheet", "cell", "ref", "period", "message"]
    assert all(list(issue) == keys for issue in report["issues"])
    assert {"code": "drag-fill", "ref": "CS08", "cell": "C13"}.items() <= next(
        i for i in report["issues"] if i["code"] == "drag-fill"
    ).items()
    # one issue a line, for a person to read and grep to find
    lines = out.splitlines()
    assert len(lines) == len(report["issues"]) + 5
    assert [json.loads(line.rstrip(",")) for line in lines[3:-2]] == report["issues"]


def test_validate_human_report_and_exit_1_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_book(tmp_path / "bad.xlsx", {"KPIs": [["Ref", "Mar-25"], ["FN07", "ninety"]]})
    code, out, err = kpixl(capsys, "validate", bad, SAMPLES, "--register", REGISTER)
    assert code == 1 and err == ""
    assert (
        "error: " + str(bad) + ", sheet 'KPIs', cell B2: FN07 Mar-25 value 'ninety' is text, not a "
        "number: type a number, or n/a if there is no figure [not-numeric]"
    ) in out
    assert "30 returns checked: 1 error(s)" in out


def test_bad_register_lists_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = write_book(
        tmp_path / "register.xlsx", {"Indicators": [["ref", "description"], ["X1", "x"]]}
    )
    code, out, err = kpixl(capsys, "validate", SAMPLES, "--register", reg)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines == [
        "error: register.xlsx, sheet 'Indicators', cell 1:1: sheet 'Indicators' has no "
        "'service_area' column in row 1: add it [register-missing-column]",
        "error: register.xlsx, sheet 'Indicators', cell 1:1: sheet 'Indicators' has no 'kind' "
        "column in row 1: add it [register-missing-column]",
        "error: register.xlsx, sheet 'Service areas': the register has no sheet 'Service areas': "
        "add it (see the register template) [register-missing-sheet]",
        "kpixl: register register.xlsx has 3 problems: fix them and run again",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "nowhere/", "--register", REGISTER], "kpixl: nowhere: no such file or folder"),
        (["validate", SAMPLES, "--register", "missing.xlsx"], "kpixl: register missing.xlsx: the file does not exist"),
        (["build", SAMPLES, "--register", REGISTER, "--period", "March"], "kpixl: --period: 'March' is not a period"),
        (["validate", "--register", REGISTER], "Missing argument 'RETURNS...'"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str | Path], message: str
) -> None:
    code, out, err = kpixl(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err


def test_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "~$open.xlsx").write_bytes(b"lock")
    code, _, err = kpixl(capsys, "validate", tmp_path, "--register", REGISTER)
    assert code == 2 and "no returns found" in err


def test_unexpected_failure_is_one_line_and_a_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("kpixl.pipeline.run", boom)
    monkeypatch.setattr("kpixl.cli.main.LOG_FILE", tmp_path / "kpixl-error.log")
    code, out, err = kpixl(capsys, "validate", SAMPLES, "--register", REGISTER)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "disk on fire" in err and str(tmp_path) in err
    assert "Traceback" in (tmp_path / "kpixl-error.log").read_text(encoding="utf-8")


def test_build_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "CED-DCED_2025-03.xlsx"
    csv_file = tmp_path / "results.csv"
    code, out, err = kpixl(capsys, "build", SAMPLES, "--register", REGISTER, "--period", "2025-03",
                           "-o", out_file, "--results", csv_file)  # fmt: skip
    assert (code, err) == (0, "")
    assert f"wrote {out_file}" in out
    wb = openpyxl.load_workbook(out_file)
    assert wb.sheetnames[:2] == ["Guidance", "Summary"]
    assert {"Commentary", "Validation", "Data"} <= set(wb.sheetnames)
    with csv_file.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == DATA_COLUMNS
    fn07 = next(r for r in rows if r["ref"] == "FN07" and r["period"] == "2025-03")
    assert (fn07["month_rag"], fn07["ytd_rag"], fn07["source"]) == (
        "GREEN", "GREEN", "Finance_2024-25.xlsx!Finance KPIs!N3",
    )  # fmt: skip
    assert len(rows) == sum(1 for r in rows if r["period"]) == 50 * 12 - 2 * 8


def test_build_exits_1_with_errors_but_still_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_book(tmp_path / "in" / "bad.xlsx", {"KPIs": [["Ref", "Mar-25"], ["ZZ1", 1]]})
    out_dir = tmp_path / "out"
    code, out, _ = kpixl(capsys, "build", SAMPLES, bad, "--register", REGISTER, "-o", out_dir)
    assert code == 1
    assert (out_dir / "CED-DCED_2025-03.xlsx").is_file()
    assert "its one ref, ZZ1, is not in the register" in out  # the file holds no known ref
    assert "[no-known-refs]" in out


def test_build_never_writes_over_a_return(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ret = write_book(tmp_path / "r.xlsx", {"KPIs": [["Ref", "Mar-25"], ["FN07", 0.9]]})
    before = ret.read_bytes()
    code, _, err = kpixl(capsys, "build", ret, "--register", REGISTER, "-o", ret)
    assert code == 2 and "is one of the returns being read" in err
    assert ret.read_bytes() == before


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "kpixl", "--version"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert proc.returncode == 0 and "0.1.0" in proc.stdout


def test_build_refuses_to_write_inside_a_folder_of_returns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "returns"
    write_book(folder / "r.xlsx", {"KPIs": [["Ref", "Mar-25"], ["FN07", 0.9]]})
    code, _, err = kpixl(capsys, "build", folder, "--register", REGISTER, "-o", folder / "d.xlsx")
    assert code == 2 and "is inside the folder of returns" in err
    assert sorted(p.name for p in folder.iterdir()) == ["r.xlsx"]


def test_build_says_when_a_file_is_in_the_way_of_the_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    target = tmp_path / "out" / "d.xlsx"
    code, _, err = kpixl(capsys, "build", SAMPLES, "--register", REGISTER, "-o", target)
    assert code == 2
    assert (
        err
        == f"kpixl: cannot create the folder {tmp_path / 'out'}: a file of that name is in the way; choose another output\n"
    )


def test_two_dashboards_never_share_a_file(tmp_path: Path) -> None:
    from kpixl.dashboard.output import dashboard_targets
    from kpixl.errors import UsageError
    from kpixl.periods import Period

    assert dashboard_targets(["A", "B"], Period(2025, 3), tmp_path) == {
        "A": tmp_path / "A_2025-03.xlsx", "B": tmp_path / "B_2025-03.xlsx",
    }  # fmt: skip
    with pytest.raises(UsageError, match="'Ops' and 'OPS' would both be written to"):
        dashboard_targets(["Ops", "OPS"], Period(2025, 3), tmp_path)


def test_the_command_line_starts_without_the_workbook_writers() -> None:
    """`kpixl validate` is run often and on whole folders: it starts without openpyxl and
    pandas, which only the commands that write workbooks or tables import, and without numpy
    and rich, imported once the readers have started or there is something to print."""
    import subprocess
    import sys

    heavy = "{'openpyxl', 'pandas', 'numpy', 'rich'}"
    code = f"import sys, kpixl.cli.main; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_register_kept_beside_the_returns_is_not_read_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    folder = tmp_path / "returns"
    shutil.copytree(SAMPLES, folder)
    register = shutil.copy(REGISTER, folder / "register.xlsx")
    assert main(["validate", str(folder), "--register", str(register)]) == 0
    out = capsys.readouterr().out
    assert "register.xlsx" not in out and "29 returns" in out
    only = tmp_path / "alone"
    only.mkdir()
    alone = shutil.copy(REGISTER, only / "register.xlsx")
    assert main(["validate", str(only), "--register", str(alone)]) == 2
    assert "the only workbook found is the register" in capsys.readouterr().err


@pytest.mark.parametrize(("chosen", "used"), [(None, "1"), ("3", "3")])
def test_the_command_line_runs_numpy_on_one_blas_thread_unless_told(
    chosen: str | None, used: str
) -> None:
    """numpy's import starts OpenBLAS's spinning threads, which kpixl never uses: the command
    line asks for one before numpy is imported, and keeps a number the user has set."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if chosen is not None:
        env["OPENBLAS_NUM_THREADS"] = chosen
    code = (
        "import os, sys; from kpixl.cli.main import main; main(['--version']); "
        "print('numpy' in sys.modules, os.environ['OPENBLAS_NUM_THREADS'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip().splitlines()[-1] == f"False {used}"
