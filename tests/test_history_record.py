"""What `kpixl build` and `kpixl batch` record in the history store, as an auditor reads it back:
who and when, the register and thresholds used, each return by hash, every accepted figure with
its cell, the ratings, and a resubmitted figure kept as a revision (SQLite and PostgreSQL)."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kpixl.cli.main import main
from tests.conftest import INDICATORS, write_book, write_register
from tests.test_history_cluster import any_store, postgres  # noqa: F401

MONTHS = ["Apr-24", "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24", "Nov-24", "Dec-24"]
AA01 = [0.91, 0.88, 0.79, 0.92, 0.9, 0.85, 0.93, 0.94, 0.86]
NASTY = "Q'1; DROP TABLE figures;--"  # a ref (and commentary) that would break SQL built from text


def kpixl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's data folder (platformdirs reads XDG_DATA_HOME): never the real one."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "kpixl"


def register(tmp_path: Path, settings: list[tuple[Any, ...]] | None = None) -> Path:
    nasty = (NASTY, 'A "quoted" indicator', "Beta", "KPI", None, None, None, None, 0.9, 0.8)
    rows = [("key", "value"), ("organisation", "Test Analytics"), ("fy_start_month", 4)]
    return write_register(tmp_path / "register.xlsx", indicators=[*INDICATORS, nasty],
                          settings=rows + (settings or []))  # fmt: skip


def a_return(path: Path, aa01: list[float], note: str = "On track") -> Path:
    """AA01 for Apr-Dec 2024 with its numerators and denominators, and the odd ref."""
    header = ["Ref", *MONTHS, "Commentary"]
    return write_book(
        path,
        {
            "KPIs": [
                header,
                ["AA01", *aa01, note],
                [NASTY, *[0.95] * 9, "Robert'); DROP TABLE runs;--"],
            ],
            "Numerators": [header[:-1], ["AA01", *[round(v * 200) for v in aa01]]],
            "Denominators": [header[:-1], ["AA01", *[200] * 9]],
        },
    )


def rows(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(sa.text(sql), params)]
    engine.dispose()
    return found


def test_build_records_who_what_and_where_each_figure_came_from(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    any_store: str,  # noqa: F811
) -> None:
    reg, ret = register(tmp_path), a_return(tmp_path / "in" / "Alpha.xlsx", AA01)
    code, out, err = kpixl(capsys, "build", ret, "-r", reg, "-o", tmp_path / "d.xlsx",
                           "--store", any_store)  # fmt: skip
    assert (code, err) == (0, "") and "history: 18 new figure(s), 0 revised" in out
    [run] = rows(
        any_store, "SELECT user_name, command, kpixl_version, register_sha256, period FROM runs"
    )
    register_hash = hashlib.sha256(reg.read_bytes()).hexdigest()
    assert run == (getpass.getuser(), "build", "0.1.0", register_hash, "2024-12")
    [(sha, name, size)] = rows(any_store, "SELECT sha256, name, size FROM return_files")
    assert (sha, Path(name), size) == (
        hashlib.sha256(ret.read_bytes()).hexdigest(),
        ret,
        ret.stat().st_size,
    )
    december = rows(any_store, "SELECT value, numerator, denominator, commentary, file, sheet, cell, "
                               "file_sha256 FROM figures WHERE ref = 'AA01' AND period = '2024-12'")  # fmt: skip
    assert december == [(0.86, 172.0, 200.0, "On track", "Alpha.xlsx", "KPIs", "J2", sha)]
    assert rows(any_store, "SELECT target, floor, polarity, ytd_method FROM thresholds WHERE ref = 'AA01'") == [
        (0.9, 0.8, "higher", "ratio")
    ]  # fmt: skip
    ratings = rows(
        any_store, "SELECT period, month_rag FROM ratings WHERE ref = 'AA01' ORDER BY period"
    )
    assert [r[1] for r in ratings] == [
        "GREEN",
        "AMBER",
        "RED",
        "GREEN",
        "GREEN",
        "AMBER",
        "GREEN",
        "GREEN",
        "AMBER",
    ]


def test_text_full_of_sql_is_stored_as_it_was_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    ret = a_return(tmp_path / "in" / "Alpha.xlsx", AA01, note='Robert\'); DROP TABLE runs;-- "ok"')
    assert kpixl(capsys, "build", ret, "-r", register(tmp_path), "-o", tmp_path / "d.xlsx",
                 "--store", url)[0] == 0  # fmt: skip
    assert rows(url, "SELECT count(*) FROM figures WHERE ref = :ref", ref=NASTY) == [(9,)]
    assert rows(
        url, "SELECT commentary FROM figures WHERE ref = 'AA01' AND period = '2024-12'"
    ) == [('Robert\'); DROP TABLE runs;-- "ok"',)]
    code, out, _ = kpixl(capsys, "history", NASTY, "--store", url)
    assert code == 0 and "2024-04  95%  from Alpha.xlsx!KPIs!B3" in out


def test_a_resubmitted_figure_is_a_revision_and_the_old_one_is_kept(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    any_store: str,  # noqa: F811
) -> None:
    reg = register(tmp_path)
    first = a_return(tmp_path / "nov" / "Alpha.xlsx", AA01)
    for _ in range(2):  # the same files twice: nothing new
        kpixl(capsys, "build", first, "-r", reg, "-o", tmp_path / "d.xlsx", "--store", any_store)
    corrected = a_return(tmp_path / "dec" / "Alpha_resubmitted.xlsx", [*AA01[:-1], 0.9])
    code, out, _ = kpixl(capsys, "build", corrected, "-r", reg, "-o", tmp_path / "d.xlsx",
                         "--store", any_store)  # fmt: skip
    assert code == 0 and "history: 0 new figure(s), 1 revised, 17 unchanged" in out
    kept = rows(any_store, "SELECT value, file, superseded_by IS NULL FROM figures "
                           "WHERE ref = 'AA01' AND period = '2024-12' ORDER BY id")  # fmt: skip
    assert kept == [(0.86, "Alpha.xlsx", False), (0.9, "Alpha_resubmitted.xlsx", True)]
    assert rows(any_store, "SELECT count(*) FROM runs") == [(3,)]
    assert rows(any_store, "SELECT count(*) FROM figures") == [(19,)]

    code, out, err = kpixl(capsys, "history", "aa01", "--store", any_store, "--from", "2024-11")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("aa01: 2 month(s) in ") and lines[0].endswith(", 1 revised")
    assert lines[1].startswith("2024-11  94%  from Alpha.xlsx!KPIs!I2, recorded ")
    assert lines[2].startswith("2024-12  86%  from Alpha.xlsx!KPIs!J2, recorded ")
    assert lines[3].startswith("         revised: value 86% -> 90%, numerator 172 -> 180  "
                               "from Alpha_resubmitted.xlsx!KPIs!J2, ")  # fmt: skip
    assert lines[3].endswith(f"UTC by {getpass.getuser()} (build)") and len(lines) == 4


def test_history_json_gives_every_version_with_its_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    reg = register(tmp_path)
    out = tmp_path / "d.xlsx"
    kpixl(capsys, "build", a_return(tmp_path / "a" / "Alpha.xlsx", AA01), "-r", reg, "-o", out)
    kpixl(
        capsys,
        "build",
        a_return(tmp_path / "b" / "Alpha.xlsx", [*AA01[:-1], 0.9], "Fixed"),
        "-r",
        reg,
        "-o",
        out,
    )
    code, out, _ = kpixl(capsys, "history", "AA01", "-r", reg, "--json", "--to", "2024-12")
    shown = json.loads(out)
    december = shown["months"][-1]
    assert code == 0 and len(shown["months"]) == 9 and december["period"] == "2024-12"
    assert [(v["value"], v["commentary"], v["cell"]) for v in december["versions"]] == [
        (0.86, "On track", "J2"), (0.9, "Fixed", "J2"),
    ]  # fmt: skip
    assert december["current"]["recorded_by"] == getpass.getuser()


def test_the_default_store_is_the_organisations_file_and_validate_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data_folder: Path
) -> None:
    reg, ret = register(tmp_path), a_return(tmp_path / "in" / "Alpha.xlsx", AA01)
    assert kpixl(capsys, "validate", ret, "-r", reg)[0] == 0
    assert kpixl(capsys, "build", ret, "-r", reg, "-o", tmp_path / "x.xlsx", "--no-store")[0] == 0
    assert not data_folder.exists()
    code, out, _ = kpixl(capsys, "build", ret, "-r", reg, "-o", tmp_path / "d.xlsx")
    assert code == 0 and str(data_folder / "test-analytics.sqlite3") in out
    assert kpixl(capsys, "history", "AA01")[0] == 0  # the one store there


def test_the_registers_store_setting_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    team = tmp_path / "team.sqlite3"
    reg = register(tmp_path, [("store", "sqlite:///team.sqlite3")])  # beside the register
    monkeypatch.chdir(data_folder.parent.parent.parent)
    ret = a_return(tmp_path / "in" / "Alpha.xlsx", AA01)
    assert kpixl(capsys, "build", ret, "-r", reg, "-o", tmp_path / "d.xlsx")[0] == 0
    assert rows(f"sqlite:///{team}", "SELECT count(*) FROM figures") == [(18,)]
    assert not data_folder.exists()


@pytest.mark.parametrize(
    "store, says",
    [
        ("sqlite:///\\\\fileserver\\performance\\kpixl.sqlite3", "postgresql+psycopg://"),
        ("postgresql+psycopg://officer:s3cret@db/kpis", "holds a password"),
        ("CORRUPT", "file is not a database"),
    ],
)
def test_a_store_problem_is_one_line_and_the_dashboard_is_still_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], store: str, says: str
) -> None:
    if store == "CORRUPT":
        (tmp_path / "bad.sqlite3").write_bytes(b"not a database" * 100)
        store = f"sqlite:///{tmp_path / 'bad.sqlite3'}"
    reg, ret = register(tmp_path), a_return(tmp_path / "in" / "Alpha.xlsx", AA01)
    code, out, err = kpixl(
        capsys, "build", ret, "-r", reg, "-o", tmp_path / "d.xlsx", "--store", store
    )
    assert code == 1 and (tmp_path / "d.xlsx").is_file() and "wrote" in out
    assert err.count("\n") == 1 and err.startswith("kpixl: not recorded in the history store: ")
    assert says in err and "s3cret" not in err


def test_batch_records_and_an_unchanged_rerun_adds_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    any_store: str,  # noqa: F811
) -> None:
    reg = register(tmp_path)
    a_return(tmp_path / "in" / "Alpha.xlsx", AA01)
    args = (
        "batch",
        tmp_path / "in",
        "-r",
        reg,
        "-o",
        tmp_path / "out",
        "--store",
        any_store,
        "-j",
        "1",
    )
    code, out, _ = kpixl(capsys, *args)
    assert code == 0 and "history: 18 new figure(s)" in out
    code, out, _ = kpixl(capsys, *args)  # nothing changed: nothing built, nothing recorded
    assert code == 0 and "history:" not in out
    assert rows(any_store, "SELECT command, count(*) FROM runs GROUP BY command") == [("batch", 1)]
    assert rows(
        any_store, "SELECT numerator FROM figures WHERE ref = 'AA01' AND period = '2024-04'"
    ) == [(182.0,)]


def test_runs_at_the_same_time_lose_no_figure(
    tmp_path: Path,
    any_store: str,  # noqa: F811
) -> None:
    reg = register(tmp_path)
    values = {name: [round(v - i / 100, 2) for v in AA01] for i, name in enumerate("ABCD")}
    runs = [build_in_background(tmp_path, reg, a_return(tmp_path / n / f"{n}.xlsx", v), any_store)
            for n, v in values.items()]  # fmt: skip
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
    assert rows(any_store, "SELECT count(*) FROM runs") == [(4,)]
    stored = rows(any_store, "SELECT period, value FROM figures WHERE ref = 'AA01'")
    assert sorted(stored) == sorted(
        (f"2024-{m:02d}", vs[m - 4]) for vs in values.values() for m in range(4, 13)
    )
    current = rows(any_store, "SELECT ref, period, count(*) FROM figures WHERE superseded_by IS NULL "
                              "GROUP BY ref, period")  # fmt: skip
    assert len(current) == 18 and all(n == 1 for *_, n in current)


def build_in_background(
    tmp_path: Path, reg: Path, ret: Path, store: str
) -> subprocess.Popen[bytes]:
    """`kpixl build` in its own process, as a second officer's run would be."""
    env = os.environ | {"XDG_DATA_HOME": str(tmp_path / "data")}
    command = [sys.executable, "-m", "kpixl", "build", ret, "-r", reg, "-o", ret.with_suffix(".out.xlsx"),
               "--store", store]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_an_auditor_lists_every_revised_figure(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    any_store: str,  # noqa: F811
) -> None:
    import datetime as dt
    import json

    reg, today = register(tmp_path), dt.datetime.now(dt.UTC).date()
    kpixl(capsys, "build", a_return(tmp_path / "a" / "Alpha.xlsx", AA01), "-r", reg,
          "-o", tmp_path / "a.xlsx", "--store", any_store)  # fmt: skip
    fixed = a_return(tmp_path / "b" / "Alpha_v2.xlsx", [0.9, *AA01[1:]], note="Recounted")
    kpixl(capsys, "build", fixed, "-r", reg, "-o", tmp_path / "b.xlsx", "--store", any_store)
    code, out, err = kpixl(
        capsys, "history", "--changes", "--since", str(today), "--store", any_store
    )
    lines = out.splitlines()
    assert (code, err, len(lines)) == (0, "", 3)
    assert lines[0].startswith("2 revised figure(s) in ") and lines[0].endswith(f" since {today}")
    april, december = lines[1:]
    assert (
        f"UTC  {getpass.getuser()} (build)  AA01 2024-04: value 91% -> 90%, numerator 182 -> 180"
        in april
    )
    assert "  from Alpha_v2.xlsx!KPIs!B2 (was Alpha.xlsx!KPIs!B2, recorded 20" in april
    assert april.endswith(f" UTC by {getpass.getuser()} (build))")
    assert "AA01 2024-12: commentary changed  from Alpha_v2.xlsx!KPIs!J2" in december
    tomorrow = today + dt.timedelta(days=1)
    code, out, _ = kpixl(
        capsys, "history", "--changes", "--since", str(tomorrow), "--store", any_store, "--json"
    )
    assert code == 0 and json.loads(out)["changes"] == []
    code, out, _ = kpixl(capsys, "history", "aa01", "--changes", "--store", any_store, "--json")
    shown = json.loads(out)["changes"]
    assert [(c["period"], c["changed"]) for c in shown] == [
        ("2024-04", ["value", "numerator"]), ("2024-12", ["commentary"]),
    ]  # fmt: skip
    assert (shown[0]["old"]["value"], shown[0]["new"]["value"]) == (0.91, 0.9)
    assert kpixl(capsys, "history", "--store", any_store)[0] == 2  # neither a ref nor --changes


