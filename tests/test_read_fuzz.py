"""Fuzzing: generated workbooks and mutated sample returns end in issues, never in a crash.

The case generators take a `random.Random`, so Hypothesis drives them here (and shrinks a
failure to a small seed) while benchmarks/fuzz.py runs thousands of them in parallel.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpixl.check.validate import validate
from kpixl.errors import KpixlError
from kpixl.issues import Issue
from kpixl.read.isolation import Budget, Failure, run_isolated
from kpixl.read.returns import ReturnFile, read_return
from kpixl.read.workbook import Limits
from kpixl.register.load import load_register
from kpixl.register.model import Register

ROOT = Path(__file__).parent.parent
SAMPLE_RETURNS = sorted((ROOT / "samples" / "returns").rglob("*.xlsx"))
CASE_TIMEOUT_S = 20.0
LIMITS = Limits(timeout_s=CASE_TIMEOUT_S, memory_mb=1024)
HEADERS = ["Ref", "ref", "Indicator description", "Value", "Numerator", "Denominator", "YTD",
           "Prev. Year", "Commentary", "Target", "Floor", "Period", "Mar-25", "Feb-25",
           "Dec 2024", "2024-12", "April 2024", "Month RAG", "", "Q4"]  # fmt: skip
TEXTS = ["n/a", "-", "85%", "1,234", "=1+1", "+SUM(A1)", "-2", "@cmd", "\t=x", "\r=y", "NaN",
         "1e308", "inf", "½", "Ref", "2025-03", "Period", "x" * 300, "💥", "\x00"[:0]]  # fmt: skip


def _value(rnd: random.Random, refs: list[str]) -> object:
    kind = rnd.randrange(9)
    if kind == 0:
        return rnd.choice(refs) if refs and rnd.random() < 0.8 else rnd.choice(TEXTS)
    if kind == 1:
        return rnd.choice([0, 1, -1, 0.5, 0.999, 1e15, -1e15, 1e300, 100, 101, 1e-300])
    if kind == 2:
        return rnd.uniform(-1000, 100000)
    if kind == 3:
        return dt.datetime(rnd.randrange(1990, 2100), rnd.randrange(1, 13), 1)
    if kind == 4:
        return rnd.random() < 0.5
    if kind == 5:
        return rnd.choice(HEADERS)
    if kind == 6:
        return "".join(chr(rnd.randrange(32, 0x2FFF)) for _ in range(rnd.randrange(0, 12)))
    return None


def random_workbook(rnd: random.Random, path: Path, refs: list[str]) -> Path:
    """A workbook of random sheets, header rows, cell types, formulas and sizes."""
    book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True, "strings_to_formulas": False})
    for s in range(rnd.randrange(0, 4)):
        name = rnd.choice(["KPIs", "Return", "Numerators", "Denominators", f"S{s}", "Data"])
        if name in book.sheetnames:
            name = f"{name}{s}"
        sheet = book.add_worksheet(name)
        top, left = rnd.randrange(0, 40), rnd.randrange(0, 12)
        width = rnd.randrange(1, 14)
        sheet.write_row(top, left, [rnd.choice(HEADERS) for _ in range(width)])
        for r in range(rnd.randrange(0, 40)):
            for c in range(width):
                value = _value(rnd, refs)
                if rnd.random() < 0.05:
                    sheet.write_formula(top + 1 + r, left + c, "=1/0", None, rnd.choice([0, ""]))
                elif value is not None:
                    sheet.write(top + 1 + r, left + c, value)
        if rnd.random() < 0.1:  # a stray cell far away
            sheet.write(rnd.randrange(1, 1_048_576), rnd.randrange(1, 16_384), 1)
    book.close()
    return path


def _mutate(rnd: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randrange(1, 8)):
        if not buf:
            break
        op, at = rnd.randrange(5), rnd.randrange(len(buf))
        if op == 0:
            buf[at] = rnd.randrange(256)
        elif op == 1:
            del buf[at : at + rnd.randrange(1, 64)]
        elif op == 2:
            buf[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 32)))
        elif op == 3:
            buf[at:at] = rnd.choice(
                [b"<", b'r="XFD1048576"', b"<!DOCTYPE", b"&amp;", b"</c>", b"\x00"]
            )
        else:
            del buf[at:]
    return bytes(buf)


def mutated_sample(rnd: random.Random, path: Path) -> Path:
    """A sample return with its bytes mutated: either the zip itself, or XML inside it."""
    data = rnd.choice(SAMPLE_RETURNS).read_bytes()
    if rnd.random() < 0.3:
        path.write_bytes(_mutate(rnd, data))
        return path
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        names = src.namelist()
        victims = set(rnd.sample(names, rnd.randrange(1, 3)))
        for name in names:
            part = src.read(name)
            dst.writestr(name, _mutate(rnd, part) if name in victims else part)
    path.write_bytes(out.getvalue())
    return path


def failures(register: Register, files: list[Path], jobs: int = 1) -> list[str]:
    """Every way a case went wrong: a kpixl exception, a hang, a crashed reader."""
    tasks = [(f, None, LIMITS) for f in files]
    outcomes = run_isolated(read_return, tasks, jobs, Budget(LIMITS.memory_mb, LIMITS.timeout_s))
    found = [f"{f}: {o.kind}: {o.reason}" for f, o in zip(files, outcomes, strict=True)
             if isinstance(o, Failure)]  # fmt: skip
    read = [o for o in outcomes if isinstance(o, ReturnFile)]
    assert all(isinstance(i, Issue) for r in read for i in r.issues)
    try:
        validate(register, read)
    except KpixlError:
        pass  # a fatal problem said in one line is an acceptable end
    except Exception as exc:  # the point is to catch anything else
        found.append(f"{[str(f) for f in files]}: validate raised {type(exc).__name__}: {exc}")
    return found


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(ROOT / "samples" / "register.xlsx")


FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(rnd=st.randoms(use_true_random=False))
def test_generated_workbooks(register: Register, tmp_path: Path, rnd: random.Random) -> None:
    refs = list(register.indicators)[:30]
    path = random_workbook(rnd, tmp_path / "generated.xlsx", refs)
    assert failures(register, [path]) == []


@FUZZ
@given(rnd=st.randoms(use_true_random=False))
def test_mutated_samples(register: Register, tmp_path: Path, rnd: random.Random) -> None:
    path = mutated_sample(rnd, tmp_path / "mutated.xlsx")
    assert failures(register, [path]) == []
