"""The Excel add-in, tested on Linux: the .xlam package, its VBA, the wiring of every button to
Python, the entry points against a small fake of xlwings, and the installer's file plan."""

from __future__ import annotations

import ast
import importlib
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PureWindowsPath
from typing import Any

import openpyxl
import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st

import kpixl.addin
from kpixl.addin import entry, install, sheets, xl
from kpixl.addin.build import RIBBON_PART, SOURCES, VBA_PART, build_xlam, vba_sources
from kpixl.addin.config import TEMPLATE, load_config
from kpixl.cells import parse_a1
from kpixl.cli.main import main
from kpixl.dashboard.output import write_dashboards
from kpixl.pipeline import NothingToRate, run
from tests.conftest import SETTINGS, month, write_book, write_register
from tests.smtp_servers import Recorder, smtp_server

UI = "{http://schemas.microsoft.com/office/2006/01/customui}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
HANDLER = re.compile(r"Public Sub (\w+)\(control As IRibbonControl\)\n(.*?)\nEnd Sub", re.S)


# --- the package --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_xlam(tmp_path_factory.mktemp("addin"))


def _xml(zf: zipfile.ZipFile, part: str) -> Any:
    return ElementTree.fromstring(zf.read(part))


def test_build_is_deterministic(xlam: Path, tmp_path: Path) -> None:
    again = build_xlam(tmp_path)
    assert again.read_bytes() == xlam.read_bytes()
    with zipfile.ZipFile(again) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.namelist()[0] == "[Content_Types].xml"


def test_package_is_a_macro_enabled_addin_with_a_ribbon(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as zf:
        assert zf.testzip() is None
        types = _xml(zf, "[Content_Types].xml")
        defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT}Default")}
        overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
        assert (
            overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        )
        assert defaults["bin"] == "application/vnd.ms-office.vbaProject"
        for name in zf.namelist():  # every part has a content type
            assert "/" + name in overrides or name.rsplit(".", 1)[-1] in defaults, name
        for part in overrides:
            assert part.lstrip("/") in zf.namelist()
        root = {r.get("Type").rsplit("/", 1)[-1]: r.get("Target") for r in _xml(zf, "_rels/.rels")}
        assert root["extensibility"] == RIBBON_PART
        assert root["officeDocument"] == "xl/workbook.xml"
        book = {r.get("Type").rsplit("/", 1)[-1]: r.get("Target")
                for r in _xml(zf, "xl/_rels/workbook.xml.rels")}  # fmt: skip
        assert "xl/" + book["vbaProject"] == VBA_PART
        assert all("xl/" + target in zf.namelist() for target in book.values())
        assert zf.read(RIBBON_PART) == (SOURCES / "customUI.xml").read_bytes()


def test_ribbon_tab_buttons_and_unique_ids() -> None:
    ribbon = ElementTree.fromstring((SOURCES / "customUI.xml").read_bytes())
    assert ribbon.tag == f"{UI}customUI"
    (tab,) = ribbon.iter(f"{UI}tab")
    assert tab.get("label") == "KPI Dashboard"
    buttons = list(tab.iter(f"{UI}button"))
    assert [b.get("label") for b in buttons] == [
        "Validate return", "Build dashboard", "Email dashboard", "Settings",
    ]  # fmt: skip
    ids = [e.get("id") for e in ribbon.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    # no pictures of our own: built-in Office icons only, so no image parts to relate
    assert all(b.get("imageMso") and b.get("image") is None for b in buttons)


def _bas_code(path: Path) -> str:
    return path.read_text(encoding="ascii").strip()


def test_olevba_extracts_every_module_as_written(xlam: Path) -> None:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(xlam))
    try:
        modules = {
            name.rsplit(".", 1)[0]: code.replace("\r\n", "\n").strip()
            for _, _, name, code in parser.extract_macros()
        }
    finally:
        parser.close()
    assert set(modules) == {"ThisWorkbook", "Sheet1", *(p.stem for p in vba_sources())}
    for source in vba_sources():
        assert modules[source.stem] == _bas_code(source)


def _handlers() -> dict[str, str]:
    text = "\n".join(p.read_text(encoding="ascii") for p in vba_sources())
    return dict(HANDLER.findall(text))


