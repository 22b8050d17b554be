"""The add-in on a council PC: a protected return, workbooks on OneDrive and SharePoint, Protected
View, a Python that Windows will not start. Each on a fake that behaves as Excel does in that
respect, or on the VBA source and xlwings' own VBA it calls."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import kpixl.addin
from kpixl.addin import entry, sheets
from kpixl.addin.build import SOURCES
from kpixl.errors import UsageError
from tests.addin_helpers import RETURN, FakeApp, FakeBook, office, validation_rows
from tests.conftest import write_book

__all__ = ["office"]  # the fixture, shared with tests/test_addin_entry.py

XLWINGS_VBA = Path(__import__("xlwings").__file__).parent / "addin"
ASR_GUID = "d4f940ab-401b-4efc-aadc-ad5f3c50688a"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "addin.md"


# --- a protected return ----------------------------------------------------------------------


def _figures_with_two_errors() -> list[list[object]]:
    rows = [r[:] for r in RETURN]
    rows[1][3] = "about 88"
    rows[2][2] = "lots"
    return rows


def test_a_protected_return_is_validated_with_links_and_no_colour(office: Path) -> None:
    book = FakeBook(FakeApp(), office / "Alpha.xlsx", {"Return": _figures_with_two_errors()})
    book.sheets["Return"].protected = True
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    rows = validation_rows(book)
    marked = {r["Cell"]: r["Cell colour before"] for r in rows if r["Code"] == "not-numeric"}
    assert marked == {"D2": sheets.NOT_MARKED, "C3": sheets.NOT_MARKED}
    report = book.sheets[sheets.VALIDATION_SHEET]
    assert {"#'Return'!D2", "#'Return'!C3"} <= set(report._links.values())
    assert book.sheets["Return"]._colours == {}
    (alert,) = book.app.alerts
    assert alert["mode"] is None  # the summary, not a failure
    assert "protected sheet(s) 'Return' are not coloured" in alert["prompt"]
    # the second click works the same (before, every later click failed with error 1004)
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert book.sheet_names.count(sheets.VALIDATION_SHEET) == 1
    assert "not coloured" in book.app.alerts[-1]["prompt"]


def test_only_the_protected_sheet_goes_unmarked(office: Path) -> None:
    book = FakeBook(
        FakeApp(), office / "Alpha.xlsx",
        {"Locked": _figures_with_two_errors()[:3],
         "Open": [RETURN[0], ["AA04", "Calls received", 1000, "many", 950]]},
    )  # fmt: skip
    book.sheets["Locked"].protected = True
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    notes = {(r["Sheet"], r["Cell"]): r["Cell colour before"] for r in validation_rows(book)}
    assert notes[("Locked", "D2")] == sheets.NOT_MARKED
    assert notes[("Open", "D2")] == "none"
    assert book.sheets["Open"]._colours[(1, 3)] == (255, 199, 206)


def test_marks_made_before_the_sheet_was_protected_stay_without_a_failure(office: Path) -> None:
    book = FakeBook(FakeApp(), office / "Alpha.xlsx", {"Return": _figures_with_two_errors()})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    book.sheets["Return"].protected = True  # the officer protects it, then validates again
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert all(a["mode"] is None for a in book.app.alerts)
    assert {r["Cell colour before"] for r in validation_rows(book) if r["Cell"]} >= {
        sheets.NOT_MARKED
    }


def test_other_failures_while_marking_are_not_taken_for_protection() -> None:
    assert not sheets.refused_by_protection(RuntimeError("disk on fire"))
    assert not sheets.refused_by_protection(Exception(-1, "x", (0, "Excel", "y", "", 0, -5), None))


# --- OneDrive and SharePoint -----------------------------------------------------------------

BUSINESS = (
    "https://west-kent-my.sharepoint.com/personal/sian_jones_west-kent_gov_uk/Documents/"
    "Performance/Alpha%20return.xlsx"
)
TEAMS = "https://westkent.sharepoint.com/teams/PerformanceTeam/Shared%20Documents/Dash/d.xlsx"


@pytest.fixture
def synced(office: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The OneDrive client's folders of a user called Siân at West Kent."""
    home = office / "Users" / "Siân"
    business = home / "OneDrive - West Kent"
    monkeypatch.setenv("OneDriveCommercial", str(business))
    (business / "Performance").mkdir(parents=True)
    (home / "West Kent" / "Performance Team - Documents" / "Dash").mkdir(parents=True)
    return home