FAIL_ON_RATINGS = {
    "sqlite": ["CREATE TRIGGER disk_full BEFORE INSERT ON ratings "
               "BEGIN SELECT RAISE(ABORT, 'disk full'); END"],
    "postgresql": [
        "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER disk_full BEFORE INSERT ON ratings FOR EACH ROW EXECUTE FUNCTION disk_full()",
    ],
}  # fmt: skip


def test_a_run_that_fails_half_way_leaves_nothing_in_the_store(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    any_store: str,  # noqa: F811
) -> None:
    from kpixl.history.location import checked
    from kpixl.history.store import open_store

    open_store(checked(any_store)).close()  # the tables, then a database that fails at the end
    engine = sa.create_engine(any_store)
    with engine.begin() as conn:
        for statement in FAIL_ON_RATINGS[engine.dialect.name]:
            conn.exec_driver_sql(statement)
    engine.dispose()
    reg, ret = register(tmp_path), a_return(tmp_path / "in" / "Alpha.xlsx", AA01)
    code, _, err = kpixl(
        capsys, "build", ret, "-r", reg, "-o", tmp_path / "d.xlsx", "--store", any_store
    )
    assert code == 1 and (tmp_path / "d.xlsx").is_file()
    assert err.startswith("kpixl: not recorded in the history store: ") and "disk full" in err
    assert err.count("\n") == 1
    for table in ("runs", "return_files", "thresholds", "figures", "ratings"):
        assert rows(any_store, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_a_revision_the_dashboards_rounding_hides_is_shown_in_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """86% corrected to 86.4%: both show as 86% on the dashboard, so the revision line gives
    the figures as they were typed; --json gives the unit and places the dashboard used."""
    reg, store = register(tmp_path), f"sqlite:///{tmp_path / 'h.sqlite3'}"
    kpixl(capsys, "build", a_return(tmp_path / "a" / "Alpha.xlsx", AA01), "-r", reg, "-o",
          tmp_path / "d.xlsx", "--store", store)  # fmt: skip
    fixed = a_return(tmp_path / "b" / "Alpha_v2.xlsx", [*AA01[:-1], 0.864])
    kpixl(capsys, "build", fixed, "-r", reg, "-o", tmp_path / "d.xlsx", "--store", store)
    code, out, _ = kpixl(capsys, "history", "AA01", "--store", store, "--from", "2024-12")
    assert code == 0 and "2024-12  86%  from Alpha.xlsx!KPIs!J2" in out
    assert "revised: value 0.86 -> 0.864, numerator 172 -> 173  from Alpha_v2.xlsx" in out
    code, out, _ = kpixl(capsys, "history", "AA01", "--store", store, "--json")
    shown = json.loads(out)
    assert (shown["unit"], shown["decimals"]) == ("percent", 0)
    assert shown["months"][-1]["current"]["value"] == 0.864  # the figure itself, unrounded
