"""A chain office sees nothing of the other chains (issue 20, Done when; SECURITY.md's role ×
page × data matrix): signed in as each chain office (chain:CODE, and office:CODE, which reads
the same and hands in), every page its navigation holds — taken from the app's own registered
pages, so a page that lands later is opened too — and every file it can download is searched
for the other chains' codes, names (Chinese, and English on the English pages), ledger file
names that hold only other chains' rows, the names and IDs of their projects, leads, gaps,
positions, enterprises and mentoring pairs, and their KPI figures. What may be seen is what
the matrix says: the chain's own rows and the district total 全区 (on the coming 通报排名 page
also the four chains' names and composite scores, not their KPI detail).

The warehouse is the demo's (four chains, the offices' real file names), conftest's
session-wide `demo_home`; every list of what must not be seen comes from it read-only by DuckDB.
The AppTest part reads the whole element tree (text, metrics, every dataframe cell, options,
Plotly figures with their binary arrays decoded, download buttons) and every download's bytes
(xlsx read back cell by cell, CSV as text); one real browser test reads the body's text."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from google.protobuf.json_format import MessageToJson
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from tests.dashboard_fixtures import TEST_USERS, sign_in
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, serve, wait_for_app

APP = PROJECT_ROOT / "dashboards" / "app.py"
CHAINS = ("NE", "SEMI", "EQUIP", "MAT")
# Pages a chain office must never have in its navigation (SECURITY.md's matrix).
NOT_FOR_OFFICES = {"users", "audit"}
# The bulletin's ranking names the four chains and their composite scores: what a bulletin is
# for (bulletin_brief_forecast.md); KPI detail there stays the office's own chain's.
NAMES_ALLOWED_ON = {"ranking"}


# ----------------------------------------------------------------------------- the warehouse


@dataclass
class Secrets:
    """What a chain's office must not see of one other chain."""

    code: str
    names: set[str] = field(default_factory=set)  # the chain's names, zh and en
    tokens: set[str] = field(default_factory=set)  # IDs, company and project names, files
    figures: set[float] = field(default_factory=set)  # KPI figures no own row has
    kpis: set[str] = field(default_factory=set)  # every KPI's name: a row naming the chain
    # and a KPI is KPI detail (the ranking page may name the chain, never with its KPIs)


# Entity columns: (table, id and text columns). A value counts as another chain's only if no
# row of the office's own chain (or of no chain, or the district) carries it too.
ENTITIES = {
    "dim_project_pipeline": ("project_id", "project_name", "investor", "gap_id", "lead_id"),
    "dim_leads": ("lead_id", "company", "project_id"),
    "dim_chain_gap_coverage": ("gap_id", "link_name"),
    "dim_catalogue_fill": ("position_id", "employer"),
    "dim_enterprise_issues": ("issue_id", "enterprise", "summary"),
    "dim_mentoring_pairs": ("pair_id", "mentor_org", "mentee_org"),
    "dim_project_funds": ("project_id",),
}
KPI_FIGURES = ("quarter_actual", "ytd_actual", "expected_to_date", "projected_year_end")


def _values(con, sql: str) -> set:
    return {row[0] for row in con.execute(sql).fetchall() if row[0] not in (None, "")}