def test_xlwings_own_mapping_fails_for_these_addresses(synced: Path) -> None:
    """Why kpixl's buttons do not let xlwings put the workbook's folder on sys.path."""
    import xlwings
    from xlwings.utils import fullname_url_to_local_path

    write_book(synced / "OneDrive - West Kent" / "Performance" / "Alpha return.xlsx",
               {"Return": RETURN})  # fmt: skip
    with pytest.raises(xlwings.XlwingsError):
        fullname_url_to_local_path(BUSINESS)  # the hyphen in the tenant's name


def test_a_onedrive_workbook_finds_its_synced_copy_and_settings(synced: Path) -> None:
    folder = synced / "OneDrive - West Kent" / "Performance"
    write_book(folder / "Alpha return.xlsx", {"Return": RETURN})
    (folder / "kpixl.toml").write_text("register = 'nowhere.xlsx'\n", encoding="utf-8")
    book = FakeBook(FakeApp(), BUSINESS, {"Return": RETURN})
    assert entry.book_path(book) == folder / "Alpha return.xlsx"
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    (alert,) = book.app.alerts  # the settings next to the synced file were the ones read
    assert str(folder / "kpixl.toml") in alert["prompt"] and "nowhere.xlsx" in alert["prompt"]


def test_a_teams_site_workbook_finds_its_synced_library(synced: Path) -> None:
    path = synced / "West Kent" / "Performance Team - Documents" / "Dash" / "d.xlsx"
    write_book(path, {"Data": [[1]]})
    assert entry.book_path(FakeBook(FakeApp(), TEAMS, {})) == path


def test_an_unsynced_address_still_validates_and_email_says_what_to_do(office: Path) -> None:
    (office / "appdata" / "kpixl").mkdir(parents=True)
    (office / "kpixl.toml").rename(office / "appdata" / "kpixl" / "kpixl.toml")
    text = (office / "appdata" / "kpixl" / "kpixl.toml").read_text(encoding="utf-8")
    (office / "appdata" / "kpixl" / "kpixl.toml").write_text(
        text.replace("'register.xlsx'", repr(str(office / "register.xlsx"))), encoding="utf-8"
    )
    book = FakeBook(FakeApp(), TEAMS.replace("d.xlsx", "Alpha.xlsx"), {"Return": RETURN})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert book.app.alerts[-1]["prompt"].startswith("Alpha.xlsx: ")
    kpixl.addin.email_dashboard(book)  # type: ignore[arg-type]
    message = book.app.alerts[-1]["prompt"]
    assert "is on OneDrive/SharePoint" in message and "no synced copy" in message


# --- no workbook from xlwings --------------------------------------------------------------


