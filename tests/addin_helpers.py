"""Shared by the add-in tests: the built .xlam, a small fake of xlwings, an office folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kpixl.addin import sheets
from kpixl.addin.build import build_xlam
from kpixl.cells import parse_a1
from tests.conftest import SETTINGS, month, write_register

# --- the package --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_xlam(tmp_path_factory.mktemp("addin"))


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


# --- an office folder and a return for the entry points -----------------------------------

HEADER = ["Ref", "Indicator description", month(2024, 4), month(2024, 5), month(2024, 6)]
RETURN = [
    HEADER,
    ["AA01", "Calls answered", 0.91, 0.88, 0.93],
    ["AA02", "Rent outstanding", 0.04, 0.06, 0.05],
    ["AA04", "Calls received", 1000, 1100, 950],
]


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