def test_every_button_has_a_handler_running_its_own_python_entry_point() -> None:
    ribbon = ElementTree.fromstring((SOURCES / "customUI.xml").read_bytes())
    actions = [b.get("onAction") for b in ribbon.iter(f"{UI}button")]
    handlers = _handlers()
    assert sorted(actions) == sorted(handlers)
    called = []
    for body in handlers.values():
        (command,) = re.findall(r'RunKpixl "([^"]+)"', body)
        statements = ast.parse(command).body
        imported = statements[0].names[0].name  # type: ignore[attr-defined]
        call = statements[1].value  # type: ignore[attr-defined]
        module, function = ast.unparse(call.func).rsplit(".", 1)
        assert module == imported and not call.args
        assert callable(getattr(importlib.import_module(module), function))
        called.append(function)
    assert sorted(called) == sorted(kpixl.addin.__all__)


def test_python_is_run_through_the_installed_xlwings_addin() -> None:
    text = "\n".join(p.read_text(encoding="ascii") for p in vba_sources())
    assert f'XLWINGS_ADDIN As String = "{install.XLWINGS_ADDIN}"' in text
    call = re.search(
        r"Application\.Run \"'\" & XLWINGS_ADDIN & \"'!(\w+)\", (.*?)\n(?! )", text, re.S
    )
    assert call is not None
    assert call[1] == "ExecuteWindows"
    args = [a.strip(" _\n") for a in call[2].split(",")]
    assert args == ["False", "command", "interpreter", "NO_WORKBOOK_PATH"]


# --- a small fake of the xlwings objects the entry points use -----------------------------

Cell = tuple[int, int]  # 0-based row, column


class com_error(Exception):  # the name pywintypes gives it
    """pywintypes.com_error: (hresult, text, excepinfo, argerr), as xlwings passes it on."""


REFUSED = com_error(
    -2147352567, "Exception occurred.",
    (0, "Microsoft Excel", "Unable to set the Color property of the Interior class",
     "xlmain11.chm", 0, -2146827284),
    None,
)  # fmt: skip


class FakeRange:
    def __init__(self, sheet: FakeSheet, top: Cell, bottom: Cell | None = None) -> None:
        self._sheet, self._top, self._bottom = sheet, top, bottom or top
        self._ndim2 = False

    @property
    def row(self) -> int:
        return self._top[0] + 1

    @property
    def column(self) -> int:
        return self._top[1] + 1

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self._sheet, self._bottom)

    def options(self, **options: Any) -> FakeRange:
        copy = FakeRange(self._sheet, self._top, self._bottom)
        copy._ndim2 = options.get("ndim") == 2
        return copy

    @property
    def value(self) -> Any:
        grid = [
            [self._sheet._cells.get((r, c)) for c in range(self._top[1], self._bottom[1] + 1)]
            for r in range(self._top[0], self._bottom[0] + 1)
        ]
        return grid if self._ndim2 or len(grid) > 1 or len(grid[0]) > 1 else grid[0][0]

    @value.setter
    def value(self, data: Any) -> None:
        rows = data if isinstance(data, list) else [[data]]
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                self._sheet.type_in((self._top[0] + r, self._top[1] + c), v)

    @property
    def color(self) -> Any:
        return self._sheet._colours.get(self._top)

    @color.setter
    def color(self, rgb: Any) -> None:
        if self._sheet.protected:  # what xlwings raises when Excel refuses (error 1004)
            raise REFUSED
        self._sheet._colours[self._top] = tuple(rgb) if rgb is not None else None

    def add_hyperlink(
        self, address: str, text_to_display: str | None = None, screen_tip: str | None = None
    ) -> None:
        self._sheet._links[self._top] = address
        self._sheet.type_in(self._top, text_to_display)

    def autofit(self) -> None:
        pass


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self._book, self._name = book, name
        self._cells: dict[Cell, Any] = {}
        self._colours: dict[Cell, Any] = {}
        self._links: dict[Cell, str] = {}
        self._formulas: set[Cell] = set()
        self.protected = False  # protected against formatting, as kpixl's return template is

    @property
    def name(self) -> str:
        return self._name

    def type_in(self, cell: Cell, value: Any) -> None:
        """As Excel does: a leading apostrophe makes text, a leading = makes a formula."""
        if isinstance(value, str) and value.startswith("'"):
            value = value[1:]
        elif isinstance(value, str) and value.startswith("="):
            self._formulas.add(cell)
        self._cells[cell] = None if value == "" else value

    @property
    def used_range(self) -> FakeRange:
        used = [k for k, v in self._cells.items() if v is not None] or [(0, 0)]
        rows, cols = [r for r, _ in used], [c for _, c in used]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def range(self, cell: str) -> FakeRange:
        return FakeRange(self, parse_a1(cell))

    def delete(self) -> None:
        self._book._sheets.remove(self)

    def activate(self) -> None:
        self._book.active_sheet = self


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self._book = book

    @property
    def count(self) -> int:
        return len(self._book._sheets)

    def __getitem__(self, key: int | str) -> FakeSheet:
        if isinstance(key, int):
            return self._book._sheets[key]
        return next(s for s in self._book._sheets if s.name.lower() == key.lower())

    def __iter__(self) -> Iterator[FakeSheet]:
        return iter(list(self._book._sheets))

    def add(self, name: str | None = None, before: Any = None, after: Any = None) -> FakeSheet:
        assert name not in self._book.sheet_names, "Excel refuses a second sheet of one name"
        sheet = FakeSheet(self._book, name or f"Sheet{self.count + 1}")
        self._book._sheets.insert(self._book._sheets.index(after) + 1, sheet)
        return sheet


