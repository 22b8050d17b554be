"""kpixl.toml: where the add-in finds the register, the returns, the output folder and mail."""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kpixl.atomic import write_atomically
from kpixl.errors import UsageError

CONFIG_NAME = "kpixl.toml"

TEMPLATE = """\
# kpixl settings for the KPI Dashboard tab in Excel.
# Paths may be absolute or relative to this file's folder. Use / or \\\\ in Windows paths,
# e.g. "C:/Performance/register.xlsx" or 'C:\\Performance\\register.xlsx' (single quotes).
# Save this file, then click the button again.

register = 'register.xlsx'        # the indicator register workbook
returns_folder = 'returns'        # the folder holding the returned workbooks
output_folder = 'dashboards'      # where Build dashboard writes
html = false                      # true: Build dashboard also writes each as a web page
pdf = false                       # true: ... and as an accessible PDF (needs Chrome or Edge)

[smtp]                            # the mail server for Email dashboard; blank: the register's
host = ''                         # smtp_host, smtp_port, smtp_security and smtp_user settings
port = 587
security = 'starttls'             # starttls, ssl or none
user = ''                         # never the password: it comes from the Windows credential
                                  # store (keyring) or the KPIXL_SMTP_PASSWORD variable
"""

_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Smtp:
    """Mail server settings; blank ones fall back to the register's Settings sheet."""

    host: str = ""
    port: int | None = None
    security: str = ""
    user: str = ""


@dataclass(frozen=True)
class AddinConfig:
    """The settings of one kpixl.toml, paths resolved against its folder."""

    path: Path
    register: Path | None
    returns_folder: Path | None
    output_folder: Path | None
    smtp: Smtp
    html: bool = False  # Build dashboard also publishes each as a web page
    pdf: bool = False  # ... and as an accessible PDF

    def need(self, key: str) -> Path:
        """A path setting that must be given and must exist."""
        value: Path | None = getattr(self, key)
        if value is None:
            raise UsageError(f"{self.path}: '{key}' is not set: click Settings and fill it in")
        if not value.exists():
            raise UsageError(
                f"{self.path}: {key} {value} does not exist: click Settings and correct it"
            )
        return value


def app_data_dir() -> Path:
    """The user's kpixl settings folder: %APPDATA%\\kpixl on Windows, ~/.config/kpixl elsewhere."""
    if sys.platform == "win32" or "APPDATA" in os.environ:
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "kpixl"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "kpixl"


def find_config(workbook_folder: Path | None) -> Path | None:
    """kpixl.toml in the workbook's folder, or the nearest folder above it (so returns and
    dashboards in sub-folders share one), wins over the one in the user's app-data folder."""
    places = [workbook_folder, *workbook_folder.parents] if workbook_folder is not None else []
    for folder in [*places, app_data_dir()]:
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None


def create_config() -> Path:
    """Write the commented template into the app-data folder (never over an existing file)."""
    path = app_data_dir() / CONFIG_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(TEMPLATE.encode("utf-8"), path)
    return path


def load_config(workbook_folder: Path | None) -> AddinConfig:
    path = find_config(workbook_folder)
    if path is None:
        raise UsageError(
            f"no {CONFIG_NAME} found next to the workbook or in {app_data_dir()}: "
            "click Settings to create one"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: {exc}: click Settings and correct it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    return AddinConfig(
        path,
        _path(data, "register", path),
        _path(data, "returns_folder", path),
        _path(data, "output_folder", path),
        _smtp(data.get("smtp", {}), path),
        _flag(data, "html", path),
        _flag(data, "pdf", path),
    )


def _flag(data: dict[str, object], key: str, config: Path) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise UsageError(f"{config}: {key} must be true or false (without quotes)")
    return value


def _path(data: dict[str, object], key: str, config: Path) -> Path | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise UsageError(f"{config}: {key} must be a path in quotes")
    return config.parent / Path(os.path.expandvars(value)).expanduser()


def _smtp(data: object, config: Path) -> Smtp:
    if not isinstance(data, dict):
        raise UsageError(f"{config}: [smtp] must be a table of settings")
    smtp = Smtp(
        host=str(data.get("host", "")),
        port=data.get("port"),
        security=str(data.get("security", "")).lower(),
        user=str(data.get("user", "")),
    )
    if smtp.port is not None and (not isinstance(smtp.port, int) or not 0 < smtp.port < 65536):
        raise UsageError(f"{config}: smtp port must be a number such as 587")
    if smtp.security and smtp.security not in _SECURITY:
        raise UsageError(f"{config}: smtp security must be one of {', '.join(_SECURITY)}")
    return smtp
