"""A ledger's period (handing_in.md): the month or quarter its file name or title names, else
the month before the day it was ingested; in the report and the raw layer."""

from __future__ import annotations

import datetime as dt

import pytest

from chainkpi.ingest.period import ledger_period, period_named
from chainkpi.ingest.pipeline import ingest
from tests.real_shapes import Sheet, spec_ledger, write_book


@pytest.mark.parametrize(
    "text, period",
    [
        ("南澳区新能源产业链项目储备库2025年9月", "2025-09"),
        ("projects_202509", "2025-09"),
        ("leads_2025-09", "2025-09"),
        ("人才引进2025年三季度", "2025Q3"),
        ("人才引进2025年第3季度", "2025Q3"),
        ("projects_2025Q3", "2025Q3"),
        ("projects_2025q4_NE", "2025Q4"),
        ("projects_20261202_EQUIP", "2026-12"),  # a day names its month
        ("项目储备库（截至2025年9月30日）", "2025-09"),
        ("南澳区人才引进台账2026年", None),  # a year alone names no period
        ("talent_catalogue_2026_SEMI", None),
        ("编号120250901", None),  # digits inside a longer number are no date
    ],
)
def test_a_period_is_read_from_a_name_or_title(text, period):
    assert period_named(text) == period


def test_the_file_name_first_then_the_title_then_the_month_before_ingesting():
    today = dt.date(2026, 1, 15)
    assert ledger_period("项目储备库2025年11月", ["（2025年9月）"], today) == (
        "2025-11",
        "file_name",
    )
    assert ledger_period("项目储备库", ["南澳区项目储备库（2025年9月）"], today) == (
        "2025-09",
        "title",
    )
    assert ledger_period("项目储备库", ["南澳区项目储备库"], today) == ("2025-12", "ingest_date")


def test_the_report_and_the_raw_layer_keep_the_period(workspace, raw):
    by_title = write_book(workspace.inbox / "南澳区新能源产业链项目储备库.xls", [spec_ledger()])
    rows = [["领军人才项目"], ["项目编号", "项目名称", "项目级别", "承担单位", "立项日期"]]
    rows.append(["LP1", "甲", "国家级", "甲公司", "2025-01-02"])
    undated = write_book(workspace.inbox / "领军人才项目.xlsx", [Sheet("s", rows)])
    reports = {r.file: r for r in ingest([by_title, undated], workspace).files}
    assert (reports[by_title.name].period, reports[by_title.name].period_source) == (
        "2025-09",
        "title",
    )
    today = dt.datetime.now(dt.UTC).date()
    before = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert reports[undated.name].to_json()["period"] == before
    assert sorted(raw("select file_name, period from raw.ingest_files")) == sorted(
        [(by_title.name, "2025-09"), (undated.name, before)]
    )
