"""`kpixl history REF`: an indicator's months from the history store, each with its revisions;
and the `--store` / `--no-store` options by which `build` and `batch` record into it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import click

from kpixl.cli.options import EXIT_ISSUES, EXIT_OK, parse_period, register_opt, say
from kpixl.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from kpixl.check.figures import Figures
    from kpixl.history.query import Change, Month, Version
    from kpixl.history.record import Accepted
    from kpixl.history.store import Store
    from kpixl.register.model import Register, Unit
    from kpixl.results import Results

F = TypeVar("F", bound=Callable[..., Any])
Shown: TypeAlias = (
    "tuple[Unit, int] | None"  # how the register shows an indicator: its unit and decimals
)


def store_options(command: F) -> F:
    """`--store URL` and `--no-store`, for the commands that record a run."""
    command = click.option("--no-store", is_flag=True,
                           help="Keep no history of this run.")(command)  # fmt: skip
    return click.option(
        "--store", metavar="URL", default=None,
        help="History store to record into (sqlite:///PATH or postgresql+psycopg://HOST/DB); "
             "default: the register's store setting, else your own file for the organisation.",
    )(command)  # fmt: skip


class Recording:
    """A run's record in the history store. When the run has rated its figures (`rated`, before
    any dashboard is written) they are taken, those that differ from the store's are added to
    the run's report as `revised` warnings, and last year's figures the returns lack are added
    from the store for the previous-year column; the run is recorded once the dashboards are
    written (`record`). A store problem is one line and never costs a dashboard."""

    def __init__(
        self, command: str, store: str | None, off: bool, previous_year: bool = True
    ) -> None:
        self.command, self.option, self.off = command, store, off
        self.previous_year = previous_year  # add last year's figures from the store
        self.results: Results | None = None
        self.taken: Accepted | None = None
        self.store: Store | None = None
        self.problem = ""
        self.last_year = 0  # indicators whose previous year came from the store

    def rated(self, results: Results, figures: Figures | None = None) -> None:
        """Take the run's figures (from `results` when not given: see
        kpixl.history.record.figures_of) and add last year's from the store."""
        if self.off:
            return
        from kpixl.history.previous import earlier_values, fill_last_year
        from kpixl.history.record import figures_of, take
        from kpixl.history.revisions import revisions

        self.results = results
        try:
            figures = figures or figures_of(results)
            if figures is None:
                raise UsageError("the run's figures were not kept for the history store")
            self.taken = take(results, figures)
            self.store = open_for(self.option, results.register)
            # revisions found now, so the dashboards list them; recorded after, as ever
            results.report.extend(
                revisions(self.store, results.register, figures, self.taken.figures)
            )
            if self.previous_year:
                filled = fill_last_year(self.store, results.register, figures, results.period)
                self.last_year = filled.indicators
                results.earlier = earlier_values(
                    results.register, figures, results.period, filled.held
                )  # the Trends sheet's earlier years
        except Exception as exc:  # whatever the store does, the dashboards are written
            self.problem = _one_line(exc)

    def record(self) -> bool:
        """Record the run; False (and one line on stderr) when the store could not take it."""
        if self.off or self.results is None:
            return True
        from kpixl.history.record import record_run

        try:
            if self.problem or self.store is None or self.taken is None:
                say(f"kpixl: not recorded in the history store: {self.problem}", err=True)
                return False
            try:
                done = record_run(self.store, self.command, self.results, self.taken)
            except Exception as exc:  # the dashboards are written: say why, exit status 1
                say(f"kpixl: not recorded in the history store: {_one_line(exc)}", err=True)
                return False
            said = f"; the previous year of {self.last_year} from it" if self.last_year else ""
            say(f"history: {done.new} new figure(s), {done.revised} revised, {done.unchanged} "
                f"unchanged in {self.store.shown}{said}")  # fmt: skip
            return True
        finally:
            if self.store is not None:
                self.store.close()


def _one_line(exc: Exception) -> str:
    """A store's failure in one line: kpixl's own say what to do; others name their kind."""
    from kpixl.errors import KpixlError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if isinstance(exc, KpixlError) else f"{type(exc).__name__}: {text}"


def open_for(option: str | None, register: Register | None) -> Store:
    """The store a run records into (see kpixl.history.location), made if need be."""
    from kpixl.history.location import store_url
    from kpixl.history.store import open_store

    setting = register.settings.other.get("store", "") if register is not None else ""
    organisation = register.settings.organisation if register is not None else ""
    folder = register.path.parent if register is not None else None
    url = store_url(option, setting, organisation, folder)
    return open_store(url, make_folder=not (option or setting))


