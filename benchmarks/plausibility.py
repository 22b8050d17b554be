"""How far the plausibility warnings can be trusted: precision, recall and false alarms.

    python benchmarks/plausibility.py [--indicators 1500] [--slipped 0.3] [--seed 1] [--keep DIR]
                                      [--shapes own|other|public]

Writes realistic monthly series into service-area returns (percent KPIs steady, moderate and
volatile, some with a real step change or a one-month shock; seasonal counts with December dips
and March peaks, growing or shrinking; small counts; lumpy money; March year-end spending; stock
snapshots; signed variances), some with last year's months beside this year's. Into a known
share of the indicators it types one data-entry slip: ×/÷ 10, 100 or 1000 (a digit, the
thousands, pounds in a £000s cell, a percentage on the wrong scale), two adjacent digits
swapped, a lost minus sign, the year-to-date total in a month, a value copied forward for three
or four months, a +1 drag-fill. Then it runs `kpixl validate --json` as a user would and prints,
per warning code and overall, precision (warnings that point at a slipped month; a run's
warning names the whole run, and is right when that run holds one), recall per
kind of slip (slips a warning points at), and false alarms per 100 indicators without a slip.
`--shapes other` makes series this generator does not (other_shapes.py); `--shapes public` types
the same slips into two-year runs of real published series (public.py: counts, money,
employment counts, shares).

Targets (issue 16): precision >= 0.90; <= 1 false alarm per 100 clean indicators; recall >= 0.85
overall, >= 0.95 on scale, year-to-date and run slips, >= 0.5 on swapped digits.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

PLAUSIBILITY = {"drag-fill", "flat-run", "outlier", "near-zero", "scale-slip", "swapped-digits",
                "wrong-sign", "ytd-in-month"}  # fmt: skip
THIS_YEAR = [f"{m}-{y}" for m, y in zip(
    ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"],
    [24] * 9 + [25] * 3, strict=True)]  # fmt: skip
LAST_YEAR = [t[:4] + str(int(t[4:]) - 1) for t in THIS_YEAR]
PER_AREA = 50
RUNS = {"flat-run", "drag-fill"}
RUN_SPAN = re.compile(r"(?:from|for) (\w{3}-\d{2}) to \w{3}-\d{2}")


@dataclass
class Series:
    ref: str
    kind: str  # the generator's name for it
    unit: str  # register unit
    ytd: str  # register ytd method
    values: list[float]  # last year's 12 (when history) then this year's 12
    history: bool
    slip: str = ""  # kind of slip typed, "" for none
    slipped: set[int] = field(default_factory=set)  # this year's months (0-11) it touched
    moved: float = 0.0  # how far the slip moved the figure, as a ratio (1.0: not at all)
    clean: list[float] = field(default_factory=list)  # the values before the slip


def _percent(
    rng: random.Random, level: float, noise: float, whole: bool, months: int = 24
) -> list[float]:
    values = [min(1.0, max(0.0, rng.gauss(level, noise))) for _ in range(months)]
    return [round(v, 2) if whole else v for v in values]


def _with_denominators(rng: random.Random, values: list[float]) -> list[float]:
    """Percentages as a return computes them: numerator / denominator."""
    out = []
    for v in values:
        den = rng.randint(80, 2000)
        out.append(round(v * den) / den)
    return out


def percent_kpi(rng: random.Random, style: str, months: int = 24) -> list[float]:
    """`months` of a percent KPI (last year's and this year's; more for the forecast's
    back-test): a level with noise, perhaps a real step change and a one-month shock in the
    last year."""
    noise = {"steady": rng.uniform(0.004, 0.012), "moderate": rng.uniform(0.015, 0.035),
             "volatile": rng.uniform(0.04, 0.09)}[style]  # fmt: skip
    level = rng.uniform(0.55, 0.97) if style != "volatile" else rng.uniform(0.35, 0.8)
    values = _percent(rng, level, noise, whole=False, months=months)
    if rng.random() < 0.25:  # a real step change (a new system from some month)
        at = rng.randint(months - 10, months - 2)
        jump = rng.choice([-1, 1]) * rng.uniform(0.08, 0.25)
        values = values[:at] + [min(1.0, max(0.0, v + jump)) for v in values[at:]]
    if rng.random() < 0.25:  # a genuine one-month shock
        at = rng.randint(months - 12, months - 1)
        values[at] = min(1.0, max(0.0, values[at] - rng.uniform(0.08, 0.3)))
    if rng.random() < 0.5:
        return [round(v, 2) for v in values]  # typed as whole percentages
    return _with_denominators(rng, values)


def seasonal_count(rng: random.Random, months: int = 24) -> list[float]:
    level = math.exp(rng.uniform(math.log(150), math.log(40000)))
    noise = rng.uniform(0.03, 0.12)
    growth = rng.uniform(-0.01, 0.015)
    dec, mar = rng.uniform(0.6, 0.9), rng.uniform(1.1, 1.45)
    out = []
    for m in range(months):
        season = dec if m % 12 == 8 else mar if m % 12 == 11 else 1.0
        out.append(round(level * (1 + growth) ** m * season * math.exp(rng.gauss(0, noise))))
    return out


def small_count(rng: random.Random, months: int = 24) -> list[float]:
    mean = rng.uniform(1.5, 15)
    return [float(poisson(rng, mean)) for _ in range(months)]


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's): a small count's month (also benchmarks/forecast.py's)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def lumpy_money(rng: random.Random, months: int = 24) -> list[float]:
    level = math.exp(rng.uniform(math.log(50), math.log(5000)))
    out = []
    for _ in range(months):
        receipt = level * math.exp(rng.gauss(0, 0.9)) if rng.random() < 0.8 else 0.0
        out.append(float(round(receipt)))
    return out


def year_end_spend(rng: random.Random, months: int = 24) -> list[float]:
    level = math.exp(rng.uniform(math.log(200), math.log(30000)))
    spike = rng.uniform(1.5, 3.5)
    return [float(round(level * math.exp(rng.gauss(0, 0.15)) * (spike if m % 12 == 11 else 1)))
            for m in range(months)]  # fmt: skip


def stock(rng: random.Random, months: int = 24) -> list[float]:
    value = math.exp(rng.uniform(math.log(500), math.log(60000)))
    step = rng.uniform(0.002, 0.012)
    out = []
    for _ in range(months):
        value *= math.exp(rng.gauss(0, step))
        out.append(float(round(value)))
    return out


def variance(rng: random.Random, months: int = 24) -> list[float]:
    mean, sd = -rng.uniform(200, 3000), rng.uniform(0.05, 0.2)
    return [float(round(mean * math.exp(rng.gauss(0, sd)))) for _ in range(months)]


# a kind of series: its name, the register's unit and ytd method, and how it is made
Kinds = list[tuple[str, str, str, Callable[[random.Random], list[float]]]]
# this generator's own makers also take how many months to make (24: last year's and this
# year's), so benchmarks/forecast.py --shapes plausibility makes longer series the same way
KINDS: list[tuple[str, str, str, Callable[..., list[float]]]] = [
    ("percent steady", "percent", "mean", lambda r, n=24: percent_kpi(r, "steady", n)),
    ("percent moderate", "percent", "mean", lambda r, n=24: percent_kpi(r, "moderate", n)),
    ("percent volatile", "percent", "mean", lambda r, n=24: percent_kpi(r, "volatile", n)),
    ("seasonal count", "count", "sum", seasonal_count),
    ("seasonal count", "count", "sum", seasonal_count),
    ("small count", "count", "sum", small_count),
    ("lumpy money", "currency_k", "sum", lumpy_money),
    ("year-end spend", "currency_k", "sum", year_end_spend),
    ("stock snapshot", "count", "latest", stock),
    ("variance", "number", "sum", variance),
]


def make_series(rng: random.Random, n: int, kinds: Kinds | None = None) -> list[Series]:
    """`n` series, of `kinds` in turn (this generator's own KINDS unless given)."""
    kinds = KINDS if kinds is None else kinds
    out = []
    for i in range(n):
        kind, unit, ytd, make = kinds[i % len(kinds)]
        history = (i // PER_AREA) % 5 < 2  # two areas in five send last year's months too
        out.append(Series(f"P{i:04d}", kind, unit, ytd, make(rng), history))
    return out


# --- slips ------------------------------------------------------------------------------------


def _swap_digits(rng: random.Random, value: float, percent: bool) -> float | None:
    typed = f"{round(value * 100) if percent else abs(value):.10g}"
    pairs = [j for j in range(len(typed) - 1)
             if typed[j].isdigit() and typed[j + 1].isdigit() and typed[j] != typed[j + 1]
             and not (j == 0 and typed[1] == "0")]  # fmt: skip
    if not pairs or "e" in typed:
        return None
    j = rng.choice(pairs)
    number = float(typed[:j] + typed[j + 1] + typed[j] + typed[j + 2 :])
    return number / 100 if percent else math.copysign(number, value)


def type_slip(rng: random.Random, s: Series) -> None:
    """Type one slip into this year's months of s (sets s.slip and s.slipped)."""
    year = 12  # this year's months follow last year's
    options = ["scale", "swap", "copy"]
    if s.unit != "percent":
        options += ["drag"]
    if s.ytd == "sum" and s.unit != "percent":
        options += ["ytd"]
    if s.kind == "variance":
        options += ["minus", "minus"]
    kind = rng.choice(options)
    m = rng.randint(1, 11)
    v = s.values[year + m]
    if kind == "scale":
        if s.unit == "percent":
            new = v / rng.choice([10, 100])
        else:
            how = rng.choice(["x10", "/10", "x100", "thousands", "pounds"])
            new = {"x10": v * 10, "/10": round(v / 10, 1), "x100": v * 100,
                   "thousands": float(int(v / 1000)), "pounds": v * 1000}[how]  # fmt: skip
            if how == "thousands" and abs(v) < 2000:
                new = round(v / 1000, 3)
        if new == v:
            return
        s.values[year + m] = new
    elif kind == "swap":
        new_or_none = _swap_digits(rng, v, s.unit == "percent")
        if new_or_none is None or new_or_none == v:
            return
        s.values[year + m] = new_or_none
    elif kind == "minus":
        s.values[year + m] = -v
    elif kind == "ytd":
        m = max(m, 2)
        s.values[year + m] = sum(s.values[year : year + m + 1])
    elif kind in ("copy", "drag"):
        length = rng.choice([3, 4])
        m = rng.randint(0, 12 - length)
        base = s.values[year + m]
        if kind == "copy" and (base in (0.0, 1.0)):
            return  # 0 and 100% repeat genuinely: no slip to type
        for k in range(1, length):
            s.values[year + m + k] = base + (k if kind == "drag" else 0)
        s.slipped = set(range(m + 1, m + length)) | {m}
        s.slip = kind
        return
    s.slip, s.slipped = kind, {m}
    new_value = s.values[year + m]
    s.moved = abs(new_value / v) if v and new_value else math.inf


# --- files, the run, the scores -----------------------------------------------------------------


def write_case(work: Path, series: list[Series]) -> tuple[Path, Path]:
    register, returns = work / "register.xlsx", work / "returns"
    returns.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(register))
    sheet = book.add_worksheet("Indicators")
    sheet.write_row(0, 0, ["ref", "description", "service_area", "kind", "unit", "target", "floor",
                           "ytd", "decimals"])  # fmt: skip
    for r, s in enumerate(series, start=1):
        kpi = s.unit == "percent"
        sheet.write_row(r, 0, [s.ref, f"{s.kind} {s.ref}", _area(s), "KPI" if kpi else "Activity",
                               s.unit, 0.9 if kpi else "", 0.8 if kpi else "", s.ytd, 0])  # fmt: skip
    areas = sorted({_area(s) for s in series})
    sa = book.add_worksheet("Service areas")
    sa.write_row(0, 0, ["service_area", "department", "dashboard"])
    for r, area in enumerate(areas, start=1):
        sa.write_row(r, 0, [area, "Benchmark", "Bench"])
    book.add_worksheet("Settings").write_row(0, 0, ["organisation", "Benchmark"])
    book.close()
    for area in areas:
        members = [s for s in series if _area(s) == area]
        months = (LAST_YEAR if members[0].history else []) + THIS_YEAR
        book = xlsxwriter.Workbook(str(returns / f"{area}.xlsx"))
        sheet = book.add_worksheet("KPIs")
        sheet.write_row(0, 0, ["Ref", "Indicator description", *months])
        for r, s in enumerate(members, start=1):
            values = s.values if s.history else s.values[12:]
            sheet.write_row(r, 0, [s.ref, s.kind, *values])
        book.close()
    return register, returns


def _area(s: Series) -> str:
    return f"Area {int(s.ref[1:]) // PER_AREA:03d}"


def run_validate(register: Path, returns: Path) -> list[dict[str, str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "kpixl", "validate", str(returns), "--register", str(register),
         "--json"], capture_output=True, text=True, check=False,
    )  # fmt: skip
    if not proc.stdout.strip():
        sys.exit(f"kpixl validate printed nothing (exit {proc.returncode}): {proc.stderr}")
    issues: list[dict[str, str]] = json.loads(proc.stdout)["issues"]
    return [i for i in issues if i["code"] in PLAUSIBILITY]


def score(series: list[Series], warnings: list[dict[str, str]]) -> None:
    by_ref = {s.ref: s for s in series}
    hits: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    found: dict[str, set[int]] = defaultdict(set)
    clean_alarms = 0
    for w in warnings:
        s = by_ref[w["ref"]]
        right = _months(w) & s.slipped
        if right:
            hits[w["code"]] += 1
            found[s.ref] |= right
        else:
            alarms[w["code"]] += 1
            clean_alarms += not s.slip
    print(f"{'code':16} {'warnings':>8} {'right':>6} {'precision':>9}")
    for code in sorted(set(hits) | set(alarms)):
        total = hits[code] + alarms[code]
        print(f"{code:16} {total:8d} {hits[code]:6d} {hits[code] / total:9.2f}")
    total = sum(hits.values()) + sum(alarms.values())
    precision = sum(hits.values()) / total if total else 1.0
    print(f"{'overall':16} {total:8d} {sum(hits.values()):6d} {precision:9.2f}  (target >= 0.90)")
    _recall(series, found)
    clean = sum(1 for s in series if not s.slip)
    print(f"false alarms per 100 clean indicators: {100 * clean_alarms / clean:.2f} "
          f"({clean_alarms} on {clean}; target <= 1)")  # fmt: skip
    _false_alarms_by_kind(series, warnings)


def _recall(series: list[Series], found: dict[str, set[int]]) -> None:
    slips: Counter[str] = Counter(s.slip for s in series if s.slip)
    if not slips:
        print("\nno slips typed (--slipped 0): false alarms only")
        return
    caught: Counter[str] = Counter(s.slip for s in series if s.slip and found.get(s.ref))
    targets = {"scale": 0.95, "ytd": 0.95, "copy": 0.95, "drag": 0.95, "swap": 0.5}
    print(f"\n{'slip':16} {'typed':>8} {'caught':>6} {'recall':>9}")
    for kind in sorted(slips):
        aim = f"  (target >= {targets[kind]:.2f})" if kind in targets else ""
        print(
            f"{kind:16} {slips[kind]:8d} {caught[kind]:6d} {caught[kind] / slips[kind]:9.2f}{aim}"
        )
    big = [s for s in series if s.slip == "swap" and not 0.8 < s.moved < 1.25]
    if big:
        hit = sum(1 for s in big if found.get(s.ref))
        print(f"{'swap >= 25%':16} {len(big):8d} {hit:6d} {hit / len(big):9.2f}  "
              "(swaps that moved the figure by a quarter or more)")  # fmt: skip
    by_kind: Counter[str] = Counter(s.kind for s in series if s.slip)
    hit_kind: Counter[str] = Counter(s.kind for s in series if s.slip and found.get(s.ref))
    print("by kind of series: " + ", ".join(
        f"{k} {hit_kind[k] / n:.2f}" for k, n in sorted(by_kind.items())))  # fmt: skip
    total = sum(slips.values())
    print(f"{'overall':16} {total:8d} {sum(caught.values()):6d} "
          f"{sum(caught.values()) / total:9.2f}  (target >= 0.85)")  # fmt: skip
    _ceilings(series, found)


# --- how many slips could be found at all ------------------------------------------------------

FAR = 2.0  # a figure typed within this many typical changes of its level looks like any month
BY_CHANCE = 0.05  # a run this likely by chance (in a series this noisy) tells little
MAD_SD = 1.4826


def _ceilings(series: list[Series], found: dict[str, set[int]]) -> None:
    """Per kind of slip, the share that stands out from the series' own spread (a figure
    typed at least FAR typical changes from its level; a run a series this noisy makes by
    chance less than once in 1 / BY_CHANCE years), worked out on the values before the slip
    independently of kpixl's rules, and the recall among those: the ceiling to read the
    recall against."""
    kinds = sorted({s.slip for s in series if s.slip})
    print(f"\n{'detectable':16} {'slips':>8} {'share':>6} {'recall':>9}  "
          f"(point slips >= {FAR:g} typical changes from the level; "
          f"runs with a chance < {BY_CHANCE:g})")  # fmt: skip
    every, every_hit = 0, 0
    for kind in kinds:
        slipped = [s for s in series if s.slip == kind]
        able = [s for s in slipped if _detectable(s)]
        hit = sum(1 for s in able if found.get(s.ref))
        every, every_hit = every + len(able), every_hit + hit
        recall = f"{hit / len(able):9.2f}" if able else f"{'-':>9}"
        print(f"{kind:16} {len(able):8d} {len(able) / len(slipped):6.2f} {recall}")
    total = sum(1 for s in series if s.slip)
    print(f"{'overall':16} {every:8d} {every / total:6.2f} {every_hit / max(every, 1):9.2f}")


def _detectable(s: Series) -> bool:
    start = 12 if not s.history else 0  # the months a reader of the returns sees
    clean, typed = s.clean[start:], s.values[start:]
    first = min(s.slipped) + 12 - start
    log = s.unit != "percent" and min(clean) >= 0
    scaled = [math.log1p(v) if log else v for v in clean]
    changes = [b - a for a, b in itertools.pairwise(scaled)]
    if s.slip in ("copy", "drag"):
        return _run_chance(s, clean) < BY_CHANCE
    near = [scaled[j] for j in range(max(0, first - 3), min(len(clean), first + 4)) if j != first]
    level, noise = statistics.median(near), _spread(changes)
    if (log and typed[first] < 0) or noise == 0:
        return True  # a sign lost where there are no negatives; a series that never moves
    now = math.log1p(typed[first]) if log else typed[first]
    return abs(now - level) >= FAR * noise


def _spread(changes: list[float]) -> float:
    middle = statistics.median(changes)
    return MAD_SD * statistics.median(abs(d - middle) for d in changes)


def _run_chance(s: Series, clean: list[float]) -> float:
    """The chance a series this noisy makes a run this long somewhere in the year: one
    change of exactly 0 (copied) or +1 (drag-fill) from a normal spread of its own changes,
    in steps of its last digit."""
    length = len(s.slipped) - 1  # the changes the run makes
    step = 1.0 if s.slip == "drag" else 0.0
    changes = [b - a for a, b in itertools.pairwise(clean)]
    spread, drift = _spread(changes), statistics.median(changes)
    unit = 1.0  # whole numbers; a percentage in whole points, or worked out to the millionth
    if s.unit == "percent":
        unit = 0.01 if all(round(v, 2) == v for v in clean) else 1e-6
    if spread == 0:
        return 1.0
    one = statistics.NormalDist(drift, spread)
    chance = one.cdf(step + unit / 2) - one.cdf(step - unit / 2)
    return min(1.0, (12 - length) * chance**length)


def _false_alarms_by_kind(series: list[Series], warnings: list[dict[str, str]]) -> None:
    by_ref = {s.ref: s for s in series}
    wrong = Counter(
        (by_ref[w["ref"]].kind, w["code"]) for w in warnings
        if not _months(w) & by_ref[w["ref"]].slipped
    )  # fmt: skip
    if wrong:
        print("\nwarnings at months without a slip, by kind of series:")
        for (kind, code), n in sorted(wrong.items()):
            print(f"  {kind:18} {code:16} {n}")


def _months(warning: dict[str, str]) -> set[int]:
    """This year's months (0-11) a warning points at: its period, or for a run the whole run
    it names ("from Aug-24 to Oct-24"), which may go on past the months a slip touched."""
    end = THIS_YEAR.index(_label(warning["period"]))
    run = RUN_SPAN.search(warning["message"]) if warning["code"] in RUNS else None
    if run is None:
        return {end}
    start = THIS_YEAR.index(run[1]) if run[1] in THIS_YEAR else 0  # or from last year
    return set(range(start, end + 1))


def _label(period: str) -> str:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    year, month = period.split("-")
    return f"{months[int(month) - 1]}-{year[2:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=1500)
    parser.add_argument("--slipped", type=float, default=0.3, help="share given one slip")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="write the case here")
    parser.add_argument("--shapes", choices=["own", "other", "public"], default="own",
                        help="other: shapes this generator does not make (other_shapes.py); "
                        "public: real published series (public.py)")  # fmt: skip
    args = parser.parse_args()
    kinds = KINDS
    if args.shapes == "other":
        import other_shapes

        kinds = other_shapes.KINDS
    elif args.shapes == "public":
        import public

        kinds = public.kinds()
    rng = random.Random(args.seed)
    series = make_series(rng, args.indicators, kinds)
    for s in series:
        s.clean = list(s.values)
        if rng.random() < args.slipped:
            type_slip(rng, s)
    work = args.keep or Path(tempfile.mkdtemp(prefix="kpixl-plaus-"))
    register, returns = write_case(work, series)
    truth = [{"ref": x.ref, "kind": x.kind, "unit": x.unit, "ytd": x.ytd, "slip": x.slip,
              "slipped": sorted(x.slipped), "values": x.values, "history": x.history}
             for x in series]  # fmt: skip
    (work / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    kinds = Counter(s.kind for s in series)
    print(f"{len(series)} indicators ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}); "
          f"{sum(1 for s in series if s.slip)} with a slip\n")  # fmt: skip
    score(series, run_validate(register, returns))


if __name__ == "__main__":
    main()
