"""Every row rule of inputs.md: a row that breaks it is rejected with its rule, the rest load.

Each case changes one cell of an otherwise valid row; the file also holds a valid row, which
must load. Removing any rule from expectations/ or coerce.py makes its case fail here.
"""

from __future__ import annotations

import pytest

from chainkpi.ingest.pipeline import ingest
from tests.ledgers import rows_of, write_csv

CASES = [
    # dataset, change to row 1, column reported, rule
    ("projects", {"项目编号": ""}, "project_id", "required"),
    ("projects", {"项目名称": "无"}, "project_name", "required"),
    ("projects", {"所属产业链": "-"}, "chain", "required"),
    ("projects", {"项目类型": ""}, "project_type", "required"),
    ("projects", {"投资主体": "/"}, "investor", "required"),
    ("projects", {"计划总投资（万元）": "—"}, "planned_investment_wan", "required"),
    ("projects", {"项目阶段": ""}, "stage", "required"),
    ("projects", {"所属产业链": "火星产业链"}, "chain", "not_in_code_list"),
    ("projects", {"项目类型": "建设"}, "project_type", "not_in_code_list"),
    ("projects", {"链条环节": "侧游"}, "segment", "not_in_code_list"),
    ("projects", {"招商方式": "电话招商"}, "channel", "not_in_code_list"),
    ("projects", {"项目阶段": "暂停"}, "stage", "not_in_code_list"),
    ("projects", {"计划总投资（万元）": "-1"}, "planned_investment_wan", "negative_amount"),
    ("projects", {"到位资金（万元）": "-0.5"}, "capital_in_place_wan", "negative_amount"),
    ("projects", {"计划总投资（万元）": "12万"}, "planned_investment_wan", "invalid_amount"),
    ("projects", {"计划总投资（万元）": "1,20,0"}, "planned_investment_wan", "invalid_amount"),
    ("projects", {"计划总投资（万元）": "١٢٣"}, "planned_investment_wan", "invalid_amount"),
    ("projects", {"签约日期": "2025-02-30"}, "signed_date", "invalid_date"),
    ("projects", {"签约日期": "2025-13-45"}, "signed_date", "invalid_date"),
    ("projects", {"签约日期": "下周"}, "signed_date", "invalid_date"),
    ("projects", {"是否头部企业": "可能"}, "head_enterprise", "invalid_bool"),
    ("projects", {"签约日期": ""}, "signed_date", "stage_needs_date"),
    ("projects", {"项目阶段": "开工"}, "started_date", "stage_needs_date"),
    (
        "projects",
        {"项目阶段": "投产", "开工日期": "2025-04-01"},
        "producing_date",
        "stage_needs_date",
    ),
    ("projects", {"项目阶段": "开工", "开工日期": "2025-03-14"}, "started_date", "date_order"),
    (
        "projects",
        {"项目阶段": "投产", "开工日期": "2025-04-01", "投产日期": "2025-03-31"},
        "producing_date",
        "date_order",
    ),
    (
        "projects",
        {"项目阶段": "储备", "开工日期": "", "投产日期": "2025-03-01"},  # signed 03-15, no start
        "producing_date",
        "date_order",
    ),
    ("chain_gaps", {"链条环节": ""}, "segment", "required"),
    ("chain_gaps", {"缺失环节": ""}, "link_name", "required"),
    ("chain_gaps", {"识别日期": ""}, "identified_date", "required"),
    ("chain_gaps", {"优先级": "紧急"}, "priority", "not_in_code_list"),
    ("chain_gaps", {"状态": "搁置"}, "status", "not_in_code_list"),
    ("chain_gaps", {"状态": "已补"}, "closed_date", "status_needs_date"),
    (
        "chain_gaps",
        {"状态": "已补", "补齐日期": "2024-04-30"},
        "closed_date",
        "date_order",
    ),
    ("leads", {"企业名称": ""}, "company", "required"),
    ("leads", {"招商方式": ""}, "channel", "required"),
    ("leads", {"招商方式": "网络"}, "channel", "not_in_code_list"),
    ("leads", {"线索状态": "待定"}, "status", "not_in_code_list"),
    ("leads", {"首次接洽日期": "2025/1/32"}, "first_contact_date", "invalid_date"),
    ("leads", {"线索状态": "已转化"}, "converted_date", "status_needs_date"),
    (
        "leads",
        {"线索状态": "已转化", "转化日期": "2025-01-09"},
        "converted_date",
        "date_order",
    ),
    ("leads", {"意向投资（万元）": "-100"}, "expected_investment_wan", "negative_amount"),
    ("talent_catalogue", {"需求人数": "0"}, "headcount", "count_below_one"),
    ("talent_catalogue", {"需求人数": "-2"}, "headcount", "count_below_one"),
    ("talent_catalogue", {"需求人数": "2.5"}, "headcount", "invalid_count"),
    ("talent_catalogue", {"需求人数": "3000000000"}, "headcount", "invalid_count"),
    ("talent_catalogue", {"需求人数": ""}, "headcount", "required"),
    ("talent_catalogue", {"学历要求": "高中"}, "min_degree", "not_in_code_list"),
    ("talent_catalogue", {"发布日期": ""}, "published_date", "required"),
    ("talent_catalogue", {"用人单位": ""}, "employer", "required"),
    ("talent_catalogue", {"岗位名称": ""}, "position_title", "required"),
    ("talent_catalogue", {"所属产业链": ""}, "chain", "required"),
    ("talent_hires", {"姓名": ""}, "name", "required"),
    ("talent_hires", {"学历": ""}, "degree", "required"),
    ("talent_hires", {"学历": "院士"}, "degree", "not_in_code_list"),
    ("talent_hires", {"人才层次": "顶尖"}, "talent_level", "not_in_code_list"),
    ("talent_hires", {"引才方式": "猎头"}, "channel", "not_in_code_list"),
    ("talent_hires", {"是否回引本土人才": "不清楚"}, "local_returnee", "invalid_bool"),
    ("talent_hires", {"引进日期": ""}, "hire_date", "required"),
    ("talent_hires", {"用人单位": ""}, "employer", "required"),
    ("talent_hires", {"所属产业链": "生物医药"}, "chain", "not_in_code_list"),
    ("leader_projects", {"项目级别": "区级"}, "level", "not_in_code_list"),
    ("leader_projects", {"项目级别": ""}, "level", "required"),
    ("leader_projects", {"项目名称": ""}, "title", "required"),
    ("leader_projects", {"承担单位": ""}, "employer", "required"),
    ("leader_projects", {"立项日期": "2025.6.31"}, "approved_date", "invalid_date"),
]