class _RefFirst(click.Group):
    """`kpixl history REF ...` is `kpixl history show REF ...`; import and export are commands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_RefFirst, subcommand_metavar="REF [OPTIONS] | COMMAND [ARGS]...")
def history() -> None:
    """The history store: `kpixl history REF` shows an indicator's months and revisions
    (`kpixl history show --help`), `--changes` every revised figure; `import` records past
    returns; `export` writes the whole store as one table."""


@history.command("show")
@click.argument("ref", required=False)
@click.option("--store", metavar="URL", default=None,
              help="The history store (default: the register's, else your own).")  # fmt: skip
@click.option("--register", "-r", type=click.Path(path_type=Path), default=None,
              help="The register whose store to read (its store setting or organisation).")  # fmt: skip
@click.option("--from", "start", metavar="YYYY-MM", default=None, help="First month shown.")
@click.option("--to", "end", metavar="YYYY-MM", default=None, help="Last month shown.")
@click.option("--changes", is_flag=True,
              help="List every revised figure (of REF, if given) instead: old -> new, the file "
                   "and cell, who and when.")  # fmt: skip
@click.option("--since", metavar="YYYY-MM-DD", default=None,
              help="With --changes: only revisions recorded on or after this day (UTC).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
def show(
    ref: str | None, store: str | None, register: Path | None, start: str | None,
    end: str | None, changes: bool, since: str | None, as_json: bool,
) -> int:  # fmt: skip
    """Show REF's months from the history store: each figure's value, the file, sheet and cell
    it came from, who recorded it and when, and every revision (old -> new). With --changes,
    every revised figure of the store, for an auditor.

    Exit status: 0 shown, 2 no such store or no figures for REF.
    """
    if changes:
        return _changes(ref, store, register, _day(since), as_json)
    if ref is None:
        raise UsageError("give an indicator's ref (kpixl history FN07), or --changes")
    from kpixl.history.query import series, units

    first, last = (str(parse_period(p)) if p else None for p in (start, end))
    opened = open_to_read(store, register)
    try:
        months = series(opened, ref, first, last)
        unit = units(opened, ref).get(ref.upper())
    finally:
        opened.close()
    if not months:
        raise UsageError(f"no figures for {ref} in the history store {opened.shown}")
    if as_json:
        shown = _as_json(ref, opened.shown, months, unit)
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        _print(ref, opened.shown, months, unit)
    return EXIT_OK


def _day(text: str | None) -> dt.datetime | None:
    """`--since 2025-02-01` as the start of that day, UTC."""
    if text is None:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
    except ValueError:
        raise UsageError(f"--since: '{text}' is not a day: write it as YYYY-MM-DD") from None


def _changes(
    ref: str | None, store: str | None, register: Path | None, since: dt.datetime | None,
    as_json: bool,
) -> int:  # fmt: skip
    from kpixl.history.query import changes, units

    opened = open_to_read(store, register)
    try:
        found = changes(opened, since, ref)
        shown_as = units(opened, ref)
    finally:
        opened.close()
    if as_json:
        shown = {"store": opened.shown, "since": since.isoformat() if since else None,
                 "changes": [_change_json(c) for c in found]}  # fmt: skip
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        return EXIT_OK
    after = f" since {since:%Y-%m-%d}" if since else ""
    say(f"{len(found)} revised figure(s){' of ' + ref if ref else ''} in {opened.shown}{after}")
    for c in found:
        say(f"{c.new.recorded_at:%Y-%m-%d %H:%M} UTC  {c.new.user} ({c.new.command})  "
            f"{c.ref} {c.new.period}: {_change(c.old, c.new, shown_as.get(c.ref.upper()))}  from {c.new.source} "
            f"(was {c.old.source}, recorded {_who(c.old)})")  # fmt: skip
    return EXIT_OK


def _change_json(c: Change) -> dict[str, object]:
    return {"ref": c.ref, "period": c.new.period, "changed": c.changed(),
            "old": _version_json(c.old), "new": _version_json(c.new)}  # fmt: skip


def open_to_read(option: str | None, register_path: Path | None) -> Store:
    """The store to read; never made here: a store no run has recorded into is one line."""
    from kpixl.history.location import store_url
    from kpixl.history.store import open_store

    register = None
    if register_path is not None:
        from kpixl.register.load import load_register

        register = load_register(register_path)
    if option is None and register is None:
        url = _only_store()
    else:
        setting = register.settings.other.get("store", "") if register is not None else ""
        organisation = register.settings.organisation if register is not None else ""
        folder = register.path.parent if register is not None else None
        url = store_url(option, setting, organisation, folder)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise UsageError(
            f"no history store at {url.database}: `kpixl build` and `kpixl batch` record into it"
        )
    return open_store(url)


def _only_store() -> URL:
    """Without --store or --register: the one store in the user's data folder."""
    import platformdirs

    from kpixl.history.location import checked

    folder = platformdirs.user_data_path("kpixl", appauthor=False)
    found = sorted(folder.glob("*.sqlite3")) if folder.is_dir() else []
    if len(found) != 1:
        names = ", ".join(p.stem for p in found) or "none yet"
        raise UsageError(
            f"give --register REGISTER (or --store URL): which history store? ({names} in {folder})"
        )
    return checked(f"sqlite:///{found[0]}")


