"""`kpi build`: the KPI arithmetic of kpis.md end to end, and publishing that readers can trust.

Small hand-made ledgers go through the real ingest and the real `dbt build`; the KPI progress
mart must hold the numbers worked out by hand below.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from chainkpi.errors import PipelineError, UserError
from chainkpi.ingest.pipeline import ingest
from chainkpi.publish import build
from chainkpi.settings import PROJECT_ROOT
from tests.ledgers import rows_of, write_csv

KPI = str(Path(sys.executable).with_name("kpi"))
AS_OF = dt.date(2026, 1, 15)


def hand_made_ledgers(inbox: Path) -> None:
    write_csv(inbox / "talent_hires_2025.csv", rows_of(
        "talent_hires",
        {"学历": "博士", "所属产业链": "NE", "引进日期": "2025-03-31", "是否回引本土人才": "是", "对应岗位编号": "T001"},
        {"学历": "博士后", "所属产业链": "", "引进日期": "2025-04-01"},
        {"学历": "硕士", "所属产业链": "NE", "引进日期": "2025-01-15", "对应岗位编号": "T404"},
        {"学历": "博士", "所属产业链": "SEMI", "引进日期": "2025-12-31"},
        {"学历": "博士", "所属产业链": "NE", "引进日期": "2024-12-31"},
    ))  # fmt: skip
    write_csv(inbox / "talent_catalogue_2025.csv", rows_of(
        "talent_catalogue",
        {"所属产业链": "NE", "需求人数": "3", "发布日期": "2025-02-01"},
        {"所属产业链": "SEMI", "需求人数": "2", "发布日期": "2025-04-10"},
    ))  # fmt: skip
    write_csv(inbox / "leader_projects_2025.csv", rows_of(
        "leader_projects",
        {"项目级别": "国家级", "所属产业链": "NE", "立项日期": "2025-03-01"},
        {"项目级别": "省级", "所属产业链": "", "立项日期": "2025-05-05"},
        {"项目级别": "市级", "所属产业链": "NE", "立项日期": "2025-02-02"},
    ))  # fmt: skip
    # The project ledger without a period (the month before the day it is ingested: no fixed
    # date) reports no funds in place; the ledgers of March and June 2025 do, for P001, P003
    # and P004, as the running totals of funds_in_place_wan (EXPECTED), otherwise the same rows.
    projects = rows_of(
        "projects",
        {"所属产业链": "NE", "项目阶段": "签约", "签约日期": "2025-03-31", "计划总投资（万元）": "10000"},
        {"所属产业链": "NE", "项目阶段": "终止", "签约日期": "2025-01-10", "计划总投资（万元）": "9999.99"},
        {"所属产业链": "NE", "项目阶段": "投产", "签约日期": "2024-11-01", "开工日期": "2025-02-01",
         "投产日期": "2025-04-02", "计划总投资（万元）": "500"},
        {"所属产业链": "SEMI", "项目阶段": "开工", "签约日期": "2025-04-01", "开工日期": "2025-04-15",
         "计划总投资（万元）": "20000"},
        {"所属产业链": "NE", "项目阶段": "储备", "签约日期": "", "计划总投资（万元）": "800"},
    )  # fmt: skip
    write_csv(inbox / "projects_2025.csv", [{**r, "到位资金（万元）": ""} for r in projects])
    in_place = {  # 项目编号: running totals (万元) in the ledgers of March and June
        "P001": ("1000", "2500"),
        "P003": ("400", "350"),  # a correction: 50 less in June
        "P004": ("", "6000"),  # none in March: from 0
    }
    for month, period in enumerate(("2025-03", "2025-06")):
        write_csv(inbox / f"projects_{period}.csv", [
            {**r, "到位资金（万元）": in_place[r["项目编号"]][month]}
            for r in projects if in_place.get(r["项目编号"], ("", ""))[month]
        ])  # fmt: skip
    write_csv(inbox / "chain_gaps_2025.csv", rows_of(
        "chain_gaps",
        {"所属产业链": "NE", "识别日期": "2025-01-05", "状态": "已补", "补齐日期": "2025-03-15"},
        {"所属产业链": "NE", "识别日期": "2024-06-01", "状态": "在补"},
        {"所属产业链": "MAT", "识别日期": "2025-04-01", "状态": "已补", "补齐日期": "2025-06-30"},
    ))  # fmt: skip
    write_csv(inbox / "leads_2025.csv", rows_of(
        "leads",
        {"所属产业链": "NE", "首次接洽日期": "2025-01-01", "线索状态": "已转化", "转化日期": "2025-02-01",
         "转化项目编号": "P001"},
        {"所属产业链": "", "首次接洽日期": "2025-02-01", "线索状态": "跟进中"},
        {"所属产业链": "NE", "首次接洽日期": "2025-04-01", "线索状态": "新线索"},
    ))  # fmt: skip
    # party_service_funds.md: party activities, mentoring pairs, enterprise issues.
    activity = ("活动编号", "所属产业链", "活动类型", "活动名称", "活动日期")
    write_csv(inbox / "party_activities_2025.csv", [dict(zip(activity, r, strict=True)) for r in (
        ("A001", "NE", "党委会议", "一季度产业链党委会议", "2025-03-31"),
        ("A002", "NE", "党委会议", "二季度产业链党委会议", "2025-04-01"),
        ("A003", "SEMI", "党委会议", "二季度产业链党委会议", "2025-05-10"),  # none in Q1
        ("A004", "NE", "党建培训", "党建工作培训班", "2025-06-30"),
        ("A005", "MAT", "主题党日", "主题党日活动", "2025-02-01"),  # neither KPI
    )])  # fmt: skip
    pair = ("结对编号", "所属产业链", "帮带党组织", "被帮带党组织", "结对日期", "结对状态", "结束日期")  # fmt: skip
    write_csv(inbox / "mentoring_pairs_2025.csv", [dict(zip(pair, r, strict=True)) for r in (
        ("M001", "NE", "甲公司党委", "乙公司党支部", "2025-01-20", "在帮", ""),
        ("M002", "NE", "甲公司党委", "丙公司党支部", "2025-04-15", "已结束", "2025-06-01"),
        ("M003", "MAT", "丁公司党委", "戊公司党支部", "2024-12-31", "在帮", ""),  # 2024
    )])  # fmt: skip
    issue = ("诉求编号", "所属产业链", "企业名称", "直通车类别", "诉求内容", "受理日期", "办理状态",
             "办结日期")  # fmt: skip
    write_csv(inbox / "enterprise_issues_2025.csv", [dict(zip(issue, r, strict=True)) for r in (
        ("Q001", "NE", "甲公司", "要素保障", "用电增容", "2025-02-10", "已办结", "2025-04-05"),
        ("Q002", "", "乙公司", "政策惠企", "申报指导", "2025-03-01", "办理中", ""),  # no chain
        ("Q003", "SEMI", "丙公司", "问题解决", "道路施工", "2025-05-05", "无法办理", "2025-05-20"),
        ("Q004", "NE", "丁公司", "问题解决", "排污许可", "2025-01-05", "已办结", "2025-01-25"),
    )])  # fmt: skip


# (kpi, chain): (Q1 quarter, Q1 ytd, Q2 quarter, Q2 ytd) for 2025, worked out by hand from
# the ledgers above.
EXPECTED = {
    ("phd_hires", "NE"): (1, 1, 0, 1),  # 31 Mar counts in Q1; the 2024 hire not at all
    ("phd_hires", "ALL"): (1, 1, 1, 2),  # the postdoc of 1 April has no chain: ALL only, Q2
    ("leader_talent_projects", "NE"): (1, 1, 0, 1),  # 市级 does not count
    ("leader_talent_projects", "ALL"): (1, 1, 1, 2),
    ("talent_hires", "NE"): (2, 2, 0, 2),
    ("talent_hires", "ALL"): (2, 2, 1, 3),
    ("returnee_hires", "NE"): (1, 1, 0, 1),
    ("returnee_hires", "ALL"): (1, 1, 0, 1),
    ("catalogue_headcount", "NE"): (3, 3, 0, 3),
    ("catalogue_headcount", "ALL"): (3, 3, 2, 5),
    ("catalogue_hires", "NE"): (1, 1, 0, 1),  # T404 is no catalogue position
    ("catalogue_hires", "ALL"): (1, 1, 0, 1),
    ("projects_signed", "NE"): (2, 2, 0, 2),  # the dropped project signed in January counts
    ("projects_signed", "ALL"): (2, 2, 1, 3),
    ("signed_investment_wan", "NE"): (
        Decimal("19999.99"),
        Decimal("19999.99"),
        0,
        Decimal("19999.99"),
    ),
    ("signed_investment_wan", "ALL"): (
        Decimal("19999.99"),
        Decimal("19999.99"),
        20000,
        Decimal("39999.99"),
    ),
    ("major_projects_signed", "NE"): (1, 1, 0, 1),  # 10000 counts, 9999.99 does not
    ("major_projects_signed", "ALL"): (1, 1, 1, 2),
    ("projects_started", "NE"): (1, 1, 0, 1),
    ("projects_started", "ALL"): (1, 1, 1, 2),
    ("projects_producing", "NE"): (0, 0, 1, 1),
    ("projects_producing", "ALL"): (0, 0, 1, 1),
    ("gaps_identified", "NE"): (1, 1, 0, 1),
    ("gaps_identified", "ALL"): (1, 1, 1, 2),
    ("gaps_closed", "NE"): (1, 1, 0, 1),
    ("gaps_closed", "ALL"): (1, 1, 1, 2),
    ("leads_new", "NE"): (1, 1, 1, 2),
    ("leads_new", "ALL"): (2, 2, 1, 3),
    ("leads_converted", "NE"): (1, 1, 0, 1),
    ("leads_converted", "ALL"): (1, 1, 0, 1),
    ("party_trainings", "NE"): (0, 0, 1, 1),  # 30 June; 主题党日 is neither KPI
    ("party_trainings", "ALL"): (0, 0, 1, 1),
    ("committee_meetings", "NE"): (1, 1, 1, 2),  # 31 March, 1 April
    ("committee_meetings", "ALL"): (1, 1, 2, 3),  # + SEMI's of May
    ("mentoring_pairs_signed", "NE"): (1, 1, 1, 2),  # the pair that ended counts
    ("mentoring_pairs_signed", "ALL"): (1, 1, 1, 2),  # MAT's was signed in 2024
    ("issues_received", "NE"): (2, 2, 0, 2),
    ("issues_received", "ALL"): (3, 3, 1, 4),  # + the issue without a chain, + SEMI's of May
    ("issues_resolved", "NE"): (1, 1, 1, 2),  # by resolved_date: 25 January, 5 April
    ("issues_resolved", "ALL"): (1, 1, 1, 2),  # 无法办理 is not resolved
    # Running totals at 31 March: P001 1000 + P003 400; at 30 June: P001 2500 + P003 350 (a
    # correction, counted as it is) + P004 (SEMI) 6000. Q2 = 2850 − 1400 (NE), 8850 − 1400.
    ("funds_in_place_wan", "NE"): (1400, 1400, 1450, 2850),
    ("funds_in_place_wan", "ALL"): (1400, 1400, 7450, 8850),
}


def seed_targets() -> dict[tuple[int, str, str], Decimal]:
    with (PROJECT_ROOT / "seeds" / "kpi_targets.csv").open(encoding="utf-8") as handle:
        return {
            (int(r["year"]), r["chain_code"], r["kpi_code"]): Decimal(r["annual_target"])
            for r in csv.DictReader(handle)
        }


def quarter_targets() -> set[tuple[int, str, str]]:
    """The seed's targets that hold for each quarter (target_period quarter)."""
    with (PROJECT_ROOT / "seeds" / "kpi_targets.csv").open(encoding="utf-8") as handle:
        return {
            (int(r["year"]), r["chain_code"], r["kpi_code"])
            for r in csv.DictReader(handle)
            if r["target_period"] == "quarter"
        }


