"""A dashboard whose file name a mail header cannot hold as it is still goes (issue 19, item 8)."""

from __future__ import annotations

import shutil
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from kpixl.cli.main import main
from kpixl.dashboard import write_dashboard
from kpixl.pipeline import run

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = run([ROOT / "samples/returns"], ROOT / "samples/register.xlsx")
    folder = tmp_path_factory.mktemp("dashboard")
    return write_dashboard(results, "CED-DCED", folder / "CED-DCED_2025-03.xlsx")


@pytest.mark.parametrize("name", ["CED\nDCED_2025-03.xlsx", "CED\r\x1b[2JDCED_2025-03.xlsx"])
def test_a_line_break_in_the_file_name_becomes_a_space_in_the_message(
    dashboard: Path, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = Path(shutil.copy(dashboard, tmp_path / name))
    eml = tmp_path / "draft.eml"
    code = main(["email", str(odd), "--register", str(ROOT / "samples/register.xlsx"),
                 "--eml", str(eml)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    (attached,) = [p for p in message.iter_attachments()]
    assert attached.get_filename() in {"CED DCED_2025-03.xlsx", "CED [2JDCED_2025-03.xlsx"}
    assert attached.get_content() == dashboard.read_bytes()


def test_a_month_in_the_file_name_no_dashboard_reports_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import write_book

    odd = write_book(tmp_path / "CED_1900-01.xlsx", {
        "Guidance": [["Performance Dashboard"]],
        "Summary": [["Key Performance Indicator Summary"]],
        "Data": [["ref", "service_area", "period"], ["FN07", "Finance", None]],
    })  # fmt: skip
    code = main(["email", str(odd), "--register", str(ROOT / "samples/register.xlsx"),
                 "--dry-run"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "cannot tell which month this dashboard reports" in err
    assert "unexpected" not in err
