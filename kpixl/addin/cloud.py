"""Where a workbook opened from OneDrive or SharePoint lives on this PC.

With AutoSave on, Excel gives such a workbook's `fullname` as its https address. Its synced copy
is found from the OneDrive client's folders; when there is none, the caller carries on without a
folder (the settings in %APPDATA%) or says in one line what to do.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

# tenant names may hold hyphens ("west-kent-my.sharepoint.com"): the last "-my" ends the tenant
_BUSINESS = re.compile(r"https://[^/]+-my\.sharepoint\.[^/]+/personal/[^/]+/[^/]+/(?P<rest>.+)")
_CONSUMER = re.compile(r"https://d\.docs\.live\.net/[^/]+/(?P<rest>.+)")
_SITE = re.compile(r"https://[^/]+/(?:sites|teams)/(?P<site>[^/]+)/(?P<library>[^/]+)/(?P<rest>.+)")


def is_web_address(fullname: str) -> bool:
    return "://" in fullname


def local_copy(fullname: str) -> Path | None:
    """The synced file behind an https `fullname`, or None if this PC has none."""
    address = fullname.replace("\\", "/")
    for candidate in _candidates(address):
        if candidate.is_file():
            return candidate
    return None


def _candidates(address: str) -> Iterator[Path]:
    if match := _BUSINESS.match(address):
        yield from _under(("OneDriveCommercial", "OneDrive"), match["rest"])
    elif match := _CONSUMER.match(address):
        yield from _under(("OneDriveConsumer", "OneDrive"), match["rest"])
    elif match := _SITE.match(address):
        yield from _mounted(address)
        yield from _site_folders(match["site"], match["library"], match["rest"])


def _under(variables: tuple[str, ...], rest: str) -> Iterator[Path]:
    for name in variables:
        root = os.environ.get(name)
        if root:
            yield Path(root, *unquote(rest).split("/"))


def _site_folders(site: str, library: str, rest: str) -> Iterator[Path]:
    """A synced library is a folder '<site name> - <library name>' in the organisation's folder
    (beside 'OneDrive - <organisation>'); the address drops the site name's spaces."""
    business = os.environ.get("OneDriveCommercial")  # noqa: SIM112 - the OneDrive client's name
    if not business:
        return
    org = Path(business).parent / Path(business).name.removeprefix("OneDrive - ")
    wanted = {
        _squash(f"{unquote(site)} - {unquote(library)}"),
        _squash(f"{unquote(site)} - Documents"),
    }
    try:
        folders = sorted(p for p in org.iterdir() if p.is_dir())
    except OSError:
        return
    for folder in folders:
        if _squash(folder.name) in wanted:
            yield folder.joinpath(*unquote(rest).split("/"))


def _squash(name: str) -> str:
    return "".join(name.split()).casefold()


def _mounted(address: str) -> Iterator[Path]:
    """The OneDrive client's own record of each synced library's address and folder (Windows)."""
    for namespace, mount in _sync_engine_mounts():
        if address.lower().startswith(namespace.lower()):
            yield Path(mount, *unquote(address[len(namespace) :]).strip("/").split("/"))


def _sync_engine_mounts() -> list[tuple[str, str]]:
    if sys.platform != "win32":
        return []
    try:
        import winreg
    except ImportError:  # pragma: no cover
        return []
    found = []
    root = r"Software\SyncEngines\Providers\OneDrive"
    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, root) as providers:
            for index in range(winreg.QueryInfoKey(providers)[0]):
                with winreg.OpenKey(providers, winreg.EnumKey(providers, index)) as key:
                    url = winreg.QueryValueEx(key, "UrlNamespace")[0]
                    mount = winreg.QueryValueEx(key, "MountPoint")[0]
                    found.append((str(url), str(mount)))
    except OSError:
        pass
    return found
