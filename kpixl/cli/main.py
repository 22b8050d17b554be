"""`kpixl`: the command group, and the one place where errors become exit statuses."""

from __future__ import annotations

import codecs
import contextlib
import gc
import io
import logging
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from kpixl.cli.addin import addin
from kpixl.cli.batch import batch
from kpixl.cli.email import email
from kpixl.cli.explain import explain
from kpixl.cli.history import history
from kpixl.cli.options import EXIT_FAILED, EXIT_OK, say
from kpixl.cli.returns import build, validate
from kpixl.cli.suggest import suggest
from kpixl.cli.template import template
from kpixl.errors import KpixlError, RegisterError, write_crash_log

LOG_FILE = Path(tempfile.gettempdir()) / "kpixl-error.log"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpixl")
def cli() -> None:
    """kpixl: monthly KPI returns in, a RAG-rated performance dashboard out."""


for command in (validate, build, explain, template, email, batch, addin, history, suggest):
    cli.add_command(command)


def _fail(message: str) -> int:
    say(message, err=True)
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: every failure becomes one line on stderr and an exit status, never a traceback."""
    _one_blas_thread()
    _writable_output()
    with _fewer_collections():
        return _main(argv)


def _one_blas_thread() -> None:
    """kpixl never multiplies matrices, yet importing numpy starts OpenBLAS's pool of threads,
    which spin a while: on two cores that took 0.1-0.3 s of CPU from the readers in each
    `kpixl validate` of the scale case. One thread, unless the user has chosen a number (it
    only counts before numpy's import, which the command line puts off until it is needed)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _writable_output() -> None:
    """Output redirected to a file or a pipe is written as UTF-8. On Windows Python writes it in
    the PC's code page (cp1252), which has no → (a drag-fill's warning) nor Σ (explain's YTD
    arithmetic): `kpixl validate > log.txt` stopped there with an encoding error. A console is
    left as it is (Windows writes it as Unicode), and so is a stream kpixl did not open."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or stream.isatty():
            continue
        if codecs.lookup(stream.encoding).name != "utf-8":
            with contextlib.suppress(ValueError, OSError):  # already written to, or closed
                stream.reconfigure(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A run builds hundreds of thousands of long-lived objects (figures, rows) and makes little
    cyclic garbage: collecting every 700 allocations would spend a tenth of the run re-walking
    them. Collect every 100,000 instead, as long as the command runs."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _main(argv: Sequence[str] | None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except RegisterError as exc:
        for issue in exc.issues:
            say(issue.line(), err=True)
        return _fail(f"kpixl: {exc}")
    except KpixlError as exc:
        return _fail(f"kpixl: {exc}")
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        return _fail("kpixl: stopped")
    except click.ClickException as exc:
        exc.show()
        return EXIT_FAILED
    except Exception as exc:
        return _unexpected(exc)
    return result if isinstance(result, int) else EXIT_OK


def _unexpected(exc: Exception) -> int:
    where = write_crash_log(exc, LOG_FILE)
    logging.getLogger("kpixl").debug("unexpected failure", exc_info=exc)
    return _fail(f"kpixl: unexpected problem ({type(exc).__name__}: {exc}); {where}; "
                 "please report it")  # fmt: skip
