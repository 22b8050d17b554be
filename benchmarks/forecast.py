"""Back-test the year-end forecast (kpixl/rate/forecast.py) against two naive rules.

    python benchmarks/forecast.py [--series 600] [--seed 2026] [--public | --shapes plausibility]

Makes multi-year monthly series with the shapes councils see (steady, moderate and volatile
percent KPIs with numerators and denominators; seasonal counts with December dips and March
peaks, growth, small counts, lumpy money; stock snapshots; real step changes and one-month
shocks), forecasts each last year from months 3, 6 and 9 — with the earlier years as history,
and with none — and prints, per kind and overall: the mean absolute error of the year-end YTD
(percentage points for rates, per cent of the year end for totals and snapshots) next to
  carry:   the YTD so far carried to March (a total run on at its rate so far),
  recent:  the last three months' run-rate for the months to come,
how often the range held the year end, at month 9 how often the year-end RAG was right, and
  ideal:   the forecast of someone who knew the generator's true mean path (the steps still to
           come included): how much better than the naive rules any forecast could be here;
  past:    the same without the steps still to come (the true level at the last known month,
           its seasons and growth carried on): what a forecast that read the months so far
           without any error could do, knowing nothing of the year's surprises to come;
and the overall figures again with one month, at random, missing from each earlier year.
With --public it back-tests real published series instead (benchmarks/public.py: totals,
employment counts as snapshots, shares with their counts), in runs of four financial years;
with --shapes plausibility, 900 four-year series made by benchmarks/plausibility.py's makers.
Targets (issue 18): at month 6 the error is at least 20% below the better naive rule; at month
9 the year-end RAG is right for at least 90% of KPIs.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plausibility import poisson  # the same small counts as the plausibility benchmark's

from kpixl.rate.forecast import YearFigures, year_end, year_ytd
from kpixl.rate.rating import rag
from kpixl.rate.thresholds import suggest
from kpixl.register.model import AlertOn, Frequency, Indicator, Kind, Polarity, Unit, YtdMethod

YEARS = 4
SHOCKS = 0.03  # the share of months with a one-month shock
SEASON = [1.0, 1.02, 0.98, 1.0, 0.92, 1.0, 1.04, 1.02, 0.8, 1.05, 1.0, 1.2]  # Apr..Mar


@dataclass
class Case:
    kind: str
    ind: Indicator
    years: list[YearFigures]
    # the last year's true mean path, as the generator knew it: each month's expected value
    # (a ratio's expected rate and denominator); None for a snapshot, a random walk whose best
    # forecast is its latest figure
    expected: tuple[list[float], list[float] | None] | None = None
    # the last year's step change month by month (× for counts, + for rates): 1 or 0 before it
    steps: list[float] | None = None


def _percent(rng: random.Random, n: int) -> Case:
    style = rng.choice(["steady", "moderate", "volatile"])
    noise = {"steady": 0.008, "moderate": 0.02, "volatile": 0.05}[style]
    level = rng.uniform(0.6, 0.95)
    seasonal = rng.random() < 0.5
    season = _season(rng)
    years = []
    for _ in range(YEARS):
        level = min(0.99, max(0.3, level + rng.gauss(0, 0.02)))
        step_at = rng.randrange(2, 12) if rng.random() < 0.25 else None
        step = rng.choice([-1, 1]) * rng.uniform(0.03, 0.08)
        base_den = rng.uniform(80, 2000)
        nums, dens, vals, mean_rates, mean_dens = [], [], [], [], []
        for m in range(12):
            lvl = level + (step if step_at is not None and m >= step_at else 0.0)
            if seasonal:
                lvl += (season[m] - 1.0) * 0.3
            mean_rates.append(min(1.0, max(0.0, lvl)) - SHOCKS * 0.175)
            mean_dens.append(base_den * season[m])
            rate = min(1.0, max(0.0, lvl + rng.gauss(0, noise)))
            if rng.random() < SHOCKS:
                rate = min(1.0, max(0.0, rate - rng.uniform(0.1, 0.25)))  # a one-month shock
            den = max(1.0, round(base_den * season[m] * rng.uniform(0.9, 1.1)))
            num = round(rate * den)
            nums.append(float(num))
            dens.append(den)
            vals.append(num / den)
        years.append(YearFigures(tuple(vals), tuple(nums), tuple(dens)))
        if step_at is not None:
            level += step
    # targets set as services set them: some well met, some stretching, some missed
    target = round(min(0.99, level + rng.uniform(-0.1, 0.1)), 2)
    floor = round(target - rng.uniform(0.03, 0.1), 2)
    ind = Indicator(f"P{n}", "rate", "Area", Kind.KPI, unit=Unit.PERCENT, ytd=YtdMethod.RATIO,
                    target=target, floor=floor, polarity=Polarity.HIGHER)  # fmt: skip
    steps = [step if step_at is not None and m >= step_at else 0.0 for m in range(12)]
    return Case(f"percent-{style}", ind, years, (mean_rates, mean_dens), steps)


def _season(rng: random.Random) -> list[float]:
    """A council year's shape, as strong as this series has it (none to twice the usual)."""
    strength = rng.uniform(0.0, 2.0)
    return [1 + strength * (s - 1) for s in SEASON]


