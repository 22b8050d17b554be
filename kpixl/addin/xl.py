"""The parts of xlwings' objects the entry points use, and the one place xlwings is imported."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol


class Range(Protocol):
    """xlwings.Range, as far as kpixl uses it."""

    @property
    def value(self) -> Any: ...
    @value.setter
    def value(self, data: Any) -> None: ...
    @property
    def row(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def last_cell(self) -> Range: ...
    @property
    def color(self) -> Any: ...
    @color.setter
    def color(self, color: Any) -> None: ...
    def options(self, **options: Any) -> Range: ...
    def add_hyperlink(
        self, address: str, text_to_display: str | None = None, screen_tip: str | None = None
    ) -> None: ...
    def autofit(self) -> None: ...


class Sheet(Protocol):
    """xlwings.Sheet."""

    @property
    def name(self) -> str: ...
    @property
    def used_range(self) -> Range: ...
    def range(self, cell: str) -> Range: ...
    def delete(self) -> None: ...
    def activate(self) -> None: ...


class Sheets(Protocol):
    """xlwings.main.Sheets: the sheets of a book."""

    @property
    def count(self) -> int: ...
    def __getitem__(self, key: int | str) -> Sheet: ...
    def __iter__(self) -> Iterator[Sheet]: ...
    def add(self, name: str | None = None, before: Any = None, after: Any = None) -> Sheet: ...


class Book(Protocol):
    """xlwings.Book."""

    @property
    def name(self) -> str: ...
    @property
    def fullname(self) -> str: ...
    @property
    def sheets(self) -> Sheets: ...
    @property
    def sheet_names(self) -> list[str]: ...
    @property
    def app(self) -> App: ...


class Books(Protocol):
    """xlwings.main.Books: the open books of an Excel instance."""

    def open(self, fullname: str) -> Book: ...


class App(Protocol):
    """xlwings.App: one Excel instance."""

    @property
    def books(self) -> Books: ...
    def alert(
        self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None
    ) -> str | None: ...


# What each protocol stands for in xlwings (checked against xlwings by the tests).
XLWINGS_CLASSES = {
    Range: "Range", Sheet: "Sheet", Sheets: "Sheets", Book: "Book", Books: "Books", App: "App",
}  # fmt: skip


def caller_book() -> Book:
    """The workbook that was active when the ribbon button was clicked.

    xlwings' RunPython passes the *active* workbook's name and Excel's window handle to Python,
    so Book.caller() is the user's workbook in the right Excel, not an add-in.
    """
    try:
        import xlwings
    except ImportError:
        from kpixl.errors import UsageError

        raise UsageError("the Excel add-in needs xlwings: pip install 'kpixl[addin]'") from None
    book: Book = xlwings.Book.caller()
    return book
