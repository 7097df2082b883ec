"""How the ingest read each file (raw.ingest_files.interpretation) and the sheet of a rejected
row, carried through dbt to the data-quality page, where every ledger text is shown as the
text it is: in tables and plain text, never as markdown or HTML."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from dashboards.i18n import interpretation_lines
from tests.dashboard_fixtures import sign_in

APP = PROJECT_ROOT / "dashboards" / "app.py"

# Texts as a ledger may hold them: markdown, HTML and a table pipe in a sheet name, a header
# and a section heading.
SHEET = "**新能源** <script>alert(1)</script>"
HEADER = "总投资<img src=x onerror=alert(1)>"
SECTION = "# 一、新能源产业链 | [链接](http://example.com)"
SUMMARY = [
    f"工作表「{SHEET}」表头在第3–4行，「{HEADER}」单位亿元（取自单位行），×10000 折为万元",
    f"12行的产业链取自分节标题「{SECTION}」（NE）；略过工作表「说明」（未找到表头）",
]
INTERPRETATION = {
    "summary_zh": SUMMARY,
    "sheets": [
        {
            "sheet": SHEET,
            "header_rows": [3, 4],
            "rows_read": 12,
            "columns": [
                {"column": "project_name", "header": "项目名称"},
                {
                    "column": "planned_investment_wan",
                    "header": HEADER,
                    "unit": "亿元",
                    "factor": 10000.0,
                    "unit_source": "unit_row",
                },
            ],
            "skipped_rows": {"subtotal": 1, "section": 2, "note": 1},
            "chain_from": [{"source": "section", "text": SECTION, "chain": "NE", "rows": 12}],
        },
        {"sheet": "半导体", "header_rows": [1], "rows_read": 3, "columns": []},
    ],
    "skipped_sheets": [{"sheet": "说明", "reason": "no_header"}],
    "derived_key": {
        "column": "project_id",
        "from": [["project_name"]],
        "hashed": False,
        "rows": 12,
    },
}
HOSTILE = ("<script", "<img", "**新能源**", "[链接]", "# 一、")


# --- The sentences ----------------------------------------------------------------------------


def test_chinese_lines_are_the_ingests_own_summary():
    assert interpretation_lines(INTERPRETATION, "zh") == SUMMARY


def test_english_lines_say_header_units_skipped_rows_chain_sheets_and_key():
    how, more = interpretation_lines(INTERPRETATION, "en")
    assert how == (
        f"Sheet «{SHEET}»: header in rows 3–4, «{HEADER}» in 亿元 (from the unit row), ×10000 "
        "to 万元, rows skipped (not loaded): 1 subtotal, 2 section heading, 1 note or footer; "
        "Sheet «半导体»: 3 rows read"
    )
    assert more == (
        f"the chain of 12 rows (NE) from the section heading «{SECTION}»; sheets skipped: "
        "«说明» (no header found); no project_id column: the key of 12 rows is derived from "
        "project_name"
    )


def test_chinese_lines_are_made_from_the_parts_when_the_summary_is_missing():
    lines = interpretation_lines({k: v for k, v in INTERPRETATION.items() if k != "summary_zh"})
    assert lines[0].startswith(f"工作表「{SHEET}」：表头在第3–4行，「{HEADER}」单位亿元")
    assert "跳过合计/小计1行、分节标题2行、注释/落款1行（不入库）" in lines[0]
    assert lines[1].endswith("无编号列 project_id，12行的编号由project_name生成")


def test_a_key_from_a_keyed_hash_names_each_alternative():
    key = {"column": "hire_id", "from": [["id_number"], ["name", "employer", "hire_date"]],
           "hashed": True, "rows": 3}  # fmt: skip
    assert interpretation_lines({"derived_key": key}, "en") == [
        "no hire_id column: the key of 3 rows is derived from a keyed hash of id_number or "
        "name+employer+hire_date"
    ]
    assert interpretation_lines({"derived_key": key}, "zh") == [
        "无编号列 hire_id，3行的编号由id_number或name+employer+hire_date的加密散列生成"
    ]


@pytest.mark.parametrize(
    "odd",
    [None, [], "text", {"sheets": "x"}, {"sheets": [None, 3, {"header_rows": "3"}]},
     {"summary_zh": "not a list"}, {"sheets": [{"columns": [{"factor": "abc"}]}]},
     {"skipped_sheets": [{}], "derived_key": {"from": "x"}},
     {"derived_key": {"from": [None, [None, {}], 3], "rows": [], "hashed": "yes"}}],
)  # fmt: skip
def test_an_odd_interpretation_gives_lines_and_never_raises(odd):
    for lang in ("zh", "en"):
        assert all(isinstance(line, str) for line in interpretation_lines(odd, lang))


def test_a_line_break_inside_a_header_does_not_break_the_sentence():
    parts = {"sheets": [{"header_rows": [3], "columns": [{"header": "总\n投资", "factor": 10000}]}]}
    assert interpretation_lines({"summary_zh": ["「总\n投资」单位亿元"]}) == ["「总 投资」单位亿元"]
    assert interpretation_lines(parts, "en") == ["header in row 3, «总 投资» in ?, ×10000 to 万元"]


def test_a_file_read_as_the_template_has_nothing_to_say():
    template = {"summary_zh": [], "sheets": [{"sheet": None, "header_rows": [1], "rows_read": 5}]}
    assert interpretation_lines(template, "zh") == interpretation_lines(template, "en") == []


# --- Through the ingest, dbt and the page -----------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """Three ledgers ingested and built: projects (one bad row, on a named sheet) with the
    interpretation above, leads with none (loaded before it was recorded), chain gaps read as
    the template."""
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.publish import build
    from tests.conftest import workspace_env
    from tests.dashboard_fixtures import add_test_users
    from tests.ledgers import rows_of, write_csv
    from tests.test_build import AS_OF

    home = tmp_path_factory.mktemp("interpretation")
    with workspace_env(home) as workspace:
        add_test_users(home)
        write_csv(
            workspace.inbox / "projects_2025.csv",
            rows_of("projects", {}, {"项目阶段": "不存在的阶段"}),
        )
        write_csv(workspace.inbox / "leads_2025.csv", rows_of("leads", {}))
        write_csv(workspace.inbox / "chain_gaps_2025.csv", rows_of("chain_gaps", {}))
        ingest(None, workspace)
        with duckdb.connect(str(workspace.raw_db)) as con:
            for prefix, value in (
                ("projects", json.dumps(INTERPRETATION, ensure_ascii=False)),
                ("leads", None),
                ("chain_gaps", json.dumps({"summary_zh": [], "sheets": [{"header_rows": [1]}]})),
            ):
                con.execute(
                    "update raw.ingest_files set interpretation = ? where file_name like ?",
                    [value, f"{prefix}%"],
                )
            con.execute(
                "update raw.ingest_rejections set sheet = ? where file_name like 'projects%'",
                [SHEET],
            )
        assert build(workspace, as_of=AS_OF).published
    return home


def published(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse" / "chainkpi.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_quality_marts_carry_the_interpretation_and_the_sheet(home):
    files = dict(published(home, "select file_name, interpretation_json from fct_ingest_files"))
    assert json.loads(files["projects_2025.csv"]) == INTERPRETATION
    assert files["leads_2025.csv"] is None
    assert published(home, "select sheet_name, column_name from fct_ingest_rejections") == [
        (SHEET, "stage")
    ]
    assert published(home, "select count(*), count(sheet_name) from fct_ingest_warnings")[0][1] == 0


def quality_page(home: Path, monkeypatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60))
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("views/quality.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (load_id,) = published(
        home, "select load_id from fct_ingest_files where file_name = 'projects_2025.csv'"
    )[0]
    at.selectbox(key=f"interpretation_file_{lang}").set_value(load_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def markup_texts(at: AppTest) -> list[str]:
    """Every text the page renders as markdown (where a ledger's text must never be)."""
    kinds = ("markdown", "caption", "title", "header", "subheader", "info", "success", "warning")
    return [str(e.value) for kind in kinds for e in getattr(at, kind)]


def test_the_quality_page_shows_how_each_file_was_read_as_plain_text(home, monkeypatch):
    at = quality_page(home, monkeypatch)
    files = table_with(at, "读取方式").set_index("文件")["读取方式"]
    assert files["projects_2025.csv"] == "；".join(SUMMARY)
    assert files["leads_2025.csv"] == ""  # nothing recorded
    assert files["chain_gaps_2025.csv"] == "按标准模板读取"
    # The chosen file in detail: its lines as plain text, its sheets, columns, chain sources.
    assert [t.value for t in at.text] == SUMMARY
    sheets = table_with(at, "表头行")
    assert sheets["工作表"].tolist() == [SHEET, "半导体"]
    assert sheets["表头行"].tolist() == ["3–4", "1"]
    assert sheets["跳过的合计/小计行"].tolist() == ["1", "0"]
    columns = table_with(at, "读作列").set_index("读作列")
    assert columns.loc["planned_investment_wan", "表头"] == HEADER
    assert columns.loc["planned_investment_wan", "单位"] == "亿元"
    assert columns.loc["planned_investment_wan", "折算为万元"] == "×10000"
    assert table_with(at, "文字")["文字"].tolist() == [SECTION]
    assert table_with(at, "原因")["原因"].tolist() == ["未找到表头"]
    # The rejected row names its sheet.
    rejected = table_with(at, "规则")
    assert rejected["工作表"].tolist() == [SHEET]
    # No ledger text went through markdown.
    assert not [t for t in markup_texts(at) if any(h in t for h in HOSTILE)]


def test_the_quality_page_in_english_says_how_the_file_was_read_in_english(home, monkeypatch):
    at = quality_page(home, monkeypatch, "en")
    expected = interpretation_lines(INTERPRETATION, "en")
    files = table_with(at, "How it was read").set_index("File")["How it was read"]
    assert files["projects_2025.csv"] == "; ".join(expected)
    assert files["chain_gaps_2025.csv"] == "Read as the standard template"
    assert [t.value for t in at.text] == expected
    assert (
        table_with(at, "Read as column")
        .set_index("Read as column")
        .loc["planned_investment_wan", "Unit from"]
        == "the unit row"
    )
    assert not [t for t in markup_texts(at) if any(h in t for h in HOSTILE)]