def status_by_hand(
    ytd: Decimal, target: Decimal | None, quarter: int, quarters: tuple | None = None
) -> str:
    """`quarters`: for a target per quarter, the value of each quarter so far (all finished as
    of AS_OF): met when each reached the target, else off_track."""
    if target is None:
        return "no_target"
    if quarters is not None:
        return "met" if all(Decimal(v) >= target for v in quarters) else "off_track"
    expected = target * quarter / 4
    if ytd >= target:
        return "met"
    if ytd >= expected:
        return "on_track"
    if ytd >= Decimal("0.8") * expected:
        return "at_risk"
    return "off_track"


def published_rows(workspace, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(workspace.published_db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(home):
    """The shared small warehouse (conftest's `home`): these hand-made ledgers through one
    real ingest and dbt build, with dbt's unit tests (where CI runs them; a user's build
    leaves them out). Read-only here: a test that changes it works on a copy."""
    from chainkpi.settings import Workspace

    return Workspace(home)


def test_kpi_progress_matches_the_hand_computed_numbers(built):
    targets = seed_targets()
    per_quarter = quarter_targets()
    rows = published_rows(
        built,
        """select kpi_code, chain_code, quarter, quarter_actual, ytd_actual, annual_target,
                  expected_to_date, pct_of_target, status, projected_year_end
           from main.fct_kpi_progress where year = 2025 and quarter in (1, 2)
             and chain_code in ('NE', 'ALL')""",
    )
    got = {(r[0], r[1], r[2]): r[3:] for r in rows}
    assert len(got) == len(EXPECTED) * 2
    for (kpi, chain), (q1, ytd1, q2, ytd2) in EXPECTED.items():
        for quarter, actual, ytd in ((1, q1, ytd1), (2, q2, ytd2)):
            q_actual, ytd_actual, target, expected, pct, status, projected = got[
                (kpi, chain, quarter)
            ]
            where = f"{kpi}/{chain}/Q{quarter}"
            assert q_actual == Decimal(actual), where
            assert ytd_actual == Decimal(ytd), where
            annual = targets.get((2025, chain, kpi))
            quarters = (q1, q2)[:quarter] if (2025, chain, kpi) in per_quarter else None
            assert status == status_by_hand(Decimal(ytd), annual, quarter, quarters), where
            assert projected == round(Decimal(ytd) * 4 / quarter, 2), where
            if annual is None:
                assert (target, expected, pct) == (None, None, None), where
            elif quarters is not None:  # the seed's value holds for each quarter
                assert target == 4 * annual, where
                assert expected == annual * quarter, where
                assert pct == round(Decimal(ytd) / (4 * annual), 4), where
            else:
                assert target == annual, where
                assert expected == round(annual * quarter / 4, 2), where
                assert pct == round(Decimal(ytd) / annual, 4), where


def test_the_two_stated_targets_give_known_statuses(built):
    rows = published_rows(
        built,
        """select kpi_code, quarter, annual_target, status from main.fct_kpi_progress
           where year = 2025 and chain_code = 'ALL'
             and kpi_code in ('phd_hires', 'leader_talent_projects') order by 1, 2""",
    )
    assert rows == [
        ("leader_talent_projects", 1, Decimal(1), "met"),  # 1 national project by March
        ("leader_talent_projects", 2, Decimal(1), "met"),
        ("leader_talent_projects", 3, Decimal(1), "met"),
        ("leader_talent_projects", 4, Decimal(1), "met"),
        ("phd_hires", 1, Decimal(50), "off_track"),  # 1 of an expected 12.5
        ("phd_hires", 2, Decimal(50), "off_track"),
        ("phd_hires", 3, Decimal(50), "off_track"),
        ("phd_hires", 4, Decimal(50), "off_track"),
    ]


def test_the_quarterly_meeting_and_the_yearly_training_give_known_statuses(built):
    """1 committee meeting a quarter per chain (target_period quarter): NE met in Q1 and Q2
    and missed Q3 (finished as of 15 January 2026); SEMI missed Q1, off track from then on;
    2025 missed by both. 1 training a year: NE's of 30 June meets it from Q2."""
    rows = published_rows(
        built,
        """select kpi_code, chain_code, quarter, quarter_actual, annual_target, expected_to_date,
                  status, year_result
           from main.fct_kpi_progress
           where year = 2025 and chain_code in ('NE', 'SEMI')
             and kpi_code in ('committee_meetings', 'party_trainings') order by 1, 2, 3""",
    )
    assert rows == [
        ("committee_meetings", "NE", 1, 1, 4, 1, "met", "missed"),
        ("committee_meetings", "NE", 2, 1, 4, 2, "met", "missed"),
        ("committee_meetings", "NE", 3, 0, 4, 3, "off_track", "missed"),
        ("committee_meetings", "NE", 4, 0, 4, 4, "off_track", "missed"),
        ("committee_meetings", "SEMI", 1, 0, 4, 1, "off_track", "missed"),
        ("committee_meetings", "SEMI", 2, 1, 4, 2, "off_track", "missed"),
        ("committee_meetings", "SEMI", 3, 0, 4, 3, "off_track", "missed"),
        ("committee_meetings", "SEMI", 4, 0, 4, 4, "off_track", "missed"),
        ("party_trainings", "NE", 1, 0, 1, Decimal("0.25"), "off_track", "met"),
        ("party_trainings", "NE", 2, 1, 1, Decimal("0.5"), "met", "met"),
        ("party_trainings", "NE", 3, 0, 1, Decimal("0.75"), "met", "met"),
        ("party_trainings", "NE", 4, 0, 1, 1, "met", "met"),
        ("party_trainings", "SEMI", 1, 0, 1, Decimal("0.25"), "off_track", "missed"),
        ("party_trainings", "SEMI", 2, 0, 1, Decimal("0.5"), "off_track", "missed"),
        ("party_trainings", "SEMI", 3, 0, 1, Decimal("0.75"), "off_track", "missed"),
        ("party_trainings", "SEMI", 4, 0, 1, 1, "off_track", "missed"),
    ]


def test_a_fall_of_funds_in_place_is_listed_as_a_correction(built):
    rows = published_rows(
        built,
        """select project_id, chain_code, previous_period, period, previous_running_total_wan,
                  running_total_wan, change_wan, source_file
           from main.fct_funds_corrections""",
    )
    assert rows == [("P003", "NE", "2025-03", "2025-06", 400, 350, -50, "projects_2025-06.csv")]


def test_31_december_counts_in_q4_and_all_counts_rows_without_chain(built):
    rows = published_rows(
        built,
        """select chain_code, quarter_actual, ytd_actual from main.fct_kpi_progress
           where year = 2025 and quarter = 4 and kpi_code = 'phd_hires' order by chain_code""",
    )
    assert dict((c, (q, y)) for c, q, y in rows) == {
        "ALL": (1, 3), "EQUIP": (0, 0), "MAT": (0, 0), "NE": (0, 1), "SEMI": (1, 1),
    }  # fmt: skip


def test_every_quarter_with_data_has_every_chain_and_kpi(built):
    (count, quarters) = published_rows(
        built, "select count(*), count(distinct year * 10 + quarter) from main.fct_kpi_progress"
    )[0]
    # First event 2024-06-01 (a gap), last 2025-12-31 (a hire): 2024Q2 … 2025Q4 = 7 quarters.
    assert quarters == 7
    assert count == 7 * 5 * 21  # 21 KPIs (15 of kpis.md, 6 of party_service_funds.md)


def test_a_year_that_is_over_says_met_or_missed_on_quarter_arithmetic(built):
    """As of 2026-01-15, 2025 is over: its quarters are finished, keep q/4 (the export's
    numbers, test above) and carry the year's result."""
    rows = published_rows(
        built,
        """select kpi_code, quarter, period_state, elapsed_share, is_year_over, year_result,
                  as_of_date
           from main.fct_kpi_progress
           where year = 2025 and chain_code = 'ALL'
             and kpi_code in ('phd_hires', 'leader_talent_projects') order by kpi_code, quarter""",
    )
    shares = [Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal("1")]
    assert rows == [
        # 1 national project in 2025 against a target of 1: met; 3 PhDs against 50: missed
        *[("leader_talent_projects", q, "finished", shares[q - 1], True, "met", AS_OF) for q in (1, 2, 3, 4)],
        *[("phd_hires", q, "finished", shares[q - 1], True, "missed", AS_OF) for q in (1, 2, 3, 4)],
    ]  # fmt: skip


def test_published_warehouse_holds_tables_only_and_its_build_record(built):
    kinds = published_rows(built, "select distinct table_type from information_schema.tables")
    assert kinds == [("BASE TABLE",)]
    (as_of,) = published_rows(built, "select as_of_date from meta.build_info")[0]
    assert as_of == AS_OF
    failed = published_rows(
        built, "select count(*) from meta.dbt_results where status in ('fail', 'error')"
    )
    assert failed == [(0,)]


def _mart_constraints() -> list[tuple[str, str, tuple[str, ...], str | None]]:
    """(model, type, columns, check expression) of every constraint the marts' YAML declares."""
    import yaml

    from chainkpi.settings import PROJECT_ROOT

    found = []
    for path in (PROJECT_ROOT / "models" / "marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            for c in model.get("constraints", []):
                found.append((model["name"], c["type"], tuple(c["columns"]), c.get("expression")))
            for column in model.get("columns", []):
                for c in column.get("constraints", []):
                    found.append((model["name"], c["type"], (column["name"],), c.get("expression")))
    return found


def _bare(expression: str | None) -> str:
    """A check expression without brackets, double quotes, spaces or letter case, to compare as written and
    as DuckDB prints it."""
    return re.sub(r"[()\s\"]", "", expression or "").lower()


def test_the_marts_declared_constraints_are_in_the_published_tables(built):
    """The marts' keys (primary_key), code lists (check) and non-null columns (not_null) are
    contract constraints: DuckDB itself holds them in the published tables and refuses a row
    that breaks one as the table is written, so the build fails there (no data test needed)."""
    declared = _mart_constraints()
    kinds = {kind for _, kind, _, _ in declared}
    assert kinds == {"not_null", "primary_key", "check"}, kinds
    assert len(declared) >= 80
    in_duckdb = {
        (table, kind.replace(" ", "_").lower(), tuple(columns), expression)
        for table, kind, columns, expression in published_rows(
            built,
            "select table_name, constraint_type, constraint_column_names, expression "
            "from duckdb_constraints() where schema_name = 'main'",
        )
    }
    missing = []
    for model, kind, columns, expression in declared:
        present = {
            e for t, k, c, e in in_duckdb if (t, k) == (model, kind) and set(c) == set(columns)
        }
        if not present or kind == "check" and _bare(expression) not in {_bare(e) for e in present}:
            missing.append((model, kind, columns, expression))
    assert missing == []


def test_a_row_that_breaks_a_marts_constraint_is_refused(built, tmp_path):
    """The constraints are enforced, not only recorded: on a copy of the published file, a
    status outside the code list, a duplicate key and a null in a not_null column are each
    refused by DuckDB."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(built.published_db, copy)
    con = duckdb.connect(str(copy))
    try:
        row = "select * replace ({}) from fct_kpi_progress limit 1"
        # Each bad row breaks one rule only: the others carry a year no row has (a new key).
        for change, reason in (
            ("1999 as year, 'nearly' as status", "CHECK constraint"),
            ("year as year", "violates primary key constraint"),  # the same key again
            ("1999 as year, null as kpi_code", "NOT NULL constraint"),
        ):
            with pytest.raises(duckdb.ConstraintException, match=reason):
                con.execute(f"insert into fct_kpi_progress {row.format(change)}")
        # A row that breaks nothing goes in (the three above failed for their reason).
        con.execute(f"insert into fct_kpi_progress {row.format('1999 as year')}")
    finally:
        con.close()


def test_the_quality_marts_say_how_each_file_was_read_and_on_which_sheet(built):
    """How the ingest read a file (interpretation_json) and the sheet of a rejected or warned
    row (sheet_name) reach the published marts as text, from any raw layer (the ingest adds
    the raw columns to one made before them)."""
    columns = published_rows(
        built,
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'main' and column_name in ('interpretation_json', 'sheet_name') "
        "order by table_name, column_name",
    )
    assert columns == [
        ("fct_ingest_files", "interpretation_json", "VARCHAR"),
        ("fct_ingest_rejections", "sheet_name", "VARCHAR"),
        ("fct_ingest_warnings", "sheet_name", "VARCHAR"),
    ]


def test_dbt_docs_generate_works_with_lineage_and_exposures(built, tmp_path):
    import json

    from chainkpi.publish import generate_docs
    from chainkpi.settings import Workspace

    copy = tmp_path / "home"  # the docs go into the workspace: not into the shared one
    shutil.copytree(built.home, copy)
    page = generate_docs(Workspace(copy))
    assert page.exists() and page.stat().st_size > 100_000
    manifest = json.loads((page.parent / "manifest.json").read_text(encoding="utf-8"))
    exposures = {e["name"]: e["depends_on"]["nodes"] for e in manifest["exposures"].values()}
    assert any("fct_kpi_progress" in n for nodes in exposures.values() for n in nodes)
    catalog = json.loads((page.parent / "catalog.json").read_text(encoding="utf-8"))
    assert any(key.endswith(".fct_kpi_progress") for key in catalog["nodes"])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def published(workspace):
    hand_made_ledgers(workspace.inbox)
    ingest(None, workspace)
    build(workspace, as_of=AS_OF)
    return workspace


def test_unit_tests_run_in_ci_builds_and_not_in_a_users_build(built, published):
    def unit_tests(workspace) -> list[tuple]:
        return published_rows(
            workspace,
            "select status, count(*) from meta.dbt_results "
            "where resource_type = 'unit_test' group by status",
        )

    # Every unit test of the project ran in the fixture's build, and passed.
    ran = unit_tests(built)
    assert ran and ran[0][0] == "pass" and len(ran) == 1
    assert ran[0][1] == _unit_test_count()
    assert unit_tests(published) == []
    # Asking for them rebuilds even when nothing changed.
    assert build(published, as_of=AS_OF, unit_tests=True).published
    assert unit_tests(published) == ran


def _unit_test_count() -> int:
    import yaml

    from chainkpi.settings import PROJECT_ROOT

    return sum(
        len((yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("unit_tests", []))
        for p in (PROJECT_ROOT / "models").rglob("*.yml")
    )


def test_a_new_workspaces_first_build_starts_from_the_saved_parse(built, workspace):
    from chainkpi.publish import parse_cache

    # `built` saved its parse; a workspace with nothing of its own parses only what differs.
    assert parse_cache().is_file()
    hand_made_ledgers(workspace.inbox)
    ingest(None, workspace)
    assert build(workspace, as_of=AS_OF).published
    log = (workspace.logs / "dbt" / "dbt.log").read_text(encoding="utf-8")
    assert "Starting full parse" not in log and "Unable to do partial parsing" not in log
    # And it computes the same thing as a build that parsed everything.
    query = "select * from fct_kpi_progress order by all"
    assert published_rows(workspace, query) == published_rows(built, query)


def test_nothing_changed_means_no_rebuild(published):
    before = _digest(published.published_db)
    again = build(published, as_of=AS_OF)
    assert again.skipped and not again.published
    assert _digest(published.published_db) == before
    # A new ledger is a change.
    write_csv(
        published.inbox / "leads_more.csv",
        rows_of("leads", {"企业名称": "新公司", "线索编号": "L900"}),
    )
    ingest(None, published)
    assert build(published, as_of=AS_OF).published


def _alter_raw_layer(workspace, sql: str) -> None:
    con = duckdb.connect(str(workspace.raw_db))
    try:
        con.execute(sql)
    finally:
        con.close()


def test_a_failed_build_leaves_the_published_warehouse_as_it_was(published):
    before = _digest(published.published_db)
    _alter_raw_layer(published, "alter table raw.projects drop column stage")
    with pytest.raises(PipelineError, match="unchanged"):
        build(published, as_of=AS_OF, force=True)
    assert _digest(published.published_db) == before
    assert not (published.warehouse_dir / "build").exists()


def test_a_null_where_a_model_allows_none_fails_the_build(published):
    before = _digest(published.published_db)
    _alter_raw_layer(
        published, "update raw.projects set planned_investment_wan = null where project_id = 'P001'"
    )
    # The column_rules test of stg_projects is what fails, and the message names the rule.
    with pytest.raises(
        PipelineError, match="stg_projects: not_null planned_investment_wan, 1 行"
    ) as failed:
        build(published, as_of=AS_OF, force=True)
    assert "column_rules_stg_projects" in str(failed.value)
    assert _digest(published.published_db) == before


def test_build_before_any_ingest_is_a_clear_user_error(workspace):
    with pytest.raises(UserError, match="kpi ingest"):
        build(workspace)
    done = subprocess.run([KPI, "build"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0


def _start_build(*extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [KPI, "build", "--force", "--as-of", AS_OF.isoformat(), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=env,
    )  # fmt: skip


def _wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


def _paused_build(paused: Path) -> subprocess.Popen:
    """A `kpi build --force` that waits, its new warehouse complete, until `paused` is removed
    (publish.py's CHAINKPI_PUBLISH_PAUSE_FILE); returned once it waits there."""
    building = _start_build(env={**os.environ, "CHAINKPI_PUBLISH_PAUSE_FILE": str(paused)})
    _wait_for(lambda: paused.exists() or building.poll() is not None, seconds=300)
    assert paused.exists(), building.communicate()[1]
    return building


def test_a_killed_build_leaves_the_published_warehouse_unchanged(published, tmp_path):
    before = _digest(published.published_db)
    # Killed when its new warehouse is complete, the last moment before the rename: on the
    # build's own signal (publish.py's CHAINKPI_PUBLISH_PAUSE_FILE), not after a guessed delay.
    building = _paused_build(tmp_path / "paused")
    target = published.warehouse_dir / "build" / published.published_db.name
    assert target.stat().st_size > 0  # the new file, whole, never published
    os.killpg(building.pid, signal.SIGKILL)
    building.wait()
    assert _digest(published.published_db) == before
    con = duckdb.connect(str(published.published_db), read_only=True)
    assert con.execute("select count(*) from main.fct_kpi_progress").fetchone()[0] > 0
    con.close()
    assert build(published, as_of=AS_OF, force=True).published


def test_a_second_build_while_one_runs_is_refused(published, tmp_path):
    paused = tmp_path / "paused"
    first = _paused_build(paused)  # holds the build lock until let go
    try:
        second = subprocess.run(
            [KPI, "build", "--force"], capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 1
        assert "另一个 kpi build 正在运行" in second.stderr and "Traceback" not in second.stderr
    finally:
        paused.unlink(missing_ok=True)
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err


# Queries the published file until `stop` exists. When `ask` exists before a query starts, it
# renames it to `done` once that query has ended: the test's way to know a query ran after a
# moment of its choosing, however fast or slow the machine.
READER = """
import os, sys, duckdb
path, stop, ask, done = sys.argv[1:5]
queries = errors = 0
while not os.path.exists(stop):
    asked = os.path.exists(ask)
    try:
        con = duckdb.connect(path, read_only=True)
        con.execute("select count(*), sum(ytd_actual) from main.fct_kpi_progress").fetchall()
        con.close()
        queries += 1
    except Exception as exc:
        errors += 1
        print(repr(exc), file=sys.stderr)
    if asked:
        os.replace(ask, done)
print(queries, errors)
"""


def test_a_reader_querying_throughout_two_builds_sees_no_error(published, tmp_path):
    stop, ask, done = tmp_path / "stop", tmp_path / "ask", tmp_path / "done"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published.published_db), str(stop), str(ask), str(done)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def reader_queries(times: int = 1) -> None:
        for _ in range(times):
            done.unlink(missing_ok=True)
            ask.touch()
            _wait_for(lambda: done.exists() or reader.poll() is not None)
            assert done.exists(), reader.communicate()[1]

    try:
        reader_queries()  # it runs
        for n in range(2):
            paused = tmp_path / f"paused{n}"
            building = _paused_build(paused)
            reader_queries(6)  # beside the complete, unpublished new file
            paused.unlink()
            _, err = building.communicate(timeout=300)
            assert building.returncode == 0, err
            reader_queries()  # the newly published file
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    queries, errors = map(int, out.split())
    assert errors == 0, err
    assert queries > 10
