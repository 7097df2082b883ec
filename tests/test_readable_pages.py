"""Every page, in Chinese and in English, read the way a head reads it (dashboard.md, "Readable
numbers and words" and "One figure, one meaning"): the whole element tree and every table and
chart is scanned for None, nan, raw codes and, in English, Chinese words; quarters come in
their order; each overview tile links to a page that shows its figure again, equal.

Runs every page with Streamlit's AppTest on the small, really built warehouse of the other
dashboard tests (tests/dashboard_fixtures.py)."""

from __future__ import annotations

import csv
import json
import re

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from dashboards import charts
from tests.dashboard_fixtures import sign_in

APP = PROJECT_ROOT / "dashboards" / "app.py"
PAGES = ("overview", "chain", "projects", "leads", "talent", "quality", "export")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
MISSING_WORDS = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|null|undefined)(?![A-Za-z])")
TRAILING_ZEROS = re.compile(r"\d\.\d*0{3,}\b")  # 15200.000000


def _codes() -> set[str]:
    """Every code of every code-list seed and every chain code: never shown as such."""
    codes = set()
    for path in (PROJECT_ROOT / "seeds").glob("*.csv"):
        with path.open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames and reader.fieldnames[:2] == ["code", "label_zh"]:
                codes |= {row["code"] for row in reader}
            elif reader.fieldnames and reader.fieldnames[:2] == ["chain_code", "name_zh"]:
                codes |= {row["chain_code"] for row in reader}
    return codes


CODES = _codes()


@pytest.fixture
def app(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))

    def run(page: str, lang: str = "zh", role: str = "analyst", **query: object) -> AppTest:
        at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role=role)
        if lang == "en":
            at.query_params["lang"] = "en"
        for key, value in query.items():
            at.query_params[key] = str(value)
        at.run()
        if page != "overview":
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


# --- What the page shows, as text ---------------------------------------------------------------

TEXT_KINDS = (
    "title", "header", "subheader", "markdown", "caption", "text", "info", "warning",
    "success", "error", "metric", "selectbox", "multiselect", "toggle", "radio", "expander",
    "button", "page_link", "html", "download_button",
)  # fmt: skip


PICKERS = ("selectbox", "multiselect", "radio")
# A language's name is written in that language (the report-language picker: 中文 / English).
LANGUAGE_NAMES = ("中文", "语言 Language")
# A ledger's file name is shown as handed in (the quality page's file picker).
FILE_NAME = re.compile(r"\.(csv|xlsx|xls)\b", re.IGNORECASE)


def shown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(kind, text) for every label, value and option the page shows, main area and sidebar."""
    out: list[tuple[str, str]] = []
    for kind in TEXT_KINDS:
        for element in at.get(kind):
            # A picker's value is its code; what it shows are its options' labels.
            attrs = ("label", "help") if kind in PICKERS else ("label", "value", "body", "help")
            for attr in attrs:
                try:
                    value = getattr(element, attr)
                except Exception:  # noqa: BLE001 - an element without that attribute
                    continue
                if isinstance(value, str) and value:
                    out.append((kind, value))
            if kind in ("selectbox", "multiselect", "radio"):
                out += [(kind + " option", str(o)) for o in element.options]
            if kind == "metric":
                out.append(("metric value", str(element.value)))
    return out


def tables(at: AppTest) -> list[tuple[pd.DataFrame, object, pd.DataFrame | None]]:
    """(data, proto, display values or None) of every st.dataframe: a styled table shows its
    Styler's display values, a plain one its data (with the placeholder for missing cells)."""
    out = []
    for element in at.get("dataframe"):
        proto = element.proto
        display = None
        raw = proto.arrow_data.styler.display_values
        if raw:
            display = pa.ipc.open_stream(raw).read_all().to_pandas()
        out.append((element.value, proto, display))
    return out


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def figure_texts(spec: dict) -> dict[str, list[str]]:
    """A figure's words: its labels (titles, axes, legend, categories) and its hover/cell texts."""
    layout = spec.get("layout", {})
    labels = _strings((layout.get("title") or {}).get("text", ""))
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")):
            labels += _strings((axis.get("title") or {}).get("text", ""))
            labels += _strings(axis.get("ticktext", []))
            labels += _strings(axis.get("categoryarray", []))
    hover = []
    for trace in spec.get("data", []):
        labels += _strings(trace.get("name", ""))
        for key in ("x", "y"):
            labels += _strings(trace.get(key, []))
        hover += _strings(trace.get("text", [])) + _strings(trace.get("hovertemplate", []))
        hover += _strings(trace.get("customdata", []))
    return {"labels": labels, "hover": hover}


