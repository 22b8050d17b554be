"""Put kpixl.xlam and the xlwings add-in where Excel loads them, and take them away again.

Everything is first a plan (a list of steps a user can read with --dry-run), then applied.
The interpreter goes into kpixl's own settings file, which kpixl.xlam's VBA reads and passes on
to xlwings: the user-wide xlwings.conf that other xlwings tools rely on is not touched.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from kpixl.atomic import reason, write_atomically
from kpixl.errors import OutputError, UsageError

MANIFEST = "install.json"
XLWINGS_ADDIN = "xlwings.xlam"
KPIXL_ADDIN = "kpixl.xlam"
ZONE = ":Zone.Identifier"  # the NTFS stream that marks a file as downloaded ("blocked")
ADDIN_CONF = "addin.conf"  # %APPDATA%\kpixl\addin.conf, read by KpixlRibbon.bas
# the xlwings.conf keys kpixl before 0.2 set user-wide, given back by install and uninstall
KPIXL_KEYS = ("INTERPRETER_WIN", "USE UDF SERVER", "CONDA PATH", "CONDA ENV")
# Windows' ANSI code page, in which xlwings' VBA reads and writes xlwings.conf
ANSI = "mbcs" if sys.platform == "win32" else "cp1252"


@dataclass(frozen=True)
class InstallEnv:
    """Where things go on this PC and what is installed from where."""

    app_data: Path  # %APPDATA%
    home: Path  # %USERPROFILE%, where xlwings keeps .xlwings\xlwings.conf
    python: str  # the interpreter Excel must run
    xlwings_xlam: Path  # the xlwings add-in shipped with the installed xlwings package
    open_addins: tuple[Path, ...] = ()  # add-ins Excel opens from elsewhere (Add-ins dialog)

    @property
    def xlstart(self) -> Path:
        return self.app_data / "Microsoft" / "Excel" / "XLSTART"

    @property
    def xlwings_conf(self) -> Path:
        return self.home / ".xlwings" / "xlwings.conf"

    @property
    def manifest(self) -> Path:
        return self.app_data / "kpixl" / MANIFEST

    @property
    def addin_conf(self) -> Path:
        return self.app_data / "kpixl" / ADDIN_CONF


@dataclass(frozen=True)
class Step:
    """One thing the installer does: mkdir, copy, unblock, write or remove a file (or keep one)."""

    action: str
    path: Path
    why: str
    source: Path | None = None
    data: bytes | None = None

    def describe(self) -> str:
        what = {
            "mkdir": f"create folder {self.path}",
            "copy": f"copy {self.source} to {self.path}",
            "unblock": f"remove the downloaded-file block from {self.path}",
            "write": f"write {self.path}",
            "remove": f"remove {self.path}",
            "keep": f"use {self.path}",
        }[self.action]
        return f"{what} ({self.why})"


def current_env() -> InstallEnv:
    """This PC (Windows only) and this Python environment."""
    if sys.platform != "win32":
        raise UsageError(
            "kpixl addin install and uninstall work on Windows only, where Excel runs; "
            "here, build the add-in with: kpixl addin build -o DIR"
        )
    import os

    try:
        import xlwings
    except ImportError:
        raise UsageError("the Excel add-in needs xlwings: pip install 'kpixl[addin]'") from None
    return InstallEnv(
        app_data=Path(os.environ["APPDATA"]),
        home=Path(os.environ.get("USERPROFILE", str(Path.home()))),
        python=sys.executable,
        xlwings_xlam=Path(xlwings.__file__).parent / "addin" / XLWINGS_ADDIN,
        open_addins=tuple(opened_addins(_excel_open_values())),
    )


def _excel_open_values() -> list[str]:
    """The OPEN, OPEN1, … values of Excel's Options key: the add-ins ticked in the Add-ins
    dialog, which Excel opens from wherever they are (Windows only)."""
    if sys.platform != "win32":
        return []
    try:
        import winreg
    except ImportError:  # pragma: no cover - Windows without its registry module
        return []

    found: list[str] = []
    for version in ("16.0", "15.0", "14.0"):
        key = rf"Software\Microsoft\Office\{version}\Excel\Options"
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, key) as options:
                index = 0
                while True:
                    name, value, _ = winreg.EnumValue(options, index)
                    if re.fullmatch(r"OPEN\d*", name, re.I) and isinstance(value, str):
                        found.append(value)
                    index += 1
        except OSError:  # no such key, or no more values
            continue
    return found


def opened_addins(values: list[str]) -> list[Path]:
    """The paths in OPEN values such as `/R "C:\\Add-ins\\xlwings.xlam"` or `tools.xlam` (a bare
    name is in the user's AddIns folder)."""
    paths = []
    for value in values:
        text = re.sub(r"^(/\w+\s+)+", "", value.strip()).strip().strip('"')
        if text:
            paths.append(Path(text))
    return paths


def addin_conf(env: InstallEnv) -> bytes:
    """kpixl's own settings for its ribbon buttons: UTF-16 with a byte-order mark and CRLF, the
    form the VBA reads with Scripting.FileSystemObject, so any character in a path survives."""
    lines = [f'"{key}","{value}"' for key, value in (("INTERPRETER_WIN", env.python),)]
    return "\ufeff".encode("utf-16-le") + "\r\n".join([*lines, ""]).encode("utf-16-le")


def plan_install(env: InstallEnv, kpixl_xlam: Path) -> list[Step]:
    steps: list[Step] = []
    if not env.xlstart.is_dir():
        steps.append(
            Step("mkdir", env.xlstart, "Excel opens every add-in in XLSTART when it starts")
        )
    elsewhere = [p for p in env.open_addins if PureWindowsPath(p).name.lower() == XLWINGS_ADDIN]
    xlwings_target = env.xlstart / XLWINGS_ADDIN
    if elsewhere and not xlwings_target.exists():
        steps.append(Step("keep", elsewhere[0], "Excel already opens this xlwings add-in"))
    elif not _same(env.xlwings_xlam, xlwings_target):
        why = "installs" if not xlwings_target.exists() else "updates, to match the package,"
        steps.append(
            Step("copy", xlwings_target, f"{why} the xlwings add-in", source=env.xlwings_xlam)
        )
    if not elsewhere or xlwings_target.exists():
        steps.append(Step("unblock", xlwings_target, "Excel will not run a blocked add-in"))
    target = env.xlstart / KPIXL_ADDIN
    steps.append(Step("copy", target, "the KPI Dashboard ribbon tab", source=kpixl_xlam))
    steps.append(Step("unblock", target, "Excel will not run a blocked add-in"))
    steps.append(Step("mkdir", env.addin_conf.parent, "kpixl's own settings folder"))
    steps.append(
        Step("write", env.addin_conf, f"the buttons run {env.python}", data=addin_conf(env))
    )
    record = _manifest(env)
    steps += _give_back_xlwings_conf(env, record)
    if not record or "xlwings_conf" in record:
        added = bool(
            record.get("xlwings_addin_added", not xlwings_target.exists() and not elsewhere)
        )
        steps.append(
            Step(
                "write", env.manifest, "so that uninstall can undo exactly this",
                data=json.dumps({"xlwings_addin_added": added}, indent=2).encode("utf-8"),
            )
        )  # fmt: skip
    return [s for s in steps if s.action != "mkdir" or not s.path.is_dir()]


def plan_uninstall(env: InstallEnv) -> list[Step]:
    xlstart = env.xlstart
    record = _manifest(env)
    steps: list[Step] = []
    if (xlstart / KPIXL_ADDIN).exists():
        steps.append(Step("remove", xlstart / KPIXL_ADDIN, "the KPI Dashboard ribbon tab"))
    if record.get("xlwings_addin_added") and (xlstart / XLWINGS_ADDIN).exists():
        steps.append(Step("remove", xlstart / XLWINGS_ADDIN, "kpixl installed it"))
    if env.addin_conf.exists():
        steps.append(Step("remove", env.addin_conf, "kpixl's settings for its buttons"))
    steps += _give_back_xlwings_conf(env, record)
    if record:
        steps.append(Step("remove", env.manifest, "the record of the installation"))
    return steps


def _give_back_xlwings_conf(env: InstallEnv, record: dict[str, object]) -> list[Step]:
    """kpixl before 0.2 set INTERPRETER_WIN, USE UDF SERVER and CONDA PATH/ENV in the user-wide
    xlwings.conf; its record holds the file as it was. Those keys get their old values back (or
    go), every other line stays as it is now, byte for byte."""
    if "xlwings_conf" not in record:
        return []
    before = record["xlwings_conf"]
    now = _read_bytes(env.xlwings_conf)
    if now is None:
        return []
    merged = xlwings_conf_restored(now, before if isinstance(before, str) else None)
    why = "the xlwings settings an earlier kpixl changed, as they were"
    if merged is None:
        return [Step("remove", env.xlwings_conf, "an earlier kpixl created it")]
    return [Step("write", env.xlwings_conf, why, data=merged)] if merged != now else []


def xlwings_conf_restored(now: bytes, before: str | None) -> bytes | None:
    """`now` with kpixl's keys as they were in `before` (None: the file did not exist). Lines are
    kept as bytes; values written back are in the ANSI code page with CRLF, as xlwings' VBA reads
    (`Input #`) and writes (`Write #`) the file. None when nothing of the file would be left."""
    kept = [line for line in now.splitlines() if _key(line) not in KPIXL_KEYS and line.strip()]
    old = [line for line in (before or "").splitlines() if _key(line.encode()) in KPIXL_KEYS]
    try:
        kept += [line.encode(ANSI) for line in old]
    except UnicodeEncodeError:
        raise UsageError(
            f"{before!r} cannot be written back in this PC's code page ({ANSI}): edit "
            "xlwings.conf by hand (Excel's xlwings tab, Interpreter)"
        ) from None
    if not kept and before is None:
        return None
    return b"\r\n".join([*kept, b""])


def _key(line: bytes) -> str:
    return line.split(b",", 1)[0].strip().strip(b'"').decode("ascii", "replace").upper()


def apply(steps: list[Step]) -> None:
    """Carry out the plan in order; the first failure stops it with one clear line."""
    for step in steps:
        try:
            if step.action == "mkdir":
                step.path.mkdir(parents=True, exist_ok=True)
            elif step.action == "copy" and step.source is not None:
                write_atomically(step.source.read_bytes(), step.path)
            elif step.action == "write" and step.data is not None:
                write_atomically(step.data, step.path)
            elif step.action == "unblock":
                Path(str(step.path) + ZONE).unlink(missing_ok=True)
            elif step.action == "remove":
                step.path.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot {step.describe()}: {reason(exc, step.path)}; quit Excel and try again"
            ) from None


def _same(source: Path, target: Path) -> bool:
    return target.is_file() and target.read_bytes() == source.read_bytes()


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {reason(exc, path)}") from None


def _manifest(env: InstallEnv) -> dict[str, object]:
    raw = _read_bytes(env.manifest)
    if raw is None:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