@pytest.mark.parametrize(("dataset", "change", "column", "rule"), CASES)
def test_rejects_row_that_breaks_rule(workspace, raw, dataset, change, column, rule):
    path = write_csv(workspace.inbox / f"{dataset}_case.csv", rows_of(dataset, change, {}))
    result = ingest([path], workspace)
    report = result.files[0]
    assert report.status == "loaded"
    assert {"row": 2, "column": column, "rule": rule} in [
        {k: r[k] for k in ("row", "column", "rule")} for r in report.rejected_rows
    ]
    # Only the broken row is rejected: the valid one (CSV line 3) loads.
    assert {r["row"] for r in report.rejected_rows} == {2}
    assert report.rows_loaded == 1
    assert raw(f"select _row_number from raw.{dataset}") == [(3,)]
    stored = raw("select row_number, column_name, rule from raw.ingest_rejections")
    assert (2, column, rule) in stored
    assert result.exit_code == 0


def test_rejects_every_row_of_a_key_repeated_in_one_file(workspace, raw):
    rows = rows_of("projects", {}, {}, {}, count=3)
    rows[2]["项目编号"] = rows[0]["项目编号"]
    path = write_csv(workspace.inbox / "projects_dup.csv", rows)
    report = ingest([path], workspace).files[0]
    dup = [r for r in report.rejected_rows if r["rule"] == "duplicate_key"]
    assert sorted(r["row"] for r in dup) == [2, 4]
    assert all(r["value"] == "P001" for r in dup)
    assert raw("select project_id from raw.projects") == [("P002",)]


def test_a_cell_that_does_not_parse_is_reported_once(workspace):
    # An unparseable required date must not also be reported as missing.
    path = write_csv(
        workspace.inbox / "talent_hires_x.csv", rows_of("talent_hires", {"引进日期": "昨天"})
    )
    report = ingest([path], workspace).files[0]
    assert [(r["column"], r["rule"]) for r in report.rejected_rows] == [
        ("hire_date", "invalid_date")
    ]
