"""Hostile and random ledgers: the ingest never crashes, never loses a good row, rejects each
bad row with its rule, and keeps formula strings and HTML as inert text."""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainkpi.ingest.pipeline import ingest
from chainkpi.ingest.schema import MISSING_TOKENS
from chainkpi.settings import Workspace
from tests.ledgers import VALID, write_csv, write_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/x","点我")',
    "=1+1",
    "+86 123",
    "-cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script>",
    "'; drop table raw.projects; --",
    "\u202e反向文字",
    '逗号,引号"换行\n第二行',
    "🚀 emoji 企业",
    "ＡＢＣ全角",
]

# (change to a valid projects row, rule it breaks)
BREAKS = [
    ({"项目名称": ""}, "required"),
    ({"所属产业链": "外星链"}, "not_in_code_list"),
    ({"计划总投资（万元）": "-3"}, "negative_amount"),
    ({"计划总投资（万元）": "abc"}, "invalid_amount"),
    ({"签约日期": "2025-02-30"}, "invalid_date"),
    ({"签约日期": ""}, "stage_needs_date"),
    ({"项目阶段": "开工", "开工日期": "2024-01-01"}, "date_order"),
    ({"是否头部企业": "maybe"}, "invalid_bool"),
]

_counter = itertools.count()


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _usable(text: str) -> bool:
    clean = _normalised(text)
    return bool(clean) and clean not in MISSING_TOKENS and len(clean) <= 2000


def cell_text(for_xlsx: bool) -> st.SearchStrategy[str]:
    # XML (xlsx) cannot hold most control characters; CSV can hold anything but NUL.
    excluded = ("Cs", "Cc") if for_xlsx else ("Cs",)
    chars = st.characters(blacklist_categories=excluded, blacklist_characters="\x00")
    return st.one_of(st.sampled_from(HOSTILE), st.text(chars, min_size=1, max_size=40)).filter(
        _usable
    )


@st.composite
def ledgers(draw):
    fmt = draw(st.sampled_from(["csv-utf-8", "csv-utf-8-sig", "csv-gb18030", "xlsx"]))
    n = draw(st.integers(min_value=1, max_value=12))
    rows, expected = [], {}
    for i in range(n):
        row = dict(VALID["projects"])
        row["项目编号"] = f"P{i:03d}"
        row["项目名称"] = draw(cell_text(fmt == "xlsx"))
        row["投资主体"] = draw(cell_text(fmt == "xlsx"))
        broken = draw(st.none() | st.sampled_from(BREAKS))
        if broken:
            row.update(broken[0])
            expected[row["项目编号"]] = broken[1]
        else:
            expected[row["项目编号"]] = None
        rows.append(row)
    titles = draw(st.lists(cell_text(fmt == "xlsx"), max_size=3))
    return fmt, rows, expected, titles


def _fresh_workspace(base: Path) -> Workspace:
    ws = Workspace(base / f"ws{next(_counter)}")
    ws.ensure()
    return ws


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ledger=ledgers())
def test_random_ledgers_lose_no_good_row_and_reject_each_bad_one(
    tmp_path, monkeypatch, raw_query, ledger
):
    monkeypatch.setenv("CHAINKPI_SECRET", "hypothesis")
    fmt, rows, expected, titles = ledger
    ws = _fresh_workspace(tmp_path)
    if fmt == "xlsx":
        path = write_xlsx(ws.inbox / "projects_h.xlsx", rows, title_rows=titles)
    else:
        title = "\n".join(titles) if titles else None
        path = write_csv(ws.inbox / "projects_h.csv", rows, encoding=fmt[4:], title=title)
    report = ingest([path], ws).files[0]
    assert report.status == "loaded", report.errors
    loaded = dict(raw_query(ws, "select project_id, project_name from raw.projects"))
    good = {key for key, rule in expected.items() if rule is None}
    assert set(loaded) == good
    # Formula strings, HTML and SQL stay exactly what was written: inert text.
    for row in rows:
        if row["项目编号"] in good:
            assert loaded[row["项目编号"]] == _normalised(row["项目名称"])
    rules_by_row = {}
    for item in report.rejected_rows:
        rules_by_row.setdefault(item["row"], set()).add(item["rule"])
    header_row = report.header_row
    for offset, row in enumerate(rows, start=1):
        rule = expected[row["项目编号"]]
        if rule is not None and fmt == "xlsx":
            assert rule in rules_by_row[header_row + offset], (row, report.rejected_rows)
    assert len(rules_by_row) == len(expected) - len(good)


@pytest.fixture
def raw_query():
    import duckdb

    def query(ws: Workspace, sql: str) -> list[tuple]:
        con = duckdb.connect(str(ws.raw_db), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    return query


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_random_bytes_never_crash_the_ingest(tmp_path, monkeypatch, data, suffix):
    monkeypatch.setenv("CHAINKPI_SECRET", "hypothesis")
    ws = _fresh_workspace(tmp_path)
    path = ws.inbox / f"leads_random{suffix}"
    path.write_bytes(data)
    report = ingest([path], ws).files[0]
    assert report.status in ("loaded", "rejected")
    if report.status == "rejected":
        assert report.errors


def test_mixed_encodings_in_one_file_do_not_crash(workspace):
    path = write_csv(workspace.inbox / "leads_mixed.csv", [dict(VALID["leads"])])
    path.write_bytes(
        path.read_bytes() + "L002,某公司,新能源,以商招商,,2025-01-01,新线索,,,\n".encode("gbk")
    )
    report = ingest([path], workspace).files[0]
    assert report.status in ("loaded", "rejected")


def test_a_huge_cell_rejects_its_row_only(workspace, raw):
    rows = [dict(VALID["leads"]), dict(VALID["leads"], 线索编号="L002")]
    rows[0]["企业名称"] = "大" * 1_000_000
    path = write_csv(workspace.inbox / "leads_huge.csv", rows)
    report = ingest([path], workspace).files[0]
    assert [(r["row"], r["column"], r["rule"]) for r in report.rejected_rows] == [
        (2, "company", "too_long")
    ]
    assert len(report.rejected_rows[0]["value"]) <= 201
    assert raw("select lead_id from raw.leads") == [("L002",)]


def test_duplicate_headers_read_the_first_column_and_warn(workspace, raw):
    path = workspace.inbox / "leads_duph.csv"
    header = ",".join(VALID["leads"]) + ",企业名称"
    path.write_text(
        header + "\n" + ",".join(VALID["leads"].values()) + ",第二个名字\n", encoding="utf-8"
    )
    report = ingest([path], workspace).files[0]
    assert report.status == "loaded"
    assert [w["rule"] for w in report.warnings] == ["duplicate_column"]
    assert raw("select company from raw.leads") == [("某某半导体公司",)]


def test_a_100k_row_file_loads_every_good_row(workspace, raw):
    rows = []
    for i in range(100_000):
        row = dict(VALID["talent_hires"])
        row.update({"引进编号": f"H{i:06d}", "姓名": f"测试{i}", "身份证号": "", "联系电话": ""})
        rows.append(row)
    rows[500]["学历"] = "不详"
    path = write_csv(workspace.inbox / "talent_hires_big.csv", rows, encoding="gb18030")
    report = ingest([path], workspace).files[0]
    assert report.rows_read == 100_000 and report.rows_loaded == 99_999
    assert [(r["row"], r["rule"]) for r in report.rejected_rows] == [(502, "not_in_code_list")]
    assert raw("select count(*), count(distinct hire_id) from raw.talent_hires") == [
        (99_999, 99_999)
    ]