@pytest.fixture(scope="module")
def forbidden(demo_home) -> dict[str, list[Secrets]]:
    """For each chain: what it must not see of each other chain, read from the warehouse."""
    path = demo_home / "warehouse" / "chainkpi.duckdb"
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = {
            code: {zh, en}
            for code, zh, en in con.execute(
                "select chain_code, name_zh, name_en from dim_chains"
            ).fetchall()
        }
        from dashboards.i18n import chain_short_name

        for code in CHAINS:
            names[code].add(chain_short_name(code, "en"))
        per_chain: dict[str, set[str]] = {code: set() for code in (*CHAINS, None)}
        for table, columns in ENTITIES.items():
            for column in columns:
                for chain, value in con.execute(
                    f"select distinct chain_code, {column}::varchar from {table}"
                ).fetchall():
                    if value:
                        per_chain[chain if chain in CHAINS else None].add(value.strip())
        files = con.execute(
            "select f.file_name, list(distinct c.chain_code) from fct_ingest_files f "
            "join fct_ingest_file_chains c using (load_id) group by f.file_name"
        ).fetchall()
        kpis = con.execute(
            "select chain_code, " + ", ".join(KPI_FIGURES) + " from fct_kpi_progress"
        ).fetchall()
        kpi_names = {n for row in con.execute("select name_zh, name_en from dim_kpis").fetchall()
                     for n in row if n}  # fmt: skip
    finally:
        con.close()
    numbers: dict[str, set[float]] = {}
    for chain, *values in kpis:
        numbers.setdefault(chain, set()).update(round(float(v), 2) for v in values if v is not None)
    found = {}
    for own in CHAINS:
        seen = per_chain[own] | per_chain[None]
        mine = numbers.get(own, set()) | numbers.get("ALL", set())
        found[own] = [
            Secrets(
                other,
                names[other],
                (per_chain[other] - seen)
                | {name for name, chains in files if own not in chains and other in chains},
                # Figures that tell: amounts with decimals (whole numbers are counts, or round
                # sums any chain may share), none that a row of the own chain or the district
                # total also holds.
                {v for v in numbers.get(other, set()) - mine if v != int(v) and abs(v) >= 100},
                kpi_names,
            )
            for other in CHAINS
            if other != own
        ]
    return found


# --------------------------------------------------------------------- what a session shows


class RecordingStorage(MemoryMediaFileStorage):
    """AppTest's own in-memory media storage, keeping every file a run offers for download
    (the runtime, and its storage, are made anew at each run)."""

    offered: list[tuple[str | None, bytes]] = []

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes | bytearray):
            RecordingStorage.offered.append((filename, bytes(path_or_data)))
        elif isinstance(path_or_data, str) and not Path(path_or_data).exists():
            RecordingStorage.offered.append((filename, path_or_data.encode("utf-8")))
        return super().load_and_get_id(path_or_data, mimetype, kind, filename)


@pytest.fixture(autouse=True)
def recording(monkeypatch):
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingStorage)
    RecordingStorage.offered = []
    return RecordingStorage


def _decode_plotly(value):
    """A Plotly figure's JSON with its typed arrays ({"dtype", "bdata"}) as plain lists."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            return array.tolist()
        return {k: _decode_plotly(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_plotly(v) for v in value]
    return value


@dataclass
class Seen:
    """Everything one page showed: its text, and the numbers in its tables and charts."""

    text: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    # The district's blank import templates (数据报送): handing_in.md gives them "a chain
    # dropdown of the four chains" and an example row, the same for every office. Their text
    # may name the chains; it must hold nothing else of theirs (no ID, file or figure).
    # (Their example rows use generic words, 高纯石英砂, that a chain's gap may share.)
    templates: list[str] = field(default_factory=list)
    rows: list[set[str]] = field(default_factory=list)  # each table row's cells

    def add_frame(self, frame: pd.DataFrame) -> None:
        self.text.append(" ".join(map(str, frame.columns)))
        self.text.append(" ".join(map(str, frame.index)))
        self.rows += [{str(v).strip() for v in row} for row in frame.itertuples(index=False)]
        for column in frame.columns:
            for value in frame[column]:
                number = isinstance(value, int | float | np.number) and not isinstance(value, bool)
                if number and pd.notna(value):
                    self.numbers.append(float(value))
                self.text.append(str(value))

    def add_plotly(self, spec: str) -> None:
        figure = _decode_plotly(json.loads(spec))
        self.text.append(json.dumps(figure, ensure_ascii=False))

        def numbers(value):
            if isinstance(value, dict):
                for v in value.values():
                    yield from numbers(v)
            elif isinstance(value, list):
                for v in value:
                    yield from numbers(v)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                yield float(value)

        self.numbers.extend(numbers(figure.get("data", [])))

    def add_download(self, name: str | None, data: bytes, template: bool = False) -> None:
        template = template or (name or "").endswith(("导入模板.xlsx", "导入模板.zip"))
        into = self.templates if template else self.text
        into.append(name or "")
        if data[:2] == b"PK":
            archive = zipfile.ZipFile(io.BytesIO(data))
            if "[Content_Types].xml" not in archive.namelist():  # a zip of files: each of them
                for member in archive.namelist():
                    self.add_download(member, archive.read(member), template)
                return
            from openpyxl import load_workbook  # xlsx: every sheet's name and cell

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            for sheet in book.worksheets:
                into.append(sheet.title)
                for row in sheet.iter_rows(values_only=True):
                    for cell in row:
                        if cell is None:
                            continue
                        if isinstance(cell, int | float) and not isinstance(cell, bool):
                            self.numbers.append(float(cell))
                        into.append(str(cell))
        else:
            text = data.decode("utf-8-sig", errors="replace")
            into.append(text)
            for token in re.findall(r"-?\d+(?:\.\d+)?", text):
                self.numbers.append(float(token))

    def joined(self, templates: bool = False) -> str:
        return "\n".join(self.text + self.templates if templates else self.text)


def _walk(node):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def collect(at: AppTest) -> Seen:
    """The whole element tree: main and sidebar."""
    seen = Seen()
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if kind in ("arrow_data_frame", "arrow_table", "dataframe", "table") and hasattr(
            node, "value"
        ):
            seen.add_frame(node.value)
            continue
        if kind == "plotly_chart":
            seen.add_plotly(node.proto.spec)
            continue
        if proto is not None:
            try:
                seen.text.append(MessageToJson(proto, ensure_ascii=False))
            except TypeError:  # an element whose proto is not a message
                seen.text.append(str(getattr(node, "value", "")))
    for name, data in RecordingStorage.offered:
        seen.add_download(name, data)
    RecordingStorage.offered.clear()
    return seen


def _word(token: str) -> re.Pattern:
    """A token as a whole word: a chain code inside a longer Latin word or ID does not count
    (their own IDs are searched as tokens of their own)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])")