def _count(rng: random.Random, n: int) -> Case:
    style = rng.choice(["seasonal", "growing", "small", "lumpy-money"])
    season = _season(rng)
    base = {"seasonal": 800.0, "growing": 400.0, "small": 12.0, "lumpy-money": 2000.0}[style]
    base *= rng.uniform(0.5, 2.0)
    growth = rng.uniform(-0.05, 0.12) if style == "growing" else rng.uniform(-0.03, 0.03)
    years = []
    for y in range(YEARS):
        step = rng.uniform(0.8, 1.25) if rng.random() < 0.15 else 1.0
        step_at = rng.randrange(2, 12)
        vals, means = [], []
        for m in range(12):
            trend = (1 + growth) ** (y + m / 12)
            mean = base * trend * season[m] * (step if m >= step_at else 1.0)
            means.append(_expected(style, mean, m))
            if style == "small":
                value = float(poisson(rng, mean))
            elif style == "lumpy-money":
                lump = rng.uniform(2, 4) if rng.random() < 0.08 else 1
                year_end_spend = rng.uniform(1.3, 2.0) if m == 11 else 1.0
                value = mean * rng.uniform(0.6, 1.4) * lump * year_end_spend
            else:
                value = mean * rng.gauss(1.0, 0.06)
            if style != "small" and rng.random() < SHOCKS:
                value *= rng.uniform(0.3, 0.6)  # a one-month shock
            vals.append(round(max(0.0, value)))
        years.append(YearFigures(tuple(float(v) for v in vals)))
    ind = Indicator(f"C{n}", "count", "Area", Kind.ACTIVITY, unit=Unit.COUNT, ytd=YtdMethod.SUM)
    steps = [step if m >= step_at else 1.0 for m in range(12)]
    return Case(f"count-{style}", ind, years, (means, None), steps)


def _expected(style: str, mean: float, month: int) -> float:
    """A count's expected month: lumps (8% of months, ×2 to ×4) and March's spend (×1.3 to
    ×2) for money, one-month shocks (×0.3 to ×0.6) for all but small counts."""
    if style == "small":
        return mean
    if style == "lumpy-money":
        mean *= (0.92 + 0.08 * 3) * (1.65 if month == 11 else 1.0)
    return mean * (1 - SHOCKS * 0.55)


