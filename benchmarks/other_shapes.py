"""Series of shapes benchmarks/plausibility.py's own generator does not make, for
`python benchmarks/plausibility.py --shapes other`: a check that the rules were built to the
rule and not to that generator (issue 16 is also scored on cases the team does not see).

Percentages that wander (AR(1) noise, a random walk) instead of scattering round a level;
counts with a steady trend, with AR(1) noise, or with heavy-tailed months (Student's t: now
and then a genuine month far out); money in £000s to one decimal; a number of days to one
decimal whose year-to-date is a mean; a rate of a few cases a month (3 to 30: 2 of 3, 11 of 12),
worked out exactly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

MONTHS = 24  # last year's and this year's


def ar_percent(rng: random.Random) -> list[float]:
    level, phi, sd = rng.uniform(0.5, 0.95), rng.uniform(0.5, 0.9), rng.uniform(0.005, 0.03)
    x, out = 0.0, []
    for _ in range(MONTHS):
        x = phi * x + rng.gauss(0, sd)
        out.append(min(1.0, max(0.0, level + x)))
    places = 3 if rng.random() < 0.5 else 2
    return [round(v, places) for v in out]


def walk_percent(rng: random.Random) -> list[float]:
    value, out = rng.uniform(0.5, 0.9), []
    for _ in range(MONTHS):
        value = min(0.999, max(0.2, value + rng.gauss(0, 0.015)))
        out.append(round(value, 3))
    return out


def trend_count(rng: random.Random) -> list[float]:
    level = math.exp(rng.uniform(math.log(50), math.log(20000)))
    growth, sd = rng.uniform(-0.04, 0.04), rng.uniform(0.02, 0.15)
    return [float(round(level * math.exp(growth * m + rng.gauss(0, sd)))) for m in range(MONTHS)]


def ar_count(rng: random.Random) -> list[float]:
    level = math.exp(rng.uniform(math.log(50), math.log(20000)))
    phi, sd, x, out = rng.uniform(0.3, 0.9), rng.uniform(0.03, 0.1), 0.0, []
    for _ in range(MONTHS):
        x = phi * x + rng.gauss(0, sd)
        out.append(float(round(level * math.exp(x))))
    return out


def heavy_count(rng: random.Random) -> list[float]:
    level, sd = math.exp(rng.uniform(math.log(100), math.log(20000))), rng.uniform(0.03, 0.1)

    def t() -> float:  # Student's t with 3 degrees of freedom
        return rng.gauss(0, 1) / max(0.3, math.sqrt(rng.gammavariate(1.5, 1 / 1.5)))

    return [float(round(level * math.exp(sd * t()))) for _ in range(MONTHS)]


def decimal_money(rng: random.Random) -> list[float]:
    level, sd = rng.uniform(1, 50), rng.uniform(0.05, 0.2)
    return [round(level * math.exp(rng.gauss(0, sd)), 1) for _ in range(MONTHS)]


def days(rng: random.Random) -> list[float]:
    level, sd = rng.uniform(5, 60), rng.uniform(0.05, 0.25)
    return [round(level * math.exp(rng.gauss(0, sd)), 1) for _ in range(MONTHS)]


def small_rate(rng: random.Random) -> list[float]:
    """The share of a few cases a month done in time: each month's cases (3 to 30) each done
    with the same chance, the rate worked out from them to the full."""
    chance, out = rng.uniform(0.6, 0.95), []
    for _ in range(MONTHS):
        cases = rng.randint(3, 30)
        out.append(sum(rng.random() < chance for _ in range(cases)) / cases)
    return out


KINDS: list[tuple[str, str, str, Callable[[random.Random], list[float]]]] = [
    ("ar percent", "percent", "mean", ar_percent),
    ("walk percent", "percent", "mean", walk_percent),
    ("trend count", "count", "sum", trend_count),
    ("ar count", "count", "sum", ar_count),
    ("heavy count", "count", "sum", heavy_count),
    ("decimal money", "currency_k", "sum", decimal_money),
    ("days", "number", "mean", days),
    ("small rate", "percent", "mean", small_rate),
]
