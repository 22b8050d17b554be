"""`--html`: the dashboard as one accessible web page — tables a screen reader can walk, words
as well as colours (at least 4.5:1), charts with text alternatives, nothing fetched from outside."""

from __future__ import annotations

import itertools
import re
import shutil
import struct
from pathlib import Path

import openpyxl
import pytest
from lxml import html as lxml_html

import kpixl
from kpixl.cli.main import main
from kpixl.dashboard.chromium import screenshot
from kpixl.dashboard.view import DashboardView
from kpixl.dashboard.webpage import render_page
from kpixl.errors import RegisterError, UsageError
from kpixl.issues import IssueCode
from kpixl.results import Results

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples/returns"
REGISTER = ROOT / "samples/register.xlsx"
DASHBOARD = "CED-DCED"
TITLE = (
    "Performance Dashboard for the Chief Executive's Department and Deputy Chief Executive's "
    "Department"
)
AREAS = [
    "Finance", "Governance, Law & Democracy", "Marketing and Resident Experience",
    "Human Resources and Organisational Development", "Health and Safety", "Technology",
    "Infrastructure",
]  # fmt: skip
needs_chromium = pytest.mark.skipif(
    not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")),
    reason="needs Chromium (Debian: apt-get install chromium; .ci/run installs it)",
)


@pytest.fixture(scope="module")
def results() -> Results:
    return kpixl.run(SAMPLES, REGISTER, period="2025-03")


@pytest.fixture(scope="module")
def page(results: Results) -> str:
    return render_page(DashboardView(results, DASHBOARD))