# --- The scan -----------------------------------------------------------------------------------


def problems_of(at: AppTest, lang: str) -> list[str]:
    found = []
    for kind, text in shown_texts(at):
        if MISSING_WORDS.search(text):
            found.append(f"{kind} shows a missing value as a word: {text!r}")
        if TRAILING_ZEROS.search(text):
            found.append(f"{kind} shows trailing zeros: {text!r}")
        if text.strip() in CODES:
            found.append(f"{kind} shows a raw code: {text!r}")
        # In English, labels hold no Chinese (ledger text reaches the page only in tables and
        # st.text: kept as typed; the language switch names itself in both on purpose).
        ledger_text = kind == "text" or FILE_NAME.search(text) or text in LANGUAGE_NAMES
        if lang == "en" and not ledger_text and CJK.search(text):
            found.append(f"{kind} in English holds Chinese: {text!r}")
    for data, proto, display in tables(at):
        header = " | ".join(map(str, data.columns))
        for column in data.columns:
            if str(column) in CODES or (lang == "en" and CJK.search(str(column))):
                found.append(f"table header {column!r} is not readable in {lang}")
        if display is not None:
            cells = display.astype(str).to_numpy().ravel()
        else:
            if data.isna().to_numpy().any() and proto.placeholder != "—":
                found.append(f"table [{header}] has missing cells without the — placeholder")
            cells = [str(v) for v in data.to_numpy().ravel() if not charts.is_missing(v)]
            config = json.loads(proto.columns or "{}")
            for column in data.columns:
                if pd.api.types.is_float_dtype(data[column]):
                    fmt = (config.get(str(column)) or {}).get("type_config", {}).get("format")
                    if fmt != "localized":
                        found.append(f"table [{header}] column {column!r} is unformatted")
        for cell in cells:
            if MISSING_WORDS.fullmatch(cell.strip()) or cell == "":
                found.append(f"table [{header}] shows a missing value as {cell!r}")
            elif cell in CODES:
                found.append(f"table [{header}] shows the raw code {cell!r}")
            elif TRAILING_ZEROS.search(cell):
                found.append(f"table [{header}] shows trailing zeros: {cell!r}")
    for spec in figures(at):
        words = figure_texts(spec)
        for text in words["labels"] + words["hover"]:
            if MISSING_WORDS.search(text):
                found.append(f"chart shows a missing value as a word: {text!r}")
        for text in words["labels"]:
            if text in CODES:
                found.append(f"chart label is a raw code: {text!r}")
            if lang == "en" and CJK.search(text):
                found.append(f"chart label in English holds Chinese: {text!r}")
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_none_nan_a_raw_code_or_in_english_a_chinese_label(app, page, lang):
    at = app(page, lang)
    assert problems_of(at, lang) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("chain", {"chain": "NE", "year": 2025}),
        ("chain", {"chain": "SEMI", "year": 2025}),
        ("talent", {"year": 2025, "by": "level"}),
        ("talent", {"year": 2025, "by": "channel"}),
        ("talent", {"year": 2025, "by": "chain"}),
        ("projects", {"drill": "dropped"}),
        ("overview", {"year": 2025, "quarter": 1, "chain": "NE"}),
    ],
)
def test_the_pages_other_views_are_readable_too(app, page, query, lang):
    at = app(page, lang, **query)
    assert problems_of(at, lang) == []


