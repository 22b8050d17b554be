"""The web page in a real browser: headless Chromium driven by Selenium, checked by axe-core 4.x
against every WCAG 2.0, 2.1 and 2.2 A and AA rule, and pictured at its Summary."""

from __future__ import annotations

import json
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

import kpixl
from kpixl.dashboard.view import DashboardView
from kpixl.dashboard.webpage import render_page
from kpixl.periods import Period

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples/returns"
REGISTER = ROOT / "samples/register.xlsx"
# axe-core from the npm registry (tests/a11y/package.json pins it; .ci/run installs it)
AXE = ROOT / "tests/a11y/node_modules/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="needs Chromium and ChromeDriver (Debian: apt-get install chromium "
        "chromium-driver; .ci/run installs them)",
    ),
    pytest.mark.skipif(
        not AXE.is_file(), reason="needs axe-core: npm install --prefix tests/a11y (.ci/run does)"
    ),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                 "--hide-scrollbars"):  # fmt: skip
        options.add_argument(flag)
    # the Debian driver beside the Debian browser: Selenium never downloads one
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_script_timeout(120)
    results = kpixl.run(SAMPLES, REGISTER, period="2025-03")
    page = tmp_path_factory.mktemp("a11y") / "dashboard.html"
    page.write_text(render_page(DashboardView(results, "CED-DCED")), encoding="utf-8")
    driver.get(page.as_uri())
    yield driver
    driver.quit()


def test_axe_finds_no_wcag_a_or_aa_violation(browser: object) -> None:
    _no_violations(browser)


def test_forecast_columns_and_three_years_of_trends_pass_too(
    browser: object, tmp_path: Path
) -> None:
    """October 2024 with the register's show_forecast on (Year-end forecast, Likely range,
    Forecast RAG, At risk) and FN07's two earlier years given, so its chart spans the 36
    months to October and the table beside it has a year per column."""
    register = tmp_path / "register.xlsx"
    book = openpyxl.load_workbook(REGISTER)
    book["Settings"].append(["show_forecast", "yes"])
    book.save(register)
    results = kpixl.run(SAMPLES, register, period="2024-10")
    results.earlier = {"FN07": {Period(2022, 4).shift(n): 0.8 + 0.002 * n for n in range(24)}}
    page = tmp_path / "dashboard.html"
    page.write_text(render_page(DashboardView(results, "CED-DCED")), encoding="utf-8")
    assert "Likely range" in page.read_text(encoding="utf-8")
    assert "FN07 figures, the 36 months to Oct-24" in page.read_text(encoding="utf-8")
    samples = browser.current_url  # type: ignore[attr-defined]
    browser.get(page.as_uri())  # type: ignore[attr-defined]
    try:
        _no_violations(browser)
    finally:
        browser.get(samples)  # type: ignore[attr-defined]  # the other tests' page


def _no_violations(browser: object) -> None:
    browser.execute_script(AXE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    found = browser.execute_async_script(  # type: ignore[attr-defined]
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done({version: axe.version, passes: r.passes.length,"
        " violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))}))"
        ".catch(e => done({error: String(e)}));",
        WCAG_TAGS,
    )
    assert "error" not in found, found
    assert found["version"].startswith("4.")
    assert found["violations"] == [], json.dumps(found["violations"], indent=1)
    assert found["passes"] > 10  # the rules ran on something: colour, tables, headings, lang


def test_a_picture_of_the_summary(browser: object, tmp_path: Path) -> None:
    """The Summary as a reader scrolled to it sees it (docs/pictures/web_summary.png was taken
    so, and looked at: the service areas' tables with GREEN, AMBER and RED in colour)."""
    from selenium.webdriver.common.by import By

    summary = browser.find_element(By.ID, "summary")  # type: ignore[attr-defined]
    browser.execute_script("arguments[0].scrollIntoView();", summary)  # type: ignore[attr-defined]
    picture = tmp_path / "summary.png"
    assert browser.save_screenshot(str(picture))  # type: ignore[attr-defined]
    data = picture.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1000 and height >= 600
    assert len(data) > 30_000  # tables and coloured words, not an empty window
    heading = browser.find_element(By.ID, "summary-heading")  # type: ignore[attr-defined]
    assert heading.is_displayed() and heading.location_once_scrolled_into_view["y"] < 100