class FakeBook:
    def __init__(self, app: FakeApp, fullname: Path | str, sheets: dict[str, list[list[Any]]]):
        self._app, self._fullname = app, str(fullname)
        self._sheets: list[FakeSheet] = []
        self.active_sheet: FakeSheet | None = None
        for name, rows in sheets.items():
            sheet = FakeSheet(self, name)
            self._sheets.append(sheet)
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if v is not None:
                        sheet._cells[(r, c)] = v

    @property
    def name(self) -> str:
        return Path(self._fullname).name

    @property
    def fullname(self) -> str:
        return self._fullname

    @property
    def sheets(self) -> FakeSheets:
        return FakeSheets(self)

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self._sheets]

    @property
    def app(self) -> FakeApp:
        return self._app


class FakeBooks:
    def __init__(self, app: FakeApp) -> None:
        self._app = app

    def open(self, fullname: str) -> FakeBook:
        self._app.opened.append(Path(fullname))
        return FakeBook(self._app, fullname, {})


class FakeApp:
    def __init__(self, answers: list[str] | None = None) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.opened: list[Path] = []
        self._answers = answers or []

    @property
    def books(self) -> FakeBooks:
        return FakeBooks(self)

    def alert(
        self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None
    ) -> str | None:
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return self._answers.pop(0) if self._answers else "ok"


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

HEADER = ["Ref", "Indicator description", month(2024, 4), month(2024, 5), month(2024, 6)]
RETURN = [
    HEADER,
    ["AA01", "Calls answered", 0.91, 0.88, 0.93],
    ["AA02", "Rent outstanding", 0.04, 0.06, 0.05],
    ["AA04", "Calls received", 1000, 1100, 950],
]