def _quarter_numbers(labels: list[str]) -> list[int]:
    return [int(re.search(r"\d+", label).group()) for label in labels]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_talent_charts_quarters_come_in_their_order(app, lang):
    at = app("talent", lang, year=2025)
    spec = next(s for s in figures(at) if any(t.get("type") == "bar" for t in s["data"]))
    order = spec["layout"]["xaxis"]["categoryarray"]
    assert _quarter_numbers(order) == sorted(_quarter_numbers(order)) and len(order) >= 2
    for trace in spec["data"]:
        assert set(trace["x"]) <= set(order)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_chain_pages_quarters_come_in_their_order(app, lang):
    at = app("chain", lang, chain="NE", year=2025)
    heat = next(s for s in figures(at) if s["data"][0].get("type") == "heatmap")["data"][0]
    assert _quarter_numbers(heat["x"]) == [1, 2, 3, 4]
    table = next(d for d, _, _ in tables(at) if d.shape[1] == 7)
    per_kpi = table.groupby(table.columns[0], sort=False)[table.columns[1]].apply(list)
    for quarters in per_kpi:
        assert _quarter_numbers(quarters) == sorted(_quarter_numbers(quarters))


def test_the_talent_pages_title_is_shown_once(app):
    at = app("talent", "zh", year=2025)
    headings = [e.value for e in at.get("title")] + [e.value for e in at.get("subheader")]
    chart_titles = [(s["layout"].get("title") or {}).get("text", "") for s in figures(at)]
    everything = headings + chart_titles
    assert len(everything) == len(set(everything)), everything


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh", "人才引进：1 名引进人才的对应岗位编号不存在"),
        ("en", "Talent hires: 1 hire names a catalogue position ID that does not exist"),
    ],
)
def test_the_quality_page_says_which_check_failed_in_a_heads_words(app, lang, said):
    at = app("quality", lang)
    problems = next(d for d, _, _ in tables(at) if d.columns[0] in ("问题", "What failed"))
    assert said in list(problems.iloc[:, 0])
    for cell in problems.astype(str).to_numpy().ravel():
        assert "_" not in cell and "Got " not in cell and "configured to" not in cell, cell
    # dbt's own names only in the folded technical detail, for the analyst.
    technical = next(
        e for e in at.get("expander") if "技术细节" in e.label or "Technical" in e.label
    )
    assert any("relationships_" in str(v) for d in technical.dataframe for v in d.value.iloc[:, 0])


@pytest.mark.parametrize("page", PAGES)
def test_no_chart_shows_plotlys_mode_bar(app, page):
    at = app(page, "zh")
    for chart in at.get("plotly_chart"):
        config = json.loads(chart.proto.config or "{}")
        assert config.get("displayModeBar") is False, (page, chart.proto.id)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("page", "query", "first"),
    [
        ("projects", {}, {"项目名称", "Name"}),
        ("chain", {"chain": "NE", "year": 2025}, {"缺失环节", "Missing link", "项目名称", "Name"}),
        ("leads", {"year": 2025}, {"企业", "Company"}),
        ("talent", {"year": 2025}, {"岗位", "Title"}),
    ],
)
def test_tables_lead_with_what_a_head_acts_on_and_end_with_ids(app, page, query, first, lang):
    """Phones: name, amount, stage and days come first; a row's ID, needed least, last."""
    at = app(page, lang, **query)
    ledgers = [
        d for d, _, _ in tables(at) if any(re.search(r"编号|ID$", str(c)) for c in d.columns)
    ]
    assert ledgers, page
    for data in ledgers:
        columns = [str(c) for c in data.columns]
        assert columns[0] in first, columns
        assert re.search(r"编号|ID$", columns[-1]), columns
        assert not any(re.search(r"编号|ID$", c) for c in columns[:-1]), columns