# An ID (XM-NE-2025-0001, ZTC-2026-0004) or a ledger file's name: what a template must not hold.
_IDENTIFIER = re.compile(r"[A-Z]+(?:-[A-Z]+)?-\d{4}-\d+|.+\.(?:xlsx|xls|csv)")


def leaks(seen: Seen, secrets: list[Secrets], own_values: set[str], page: str) -> list[str]:
    """What of the other chains `seen` shows; [] when nothing."""
    plain = text = seen.joined()
    everything, template_text = seen.joined(templates=True), "\n".join(seen.templates)
    # The office's own names and IDs may contain another chain's name (新材料 in the company
    # name of a NE project): they are taken out before the names are searched.
    for value in sorted(own_values, key=len, reverse=True):
        if any(name in value for s in secrets for name in s.names):
            text = text.replace(value, " ")
    found = []
    shown_numbers = {round(v, 2) for v in seen.numbers}
    for other in secrets:
        if _word(other.code).search(everything):
            found.append(f"the code {other.code}")
        if page not in NAMES_ALLOWED_ON:
            found += [f"the name {n!r}" for n in other.names if n in text]
        found += [f"{other.code}'s {t!r}" for t in sorted(other.tokens) if _word(t).search(plain)]
        found += [
            f"{other.code}'s {t!r} in a template"
            for t in sorted(other.tokens)
            if _IDENTIFIER.fullmatch(t) and _word(t).search(template_text)
        ]
        found += [f"{other.code}'s figure {v}" for v in sorted(other.figures & shown_numbers)]
        found += [
            f"{other.code}'s KPI detail {sorted(row & other.kpis)}"
            for row in seen.rows
            if row & other.names and row & other.kpis
        ]
    return found


@pytest.fixture(scope="module")
def own_values(demo_home) -> dict[str, set[str]]:
    path = demo_home / "warehouse" / "chainkpi.duckdb"
    con = duckdb.connect(str(path), read_only=True)
    try:
        found: dict[str, set[str]] = {code: set() for code in CHAINS}
        for table, columns in ENTITIES.items():
            for column in columns:
                for chain, value in con.execute(
                    f"select distinct chain_code, {column}::varchar from {table}"
                ).fetchall():
                    if value and chain in CHAINS:
                        found[chain].add(value.strip())
        files = con.execute(
            "select f.file_name, c.chain_code from fct_ingest_files f "
            "join fct_ingest_file_chains c using (load_id)"
        ).fetchall()
        for name, chain in files:
            if chain in CHAINS:
                found[chain].add(name)
        return found
    finally:
        con.close()