def at(rows: list[list[Any]], top: int, left: int) -> list[list[Any]]:
    """The rows placed with their first cell at 0-based (top, left)."""
    return [[] for _ in range(top)] + [[None] * left + list(r) for r in rows]


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a register, a returns folder and the kpixl.toml naming them."""
    monkeypatch.setenv("APPDATA", str(tmp_path / "appdata"))
    write_register(
        tmp_path / "register.xlsx", settings=[*SETTINGS, ("mail_from", "kpi@example.org")]
    )
    (tmp_path / "returns").mkdir()
    (tmp_path / "kpixl.toml").write_text(
        "register = 'register.xlsx'\nreturns_folder = 'returns'\noutput_folder = 'out'\n",
        encoding="utf-8",
    )
    return tmp_path


def validation_rows(book: FakeBook) -> list[dict[str, Any]]:
    grid = book.sheets[sheets.VALIDATION_SHEET].used_range.options(ndim=2).value
    return [dict(zip(grid[0], row, strict=True)) for row in grid[1:]]


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


# --- the installer ------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> install.InstallEnv:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "xlwings.xlam").write_bytes(b"xlwings add-in")
    return install.InstallEnv(
        app_data=tmp_path / "Roaming", home=tmp_path / "Me",
        python="C:\\Users\\Siân\\kpi\\python.exe", xlwings_xlam=tmp_path / "pkg" / "xlwings.xlam",
    )  # fmt: skip


def _addin_conf(env: install.InstallEnv) -> list[str]:
    """kpixl's settings as KpixlRibbon.bas reads them: FileSystemObject.OpenTextFile(path, 1,
    False, -1) is UTF-16 (the byte-order mark says which end first), ReadLine splits on CRLF."""
    raw = env.addin_conf.read_bytes()
    assert raw.startswith(b"\xff\xfe")
    text = raw.decode("utf-16")
    assert "\n" not in text.replace("\r\n", "")
    return text.split("\r\n")[:-1]


def test_install_plan_puts_everything_in_place_and_uninstall_undoes_it(
    env: install.InstallEnv, xlam: Path
) -> None:
    env.xlstart.mkdir(parents=True)
    (env.xlstart / "kpixl.xlam").write_bytes(b"old, downloaded")
    zone = env.xlstart / "kpixl.xlam:Zone.Identifier"  # how Windows marks a downloaded file
    zone.write_text("[ZoneTransfer]\nZoneId=3\n")

    plan = install.plan_install(env, xlam)
    lines = [s.describe() for s in plan]
    assert (
        f"copy {env.xlwings_xlam} to {env.xlstart / 'xlwings.xlam'} (installs the xlwings add-in)"
        in lines
    )
    assert (
        f"remove the downloaded-file block from {env.xlstart / 'kpixl.xlam'} (Excel will not run a blocked add-in)"
        in lines
    )
    install.apply(plan)

    assert (env.xlstart / "kpixl.xlam").read_bytes() == xlam.read_bytes()
    assert (env.xlstart / "xlwings.xlam").read_bytes() == b"xlwings add-in"
    assert not zone.exists()
    assert _addin_conf(env) == ['"INTERPRETER_WIN","C:\\Users\\Siân\\kpi\\python.exe"']
    assert not env.xlwings_conf.exists()  # other xlwings tools' settings: not kpixl's

    install.apply(install.plan_uninstall(env))
    assert sorted(p.name for p in env.xlstart.iterdir()) == []
    assert not env.addin_conf.exists() and not env.manifest.exists()


def test_user_wide_xlwings_settings_in_ansi_are_left_as_they_are(
    env: install.InstallEnv, xlam: Path
) -> None:
    """xlwings' VBA writes xlwings.conf with Write # (ANSI code page, CRLF): another tool's
    interpreter under C:\\Users\\Siân stays, byte for byte, through install and uninstall."""
    env.xlwings_conf.parent.mkdir(parents=True)
    theirs = '"LICENSE_KEY","abc"\r\n"INTERPRETER_WIN","C:\\Users\\Siân\\conda\\python.exe"\r\n'
    env.xlwings_conf.write_bytes(theirs.encode("cp1252"))
    install.apply(install.plan_install(env, xlam))
    assert env.xlwings_conf.read_bytes() == theirs.encode("cp1252")
    install.apply(install.plan_uninstall(env))
    assert env.xlwings_conf.read_bytes() == theirs.encode("cp1252")


def test_an_earlier_kpixls_xlwings_settings_are_given_back(
    env: install.InstallEnv, xlam: Path
) -> None:
    """kpixl before 0.2 set INTERPRETER_WIN and USE UDF SERVER user-wide (as UTF-8 with LF) and
    recorded the file as it was: installing again gives those keys their old values back and
    keeps what the user added since; written in the ANSI code page with CRLF."""
    env.xlwings_conf.parent.mkdir(parents=True)
    before = '"LICENSE_KEY","abc"\n"INTERPRETER_WIN","C:\\Users\\Siân\\old.exe"\n'
    now = (
        '"LICENSE_KEY","abc"\n"INTERPRETER_WIN","C:\\Envs\\kpi\\python.exe"\n'
        '"USE UDF SERVER","False"\n"SHOW CONSOLE","True"\n'
    )
    env.xlwings_conf.write_bytes(now.encode("utf-8"))
    env.manifest.parent.mkdir(parents=True)
    record = {"xlwings_addin_added": True, "xlwings_conf": before}
    env.manifest.write_text(json.dumps(record), encoding="utf-8")

    plan = install.plan_install(env, xlam)
    assert any("an earlier kpixl changed" in s.describe() for s in plan)
    install.apply(plan)
    assert env.xlwings_conf.read_bytes() == (
        b'"LICENSE_KEY","abc"\r\n"SHOW CONSOLE","True"\r\n'
        b'"INTERPRETER_WIN","C:\\Users\\Si\xe2n\\old.exe"\r\n'
    )
    assert json.loads(env.manifest.read_text(encoding="utf-8")) == {"xlwings_addin_added": True}
    assert not any("xlwings.conf" in s.describe() for s in install.plan_install(env, xlam))


def test_an_earlier_kpixls_own_xlwings_conf_goes_on_uninstall(env: install.InstallEnv) -> None:
    env.xlwings_conf.parent.mkdir(parents=True)
    env.xlwings_conf.write_text('"INTERPRETER_WIN","C:\\kpi.exe"\n"USE UDF SERVER","False"\n')
    env.manifest.parent.mkdir(parents=True)
    env.manifest.write_text(json.dumps({"xlwings_addin_added": False, "xlwings_conf": None}))
    install.apply(install.plan_uninstall(env))
    assert not env.xlwings_conf.exists() and not env.manifest.exists()


def test_an_xlwings_addin_already_there_is_kept(env: install.InstallEnv, xlam: Path) -> None:
    env.xlstart.mkdir(parents=True)
    (env.xlstart / "xlwings.xlam").write_bytes(b"xlwings add-in")
    install.apply(install.plan_install(env, xlam))
    assert not any(
        s.action == "mkdir" and s.path == env.xlstart for s in install.plan_install(env, xlam)
    )
    install.apply(install.plan_uninstall(env))
    assert [p.name for p in env.xlstart.iterdir()] == ["xlwings.xlam"]


def test_an_xlwings_addin_excel_opens_from_elsewhere_is_used_not_doubled(
    env: install.InstallEnv, xlam: Path, tmp_path: Path
) -> None:
    """Ticked in Excel's Add-ins dialog (registry OPEN values): a second xlwings.xlam in XLSTART
    would make Excel refuse one of them ("a workbook with the same name is already open")."""
    values = [r'/R "C:\Tools\xlwings.xlam"', '"C:\\Other\\tools.xlam"', "solver.xlam"]
    found = install.opened_addins(values)
    assert [PureWindowsPath(p).name for p in found] == ["xlwings.xlam", "tools.xlam", "solver.xlam"]
    ticked = install.InstallEnv(**{**env.__dict__, "open_addins": tuple(found)})
    plan = install.plan_install(ticked, xlam)
    assert [s.describe() for s in plan if "xlwings" in s.path.name] == [
        r"use C:\Tools\xlwings.xlam (Excel already opens this xlwings add-in)"
    ]
    install.apply(plan)
    assert sorted(p.name for p in ticked.xlstart.iterdir()) == ["kpixl.xlam"]
    install.apply(install.plan_uninstall(ticked))
    assert list(ticked.xlstart.iterdir()) == []


# --- the command line ---------------------------------------------------------------------


def test_cli_build_writes_the_addin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["addin", "build", "-o", str(tmp_path / "dist")]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'dist' / 'kpixl.xlam'}\n"
    with zipfile.ZipFile(tmp_path / "dist" / "kpixl.xlam") as zf:
        assert VBA_PART in zf.namelist()


@pytest.mark.parametrize("command", ["install", "uninstall"])
def test_cli_install_elsewhere_than_windows_is_one_line_and_exit_2(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install.sys, "platform", "linux")
    assert main(["addin", command, "--dry-run"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Windows only" in err


def test_cli_install_dry_run_on_windows_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install.sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "Me"))
    assert main(["addin", "install", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would copy" in out and "kpixl.xlam" in out and "INTERPRETER" not in out
    assert "addin.conf (the buttons run" in out and "xlwings.conf" not in out
    assert not (tmp_path / "Roaming").exists() and not (tmp_path / "Me").exists()


# --- the VBA stream compression -----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.binary(max_size=9000)
    | st.text(alphabet="Sub End ()\r\n'\"xy", max_size=9000).map(str.encode)
)
def test_compression_round_trips_through_oletools(data: bytes) -> None:
    from oletools.olevba import decompress_stream

    from kpixl.addin.ovba_compression import compress

    assert decompress_stream(bytearray(compress(data))) == data


def test_compression_shrinks_vba_text() -> None:
    from kpixl.addin.ovba_compression import compress

    text = (SOURCES / "KpixlRibbon.bas").read_bytes().replace(b"\n", b"\r\n")
    assert len(compress(text)) < len(text) * 0.8


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
