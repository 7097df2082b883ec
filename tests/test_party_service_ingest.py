"""The datasets of party_service_funds.md through the same ingest: real ledger shapes, the
contract's rules, synonyms and derived keys."""

from __future__ import annotations

import datetime as dt

from chainkpi.ingest.pipeline import ingest
from tests.real_shapes import Sheet, write_book, write_gbk_csv


def test_party_activities_one_sheet_per_chain_without_an_id_column(workspace, raw):
    header = ["序号", "活动类型", "活动名称", "活动日期", "参会人数", "研究解决问题数"]
    sheets = [
        Sheet(
            f"{name}产业链",
            [[f"{name}产业链党委党建活动台账（2025年第3季度）"], header,
             ["1", "党委会议", "三季度党委会", "2025年9月18日", "21人", "3"],
             ["2", "党建工作培训", "党建培训班", "2025.8", "40", "0"],
             ["填报人：某某    联系电话：13512345678"]],
            [(0, 0, 0, 5)],
        )
        for name in ("新能源", "新材料")
    ]  # fmt: skip
    report = ingest([write_book(workspace.inbox / "南澳区党建活动台账.xls", sheets)], workspace)
    report = report.files[0]
    assert report.status == "loaded" and report.rejected_rows == [], report.rejected_rows
    assert report.period == "2025Q3"
    rows = raw(
        "select activity_id, chain, activity_type, participants, problems_solved "
        "from raw.party_activities order by 1"
    )
    assert rows == [
        ("MAT|2025-08-01|党建培训班", "MAT", "training", 40, 0),
        ("MAT|2025-09-18|三季度党委会", "MAT", "committee_meeting", 21, 3),
        ("NE|2025-08-01|党建培训班", "NE", "training", 40, 0),
        ("NE|2025-09-18|三季度党委会", "NE", "committee_meeting", 21, 3),
    ]


def test_enterprise_issues_of_the_through_trains_with_their_rules(workspace, raw):
    rows = [
        ["南澳区“三个直通车”企业诉求办理台账"],
        ["诉求编号", "所属产业链", "企业名称", "直通车类别", "诉求内容", "受理日期", "办理状态",
         "办结日期", "企业评价"],
        ["Q1", "新能源", "甲公司", "要素保障", "用电增容", "2025-07-01", "已办结", "2025-07-20", "满意"],
        ["Q2", "", "乙公司", "政策惠企", "申报指导", "2025-08-01", "办理中", "", ""],
        ["Q3", "半导体", "丙公司", "问题解决", "道路施工", "2025-08-01", "已办结", "", ""],
        ["Q4", "半导体", "丁公司", "问题解决", "排污许可", "2025-08-01", "无法办理", "2025-07-01", ""],
    ]  # fmt: skip
    report = ingest([write_gbk_csv(workspace.inbox / "南澳区直通车诉求台账.csv", rows)], workspace)
    report = report.files[0]
    assert report.dataset == "enterprise_issues"
    assert [(r["row"], r["column"], r["rule"]) for r in report.rejected_rows] == [
        (5, "resolved_date", "status_needs_date"),
        (6, "resolved_date", "date_order"),
    ]
    assert raw(
        "select issue_id, chain, track, status, resolved_date, satisfaction "
        "from raw.enterprise_issues order by 1"
    ) == [
        ("Q1", "NE", "resources", "resolved", dt.date(2025, 7, 20), "satisfied"),
        ("Q2", None, "policy", "open", None, None),
    ]


def test_mentoring_pairs_keyed_by_mentor_and_mentee_and_ended_needs_its_date(workspace, raw):
    rows = [
        ["帮带党组织", "被帮带党组织", "所属产业链", "结对时间", "是否签订共建协议", "结对状态", "结束日期"],
        ["★甲公司党委", "乙公司党支部", "新能源", "2025-03-01", "√", "在帮", ""],
        ["甲公司党委", "丙公司党支部", "新能源", "2025-03-01", "", "已结束", ""],
    ]  # fmt: skip
    report = ingest([write_book(workspace.inbox / "帮带结对.xlsx", [Sheet("s", rows)])], workspace)
    report = report.files[0]
    assert [(r["row"], r["rule"]) for r in report.rejected_rows] == [(3, "status_needs_date")]
    assert raw("select pair_id, has_agreement, status from raw.mentoring_pairs") == [
        ("甲公司党委|乙公司党支部", True, "active")
    ]