def _snapshot(rng: random.Random, n: int) -> Case:
    level = rng.uniform(100, 5000)
    years = []
    for _ in range(YEARS):
        vals = []
        for _m in range(12):
            level = max(1.0, level * rng.gauss(1.0, 0.03))
            vals.append(round(level))
        years.append(YearFigures(tuple(float(v) for v in vals)))
    ind = Indicator(f"S{n}", "stock", "Area", Kind.ACTIVITY, unit=Unit.COUNT, ytd=YtdMethod.LATEST)
    return Case("snapshot", ind, years)


def cases(count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    makers = [_percent, _percent, _count, _count, _snapshot]
    return [makers[i % len(makers)](rng, i) for i in range(count)]


def _kept(year: YearFigures, keep: Callable[[int], bool]) -> YearFigures:
    """The year with only the slots `keep` says yes to (the rest unknown)."""

    def part(xs: tuple[float | None, ...] | None) -> tuple[float | None, ...] | None:
        return None if xs is None else tuple(x if keep(i) else None for i, x in enumerate(xs))

    return YearFigures(part(year.values) or (), part(year.numerators), part(year.denominators))


def _cut(year: YearFigures, known: int) -> YearFigures:
    return _kept(year, lambda i: i < known)


def _actual(case: Case) -> float:
    value = year_ytd(case.ind, case.years[-1])
    assert value is not None
    return value


def _naive(case: Case, known: int, rule: str) -> float:
    """A naive rule's year end from the first `known` slots (months, or quarters: the recent
    rule's last three months are then the last quarter)."""
    year = case.years[-1]
    n = len(year.values)
    vals = [v for v in year.values[:known] if v is not None]
    last = slice(known - (3 if n == 12 else 1), known)
    method = case.ind.ytd
    if method is YtdMethod.SUM:
        so_far = math.fsum(vals)
        per = so_far / known if rule == "carry" else statistics.fmean(vals[last])
        return so_far + per * (n - known)
    if method is YtdMethod.LATEST:
        return vals[-1] if rule == "carry" else statistics.fmean(vals[last])
    if method is YtdMethod.MEAN:  # the months' average: the rest at the recent average
        rest = statistics.fmean(vals) if rule == "carry" else statistics.fmean(vals[last])
        return (math.fsum(vals) + rest * (n - known)) / n
    assert year.numerators is not None and year.denominators is not None
    nums, dens = list(year.numerators[:known]), list(year.denominators[:known])
    if rule == "carry":
        return math.fsum(nums) / math.fsum(dens)  # type: ignore[arg-type]
    rest = n - known
    num = math.fsum(nums) + rest * statistics.fmean(nums[last])  # type: ignore[arg-type]
    den = math.fsum(dens) + rest * statistics.fmean(dens[last])  # type: ignore[arg-type]
    return num / den


def _ideal(case: Case, known: int, future: bool = True) -> float:
    """The year end as forecast by someone who knew the generator's mean path: the months so
    far, and each month to come at its expected value (with the steps to come, or `future`
    False: at the step the last known month stood at)."""
    year = case.years[-1]
    if case.expected is None:  # a random walk: its latest figure
        latest = year.values[known - 1]
        assert latest is not None
        return latest
    means, dens = case.expected
    if not future and case.steps is not None:
        now = case.steps[known - 1]
        means = [
            m if i < known else m / s * now if dens is None else m - s + now
            for i, (m, s) in enumerate(zip(means, case.steps, strict=True))
        ]
    if dens is None:
        return math.fsum(v or 0.0 for v in year.values[:known]) + math.fsum(means[known:])
    assert year.numerators is not None and year.denominators is not None
    num = math.fsum(n or 0.0 for n in year.numerators[:known])
    num += math.fsum(r * d for r, d in zip(means[known:], dens[known:], strict=True))
    den = math.fsum(d or 0.0 for d in year.denominators[:known]) + math.fsum(dens[known:])
    return num / den


def _error(case: Case, guess: float, actual: float) -> float:
    if case.ind.unit is Unit.PERCENT:
        return abs(guess - actual) * 100  # percentage points
    return abs(guess - actual) / max(abs(actual), 1e-9) * 100  # per cent of the year end


# one forecast: errors of the forecast, carry and recent; range held; RAG right; the ideal's
# error, and its error without the steps to come
Line = tuple[float, float, float, bool, bool | None, float, float]


def _holed(year: YearFigures, rng: random.Random) -> YearFigures:
    """The year with one month, at random, missing (a return never sent)."""
    gone = rng.randrange(len(year.values))
    return _kept(year, lambda i: i != gone)


def back_test(
    all_cases: list[Case], month: int, history: bool, holes: bool = False
) -> dict[str, dict[str, float]]:
    rows: dict[str, list[Line]] = {}
    rng = random.Random(month)
    for case in all_cases:
        actual = _actual(case)
        earlier = case.years[:-1] if history else []
        earlier = [_holed(y, rng) for y in earlier] if holes else earlier
        known = month * len(case.years[-1].values) // 12  # quarters: 1, 2, 3
        made = year_end(case.ind, _cut(case.years[-1], known), earlier)
        if made is None:
            continue
        held = made.low <= actual <= made.high
        right = None
        if case.ind.is_kpi:
            right = rag(made.value, case.ind) == rag(actual, case.ind)
        line = (_error(case, made.value, actual), _error(case, _naive(case, known, "carry"), actual),
                _error(case, _naive(case, known, "recent"), actual), held, right,
                _error(case, _ideal(case, known), actual),
                _error(case, _ideal(case, known, future=False), actual))  # fmt: skip
        for key in (case.kind, "overall"):
            rows.setdefault(key, []).append(line)
    return {key: _summary(lines) for key, lines in rows.items()}


def _summary(lines: list[Line]) -> dict[str, float]:
    rated = [x[4] for x in lines if x[4] is not None]
    return {
        "n": len(lines),
        "forecast": statistics.fmean(x[0] for x in lines),
        "carry": statistics.fmean(x[1] for x in lines),
        "recent": statistics.fmean(x[2] for x in lines),
        "range held": 100 * statistics.fmean(x[3] for x in lines),
        "RAG right": 100 * statistics.fmean(rated) if rated else math.nan,
        "ideal": statistics.fmean(x[5] for x in lines),
        "past": statistics.fmean(x[6] for x in lines),
    }


def suggestions(all_cases: list[Case]) -> dict[str, dict[str, float]]:
    """Each activity's range suggested from all but its last year, and the naive range an
    officer might draw instead (last year's lowest to highest month; for an alert on the YTD,
    the lowest to highest earlier year end): the share of the last year's monthly figures (an
    alert on the latest month) or of the year ends (an alert on the YTD) that fell inside, and
    the range's width as a share of the figures' usual size."""
    rows: dict[str, list[tuple[bool, float, bool, float]]] = {}
    for case in all_cases:
        if case.ind.is_kpi or case.ind.ytd is not YtdMethod.SUM:
            continue
        for alert_on in (AlertOn.LATEST, AlertOn.YTD):
            ind = dataclasses.replace(case.ind, alert_on=alert_on)
            made = suggest(ind, case.years[:-1])
            if made is None or made.upper is None or made.lower is None:
                continue
            figures, naive = _naive_range(case, ind, alert_on)
            size = statistics.median(abs(f) for f in figures) or 1.0
            for f in figures:
                line = (made.lower <= f <= made.upper, (made.upper - made.lower) / size,
                        naive[0] <= f <= naive[1], (naive[1] - naive[0]) / size)  # fmt: skip
                for key in (f"{alert_on.value}: {case.kind}", f"{alert_on.value}: all"):
                    rows.setdefault(key, []).append(line)
    return {
        key: {
            "figures": len(v),
            "inside": 100 * statistics.fmean(x[0] for x in v),
            "width": 100 * statistics.fmean(x[1] for x in v),
            "naive inside": 100 * statistics.fmean(x[2] for x in v),
            "naive width": 100 * statistics.fmean(x[3] for x in v),
        }
        for key, v in rows.items()
    }


def _naive_range(
    case: Case, ind: Indicator, alert_on: AlertOn
) -> tuple[list[float], tuple[float, float]]:
    """The last year's figures to score, and the naive range from the years before."""
    last = case.years[-1]
    if alert_on is AlertOn.LATEST:
        before = [float(v) for v in case.years[-2].values if v is not None]
        return [float(v) for v in last.values if v is not None], (min(before), max(before))
    ends = [year_ytd(ind, y) for y in case.years[:-1]]
    known = [e for e in ends if e is not None]
    return [_actual(Case(case.kind, ind, case.years))], (min(known), max(known))


SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CUTS = {3: "2024-06", 6: "2024-09", 9: "2024-12"}  # the samples' FY 2024/25


def samples_back_test() -> dict[int, dict[str, dict[str, float]]]:
    """The samples' monthly indicators with a YTD, forecast by `kpixl.run` at months 3, 6 and
    9 (the Data table's forecast; the samples hold one year, so no earlier years) against
    March's YTD, next to the naive rules worked from the same Data table. A ratio's recent
    rule weights the last three months' rates alike (the Data table has no numerators)."""
    import kpixl

    def run(period: str) -> Any:
        return kpixl.run(SAMPLES / "returns", SAMPLES / "register.xlsx", period=period).data

    methods = {ref: ind.ytd.value for ref, ind in
               kpixl.load_register(SAMPLES / "register.xlsx").indicators.items()}  # fmt: skip
    final = run("2025-03")
    march = final[final.period == "2025-03"].set_index("ref")
    out: dict[int, dict[str, dict[str, float]]] = {}
    for month, period in CUTS.items():
        data = run(period)
        rows: dict[str, list[Line]] = {}
        for ref, row in data[data.period == period].set_index("ref").iterrows():
            if row.forecast is None or march.loc[ref, "ytd"] is None:
                continue
            values = [float(v) for v in data[data.ref == ref].value if v is not None]
            if len(values) != month:
                continue  # a quarterly indicator, or one with a month missing
            method = methods[str(ref)]
            line = _samples_line(row, values, month, march.loc[ref], method)
            kind = "percent KPIs" if row.kind == "KPI" else f"activities ({method})"
            for key in (kind, "overall"):
                rows.setdefault(key, []).append(line)
        out[month] = {key: _summary(lines) for key, lines in rows.items()}
    return out


def _samples_line(row: Any, values: list[float], month: int, march: Any, method: str) -> Line:
    ytd, actual, rest = float(row.ytd), float(march.ytd), 12 - month
    recent = statistics.fmean(values[-3:])
    if method == "sum":
        carry, recent = ytd * 12 / month, ytd + recent * rest
    elif method == "latest":
        carry = ytd
    else:  # ratio or mean: the rest of the year at the recent rate
        carry, recent = ytd, (ytd * month + recent * rest) / 12

    def error(guess: float) -> float:
        if row.kind == "KPI":
            return abs(guess - actual) * 100
        return abs(guess - actual) / max(abs(actual), 1e-9) * 100

    held = row.forecast_low <= actual <= row.forecast_high
    right = row.forecast_rag == march.ytd_rag if row.kind == "KPI" else None
    return (error(row.forecast), error(carry), error(recent), held, right, math.nan, math.nan)


def _print_table(table: dict[str, dict[str, float]], ideal: bool) -> None:
    print(f"{'kind':<24}{'n':>5}{'forecast':>10}{'carry':>8}{'recent':>8}"
          f"{'better by':>11}{'range held':>12}{'RAG right':>11}"
          + (f"{'ideal':>8}{'better by':>11}{'past':>8}{'better by':>11}" if ideal else ""))  # fmt: skip
    for kind in sorted(table, key=lambda k: (k == "overall", k)):
        s = table[kind]
        best = min(s["carry"], s["recent"])
        gain = 100 * (1 - s["forecast"] / best) if best else math.nan
        line = (f"{kind:<24}{s['n']:>5.0f}{s['forecast']:>10.2f}{s['carry']:>8.2f}"
                f"{s['recent']:>8.2f}{gain:>10.0f}%{s['range held']:>11.0f}%"
                f"{s['RAG right']:>10.0f}%")  # fmt: skip
        if ideal:
            line += f"{s['ideal']:>8.2f}{100 * (1 - s['ideal'] / best):>10.0f}%"
            line += f"{s['past']:>8.2f}{100 * (1 - s['past'] / best):>10.0f}%"
        print(line)


def published_cases() -> list[Case]:
    """Real published series (benchmarks/public.py), in runs of YEARS whole financial years
    (up to 8 runs spread over a long series, 3 over each employment count). A share is rated
    against a target at the middle of its earlier years' year ends (to a whole per cent, the
    floor 2 points below, higher better): a target set where the service has been; and again
    as its monthly percentages alone (YTD `mean`), as a return without the counts gives it."""
    import public

    out = []
    for n, series in enumerate(public.published()):
        most = 3 if series.ytd == "latest" else 8
        for first in public.windows(series, YEARS, most):
            span = range(first, first + YEARS)

            def part(rows: list[list[float]] | None, y: int) -> tuple[float, ...] | None:
                return None if rows is None else tuple(rows[y])

            years = [YearFigures(tuple(series.years[y]), part(series.numerators, y),
                                 part(series.denominators, y)) for y in span]  # fmt: skip
            case = _published_case(n, series.name, series.ytd, years)
            out.append(case)
            if series.ytd == "ratio":  # the same share returned as percentages only
                mean = dataclasses.replace(case.ind, ytd=YtdMethod.MEAN)
                plain = [YearFigures(y.values) for y in years]
                out.append(Case("published share (mean)", mean, plain))
    return out


def _published_case(n: int, name: str, ytd: str, years: list[YearFigures]) -> Case:
    if ytd != "ratio":
        method = YtdMethod.SUM if ytd == "sum" else YtdMethod.LATEST
        quarterly = len(years[0].values) == 4
        ind = Indicator(f"R{n}", name, "Area", Kind.ACTIVITY, unit=Unit.COUNT, ytd=method,
                        frequency=Frequency.QUARTERLY if quarterly else Frequency.MONTHLY)  # fmt: skip
        kind = "quarterly" if quarterly else "total" if ytd == "sum" else "stock"
        return Case(f"published {kind}", ind, years)
    ends = [year_ytd(Indicator("x", "", "", Kind.KPI, unit=Unit.PERCENT, ytd=YtdMethod.RATIO), y)
            for y in years[:-1]]  # fmt: skip
    target = round(statistics.median(e for e in ends if e is not None), 2)
    ind = Indicator(f"R{n}", name, "Area", Kind.KPI, unit=Unit.PERCENT, ytd=YtdMethod.RATIO,
                    target=target, floor=round(target - 0.02, 2), polarity=Polarity.HIGHER)  # fmt: skip
    return Case("published share", ind, years)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=600)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--public", action="store_true",
                        help="real published series instead (benchmarks/public.py)")  # fmt: skip
    parser.add_argument("--shapes", choices=["own", "plausibility"], default="own",
                        help="plausibility: series made by benchmarks/plausibility.py's shapes")  # fmt: skip
    args = parser.parse_args()
    if args.public:
        other_main("real published series", published_cases())
        return
    if args.shapes == "plausibility":
        other_main("the plausibility benchmark's shapes", plausibility_cases(900, args.seed))
        return
    all_cases = cases(args.series, args.seed)
    for history in (True, False):
        print(f"\n## {'with' if history else 'without'} earlier years ({YEARS - 1} of them)")
        for month in (3, 6, 9):
            table = back_test(all_cases, month, history)
            print(f"\nmonth {month}: mean absolute error of the year-end YTD "
                  "(points for rates, % of the year end otherwise)")  # fmt: skip
            _print_table(table, ideal=True)
    print(f"\n## with earlier years ({YEARS - 1} of them), each with one month missing")
    for month in (3, 6, 9):
        s = back_test(all_cases, month, history=True, holes=True)["overall"]
        best = min(s["carry"], s["recent"])
        print(f"month {month}: forecast {s['forecast']:.2f}, better naive rule {best:.2f}: "
              f"better by {100 * (1 - s['forecast'] / best):.0f}%, range held "
              f"{s['range held']:.0f}%, RAG right {s['RAG right']:.0f}%")  # fmt: skip
    print("\n## the samples (FY 2024/25, one year: no earlier years), against March's YTD")
    for month, table in samples_back_test().items():
        print(f"\nmonth {month} ({CUTS[month]}): mean absolute error of the year-end YTD")
        _print_table(table, ideal=False)
    _print_suggestions(all_cases)


