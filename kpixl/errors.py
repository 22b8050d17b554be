"""Fatal errors: the few problems that stop kpixl from building anything."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpixl.issues import Issue


class KpixlError(Exception):
    """Base of every fatal kpixl error; the command line maps each subclass to an exit code."""

    exit_code = 2


class UsageError(KpixlError):
    """The command was asked for something it cannot do (bad period, no returns found)."""


class RegisterError(KpixlError):
    """The register cannot be used; carries every problem found in it."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.issues: list[Issue] = list(issues or [])


class OutputError(KpixlError):
    """An output file cannot be written (open in Excel, read-only, a folder in the way)."""


class MailError(KpixlError):
    """The dashboard was not sent: the mail server refused it, the login or a recipient."""


def write_crash_log(exc: BaseException, log: Path) -> str:
    """Keep an unexpected failure's traceback in `log`; say where, for the one line users see."""
    try:
        log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    except OSError:
        return "no log could be written"
    return f"details are in {log}"