def open_app(role: str, lang: str) -> AppTest:
    at = sign_in(AppTest.from_file(str(APP), default_timeout=120), role=role, username="office")
    if lang == "en":
        at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pages_of(at: AppTest) -> dict[str, str]:
    """The navigation the role was given: url path → script (the app's registered pages)."""
    return {
        info.get("url_pathname") or "overview": str(info["script_path"])
        for info in at._registered_pages.values()
        if info.get("script_path")
    }


def each_view(at: AppTest, page: str, script: str, lang: str):
    """The page as opened from the navigation, then with each choice its chain picker offers."""
    at.query_params.clear()
    if lang == "en":
        at.query_params["lang"] = "en"
    at.switch_page(script).run()
    assert not at.exception, (page, [e.value for e in at.exception])
    yield "default", collect(at)
    if page == "export":  # the downloads were read: the export's xlsx and CSV files
        assert any(b.label.endswith(".xlsx") for b in at.get("download_button")), page
    # The chain picker (key chain, chain_en on the English page). The projects page's
    # multiselect offers a chain office its own chain alone: its options are read as they are.
    for key in [box.key for box in at.selectbox if box.key in ("chain", "chain_en")]:
        box = at.selectbox(key=key)
        options, chosen = list(box.options), box.index
        for index, option in enumerate(options):
            if index == chosen:
                continue  # the view just read
            at.selectbox(key=key).select_index(index).run()
            assert not at.exception, (page, option, [e.value for e in at.exception])
            yield f"{key}={option}", collect(at)


# ------------------------------------------------------------------------------- the tests


OFFICES = [
    ("chain:NE", "zh"),
    ("chain:SEMI", "zh"),
    ("chain:EQUIP", "zh"),
    ("chain:MAT", "zh"),
    ("office:MAT", "zh"),
    ("chain:SEMI", "en"),
]


@pytest.mark.parametrize(("role", "lang"), OFFICES, ids=[f"{r}-{lang}" for r, lang in OFFICES])
def test_a_chain_office_sees_nothing_of_the_other_chains(
    demo_home, forbidden, own_values, monkeypatch, role, lang
):
    monkeypatch.setenv("CHAINKPI_HOME", str(demo_home))
    chain = role.split(":")[1]
    at = open_app(role, lang)
    pages = pages_of(at)
    assert not NOT_FOR_OFFICES & set(pages), pages
    assert {"overview", "chain", "projects", "leads", "talent", "quality", "export"} <= set(pages)
    assert ("hand_in" in pages) == role.startswith("office:")
    found = {}
    opened = 0
    for page, script in pages.items():
        for view, seen in each_view(at, page, script, lang):
            opened += 1
            assert len(seen.joined()) > 200, (page, view)  # the page showed something
            problems = leaks(seen, forbidden[chain], own_values[chain], page)
            if problems:
                found[f"{page} ({view})"] = problems[:8]
    assert not found, found
    assert opened >= len(pages)


def test_the_lists_are_not_empty(forbidden):
    """The check means something: each other chain has codes, IDs, files and figures."""
    for own, others in forbidden.items():
        for other in others:
            assert len(other.tokens) > 100 and len(other.figures) >= 5, (own, other.code)
            assert any(t.endswith((".xlsx", ".csv")) for t in other.tokens)


@needs_chromium
def test_in_a_browser_a_chain_office_reads_none_of_the_other_chains(
    demo_home, forbidden, own_values
):
    """chain:NE (the test user ne_tester) in a real browser: the main pages' text."""
    from playwright.sync_api import sync_playwright

    with serve(demo_home) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{url}/")
            page.wait_for_selector('[data-testid="stForm"]')
            page.get_by_label("用户名").fill("ne_tester")
            page.get_by_label("密码").fill(TEST_USERS["ne_tester"][1])
            page.get_by_role("button", name="登录").click()
            page.wait_for_selector('[data-testid="stSidebarNav"]')
            found = {}
            for name in ("overview", "chain", "projects", "leads", "talent", "party", "quality"):
                page.goto(f"{url}/{name}")
                page.wait_for_selector('[data-testid="stSidebarNav"]')
                wait_for_app(page)
                text = page.locator("body").inner_text()
                assert "新能源" in text, name
                seen = Seen(text=[text])
                problems = leaks(seen, forbidden["NE"], own_values["NE"], name)
                if problems:
                    found[name] = problems[:8]
            assert not found, found
        finally:
            browser.close()