def _change(old: Version, new: Version, unit: Shown = None) -> str:
    """`value 91% -> 93%, commentary changed`."""
    parts = []
    for name, before in old.numbers().items():
        after = getattr(new, name)
        if before != after:
            was, now = (_number(v, unit if name in _AS_SHOWN else None) for v in (before, after))
            if was == now:  # a change the dashboard's rounding hides: every figure typed
                was, now = (_number(v) for v in (before, after))
            parts.append(f"{name} changed" if name == "commentary" else f"{name} {was} -> {now}")
    return ", ".join(parts)


_AS_SHOWN = ("value", "ytd", "prev_year")  # the figures the dashboard shows in the unit


def _number(value: object, unit: Shown = None) -> str:
    """As the dashboard shows it when the unit is known (`84%`, `26,439`), else as stored."""
    if value is None:
        return "blank"
    if not isinstance(value, float):
        return str(value)
    if unit is not None:
        from kpixl.register.model import as_shown

        return as_shown(value, *unit)
    return f"{value:,g}"


def _who(v: Version) -> str:
    return f"{v.recorded_at:%Y-%m-%d %H:%M} UTC by {v.user} ({v.command})"


def _print(ref: str, shown: str, months: list[Month], unit: Shown) -> None:
    revised = sum(1 for m in months if len(m.versions) > 1)
    say(f"{ref}: {len(months)} month(s) in {shown}, {revised} revised")
    for month in months:
        first = month.versions[0]
        say(f"{month.period}  {_number(first.value, unit)}  from {first.source}, "
                   f"recorded {_who(first)}")  # fmt: skip
        for old, new in zip(month.versions, month.versions[1:], strict=False):
            say(f"         revised: {_change(old, new, unit)}  from {new.source}, {_who(new)}")


def _version_json(v: Version) -> dict[str, object]:
    return v.numbers() | {
        "file": v.file, "sheet": v.sheet, "cell": v.cell, "file_sha256": v.file_sha256,
        "recorded_by": v.user, "recorded_at": v.recorded_at.isoformat(), "command": v.command,
    }  # fmt: skip


def _as_json(ref: str, shown: str, months: list[Month], unit: Shown) -> dict[str, object]:
    return {
        "ref": ref,
        "store": shown,
        "unit": unit[0].value if unit else None,
        "decimals": unit[1] if unit else None,
        "months": [
            {"period": m.period, "current": _version_json(m.current),
             "versions": [_version_json(v) for v in m.versions]}
            for m in months
        ],
    }  # fmt: skip


@history.command("import")
@click.argument("returns", nargs=-1, required=True, type=click.Path(path_type=Path))
@register_opt
@click.option("--store", metavar="URL", default=None,
              help="The history store (default: the register's, else your own).")  # fmt: skip
def import_returns(returns: tuple[Path, ...], register: Path, store: str | None) -> int:
    """Record past RETURNS (files or folders; a dashboard kpixl wrote reads back as a return)
    in the history store, so a team starts with its history. Nothing else is written.

    Exit status: 0 recorded, 1 recorded without the figures that have errors (listed), or not
    recorded, 2 nothing could be read.
    """
    from kpixl.pipeline import NothingToRate, run_with_figures

    try:
        results, figures = run_with_figures(returns, register)
    except NothingToRate as exc:
        for issue in exc.report.errors:
            say(issue.line())
        say("nothing recorded: no file gives a figure for any indicator of the register")
        return EXIT_ISSUES
    for issue in results.report.errors:
        say(issue.line())
    recording = Recording("import", store, off=False, previous_year=False)
    recording.rated(results, figures)
    recorded = recording.record()
    return EXIT_OK if results.report.valid and recorded else EXIT_ISSUES


@history.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--store", metavar="URL", default=None,
              help="The history store (default: the register's, else your own).")  # fmt: skip
@click.option("--register", "-r", type=click.Path(path_type=Path), default=None,
              help="The register whose store to read (its store setting or organisation).")  # fmt: skip
def export(out: Path, store: str | None, register: Path | None) -> int:
    """Write every version of every figure in the store to OUT (.csv or .xlsx): ref, period,
    version, current, the numbers and commentary, file, sheet, cell, the file's SHA-256, who
    recorded it, when and by which command.

    Exit status: 0 written, 2 no such store, or OUT cannot be written.
    """
    from kpixl.history.export import write_export

    opened = open_to_read(store, register)
    try:
        database = opened.engine.url.database if opened.engine.dialect.name == "sqlite" else None
        if database and out.resolve() == Path(database).resolve():
            raise UsageError(f"{out}: that is the history store itself: give another file")
        written = write_export(opened, out)
    finally:
        opened.close()
    say(f"wrote {out}: {written} figure version(s)")
    return EXIT_OK
