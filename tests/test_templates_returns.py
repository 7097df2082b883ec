"""Handing in (handing_in.md): the district's import templates (`kpi template`) and the
file back to fix (`kpi ingest --returns`), on real files through the real ingest."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from chainkpi.ingest.pipeline import ingest
from chainkpi.ingest.schema import CHAIN_NAMES_ZH, CODE_LISTS, DATASETS, ENUM
from chainkpi.ingest.templates import write_templates
from chainkpi.settings import PROJECT_ROOT
from tests.ledgers import rows_of, write_csv
from tests.real_shapes import Sheet, write_book

# Rows an office types into the template, by column key (labels as the dropdowns offer).
FILLED = {
    "projects": [
        {"project_id": "P-1", "project_name": "甲项目", "chain": "新能源", "project_type": "补链",
         "investor": "甲公司", "planned_investment_wan": 1200, "stage": "开工",
         "signed_date": dt.datetime(2025, 1, 2), "started_date": dt.datetime(2025, 3, 4),
         "head_enterprise": "否"},
        {"project_id": "P-2", "project_name": "乙项目", "chain": "新材料", "project_type": "强链",
         "investor": "乙公司", "planned_investment_wan": 88.5, "stage": "洽谈"},
    ],
    "leader_projects": [
        {"leader_project_id": "LP-1", "title": "甲课题", "level": "国家级", "employer": "甲公司",
         "approved_date": dt.datetime(2025, 6, 1)},
    ],
    "enterprise_issues": [
        {"issue_id": "E-1", "chain": "先进装备制造", "enterprise": "甲公司", "track": "要素保障",
         "summary": "用电增容", "received_date": dt.datetime(2025, 7, 1), "status": "已办结",
         "resolved_date": dt.datetime(2025, 7, 20), "satisfaction": "基本满意"},
        {"issue_id": "E-2", "enterprise": "乙公司", "track": "政策惠企", "summary": "申报指导",
         "received_date": dt.datetime(2025, 8, 1), "status": "办理中"},
    ],
}  # fmt: skip


def _headers(path: Path, dataset: str) -> list[str]:
    sheet = openpyxl.load_workbook(path)[DATASETS[dataset].name_zh]
    return [cell.value for cell in sheet[2]]


def test_every_template_has_the_contract_header_notes_validation_and_an_example(tmp_path):
    paths = write_templates("all", tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"{d.name_zh}导入模板.xlsx" for d in DATASETS.values()
    )
    for key, dataset in DATASETS.items():
        book = openpyxl.load_workbook(tmp_path / f"{dataset.name_zh}导入模板.xlsx")
        assert book.sheetnames == [dataset.name_zh, "代码表"]
        assert book["代码表"].sheet_state == "hidden"
        sheet = book[dataset.name_zh]
        headers = [cell.value for cell in sheet[2]]
        # Contract order; required columns marked with a leading *.
        assert [h.lstrip("*") for h in headers] == [
            c.header_zh.replace("(", "（").replace(")", "）") for c in dataset.columns
        ]
        assert [h.startswith("*") for h in headers] == [c.required for c in dataset.columns]
        assert all(cell.comment and "必填" in cell.comment.text or "选填" in cell.comment.text
                   for cell in sheet[2])  # fmt: skip
        assert sheet.freeze_panes == "A3"
        assert sheet["A3"].value == "示例"
        validations = {
            str(v.sqref).split(":")[0][:-1]: v for v in sheet.data_validations.dataValidation
        }
        lists = book["代码表"]
        for position, column in enumerate(dataset.columns):
            letter = openpyxl.utils.get_column_letter(position + 1)
            rule = validations.get(letter)
            if column.type == ENUM:
                ref = rule.formula1.split("!")[1].replace("$", "")
                labels = [c.value for row in lists[ref] for c in row]
                assert labels == [zh for zh, _ in CODE_LISTS[column.code_list].values()], key
            elif column.type == "chain":
                ref = rule.formula1.split("!")[1].replace("$", "")
                assert [c.value for row in lists[ref] for c in row] == list(CHAIN_NAMES_ZH.values())
            elif column.type in ("date", "amount", "count"):
                assert (
                    rule.type
                    == {"date": "date", "amount": "decimal", "count": "whole"}[column.type]
                )
            else:
                assert rule is None or rule.type == "list", (key, column.key)


@pytest.mark.parametrize("dataset", list(FILLED))
def test_a_template_filled_as_it_asks_ingests_with_no_rejected_row(workspace, raw, dataset):
    path = write_templates(dataset, workspace.inbox)[0]
    book = openpyxl.load_workbook(path)
    sheet = book[DATASETS[dataset].name_zh]
    keys = [c.key for c in DATASETS[dataset].columns]
    for r, row in enumerate(FILLED[dataset], start=4):
        for key, value in row.items():
            sheet.cell(row=r, column=keys.index(key) + 1, value=value)
    book.save(path)
    report = ingest([path], workspace).files[0]
    assert report.status == "loaded", report.errors
    assert report.rejected_rows == [], report.rejected_rows
    assert report.rows_loaded == len(FILLED[dataset])
    # The example row is skipped, and the report says so.
    assert report.interpretation["sheets"][0]["skipped_rows"] == {"example": 1}
    assert "模板示例1行" in report.interpretation["summary_zh"][0]
    table, id_column = dataset, DATASETS[dataset].id_column
    assert sorted(raw(f"select {id_column} from raw.{table}")) == sorted(
        (row[id_column],) for row in FILLED[dataset]
    )


def test_a_code_added_to_a_seed_appears_in_the_next_templates_dropdown(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    with (seeds / "project_stages.csv").open("a", encoding="utf-8") as handle:
        handle.write("paused,暂缓,paused,7\n")
    env = {**os.environ, "CHAINKPI_SEEDS": str(seeds), "CHAINKPI_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "chainkpi.cli", "template", "projects", "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lists = openpyxl.load_workbook(tmp_path / "项目储备库导入模板.xlsx")["代码表"]
    assert "暂缓" in [c.value for column in lists.iter_cols() for c in column]


def test_an_unknown_dataset_is_a_usage_error(tmp_path):
    from chainkpi.cli import main

    assert main(["template", "budgets", "--out", str(tmp_path)]) == 2


# --------------------------------------------------------------------------- 退回修改


def test_a_file_with_rejected_rows_comes_back_with_them_to_fix(workspace, tmp_path):
    path = write_csv(
        workspace.inbox / "talent_hires_2025Q2.csv",
        rows_of(
            "talent_hires",
            {"引进编号": "H1"},
            {"引进编号": "H2", "学历": "院士", "引进日期": "2025-13-01"},
            {"引进编号": "H3"},
        ),
    )
    clean = write_csv(workspace.inbox / "leader_projects_ok.csv", rows_of("leader_projects"))
    returns = tmp_path / "returns"
    result = ingest([path, clean], workspace, returns=returns)
    assert [p.name for p in result.returns] == ["talent_hires_2025Q2_退回修改.xlsx"]
    sheet = openpyxl.load_workbook(result.returns[0])["需修改的行"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "原行号" and header[-1] == "问题说明"
    assert header[1:-1] == [c.header_zh for c in DATASETS["talent_hires"].columns]
    row = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert row["原行号"] == 3 and row["引进编号"] == "H2"
    assert row["姓名"] == "欧*" and row["身份证号"] == "1101**********002X"  # masked
    assert "学历：取值不在允许范围内" in row["问题说明"]
    assert "引进日期：日期无法识别" in row["问题说明"]
    cells = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert cells["学历"].fill.fgColor.rgb.endswith("FFC7CE") and cells["学历"].comment
    assert not cells["用人单位"].comment
    assert sheet.max_row == 2
    # Nothing personal in clear in the file sent back.
    text = "".join(str(c.value) for r in sheet.iter_rows() for c in r)
    assert "欧阳明月" not in text and "13912345678" not in text


def test_a_file_refused_whole_comes_back_with_the_reasons(workspace, tmp_path):
    bad = workspace.inbox / "南澳区新能源产业链项目储备库.et"
    bad.write_bytes(b"WPS")
    rows = [["项目名称", "项目类型", "投资方", "总投资（万美元）", "项目进展", "所属产业链"],
            ["甲", "建链", "甲公司", "1", "储备", "新能源"]]  # fmt: skip
    foreign = write_book(workspace.inbox / "项目储备库_美元.xlsx", [Sheet("s", rows)])
    result = ingest([bad, foreign], workspace, returns=tmp_path)
    assert sorted(p.name for p in result.returns) == [
        "南澳区新能源产业链项目储备库_退回修改.xlsx",
        "项目储备库_美元_退回修改.xlsx",
    ]
    for path in result.returns:
        sheet = openpyxl.load_workbook(path)["整体问题"]
        assert sheet["A1"].value == "问题" and sheet["B1"].value == "怎么办"
        assert sheet["A2"].value and "另存为" in sheet["B2"].value or "万元" in sheet["B2"].value


def test_the_command_line_writes_the_returns_and_says_where(workspace, tmp_path, capsys):
    from chainkpi.cli import main

    write_csv(
        workspace.inbox / "leader_projects_x.csv", rows_of("leader_projects", {"项目级别": "区级"})
    )
    assert main(["ingest", "--returns", str(tmp_path / "back")]) == 0
    assert "退回修改 →" in capsys.readouterr().out
    assert (tmp_path / "back" / "leader_projects_x_退回修改.xlsx").exists()


def _demo_records(dataset: str, limit: int = 40) -> list[dict[str, object]]:
    """The first demo ledger's records of `dataset` (its planted bad rows left out), as cells
    a person types into the template: Chinese labels, 是/否, dates as dates."""
    import random

    from chainkpi.demo.district import Ctx
    from chainkpi.demo.entry import _plans
    from chainkpi.demo.plan import Style
    from chainkpi.demo.writers import _Cells

    plans = [p for p in _plans(Ctx(20241, 0.2, dt.date(2026, 11, 25))) if p.dataset == dataset]
    plan = next(p for p in plans if len(p.records) > len(p.bad))
    cells = _Cells(Style("xlsx", chains="name", bools=("是", "否")), random.Random(1))
    columns = {c.key: c for c in DATASETS[dataset].columns}
    records = [r for r in plan.records if id(r) not in plan.bad][:limit]
    return [
        {key: cells.cell(columns[key], value) for key, value in r.items() if key in columns}
        for r in records
    ]


DEMO_DATASETS = ("projects", "chain_gaps", "leads", "talent_catalogue", "talent_hires",
                 "leader_projects", "party_activities", "mentoring_pairs",
                 "enterprise_issues")  # fmt: skip


@pytest.mark.parametrize("dataset", DEMO_DATASETS)
def test_a_template_filled_with_the_demos_records_ingests_with_no_rejected_row(workspace, dataset):
    rows = _demo_records(dataset)
    assert rows
    path = write_templates(dataset, workspace.inbox)[0]
    book = openpyxl.load_workbook(path)  # opened and saved as a person's Excel would
    sheet = book[DATASETS[dataset].name_zh]
    keys = [c.key for c in DATASETS[dataset].columns]
    for r, row in enumerate(rows, start=4):
        for key, value in row.items():
            if value != "":
                sheet.cell(row=r, column=keys.index(key) + 1, value=value)
    book.save(path)
    report = ingest([path], workspace).files[0]
    assert report.status == "loaded", report.errors
    assert report.rejected_rows == [], report.rejected_rows[:3]
    assert report.rows_loaded == len(rows)
