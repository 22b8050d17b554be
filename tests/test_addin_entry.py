"""The Python entry points the ribbon's buttons call, run against a small fake of xlwings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

import kpixl.addin
from kpixl.addin import entry, sheets, xl
from kpixl.addin.config import TEMPLATE, load_config
from kpixl.dashboard.output import write_dashboards
from kpixl.pipeline import NothingToRate, run
from tests.addin_helpers import (
    HEADER,
    RETURN,
    FakeApp,
    FakeBook,
    FakeBooks,
    FakeRange,
    FakeSheet,
    FakeSheets,
    office,
    validation_rows,
)
from tests.conftest import write_book
from tests.smtp_servers import Recorder, smtp_server

__all__ = ["office"]  # the fixture, shared with tests/test_addin_council_pc.py

# --- the fake of xlwings (tests/addin_helpers.py) -----------------------------------------

FAKES = {"Range": FakeRange, "Sheet": FakeSheet, "Sheets": FakeSheets, "Book": FakeBook,
         "Books": FakeBooks, "App": FakeApp}  # fmt: skip
TEST_ONLY = {"type_in", "active_sheet", "alerts", "opened", "protected"}  # the fake's own helpers


def test_the_fake_and_the_protocols_use_only_xlwings_names() -> None:
    import xlwings.main

    for protocol, name in xl.XLWINGS_CLASSES.items():
        real = set(dir(getattr(xlwings.main, name)))
        used = {a for a in protocol.__dict__ if not a.startswith("_")} | (
            {"__getitem__", "__iter__"} & set(protocol.__dict__)
        )
        assert used <= real, (name, used - real)
        fake = {a for a in dir(FAKES[name]) if not a.startswith("_")} - TEST_ONLY
        assert used <= fake | {"__getitem__", "__iter__"}, (name, used - fake)
        assert fake <= real, (name, fake - real)


# --- the entry points ---------------------------------------------------------------------


def at(rows: list[list[Any]], top: int, left: int) -> list[list[Any]]:
    """The rows placed with their first cell at 0-based (top, left)."""
    return [[] for _ in range(top)] + [[None] * left + list(r) for r in rows]


def test_validate_reads_unsaved_values_and_lists_problems_with_links(office: Path) -> None:
    rows = [r[:] for r in RETURN]
    rows[1][3] = "about 88"  # typed in Excel, not saved: the file on disk is clean
    rows.append(["ZZ99", "Not in the register", 1, 2, 3])
    saved = write_book(office / "Alpha return.xlsx", {"Return": at(RETURN, 2, 1)})
    book = FakeBook(FakeApp(), saved, {"Return": at(rows, 2, 1)})
    book._sheets[0]._colours[(3, 4)] = (10, 20, 30)

    kpixl.addin.validate_return(book)  # type: ignore[arg-type]

    found = {(r["Code"], r["Cell"]) for r in validation_rows(book)}
    assert ("not-numeric", "E4") in found  # Excel's address of "about 88" placed from B3
    assert ("unknown-ref", "B7") in found
    link = book.sheets[sheets.VALIDATION_SHEET]._links
    assert "#'Return'!E4" in link.values()
    sheet = book.sheets["Return"]
    assert sheet._colours[(3, 4)] == (255, 199, 206)  # marked as an error
    assert book.active_sheet is book.sheets[sheets.VALIDATION_SHEET]
    (alert,) = book.app.alerts
    assert alert["prompt"].startswith("Alpha return.xlsx: 2 error(s)")
    # the file on disk is what the command line sees: without the edit, no not-numeric error
    on_disk = run([saved], office / "register.xlsx").report
    assert "not-numeric" not in on_disk.codes()


def test_validate_gives_what_kpixl_validate_gives_for_the_same_return(office: Path) -> None:
    rows = [r[:] for r in RETURN]
    rows[1][4] = 1.5  # a percent above 100%
    rows[3][2] = "n/a"
    saved = write_book(office / "returns" / "Alpha.xlsx", {"Figures": at(rows, 0, 0)})
    book = FakeBook(FakeApp(), saved, {"Figures": rows})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    shown = sorted((r["Code"], r["Cell"] or "", r["Ref"] or "") for r in validation_rows(book))
    cli = run([saved], office / "register.xlsx").report
    # all but the batch's note that no return came for the other service area (Beta)
    expected = sorted((i.code.value, i.cell, i.ref) for i in cli if i.file or i.ref)
    assert shown == expected
    assert {"percent-points", "missing-value", "ytd-fallback"} <= {c for c, _, _ in shown}
    assert len(expected) == len(cli) - 1


def test_validate_again_puts_back_the_colours_it_changed(office: Path) -> None:
    rows = [r[:] for r in RETURN]
    rows[2][2] = "lots"
    book = FakeBook(FakeApp(), office / "b.xlsx", {"Return": rows})
    sheet = book.sheets["Return"]
    sheet._colours[(2, 2)] = (1, 2, 3)
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert sheet._colours[(2, 2)] == (255, 199, 206)
    sheet.type_in((2, 2), 0.04)  # the officer fixes the figure and validates again
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert sheet._colours[(2, 2)] == (1, 2, 3)
    assert book.sheet_names.count(sheets.VALIDATION_SHEET) == 1
    assert "not-numeric" not in {r["Code"] for r in validation_rows(book)}


def test_odd_names_are_quoted_and_return_text_is_never_a_formula(office: Path) -> None:
    name = "O'Brien's figures"
    rows = [r[:] for r in RETURN] + [['=HYPERLINK("http://x")', "odd", 1, 2, 3]]
    book = FakeBook(FakeApp(), office / "Q1 (O'Brien) & co %20 £.xlsx", {name: rows})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    report = book.sheets[sheets.VALIDATION_SHEET]
    assert "#'O''Brien''s figures'!A5" in report._links.values()
    assert not report._formulas
    assert '=HYPERLINK("http://x")' in {r["Ref"] for r in validation_rows(book)}
    assert book.app.alerts[0]["prompt"].startswith("Q1 (O'Brien) & co %20 £.xlsx:")


def test_validate_a_workbook_without_a_table_says_so(office: Path) -> None:
    book = FakeBook(FakeApp(), office / "letter.xlsx", {"Sheet1": [["Dear all"]]})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert [r["Code"] for r in validation_rows(book)] == ["no-table"]


def told(book: FakeBook) -> list[tuple[str, str, str]]:
    return [(r["Severity"], r["Code"], r["Message"]) for r in validation_rows(book)]


def test_validate_a_return_for_another_register_names_what_it_holds(office: Path) -> None:
    rows = [HEADER, *([f"FIN-{n}", "Spend", 1, 2, 3] for n in range(1, 6))]
    book = FakeBook(FakeApp(), office / "Finance.xlsx", {"KPIs": rows})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert told(book) == [
        (
            "error",
            "no-known-refs",
            "5 refs such as FIN-1, FIN-2, FIN-3, none in the register register.xlsx: is this "
            "the right register for this file? If so, correct the refs",
        )
    ]  # one line for the file, not an unknown-ref per ref
    assert book.app.alerts[0]["prompt"].startswith("Finance.xlsx: 1 error(s), 0 warning(s)")
    # the command line says the same of the saved file
    saved = write_book(office / "returns" / "Finance.xlsx", {"KPIs": rows})
    with pytest.raises(NothingToRate) as nothing:
        run([saved], office / "register.xlsx")
    assert [i.message for i in nothing.value.report] == [told(book)[0][2]]


def test_validate_a_return_sent_back_unfilled_says_so(office: Path) -> None:
    rows = [HEADER, ["AA01", "Calls answered"], ["AA02", "Rent outstanding"], ["ZZ99", "Other"]]
    book = FakeBook(FakeApp(), office / "Blank.xlsx", {"KPIs": rows})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    errors = [(code, message) for severity, code, message in told(book) if severity == "error"]
    assert errors == [
        ("no-figures", "holds 2 indicators of the register (AA01, AA02) but no figure for any of "
         "them: fill in the figures and send it again"),
    ]  # fmt: skip
    saved = write_book(office / "returns" / "Blank.xlsx", {"KPIs": rows})
    with pytest.raises(NothingToRate) as nothing:
        run([saved], office / "register.xlsx")
    assert [(i.code.value, i.message) for i in nothing.value.report.errors] == errors


def test_validate_a_return_of_only_n_a_says_no_figure_is_given(office: Path) -> None:
    rows = [HEADER, ["AA01", "Calls answered", "n/a", "n/a", "n/a"]]
    book = FakeBook(FakeApp(), office / "Nil.xlsx", {"KPIs": rows})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert ("error", "no-figures") in {(severity, code) for severity, code, _ in told(book)}
    [row] = [r for r in validation_rows(book) if r["Code"] == "no-figures"]
    assert row["Message"].startswith("no return gives a figure for any indicator of the register")


def test_without_settings_the_button_says_to_click_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPDATA", str(tmp_path / "appdata"))
    book = FakeBook(FakeApp(), "Book1", {"Sheet1": RETURN})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    (alert,) = book.app.alerts
    assert "no kpixl.toml found" in alert["prompt"] and "click Settings" in alert["prompt"]
    assert alert["mode"] == "critical"


def test_an_unexpected_failure_is_an_alert_with_the_log(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(book: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(entry.sheets, "read_book", broken)
    monkeypatch.setattr(entry, "LOG_FILE", office / "err.log")
    book = FakeBook(FakeApp(), office / "b.xlsx", {"Return": RETURN})
    kpixl.addin.validate_return(book)  # type: ignore[arg-type]
    assert "disk on fire" in book.app.alerts[0]["prompt"]
    assert "RuntimeError: disk on fire" in (office / "err.log").read_text(encoding="utf-8")


def test_build_dashboard_builds_from_the_settings_and_opens_it(office: Path) -> None:
    write_book(office / "returns" / "Alpha.xlsx", {"Return": RETURN})
    book = FakeBook(FakeApp(), office / "any.xlsx", {"Sheet1": []})
    kpixl.addin.build_dashboard(book)  # type: ignore[arg-type]
    (opened,) = book.app.opened
    assert opened.parent == office / "out" and opened.is_file()
    summary = openpyxl.load_workbook(opened, read_only=True)["Summary"]
    assert any("AA01" in str(c) for row in summary.values for c in row)
    assert book.app.alerts[0]["prompt"].startswith(
        "Built 1 dashboard(s) for Jun-24 from 1 return(s)"
    )


def _dashboard(office: Path) -> Path:
    write_book(office / "returns" / "Alpha.xlsx", {"Return": RETURN})
    (path,) = write_dashboards(run([office / "returns"], office / "register.xlsx"), office / "out")
    return path


def test_email_dashboard_asks_first_and_sends_nothing_on_cancel(office: Path) -> None:
    book = FakeBook(FakeApp(answers=["cancel"]), _dashboard(office), {"Data": []})
    kpixl.addin.email_dashboard(book)  # type: ignore[arg-type]
    question, answer = book.app.alerts
    assert question["buttons"] == "ok_cancel"
    assert "To: a@example.org; b@example.org" in question["prompt"]
    assert answer["prompt"] == "Not sent."


def test_email_dashboard_sends_to_the_distribution_list(office: Path) -> None:
    recorder = Recorder()
    with smtp_server(recorder) as port:
        with (office / "kpixl.toml").open("a", encoding="utf-8") as f:
            f.write(f"[smtp]\nhost = '127.0.0.1'\nport = {port}\nsecurity = 'none'\n")
        book = FakeBook(FakeApp(), _dashboard(office), {"Data": []})
        kpixl.addin.email_dashboard(book)  # type: ignore[arg-type]
    (message,) = recorder.messages
    assert sorted(message.rcpt_tos) == ["a@example.org", "b@example.org"]
    assert book.app.alerts[-1]["prompt"].startswith("Sent ")


def test_email_needs_a_saved_dashboard(office: Path) -> None:
    book = FakeBook(FakeApp(), "Book2", {"Sheet1": []})
    kpixl.addin.email_dashboard(book)  # type: ignore[arg-type]
    assert "is not saved" in book.app.alerts[0]["prompt"]


def test_settings_creates_the_users_file_and_opens_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPDATA", str(tmp_path / "appdata"))
    shown: list[Path] = []
    monkeypatch.setattr(entry, "open_in_editor", shown.append)
    book = FakeBook(FakeApp(), "Book1", {"Sheet1": []})
    kpixl.addin.settings(book)  # type: ignore[arg-type]
    path = tmp_path / "appdata" / "kpixl" / "kpixl.toml"
    assert shown == [path] and path.read_text(encoding="utf-8") == TEMPLATE
    assert str(path) in book.app.alerts[0]["prompt"]
    config = load_config(None)  # the template is valid and its paths are relative to it
    assert config.register == path.parent / "register.xlsx" and config.smtp.port == 587


def test_settings_next_to_the_workbook_win(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[Path] = []
    monkeypatch.setattr(entry, "open_in_editor", shown.append)
    kpixl.addin.settings(FakeBook(FakeApp(), office / "x.xlsx", {}))  # type: ignore[arg-type]
    assert shown == [office / "kpixl.toml"]


def test_build_dashboard_also_publishes_the_web_page_when_the_settings_say(office: Path) -> None:
    write_book(office / "returns" / "Alpha.xlsx", {"Return": RETURN})
    settings = (office / "kpixl.toml").read_text(encoding="utf-8")
    (office / "kpixl.toml").write_text(settings + "html = true\n", encoding="utf-8")
    book = FakeBook(FakeApp(), office / "any.xlsx", {"Sheet1": []})
    kpixl.addin.build_dashboard(book)  # type: ignore[arg-type]
    (opened,) = book.app.opened  # Excel opens the workbook only
    assert opened.suffix == ".xlsx"
    page = opened.with_suffix(".html")
    assert "<caption" in page.read_text(encoding="utf-8")
    assert f"Also written: {page.name}." in book.app.alerts[0]["prompt"]


def test_a_publish_setting_that_is_not_true_or_false_is_one_line(office: Path) -> None:
    settings = (office / "kpixl.toml").read_text(encoding="utf-8")
    (office / "kpixl.toml").write_text(settings + "pdf = 'yes'\n", encoding="utf-8")
    book = FakeBook(FakeApp(), office / "any.xlsx", {"Sheet1": []})
    kpixl.addin.build_dashboard(book)  # type: ignore[arg-type]
    assert "pdf must be true or false" in book.app.alerts[0]["prompt"]