def test_without_the_callers_workbook_one_line_goes_to_xlwings_error_box(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_book() -> None:
        raise UsageError("the Excel add-in needs xlwings: pip install 'kpixl[addin]'")

    monkeypatch.setattr(entry, "caller_book", no_book)
    with pytest.raises(SystemExit) as stop:
        kpixl.addin.validate_return()
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert err == "KPI Dashboard: the Excel add-in needs xlwings: pip install 'kpixl[addin]'\n"


# --- the VBA ------------------------------------------------------------------------------

CALLBACK = re.compile(r"Public Sub (\w+)\(control As IRibbonControl\)\n(.*?)\nEnd Sub", re.S)


def _vba() -> str:
    return (SOURCES / "KpixlRibbon.bas").read_text(encoding="ascii")


def _procedure(name: str) -> str:
    found = re.search(rf"(?:Sub|Function) {name}\(.*?\n(.*?)\nEnd (?:Sub|Function)", _vba(), re.S)
    assert found is not None, name
    return found[1]


def test_every_ribbon_callback_turns_any_failure_into_one_message() -> None:
    callbacks = CALLBACK.findall(_vba())
    assert len(callbacks) == 4
    for name, body in callbacks:
        lines = [line.strip() for line in body.splitlines()]
        assert lines[0] == "On Error GoTo Failed", name
        assert lines[-3:] == ["Exit Sub", "Failed:", "ShowFailure Err.Number, Err.Description"]
    # every message box is the one Tell shows, and nothing runs on after it
    assert _vba().count("MsgBox ") == 1 and "MsgBox message, vbExclamation, TITLE" in _vba()


def test_the_failure_messages_say_what_to_do() -> None:
    failure = _procedure("ShowFailure")
    permission = failure.split("Case 70", 1)[1].split("Case ", 1)[0]
    assert "Block all Office applications" in permission and "AppLocker" in permission
    assert "docs/addin.md" in permission
    assert "kpixl addin install" in failure.split("Case 1004", 1)[1]
    docs = DOCS.read_text(encoding="utf-8")
    assert (
        ASR_GUID in docs and "Block all Office applications from creating child processes" in docs
    )
    assert "AppLocker" in docs


def test_protected_view_says_enable_editing() -> None:
    run = _procedure("RunKpixl")
    no_book = run.split("If ActiveWorkbook Is Nothing Then", 1)[1].split("Exit Sub", 1)[0]
    assert "Application.ProtectedViewWindows.Count > 0" in no_book
    assert no_book.index("Enable Editing") < no_book.index("Open a workbook first")


def test_python_not_found_is_checked_before_xlwings_is_asked() -> None:
    run = _procedure("RunKpixl")
    assert run.index('KpixlSetting("INTERPRETER_WIN")') < run.index("FileExists(interpreter)")
    assert run.index("FileExists(interpreter)") < run.index("ExecuteWindows")
    assert "OpenTextFile(path, 1, False, -1)" in _procedure("KpixlSetting")  # -1: UTF-16


def test_the_xlwings_procedure_called_exists_public_with_those_parameters() -> None:
    """The installed xlwings add-in's Main module, which RunPython itself calls."""
    main = (XLWINGS_VBA / "Main.bas").read_text(encoding="utf-8", errors="replace")
    signature = re.search(r"^(\w+ )?Function ExecuteWindows\((.*?)\) As", main, re.S | re.M)
    assert signature is not None and signature[1] in (None, "Public ")
    params = [p.split(" As ")[0].replace("Optional ", "").strip(" _\r\n")
              for p in signature[2].split(",")]  # fmt: skip
    assert params == ["IsFrozen", "PythonCommand", "PYTHON_WIN", "PYTHONPATH", "FrozenArgs"]
    assert "RunPython = ExecuteWindows(False, PythonCommand, interpreter, PYTHONPATH)" in main
    assert "Option Private Module" not in main


def test_no_workbook_path_keeps_xlwings_from_mapping_the_address() -> None:
    from xlwings.utils import prepare_sys_path

    value = re.search(r'NO_WORKBOOK_PATH As String = "(.*?)"', _vba())
    assert value is not None
    fields = value[1].split(";")
    assert len(fields) == 6 and fields[0] == "false"
    fields[1:3] = [BUSINESS, "C:/Users/x/XLSTART/kpixl.xlam"]  # as ExecuteWindows fills them
    before = list(sys.path)
    try:
        prepare_sys_path(";".join(fields))
        assert sys.path == before
    finally:
        sys.path[:] = before
