"""The bundled samples rebuild every figure of the reference dashboard (Kent, FY 2024/25, March 2025).

`tests/golden/reference_dashboard.json` is a transcription of the reference text; every value is
compared as the dashboard displays it (the indicator's decimals, half away from zero).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kpixl.periods import Period
from kpixl.pipeline import run
from kpixl.rate.rating import displayed
from kpixl.register.model import Indicator, YtdMethod
from kpixl.results import Results

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = json.loads((ROOT / "tests/golden/reference_dashboard.json").read_text(encoding="utf-8"))
PERIOD = Period.parse(GOLDEN["period"])


@cache
def results() -> Results:
    return run([ROOT / "samples/returns"], ROOT / "samples/register.xlsx", PERIOD)


def shown(value: Any, ind: Indicator) -> float | None:
    return None if value is None else displayed(float(value), ind.unit, ind.decimals)


def row(ref: str, period: str = GOLDEN["period"]) -> dict[str, Any]:
    rows = results().data
    match = rows[(rows["ref"] == ref) & (rows["period"] == period)]
    assert len(match) == 1, f"{ref} {period}: {len(match)} rows"
    return {str(k): v for k, v in match.iloc[0].to_dict().items()}


def ind(ref: str) -> Indicator:
    return results().register.indicators[ref]


def test_the_samples_are_valid_and_their_period_is_march_2025() -> None:
    r = run([ROOT / "samples/returns"], ROOT / "samples/register.xlsx")
    assert r.period == PERIOD
    assert r.report.errors == []
    # the reference's own oddities are pointed out, not hidden
    codes = {(i.code.value, i.ref) for i in r.report}
    assert {("drag-fill", "CS08"), ("near-zero", "PI01b"), ("ytd-mismatch", "FN12")} <= codes


@pytest.mark.parametrize("kpi", GOLDEN["kpis"], ids=lambda k: k["ref"])
def test_kpi(kpi: dict[str, Any]) -> None:
    i = ind(kpi["ref"])
    assert (i.description, i.service_area, i.frequency.value) == (
        kpi["description"], kpi["service_area"], kpi["frequency"],
    )  # fmt: skip
    for period, value in kpi["values"].items():
        assert shown(row(kpi["ref"], period)["value"], i) == pytest.approx(value), period
    latest = row(kpi["ref"])
    got = {
        "rag": latest["month_rag"], "ytd": shown(latest["ytd"], i), "ytd_rag": latest["ytd_rag"],
        "target": i.target, "floor": i.floor, "prev_year": shown(latest["prev_year"], i),
    }  # fmt: skip
    want = {k: kpi[k] for k in got}
    assert got == pytest.approx(want)


@pytest.mark.parametrize("activity", GOLDEN["activities"], ids=lambda a: a["ref"])
def test_activity(activity: dict[str, Any]) -> None:
    i = ind(activity["ref"])
    assert (i.description, i.service_area) == (activity["description"], activity["service_area"])
    for period, value in activity["values"].items():
        assert shown(row(activity["ref"], period)["value"], i) == pytest.approx(value), period
    latest = row(activity["ref"])
    if activity["ytd"] is not None or i.ytd is YtdMethod.NONE:
        assert shown(latest["ytd"], i) == pytest.approx(activity["ytd"])
    got = {"alert": latest["alert"], "upper": i.upper, "lower": i.lower,
           "prev_year": shown(latest["prev_year"], i)}  # fmt: skip
    assert got == pytest.approx({k: activity[k] for k in got})


@pytest.mark.parametrize("line", GOLDEN["summary"], ids=lambda s: s["ref"])
def test_summary_line(line: dict[str, Any]) -> None:
    latest = results().latest(line["ref"])
    assert latest is not None
    assert (ind(line["ref"]).summary_text, latest["month_rag"], latest["ytd_rag"]) == (
        line["text"], line["latest_rag"], line["ytd_rag"],
    )  # fmt: skip


def test_every_commentary_paragraph() -> None:
    got = {(c.ref, c.text) for c in results().commentary if c.period == PERIOD}
    assert got == {(c["ref"], c["text"]) for c in GOLDEN["commentary"]}


def test_footnotes_and_service_areas() -> None:
    reg = results().register
    assert [(f["ref"], f["text"]) for f in GOLDEN["footnotes"]] == [
        (i.ref, i.footnote) for i in reg.indicators.values() if i.footnote
    ]
    got = [
        {"name": a.name, "department": a.department, "lead_title": a.lead_title,
         "lead_name": a.lead_name, "cabinet_member": a.cabinet_member}
        for a in reg.service_areas.values()
    ]  # fmt: skip
    assert got == GOLDEN["service_areas"]
    assert reg.settings.organisation == GOLDEN["organisation"]
    assert reg.settings.title_for("CED-DCED") == GOLDEN["title"]


def test_every_register_indicator_is_in_the_reference() -> None:
    refs = {k["ref"] for k in GOLDEN["kpis"]} | {a["ref"] for a in GOLDEN["activities"]}
    assert set(results().register.indicators) == refs
