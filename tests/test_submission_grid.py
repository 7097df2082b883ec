"""报送情况 (handing_in.md, who is late) from ledgers handed in on known days, through the real
ingest (its `ingested_at`, as `kpi demo` replays its history) and dbt build, to the grid on the
data-quality page (AppTest): on time, late by so many days, missing and not yet due, each in
words; a chain office sees its own row only."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from tests.conftest import workspace_env
from tests.dashboard_fixtures import add_test_users, sign_in
from tests.ledgers import rows_of, write_csv

APP = PROJECT_ROOT / "dashboards" / "app.py"
AS_OF = dt.date(2026, 3, 20)
# (file, chain, handed in): the shipped schedule tracks projects and leads monthly (due the
# 5th of the month after) and chain gaps quarterly (due the 10th) from 2026.
HANDED_IN = [
    ("projects_202601_NE.csv", "NE", dt.datetime(2026, 2, 3, 9)),
    ("projects_202601_SEMI.csv", "SEMI", dt.datetime(2026, 2, 4, 9)),
    ("projects_202602_NE.csv", "NE", dt.datetime(2026, 3, 9, 9)),  # 4 days late
]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.publish import build

    home = tmp_path_factory.mktemp("submissions") / "home"
    with workspace_env(home) as workspace:
        for name, chain, at in HANDED_IN:
            path = write_csv(
                workspace.inbox / name,
                rows_of("projects", {"所属产业链": chain, "项目编号": f"P-{chain}-{name[9:15]}"}),
            )
            assert ingest([path], workspace, ingested_at=at).exit_code == 0
        assert build(workspace, as_of=AS_OF).published
    add_test_users(home)
    return home


def test_the_mart_says_on_time_late_missing_and_not_due(home):
    with duckdb.connect(str(home / "warehouse" / "chainkpi.duckdb"), read_only=True) as con:
        rows = con.sql(
            "select chain_code, dataset, period, submission_status, days_late "
            "from fct_submission_status"
        ).fetchall()
    status = {(c, d, p): (s, late) for c, d, p, s, late in rows}
    assert status[("NE", "projects", "2026-01")] == ("on_time", None)
    assert status[("SEMI", "projects", "2026-01")] == ("on_time", None)
    assert status[("NE", "projects", "2026-02")] == ("late", 4)
    assert status[("SEMI", "projects", "2026-02")] == ("missing", None)
    assert status[("EQUIP", "leads", "2026-01")] == ("missing", None)
    assert status[("NE", "projects", "2026-03")] == ("not_due", None)
    assert status[("NE", "chain_gaps", "2026Q1")] == ("not_due", None)
    assert {p for _, _, p, _, _ in rows} == {"2026-01", "2026-02", "2026-03", "2026Q1"}


def _quality(home, monkeypatch, role: str, username: str) -> AppTest:
    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role=role, username=username)
    at.run()
    at.switch_page("views/quality.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _grid(at: AppTest):
    for frame in at.dataframe:
        value = frame.value
        if "项目储备库" in value.columns or "Project ledger" in value.columns:
            return value
    raise AssertionError("no 报送情况 grid on the page")


def test_the_grid_shows_every_status_in_words(home, monkeypatch):
    at = _quality(home, monkeypatch, "analyst", "tester")
    assert "报送情况" in " ".join(str(h.value) for h in at.subheader)
    assert at.selectbox(key="submission_month").value == "2026-02"  # newest month now due
    grid = _grid(at)
    assert grid.loc["新能源", "项目储备库"] == "逾期 4 天"
    assert grid.loc["半导体和电子信息", "项目储备库"] == "缺报"
    assert grid.loc["新能源", "产业链缺口"] == "未到期"
    assert len(grid) == 4
    at.selectbox(key="submission_month").set_value("2026-01").run()
    grid = _grid(at)
    assert grid.loc["新能源", "项目储备库"] == "按时"
    assert grid.loc["先进装备制造", "招商线索"] == "缺报"


def test_a_chain_office_sees_its_own_row_only(home, monkeypatch):
    at = _quality(home, monkeypatch, "chain:NE", "ne_tester")
    grid = _grid(at)
    assert list(grid.index) == ["新能源"]


def test_the_quarterly_export_has_the_grid_as_a_sheet(home, tmp_path):
    import openpyxl

    from chainkpi.export import write_export
    from chainkpi.settings import Workspace

    xlsx = write_export(Workspace(home), 2026, 1, tmp_path)[1]
    sheet = openpyxl.load_workbook(xlsx)["报送情况"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if row[:2] == ["产业链", "期次"])
    table = {(row[0], row[1]): dict(zip(header[2:], row[2:], strict=True))
             for row in rows[rows.index(header) + 1 :]}  # fmt: skip
    assert table[("新能源", "2026-02")]["项目储备库"] == "逾期 4 天"
    assert table[("半导体和电子信息", "2026-02")]["项目储备库"] == "缺报"
    assert table[("新能源", "2026-01")]["项目储备库"] == "按时"
    assert table[("新能源", "2026Q1")]["产业链缺口"] == "未到期"
    assert {period for _, period in table} == {"2026-01", "2026-02", "2026-03", "2026Q1"}
    missing = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "缺报")
    assert missing.fill.fgColor.rgb.endswith("FFC7CE")  # red, as off track
    # A chain's export: its own rows only.
    chain_xlsx = write_export(Workspace(home), 2026, 1, tmp_path / "ne", chain="NE")[1]
    chain_rows = list(openpyxl.load_workbook(chain_xlsx)["报送情况"].iter_rows(values_only=True))
    assert {row[0] for row in chain_rows[rows.index(header) + 1 :]} == {"新能源"}
