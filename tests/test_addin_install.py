"""The add-in's installer: its file plan, what it does to xlwings' settings, its command line."""

from __future__ import annotations

import json
from pathlib import Path, PureWindowsPath

import pytest

from kpixl.addin import install
from kpixl.cli.main import main
from tests.addin_helpers import xlam

__all__ = ["xlam"]  # the fixture, shared with tests/test_addin.py


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
