"""Put kpixl.xlam and the xlwings add-in where Excel loads them, and take them away again.

Everything is first a plan (a list of steps a user can read with --dry-run), then applied.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from kpixl.atomic import reason, write_atomically
from kpixl.errors import OutputError, UsageError

MANIFEST = "install.json"
XLWINGS_ADDIN = "xlwings.xlam"
KPIXL_ADDIN = "kpixl.xlam"
ZONE = ":Zone.Identifier"  # the NTFS stream that marks a file as downloaded ("blocked")


@dataclass(frozen=True)
class InstallEnv:
    """Where things go on this PC and what is installed from where."""

    app_data: Path  # %APPDATA%
    home: Path  # %USERPROFILE%, where xlwings keeps .xlwings\xlwings.conf
    python: str  # the interpreter Excel must run
    xlwings_xlam: Path  # the xlwings add-in shipped with the installed xlwings package
    conda: tuple[str, str] | None = None  # (conda folder, env name) when Python is a conda env

    @property
    def xlstart(self) -> Path:
        return self.app_data / "Microsoft" / "Excel" / "XLSTART"

    @property
    def xlwings_conf(self) -> Path:
        return self.home / ".xlwings" / "xlwings.conf"

    @property
    def manifest(self) -> Path:
        return self.app_data / "kpixl" / MANIFEST


@dataclass(frozen=True)
class Step:
    """One thing the installer does: mkdir, copy, unblock, write or remove a file."""

    action: str
    path: Path
    why: str
    source: Path | None = None
    text: str | None = None

    def describe(self) -> str:
        what = {
            "mkdir": f"create folder {self.path}",
            "copy": f"copy {self.source} to {self.path}",
            "unblock": f"remove the downloaded-file block from {self.path}",
            "write": f"write {self.path}",
            "remove": f"remove {self.path}",
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
        from xlwings.cli import get_conda_settings
    except ImportError:
        raise UsageError("the Excel add-in needs xlwings: pip install 'kpixl[addin]'") from None
    conda_path, conda_env = get_conda_settings()
    return InstallEnv(
        app_data=Path(os.environ["APPDATA"]),
        home=Path(os.environ.get("USERPROFILE", str(Path.home()))),
        python=sys.executable,
        xlwings_xlam=Path(xlwings.__file__).parent / "addin" / XLWINGS_ADDIN,
        conda=(conda_path, conda_env) if conda_path and conda_env else None,
    )


def conf_lines(env: InstallEnv, before: str) -> str:
    """xlwings.conf with this interpreter set (and UDF server off), other lines kept as they were."""
    wanted = {"INTERPRETER_WIN": env.python, "USE UDF SERVER": "False"}
    if env.conda:
        wanted |= {"CONDA PATH": env.conda[0], "CONDA ENV": env.conda[1]}
    lines: list[str] = []
    for line in before.splitlines():
        key = line.split(",", 1)[0].strip().strip('"')
        if key not in wanted:
            lines.append(line)
    lines.extend(f'"{k}","{v}"' for k, v in wanted.items())
    return "\n".join(lines) + "\n"


def plan_install(env: InstallEnv, kpixl_xlam: Path) -> list[Step]:
    xlstart = env.xlstart
    steps: list[Step] = []
    if not xlstart.is_dir():
        steps.append(Step("mkdir", xlstart, "Excel opens every add-in in XLSTART when it starts"))
    xlwings_target = xlstart / XLWINGS_ADDIN
    if not _same(env.xlwings_xlam, xlwings_target):
        why = "installs" if not xlwings_target.exists() else "updates, to match the package,"
        steps.append(
            Step("copy", xlwings_target, f"{why} the xlwings add-in", source=env.xlwings_xlam)
        )
    steps.append(Step("unblock", xlwings_target, "Excel will not run a blocked add-in"))
    target = xlstart / KPIXL_ADDIN
    steps.append(Step("copy", target, "the KPI Dashboard ribbon tab", source=kpixl_xlam))
    steps.append(Step("unblock", target, "Excel will not run a blocked add-in"))
    before = _read(env.xlwings_conf)
    if not env.xlwings_conf.parent.is_dir():
        steps.append(Step("mkdir", env.xlwings_conf.parent, "xlwings' settings folder"))
    steps.append(
        Step(
            "write",
            env.xlwings_conf,
            f"RunPython uses {env.python}",
            text=conf_lines(env, before or ""),
        )
    )
    if not env.manifest.exists():
        record = {"xlwings_addin_added": not xlwings_target.exists(), "xlwings_conf": before}
        steps.append(Step("mkdir", env.manifest.parent, "kpixl's own settings folder"))
        steps.append(
            Step(
                "write",
                env.manifest,
                "so that uninstall can undo exactly this",
                text=json.dumps(record, indent=2),
            )
        )
    return [s for s in steps if s.action != "mkdir" or not s.path.is_dir()]


def plan_uninstall(env: InstallEnv) -> list[Step]:
    xlstart = env.xlstart
    record = _manifest(env)
    steps: list[Step] = []
    if (xlstart / KPIXL_ADDIN).exists():
        steps.append(Step("remove", xlstart / KPIXL_ADDIN, "the KPI Dashboard ribbon tab"))
    if record.get("xlwings_addin_added") and (xlstart / XLWINGS_ADDIN).exists():
        steps.append(Step("remove", xlstart / XLWINGS_ADDIN, "kpixl installed it"))
    if record:
        conf = record.get("xlwings_conf")
        if isinstance(conf, str):
            steps.append(Step("write", env.xlwings_conf, "as it was before", text=conf))
        elif env.xlwings_conf.exists():
            steps.append(Step("remove", env.xlwings_conf, "kpixl created it"))
        steps.append(Step("remove", env.manifest, "the record of the installation"))
    return steps


def apply(steps: list[Step]) -> None:
    """Carry out the plan in order; the first failure stops it with one clear line."""
    for step in steps:
        try:
            if step.action == "mkdir":
                step.path.mkdir(parents=True, exist_ok=True)
            elif step.action == "copy" and step.source is not None:
                write_atomically(step.source.read_bytes(), step.path)
            elif step.action == "write" and step.text is not None:
                write_atomically(step.text.encode("utf-8"), step.path)
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


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def _manifest(env: InstallEnv) -> dict[str, object]:
    text = _read(env.manifest)
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