@pytest.fixture(scope="module")
def doc(page: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(page)


def _text(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _table(doc: lxml_html.HtmlElement, caption: str) -> lxml_html.HtmlElement:
    found = [t for t in doc.iter("table") if _text(t.find("caption")) == caption]
    assert len(found) == 1, caption
    return found[0]


def _rows(table: lxml_html.HtmlElement) -> list[list[str]]:
    return [[_text(cell) for cell in row] for row in table.iter("tr")]


def test_language_title_skip_link_and_headings_in_order(doc: lxml_html.HtmlElement) -> None:
    assert doc.get("lang") == "en-GB"
    assert doc.findtext(".//title") == TITLE
    first_link = doc.find(".//body").find(".//a")
    assert first_link.get("href") == "#main" and "Skip" in _text(first_link)
    assert doc.get_element_by_id("main").tag == "main"
    headings = [(int(h.tag[1]), _text(h)) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert headings[0] == (1, TITLE) and [h for h in headings if h[0] == 1] == [headings[0]]
    levels = [level for level, _ in headings]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), headings
    sections = [text for level, text in headings if level == 2]
    assert sections == ["Contents", "Guidance", "Key Performance Indicator Summary", *AREAS,
                        "Trends"]  # fmt: skip


def test_every_table_has_a_caption_and_scoped_headers(doc: lxml_html.HtmlElement) -> None:
    tables = list(doc.iter("table"))
    assert len(tables) > 40  # RAG key, 7 summaries, the areas' tables, a figures table per chart
    for table in tables:
        caption = table.find("caption")
        assert caption is not None and _text(caption), lxml_html.tostring(table)[:200]
        assert [th.get("scope") for th in table.find("thead").iter("th")] == ["col"] * len(
            table.find("thead").findall(".//th")
        )
        for row in table.find("tbody").iter("tr"):
            assert row[0].tag == "th" and row[0].get("scope") == "row", _text(row)
            assert all(cell.tag == "td" for cell in row[1:])


def test_figures_and_words_are_the_workbooks(doc: lxml_html.HtmlElement) -> None:
    """The samples' Finance table as the model dashboard shows it (tests/golden)."""
    kpis = _rows(_table(doc, "Finance: Key Performance Indicators"))
    assert kpis[0] == [
        "Ref", "Indicator description", "Dec-24", "Jan-25", "Feb-25", "Mar-25", "Month RAG",
        "YTD", "YTD RAG", "Target", "Floor", "Prev. Year", "Since last month",
    ]  # fmt: skip
    fn07 = next(row for row in kpis if row[0] == "FN07")
    assert fn07[2:] == ["86%", "82%", "78%", "87%", "GREEN", "85%", "GREEN", "85%", "80%",
                        "81%", "▲ better"]  # fmt: skip
    fn06 = next(row for row in kpis if row[0] == "FN06")
    assert fn06[6:9] == ["RED", "N/A", "N/A"]
    activities = _rows(_table(doc, "Governance, Law & Democracy: Activity Indicators"))
    gl02b = next(row for row in activities if row[0] == "GL02b")
    assert gl02b[2:] == ["164", "168", "204", "197", "2,344", "Above", "2,120", "1,720", "2,160"]
    summary = _rows(_table(doc, "Governance, Law & Democracy"))
    assert summary[1:] == [
        ["GL01: Council and Committee papers published at least five days before meetings",
         "GREEN", "AMBER"],
        ["GL02: Freedom of Information Act requests completed within 20 working days", "RED",
         "RED"],
        ["GL03: Subject Access Requests (SARs) completed within statutory timescales", "RED",
         "RED"],
    ]  # fmt: skip
    # commentary and footnotes under their table, as on the workbook's sheet
    finance = doc.get_element_by_id("area-1")
    notes = [_text(p) for p in finance.iter("p")]
    assert any(n.startswith("FN06 – There are currently 31 outstanding invoices") for n in notes)
    block = [_text(dd) for dd in finance.iter("dd")]
    assert block == ["Finance", "John Betts", "Brian Collins"]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rules(css: str) -> dict[str, dict[str, str]]:
    """selector -> {property: value} of every innermost rule of the style sheet."""
    found: dict[str, dict[str, str]] = {}
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        props = dict(
            (k.strip(), v.strip())
            for k, v in (p.split(":", 1) for p in body.split(";") if ":" in p)
        )
        found.setdefault(selector.strip(), {}).update(props)
    return found


def test_colours_have_at_least_4_5_to_1_contrast(doc: lxml_html.HtmlElement) -> None:
    css = doc.findtext(".//style")
    rules = _rules(css)
    page_background = rules["html"]["background"]
    checked = 0
    for selector, props in rules.items():
        if "color" not in props:
            continue
        background = props.get("background", props.get("background-color", page_background))
        ratio = contrast(props["color"], background)
        assert ratio >= 4.5, (selector, props["color"], background, round(ratio, 2))
        checked += 1
    assert checked >= 10
    # every RAG and alert word in the page is coloured by a rule checked above, and still a word
    words = {}
    for cell in doc.iter("td", "th"):
        for css_class in (cell.get("class") or "").split():
            if css_class.startswith("word-"):
                words[css_class] = _text(cell)
    every = {"word-green", "word-amber", "word-red", "word-yes", "word-above", "word-below"}
    assert {"word-green", "word-amber", "word-red", "word-above"} <= set(words) <= every
    for css_class, word in words.items():
        assert word.lower() == css_class.removeprefix("word-")
        assert "color" in rules[f".{css_class}"] and "background" in rules[f".{css_class}"]


def test_nothing_is_fetched_from_outside(page: str, doc: lxml_html.HtmlElement) -> None:
    assert doc.find(".//script") is None and doc.find(".//link") is None
    assert doc.find(".//img") is None and doc.find(".//iframe") is None
    assert not [e for e in doc.iter() if e.get("src") is not None]
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert hrefs and all(h.startswith("#") for h in hrefs)
    for target in (h[1:] for h in hrefs):
        doc.get_element_by_id(target)  # every link goes somewhere on the page
    assert "url(" not in doc.findtext(".//style") and "@import" not in page
    policy = doc.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")
    assert policy.startswith("default-src 'none'")


def test_each_chart_has_a_text_alternative_and_its_figures(doc: lxml_html.HtmlElement) -> None:
    charts = list(doc.iter("{http://www.w3.org/2000/svg}svg")) or list(doc.iter("svg"))
    kpis = [row for t in doc.get_element_by_id("summary").iter("tbody") for row in t.iter("tr")]
    assert len(charts) == len(kpis) > 20  # one per KPI, as in the Summary
    said = {}
    for svg in charts:
        assert svg.get("role") == "img"
        parts = [doc.get_element_by_id(i) for i in svg.get("aria-labelledby").split()]
        assert [p.tag.split("}")[-1] for p in parts] == ["title", "desc"]
        said[_text(parts[0]).split(":")[0]] = _text(parts[1])
    assert said["FN07"] == "FN07 rose from 78% to 87% in March; target 85%, floor 80%."
    assert said["CS07"].startswith("CS07 ") and "in the quarter to March" in said["CS07"]
    assert said["PI01"].endswith("; target 5.0%, floor 10.0%, lower is better.")
    figures = _rows(_table(doc, "FN07 figures, financial year 2024/25"))
    assert figures[0][0] == "Line" and figures[0][1:4] == ["Apr", "May", "Jun"]
    assert figures[1][0] == "Value" and figures[1][-4:] == ["86%", "82%", "78%", "87%"]
    assert [row[0] for row in figures[1:]] == ["Value", "Target", "Floor"]
    assert set(figures[2][1:]) == {"85%"} and set(figures[3][1:]) == {"80%"}


def _register_copy(folder: Path, settings: dict[str, str], fn07: str | None = None) -> Path:
    book = openpyxl.load_workbook(REGISTER)
    sheet = book["Settings"]
    for key, value in settings.items():
        sheet.append([key, value])
    if fn07 is not None:
        for row in book["Indicators"].iter_rows(min_row=2):
            if row[0].value == "FN07":
                row[2].value = fn07  # short_description: the Summary and the chart title
    path = folder / "register.xlsx"
    book.save(path)
    return path


def test_text_from_the_register_is_escaped(tmp_path: Path) -> None:
    nasty = 'Dash <script>alert("x")</script> & </style><b>co\'s</b> \\"'
    settings = {f"title.{DASHBOARD}": nasty, "organisation": "</style>\"'"}  # the later row wins
    register = _register_copy(tmp_path, settings, fn07="<img src=x onerror=1>")
    results = kpixl.run(SAMPLES, register, period="2025-03")
    page = render_page(DashboardView(results, DASHBOARD))
    doc = lxml_html.document_fromstring(page)
    assert doc.find(".//script") is None and doc.find(".//img") is None
    assert len(doc.findall(".//style")) == 1
    assert doc.findtext(".//title") == nasty and _text(doc.find(".//h1")) == " ".join(nasty.split())
    assert any(_text(th).startswith("FN07: <img src=x onerror=1>") for th in doc.iter("th"))
    # the running header: the title as a CSS string, every character of it
    css = doc.findtext(".//style")
    header = re.search(r"@top-left \{ content: (\"[^\"]*\")", css)
    assert header is not None
    decoded = re.sub(r"\\([0-9a-f]+) ", lambda m: chr(int(m.group(1), 16)), header.group(1)[1:-1])
    assert decoded == nasty


def test_language_setting(tmp_path: Path) -> None:
    welsh = kpixl.run(SAMPLES, _register_copy(tmp_path, {"language": "cy"}), period="2025-03")
    doc = lxml_html.document_fromstring(render_page(DashboardView(welsh, DASHBOARD)))
    assert doc.get("lang") == "cy"
    (tmp_path / "bad").mkdir()
    with pytest.raises(RegisterError) as refused:
        kpixl.load_register(_register_copy(tmp_path / "bad", {"language": "English"}))
    found = [i for i in refused.value.issues if i.code is IssueCode.REGISTER_BAD_VALUE]
    assert [i.message for i in found] == [
        "setting 'language' must be a language tag such as en-GB or cy, not 'English'"
    ]
    assert found[0].sheet == "Settings"


def test_templates_of_ones_own(tmp_path: Path, results: Results) -> None:
    view = DashboardView(results, DASHBOARD)
    (tmp_path / "page.css.j2").write_text("body { font-family: Verdana; }\n", encoding="utf-8")
    page = render_page(view, tmp_path)
    assert "font-family: Verdana" in page and "<caption>Finance</caption>" in page
    (tmp_path / "page.css.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(
        UsageError, match=r"the page template cannot be used \(.*page.css.j2, line 1\)"
    ):
        render_page(view, tmp_path)
    with pytest.raises(UsageError, match="no such folder"):
        render_page(view, tmp_path / "missing")


def test_build_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["build", str(SAMPLES), "--register", str(REGISTER), "-o", str(out)]
    assert main([*args, "--html", str(out / "web" / "dashboard.html")]) == 0
    page = out / "web" / "dashboard.html"
    assert f"wrote {page}" in capsys.readouterr().out
    assert lxml_html.parse(str(page)).getroot().findtext(".//title") == TITLE
    assert main([*args, "--html", str(out / "pages")]) == 0  # a folder: one page per dashboard
    assert [p.name for p in (out / "pages").iterdir()] == ["CED-DCED_2025-03.html"]
    assert main([*args, "--html", str(out / "page.xlsx")]) == 2  # a slip, not a folder
    assert "--html" in capsys.readouterr().err and not (out / "page.xlsx").exists()


@needs_chromium
def test_the_page_in_chromium(tmp_path: Path, page: str) -> None:
    """A picture of the page as a browser shows it (looked at once by eye: title, contents,
    Guidance and the RAG key in colour); here, that Chromium drew a real one."""
    picture = screenshot(page, tmp_path / "page.png", size=(1280, 900))
    data = picture.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 900)
    assert len(data) > 30_000  # text and colour, not a blank window
