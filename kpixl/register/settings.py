"""The register's Settings sheet: key and value pairs in, checked Settings out; and every key
kpixl reads (docs/formats.md documents each)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from kpixl.cells import a1
from kpixl.issues import IssueCode
from kpixl.read.workbook import Sheet
from kpixl.register.model import RagBasis, Settings
from kpixl.register.rows import PERIODS_SHOWN_MAX, enum_value
from kpixl.values import norm, parse_number, text_of

SETTINGS = "Settings"


class Complaints(Protocol):
    """Where a bad setting is told (the loader's collector of register issues)."""

    def add(
        self, code: IssueCode, message: str, sheet: str, cell: str = "", ref: str = ""
    ) -> None: ...


# whole-number settings and their ranges; text settings
INT_SETTINGS = {
    "fy_start_month": (1, 12),
    "periods_shown_kpi": (1, PERIODS_SHOWN_MAX),
    "periods_shown_activity": (1, PERIODS_SHOWN_MAX),
    "smtp_port": (1, 65535),
}
TEXT_SETTINGS = {
    "organisation", "title", "smtp_host", "smtp_security", "smtp_user", "mail_from", "language",
}  # fmt: skip
# A language tag as HTML's `lang` takes it (BCP 47): `en-GB`, `cy`, `gd-GB`.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
# Read from `Settings.other` by the parts that use them (the dashboard's RAG note, the mail,
# the history store's URL).
OTHER_SETTINGS = (
    "rag_note", "smtp_ca_file", "mail_max_size_mb", "store", "show_forecast",
    # how mail goes (kpixl/mail/routes.py): smtp or Microsoft Graph, and Graph's app and mailbox
    "mail_via", "smtp_auth", "graph_tenant", "graph_client_id", "graph_mailbox", "graph_authority",
    "graph_endpoint",
)  # fmt: skip

SETTING_KEYS = (
    *sorted(INT_SETTINGS), "rag_basis", *sorted(TEXT_SETTINGS), "title.<dashboard>",
    *OTHER_SETTINGS,
)  # fmt: skip


def setting_pairs(sheet: Sheet) -> list[tuple[int, str, object]]:
    """(row, key, value) of each setting given, without a header row."""
    pairs: list[tuple[int, str, object]] = []
    for index, row in enumerate(sheet.rows):
        key = text_of(row[0] if row else None)
        if index == 0 and norm(key) in {"key", "setting", "name"}:
            continue  # a header row
        if key:
            pairs.append((index, key, row[1] if len(row) > 1 else None))
    return pairs


def read_settings(sheet: Sheet | None, out: Complaints) -> Settings:
    """The Settings sheet's key/value pairs; each bad value is one issue at its cell."""
    if sheet is None:
        return Settings()
    values: dict[str, Any] = {}
    titles: dict[str, str] = {}
    other: dict[str, str] = {}
    for index, key, value in setting_pairs(sheet):
        name = norm(key)
        cell = a1(index, 1)
        if name.startswith("title.") or name.startswith("title:"):
            titles[key.split(key[5], 1)[1].strip()] = text_of(value)
        elif name in INT_SETTINGS:
            lo, hi = INT_SETTINGS[name]
            number = parse_number(value).value
            if number is None or not number.is_integer() or not lo <= number <= hi:
                out.add(
                    IssueCode.REGISTER_BAD_VALUE,
                    f"setting '{key}' must be a whole number from {lo} to {hi}, not "
                    f"'{text_of(value)}'",
                    sheet=SETTINGS,
                    cell=cell,
                )
            else:
                values[name] = int(number)
        elif name == "rag_basis":
            values[name] = enum_value(value, RagBasis, RagBasis.DISPLAYED, _complain(out, cell))
        elif name == "language" and not _LANGUAGE_TAG.fullmatch(text_of(value)):
            out.add(
                IssueCode.REGISTER_BAD_VALUE,
                f"setting 'language' must be a language tag such as en-GB or cy, not "
                f"'{text_of(value)}'",
                sheet=SETTINGS,
                cell=cell,
            )
        elif name in TEXT_SETTINGS:
            values[name] = text_of(value)
        else:
            other[name] = text_of(value)
    return Settings(titles=titles, other=other, **values)


def _complain(out: Complaints, cell: str) -> Callable[[str], None]:
    return lambda m: out.add(
        IssueCode.REGISTER_BAD_VALUE, f"setting 'rag_basis' {m}", sheet=SETTINGS, cell=cell
    )