def _print_suggestions(all_cases: list[Case]) -> None:
    print("\n## suggested expected ranges: share of the next year's figures inside (target 75-90%)")
    print("   and width (% of the figures' usual size); naive: last year's lowest to highest month")
    print("   (an alert on the YTD: the lowest to highest earlier year end)")
    print(f"{'alert on: kind':<30}{'figures':>9}{'inside':>9}{'width':>8}"
          f"{'naive inside':>14}{'naive width':>13}")  # fmt: skip
    for key, r in sorted(suggestions(all_cases).items()):
        print(f"{key:<30}{r['figures']:>9.0f}{r['inside']:>8.0f}%{r['width']:>7.0f}%"
              f"{r['naive inside']:>13.0f}%{r['naive width']:>12.0f}%")  # fmt: skip


def plausibility_cases(count: int, seed: int) -> list[Case]:
    """`count` indicators of YEARS years each, made by benchmarks/plausibility.py's own shapes
    (its KINDS, in turn): steady, moderate and volatile percent KPIs with a step change or a
    one-month shock in the last year, seasonal counts with December dips, March peaks and
    growth, small counts, lumpy receipts, March spending, stock snapshots, signed variances.
    Its KPIs are rated as its register rates them (target 90%, floor 80%)."""
    import plausibility

    rng = random.Random(seed)
    out = []
    for n in range(count):
        name, unit, ytd, make = plausibility.KINDS[n % len(plausibility.KINDS)]
        values = make(rng, YEARS * 12)
        years = [YearFigures(tuple(values[i : i + 12])) for i in range(0, len(values), 12)]
        if unit == "percent":
            ind = Indicator(f"K{n}", name, "Area", Kind.KPI, unit=Unit.PERCENT, ytd=YtdMethod.MEAN,
                            target=0.9, floor=0.8, polarity=Polarity.HIGHER)  # fmt: skip
        else:
            ind = Indicator(f"K{n}", name, "Area", Kind.ACTIVITY, unit=Unit(unit),
                            ytd=YtdMethod(ytd))  # fmt: skip
        out.append(Case(name, ind, years))
    return out


def other_main(title: str, all_cases: list[Case]) -> None:
    """The back-test tables (no ideal: these series' true paths are not known) and the
    suggested ranges, for series other than this generator's."""
    for history in (True, False):
        print(f"\n## {title}, {'with' if history else 'without'} earlier years "
              f"({YEARS - 1} of them)")  # fmt: skip
        for month in (3, 6, 9):
            print(f"\nmonth {month}: mean absolute error of the year-end YTD "
                  "(points for rates, % of the year end otherwise)")  # fmt: skip
            _print_table(back_test(all_cases, month, history), ideal=False)
    _print_suggestions(all_cases)


if __name__ == "__main__":
    main()
