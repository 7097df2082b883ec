"""Ledgers as offices keep them (../shared/spec/real_ledgers.md): every rule and synonym
group on real files written here — .xls (xlwt) and .xlsx (openpyxl) with merged cells, GBK
csv — through the real ingest into a real raw layer."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from chainkpi.ingest.pipeline import ingest
from chainkpi.settings import PROJECT_ROOT
from tests.real_shapes import (
    CONTACTS,
    HEADER_TOP,
    PREPARER,
    PREPARER_PHONE,
    WIDTH,
    Sheet,
    project_rows,
    spec_ledger,
    write_book,
    write_gbk_csv,
)

NE_PROJECTS = "南澳区新能源产业链项目储备库2025年9月"


def _one(workspace, path):
    return ingest([path], workspace).files[0]


def _projects(raw):
    return raw(
        "select project_id, project_name, chain, project_type, investor, "
        "planned_investment_wan, stage, signed_date, started_date from raw.projects "
        "order by _load_id, _row_number"
    )


# --------------------------------------------------------------------------- the spec's ledger


@pytest.mark.parametrize(
    "suffix, group_merged", [(".xls", True), (".xlsx", True), (".xlsx", False)]
)
def test_the_spec_ledger_is_read_as_an_analyst_reads_it(workspace, raw, suffix, group_merged):
    ledger = spec_ledger(group_merged=group_merged)
    path = write_book(workspace.inbox / f"{NE_PROJECTS}{suffix}", [ledger])
    report = _one(workspace, path)
    assert report.status == "loaded", report.errors
    assert report.rejected_rows == []
    assert (report.rows_read, report.rows_loaded) == (3, 3)
    assert _projects(raw) == [
        ("华普储能电池项目", "华普储能电池项目", "NE", "build", "华普储能股份有限公司",
         Decimal("125000.00"), "started", dt.date(2025, 7, 1), dt.date(2025, 8, 1)),
        ("锂电正极材料项目", "锂电 正极材料项目", "NE", "extend", "宁远锂电有限公司",
         Decimal("54583.00"), "signed", dt.date(2025, 8, 1), None),
        ("氢能电堆项目", "氢能电堆项目", "NE", "fill", "氢源科技有限公司",
         Decimal("200000.00"), "negotiating", None, None),
    ]  # fmt: skip
    # Rule 9: what was interpreted, in the report.
    sheet = report.interpretation["sheets"][0]
    assert sheet["header_rows"] == [3, 4]
    assert sheet["skipped_rows"] == {"subtotal": 1, "section": 1, "note": 2}
    columns = {c["column"]: c for c in sheet["columns"]}
    assert columns["investor"]["header"] == "投资方"
    assert columns["stage"]["header"] == "项目进展"
    assert columns["planned_investment_wan"] | {} == {
        "column": "planned_investment_wan", "header": "总投资", "unit": "亿元",
        "factor": 10000.0, "unit_source": "unit_row",
    }  # fmt: skip
    assert sheet["chain_from"][0]["chain"] == "NE" and sheet["chain_from"][0]["rows"] == 3
    assert report.interpretation["derived_key"] == {
        "column": "project_id", "from": [["project_name"]], "hashed": False, "rows": 3,
    }  # fmt: skip
    assert "项目业主单位/联系人" in report.unknown_columns
    rules = [w["rule"] for w in report.warnings]
    assert rules.count("derived_key") == 1
    assert rules.count("month_only_date") == 2  # one per column: 签约时间, 开工时间
    assert len(report.interpretation["summary_zh"]) == 2


def test_the_console_says_how_each_file_was_read(workspace, capsys):
    from chainkpi.cli import main

    write_book(workspace.inbox / f"{NE_PROJECTS}.xls", [spec_ledger()])
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert "读取方式：表头在第3–4行" in out
    assert "单位亿元（取自单位行），×10000 折为万元" in out
    assert "跳过合计/小计1行、分节标题1行、注释/落款2行" in out
    assert "编号由项目名称生成" in out


def test_footer_and_contact_columns_reach_nothing_but_the_archive(workspace, tmp_path):
    from chainkpi.cli import main

    write_book(workspace.inbox / f"{NE_PROJECTS}.xls", [spec_ledger()])
    report_path = tmp_path / "report.json"
    assert main(["ingest", "--report", str(report_path)]) == 0
    secrets = [PREPARER, PREPARER_PHONE, *(x for contact in CONTACTS for x in contact)]
    checked = 0
    for path in [report_path, *workspace.home.rglob("*")]:
        if not path.is_file() or {workspace.archive, workspace.inbox} & set(path.parents):
            continue
        data = path.read_bytes()
        checked += 1
        for secret in secrets:
            assert secret.encode() not in data, (secret, path)
    assert checked >= 3  # the report, the raw layer, the log
    archived = next(p for p in workspace.archive.rglob("*.xls"))
    assert archived.stat().st_mode & 0o077 == 0


# --------------------------------------------------------------------------- rule 1: formats


@pytest.mark.parametrize("suffix", [".et", ".wps", ".numbers", ".xlsm", ".ods"])
def test_other_formats_are_refused_whole_asking_for_xlsx(workspace, suffix):
    bad = workspace.inbox / f"{NE_PROJECTS}{suffix}"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 a WPS spreadsheet")
    good = write_book(workspace.inbox / f"{NE_PROJECTS}.xls", [spec_ledger()])
    reports = {r.file: r for r in ingest([bad, good], workspace).files}
    assert reports[bad.name].status == "rejected"
    assert "另存为" in reports[bad.name].errors[0] and ".xlsx" in reports[bad.name].errors[0]
    assert reports[good.name].status == "loaded"


def test_a_web_page_saved_as_xls_is_refused_asking_for_xlsx(workspace):
    page = workspace.inbox / f"{NE_PROJECTS}.xls"
    page.write_text("<html><table><tr><td>项目名称</td></tr></table></html>", encoding="utf-8")
    report = _one(workspace, page)
    assert report.status == "rejected"
    assert "不是 Excel 工作簿" in report.errors[0] and "另存为" in report.errors[0]


def test_a_workbook_where_no_sheet_has_a_header_is_refused_clearly(workspace):
    sheets = [Sheet("封面", [["南澳区新能源产业链项目储备库"]]), Sheet("说明", [["按月报送"]])]
    report = _one(workspace, write_book(workspace.inbox / f"{NE_PROJECTS}.xlsx", sheets))
    assert report.status == "rejected"
    assert "表头缺少必填列" in report.errors[0] and "2 个工作表均未找到表头" in report.errors[0]


def test_one_sheet_per_chain_each_sheet_gives_its_chain(workspace, raw):
    header = ["序号", "需求单位", "需求岗位", "专业要求", "学历", "需求人数", "发布时间"]
    sheets = [
        Sheet(name, [[f"{name}产业链急需紧缺人才需求目录"], header,
                     [1, f"{name}企业甲", "工程师", "材料", "博士", "2人", "2026.3"]],
              [(0, 0, 0, 6)])
        for name in ("新能源", "半导体", "先进装备制造", "新材料")
    ]  # fmt: skip
    sheets.append(
        Sheet("草稿", [header, [1, "不该读", "x", "x", "博士", 1, "2026-01-01"]], [], True)
    )
    report = _one(workspace, write_book(workspace.inbox / "南澳区人才需求目录2026.xls", sheets))
    assert report.status == "loaded" and report.rejected_rows == [], report.rejected_rows
    assert raw(
        "select chain, employer, min_degree, headcount, published_date "
        "from raw.talent_catalogue order by 1"
    ) == [
        ("EQUIP", "先进装备制造企业甲", "phd", 2, dt.date(2026, 3, 1)),
        ("MAT", "新材料企业甲", "phd", 2, dt.date(2026, 3, 1)),
        ("NE", "新能源企业甲", "phd", 2, dt.date(2026, 3, 1)),
        ("SEMI", "半导体企业甲", "phd", 2, dt.date(2026, 3, 1)),
    ]
    # Keys derived from employer and title; sheet names in the report.
    assert raw("select position_id from raw.talent_catalogue where chain = 'NE'") == [
        ("新能源企业甲|工程师",)
    ]
    sources = [s["chain_from"][0]["source"] for s in report.interpretation["sheets"]]
    assert sources == ["sheet"] * 4
    assert {"sheet": "草稿", "reason": "hidden"} in report.interpretation["skipped_sheets"]


def test_rejected_rows_of_a_workbook_name_their_sheet(workspace):
    header = ["需求单位", "需求岗位", "学历", "需求人数", "发布时间"]
    sheets = [
        Sheet("新能源", [header, ["甲公司", "工程师", "博士", 1, "2026-01-05"]]),
        Sheet("新材料", [header, ["乙公司", "工程师", "博士", 0, "2026-01-05"]]),
    ]
    report = _one(workspace, write_book(workspace.inbox / "人才需求目录.xlsx", sheets))
    assert report.rejected_rows == [
        {
            "row": 2,
            "column": "headcount",
            "value": "0",
            "rule": "count_below_one",
            "sheet": "新材料",
        }
    ]


# --------------------------------------------------------------------------- rule 2: header


def test_a_header_cell_with_a_line_break_or_spaces_inside_still_names_its_column(workspace, raw):
    rows = [["项目\n名称", "项目 类型", "投 资 方", "总投资\n（万元）", "项目\r\n进展"],
            ["甲项目", "强链", "甲公司", 100, "谋划"]]  # fmt: skip
    report = _one(
        workspace, write_book(workspace.inbox / f"{NE_PROJECTS}.xlsx", [Sheet("s", rows)])
    )
    assert report.rejected_rows == [] and report.status == "loaded"
    assert raw("select project_name, project_type, stage from raw.projects") == [
        ("甲项目", "strengthen", "reserve")
    ]


def test_a_two_row_header_without_merges_in_a_gbk_csv(workspace, raw):
    rows = [
        [
            "序号",
            "项目名称",
            "项目类型",
            "投资方",
            "总投资（万元）",
            "项目进展",
            "项目业主单位",
            "",
        ],
        ["", "", "", "", "", "", "联系人", "联系电话"],
        ["1", "甲项目", "建链", "甲公司", "1,200.50", "洽谈中", "钱工", "13700001111"],
    ]
    path = write_gbk_csv(workspace.inbox / f"{NE_PROJECTS}.csv", rows)
    report = _one(workspace, path)
    assert report.status == "loaded" and report.rejected_rows == [], report.rejected_rows
    assert report.interpretation["sheets"][0]["header_rows"] == [1, 2]
    assert raw("select planned_investment_wan, stage from raw.projects") == [
        (Decimal("1200.50"), "negotiating")
    ]
    assert not list(workspace.home.glob("**/*.jsonl")) or b"13700001111" not in b"".join(
        p.read_bytes() for p in workspace.logs.glob("*")
    )


def test_group_and_sub_cell_match_together_once_an_analyst_adds_the_synonym(tmp_path):
    """An analyst adds a synonym by editing a CSV, with no code change; the next `kpi ingest`
    uses it. Here `项目业主单位/单位名称` (a group over its sub-cell) for the investor."""
    seeds = tmp_path / "seeds"
    shutil.copytree(PROJECT_ROOT / "seeds", seeds)
    top = ["项目名称", "项目类型", "总投资（万元）", "项目进展", "项目业主单位", None]
    bottom = [None, None, None, None, "单位名称", "联系电话"]
    rows = [top, bottom, ["甲项目", "建链", 100, "储备", "甲公司", "13700002222"]]
    merges = [(0, c, 1, c) for c in range(4)] + [(0, 4, 0, 5)]
    env = {
        **os.environ,
        "CHAINKPI_SECRET": "test-secret",
        "CHAINKPI_SEEDS": str(seeds),
    }

    def run(home: Path) -> dict:
        env["CHAINKPI_HOME"] = str(home)
        write_book(home / "inbox" / f"{NE_PROJECTS}.xlsx", [Sheet("s", rows, merges)])
        subprocess.run(
            [sys.executable, "-m", "chainkpi.cli", "ingest", "-q", "--report", str(home / "r.json")],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        return json.loads((home / "r.json").read_text(encoding="utf-8"))[0]

    before = run(tmp_path / "before")
    assert before["status"] == "rejected" and "投资主体" in before["errors"][0]
    with (seeds / "header_synonyms.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["projects", "investor", "项目业主单位/单位名称"])
    after = run(tmp_path / "after")
    assert after["status"] == "loaded", after["errors"]
    columns = {c["column"]: c["header"] for c in after["interpretation"]["sheets"][0]["columns"]}
    assert columns["investor"] == "项目业主单位/单位名称"


# --------------------------------------------------------------------------- rule 3: headers

# real_ledgers.md's header synonyms, as the contract states them.
HEADER_SYNONYMS = {
    ("all", "chain"): "产业链, 所属链条, 链条",
    ("projects", "project_id"): "项目代码",
    ("projects", "segment"): "产业链环节, 环节",
    ("projects", "investor"): "投资方, 投资企业, 业主单位, 业主名称, 外来投资方, 项目业主",
    ("projects", "origin"): "投资方所在地, 来源城市",
    ("projects", "channel"): "引资方式, 招商渠道",
    (
        "projects",
        "planned_investment_wan",
    ): "总投资, 计划总投资, 总投资额, 估算投资, 拟投资额, 投资总额",
    ("projects", "capital_in_place_wan"): "实际到位资金, 累计到位资金, 实际到资, 到位资金",
    ("projects", "stage"): "项目进展, 项目进展状态, 项目状态, 进展情况, 目前进展情况",
    ("projects", "signed_date"): "签约时间, 合同签约时间",
    ("projects", "started_date"): "开工时间",
    ("projects", "producing_date"): "投产时间",
    ("leads", "company"): "企业名称, 投资方, 客商名称",
    ("leads", "source_city"): "来源地, 客商所在地",
    ("leads", "first_contact_date"): "首次对接时间, 首次接洽时间, 对接时间",
    ("leads", "status"): "跟进状态, 状态",
    ("leads", "converted_date"): "转化时间, 落地时间",
    ("leads", "expected_investment_wan"): "意向投资额, 拟投资额",
    ("talent_catalogue", "employer"): "需求单位, 企业名称",
    ("talent_catalogue", "position_title"): "需求岗位, 岗位",
    ("talent_catalogue", "discipline"): "专业要求, 专业",
    ("talent_catalogue", "min_degree"): "学历, 最低学历",
    ("talent_catalogue", "published_date"): "发布时间",
    ("talent_hires", "id_number"): "身份证号码, 证件号码",
    ("talent_hires", "phone"): "手机号码, 联系方式, 手机",
    ("talent_hires", "degree"): "最高学历, 学历学位",
    ("talent_hires", "employer"): "引进单位, 工作单位",
    ("talent_hires", "hire_date"): "引进时间, 入职时间",
    ("talent_hires", "local_returnee"): "是否本土回引, 本土回引",
    ("leader_projects", "level"): "级别, 项目层次",
    ("leader_projects", "employer"): "申报单位, 依托单位",
    ("leader_projects", "approved_date"): "立项时间, 批准时间, 入选时间",
}


def test_the_seed_holds_every_header_synonym_of_the_contract():
    with (PROJECT_ROOT / "seeds" / "header_synonyms.csv").open(encoding="utf-8") as handle:
        seeded = {(r["dataset"], r["column_key"], r["synonym"]) for r in csv.DictReader(handle)}
    wanted = {
        (dataset, column, synonym.strip())
        for (dataset, column), synonyms in HEADER_SYNONYMS.items()
        for synonym in synonyms.split(",")
    }
    assert wanted <= seeded, wanted - seeded


# A valid value per column, and the contract's header for the columns a test file needs.
VALUES = {
    "projects": {"project_id": "P1", "project_name": "甲项目", "chain": "新能源",
                 "project_type": "建链", "investor": "甲公司", "planned_investment_wan": "100",
                 "stage": "投产", "signed_date": "2025-01-02", "started_date": "2025-02-03",
                 "producing_date": "2025-03-04", "segment": "上游", "origin": "深圳",
                 "channel": "基金招商", "capital_in_place_wan": "30"},
    "leads": {"lead_id": "L1", "company": "甲公司", "chain": "半导体", "channel": "平台招商",
              "first_contact_date": "2025-01-02", "status": "已转化",
              "converted_date": "2025-02-03", "source_city": "上海",
              "expected_investment_wan": "50"},
    "talent_catalogue": {"position_id": "T1", "chain": "新材料", "employer": "甲公司",
                         "position_title": "工程师", "min_degree": "硕士", "headcount": "2",
                         "published_date": "2025-01-02", "discipline": "材料"},
    "talent_hires": {"hire_id": "H1", "name": "张三丰", "degree": "博士", "employer": "甲公司",
                     "hire_date": "2025-01-02", "chain": "先进装备制造",
                     "id_number": "11010519491231002X", "phone": "13912345678",
                     "local_returnee": "是"},
    "leader_projects": {"leader_project_id": "LP1", "title": "甲课题", "level": "省级",
                        "employer": "甲公司", "approved_date": "2025-01-02", "chain": "新能源"},
    "chain_gaps": {"gap_id": "G1", "chain": "新材料", "segment": "上游", "link_name": "石英砂",
                   "identified_date": "2025-01-02", "status": "未补"},
}  # fmt: skip
FILE_NAMES = {
    "projects": "项目储备库", "leads": "招商线索", "talent_catalogue": "人才需求目录",
    "talent_hires": "人才引进", "leader_projects": "领军人才项目", "chain_gaps": "产业链缺口",
}  # fmt: skip


def test_every_header_synonym_names_its_column(workspace, raw):
    """One file per dataset and round: round k heads each column with its k-th synonym (or
    the contract's header when it has fewer); every value lands in its column."""
    from chainkpi.ingest.schema import DATASETS

    by_column: dict[tuple[str, str], list[str]] = {}
    for (dataset, column), synonyms in HEADER_SYNONYMS.items():
        targets = [d for d in VALUES if column in VALUES[d]] if dataset == "all" else [dataset]
        for target in targets:
            by_column.setdefault((target, column), []).extend(
                s.strip() for s in synonyms.split(",")
            )
    files, expected = [], []
    for dataset, values in VALUES.items():
        columns = DATASETS[dataset].columns
        rounds = max(len(by_column.get((dataset, c.key), [])) for c in columns)
        for k in range(rounds):
            headers, row = [], []
            used: set[str] = set()
            for column in columns:
                if column.key not in values:
                    continue
                synonyms = by_column.get((dataset, column.key), [])
                header = synonyms[k] if k < len(synonyms) else column.header_zh
                if header in used:  # e.g. 投资方 is leads.company; never twice in a file
                    header = column.header_zh
                used.add(header)
                headers.append(header)
                row.append(values[column.key])
            path = workspace.inbox / f"{FILE_NAMES[dataset]}_{k:02d}.csv"
            write_gbk_csv(path, [headers, row], "utf-8")
            files.append(path)
            expected.append((dataset, k))
    reports = ingest(files, workspace).files
    for report in reports:
        assert report.status == "loaded", (report.file, report.errors)
        assert report.rejected_rows == [], (report.file, report.rejected_rows)
        assert report.unknown_columns == [], (report.file, report.unknown_columns)
    # Every column got its value (the last round of a dataset wins by key).
    assert raw("select stage, investor, planned_investment_wan, signed_date from raw.projects")[
        0
    ] == ("producing", "甲公司", Decimal("100.00"), dt.date(2025, 1, 2))
    assert raw("select count(distinct _load_id) from raw.projects") == [
        (sum(dataset == "projects" for dataset, _ in expected),)
    ]
    assert raw("select distinct chain from raw.talent_catalogue") == [("MAT",)]
    assert raw("select distinct id_number_masked, phone_masked from raw.talent_hires") == [
        ("1101**********002X", "139****5678")
    ]
    assert raw("select distinct level, approved_date from raw.leader_projects") == [
        ("provincial", dt.date(2025, 1, 2))
    ]
    assert raw("select distinct status, converted_date from raw.leads") == [
        ("converted", dt.date(2025, 2, 3))
    ]


# --------------------------------------------------------------------------- rule 4: units

UNIT_LEDGER = {
    "亿元": (["单位：亿元"], "总投资", ["1.25", "0.0345"]),
    "header 亿元": ([], "总投资（亿元）", ["1.25", "0.0345"]),
    "header [亿元]": ([], "拟投资额[亿元]", ["1.25", "0.0345"]),
    "万元": (["金额单位：万元"], "总投资", ["12500", "345"]),
    "header 万元": (["单位：亿元"], "计划总投资（万元）", ["12,500", "345"]),
    "元": (["（单位：元）"], "总投资", ["125000000", "3450000"]),
    "人民币万元": (["单位：万元人民币"], "投资总额", ["12500", "345"]),
}


def _unit_file(path: Path, above: list[str], header: str, amounts: list[str]) -> Path:
    rows = [[cell] for cell in above]
    rows.append(["项目名称", "项目类型", "投资方", header, "项目进展", "所属产业链"])
    for name, amount in zip(("甲项目", "乙项目"), amounts, strict=True):
        rows.append([name, "建链", "甲公司", amount, "储备", "新能源"])
    return write_book(path, [Sheet("s", rows)])


@pytest.mark.parametrize("case", list(UNIT_LEDGER))
def test_amounts_are_brought_to_wan_yuan_by_their_unit(workspace, raw, case):
    above, header, amounts = UNIT_LEDGER[case]
    report = _one(
        workspace, _unit_file(workspace.inbox / "项目储备库.xlsx", above, header, amounts)
    )
    assert report.status == "loaded" and report.rejected_rows == [], (report.errors,)
    assert raw("select planned_investment_wan from raw.projects order by _row_number") == [
        (Decimal("12500.00"),),
        (Decimal("345.00"),),
    ]
    column = report.interpretation["sheets"][0]["columns"][3]
    assert column["unit"] in ("亿元", "万元", "元", "万元人民币")
    assert not [w for w in report.warnings if w["rule"] == "unit_assumed"]


def test_no_unit_anywhere_is_wan_yuan_with_a_warning(workspace, raw):
    report = _one(
        workspace, _unit_file(workspace.inbox / "项目储备库.xlsx", [], "总投资", ["7", "8"])
    )
    assert report.status == "loaded"
    assert [w["rule"] for w in report.warnings if w["column"] == "planned_investment_wan"] == [
        "unit_assumed"
    ]
    assert raw("select planned_investment_wan from raw.projects order by 1") == [
        (Decimal("7.00"),),
        (Decimal("8.00"),),
    ]


@pytest.mark.parametrize(
    "above, header, unit",
    [
        (["单位：万美元"], "总投资", "万美元"),
        ([], "总投资（美元）", "美元"),
        (["金额单位：港元"], "总投资", "港元"),
        (["单位：千元"], "总投资", "千元"),
        ([], "总投资（万）", "万"),
    ],
)
def test_a_foreign_or_unknown_unit_refuses_the_file_naming_column_and_unit(
    workspace, above, header, unit
):
    bad = _unit_file(workspace.inbox / "项目储备库_a.xlsx", above, header, ["1", "2"])
    good = _unit_file(workspace.inbox / "项目储备库_b.xlsx", ["单位：亿元"], "总投资", ["1", "2"])
    reports = ingest([bad, good], workspace).files
    assert reports[0].status == "rejected"
    header = unicodedata.normalize("NFKC", header)
    assert f"「{header}」" in reports[0].errors[0] and f"「{unit}」" in reports[0].errors[0]
    assert reports[1].status == "loaded"


def test_a_gbk_lead_list_with_an_amount_unit_line(workspace, raw):
    rows = [
        ["南澳区招商线索台账（2025年）"],
        ["金额单位：亿元"],
        ["序号", "线索编号", "客商名称", "所属产业链", "招商方式", "首次对接时间", "跟进状态", "意向投资额"],
        ["1", "L9", "★丙公司", "半导体产业链", "驻外分局", "2025年3月", "对接中", "2.5"],
    ]  # fmt: skip
    report = _one(workspace, write_gbk_csv(workspace.inbox / "南澳区招商线索2025.csv", rows))
    assert report.status == "loaded" and report.rejected_rows == [], report.rejected_rows
    assert raw(
        "select lead_id, company, chain, channel, first_contact_date, status, "
        "expected_investment_wan from raw.leads"
    ) == [
        (
            "L9",
            "丙公司",
            "SEMI",
            "field_office",
            dt.date(2025, 3, 1),
            "following",
            Decimal("25000.00"),
        )
    ]


def kpis_of(home: Path, kpi: str) -> list:
    import duckdb

    con = duckdb.connect(str(home / "warehouse" / "chainkpi.duckdb"), read_only=True)
    try:
        return [
            Decimal(str(v))
            for (v,) in con.execute(
                "select distinct ytd_actual from main.fct_kpi_progress where kpi_code = ?", [kpi]
            ).fetchall()
            if v is not None
        ]
    finally:
        con.close()


def test_a_ledger_in_yi_and_the_same_in_wan_give_the_same_kpi_table(tmp_path, monkeypatch):
    from chainkpi.publish import build
    from chainkpi.settings import Workspace

    def kpis(home: Path, unit: str, rows: list[list[object]]) -> list[tuple]:
        monkeypatch.setenv("CHAINKPI_HOME", str(home))
        monkeypatch.setenv("CHAINKPI_SECRET", "test-secret")
        workspace = Workspace.from_env()
        workspace.ensure()
        write_book(workspace.inbox / f"{NE_PROJECTS}.xls", [spec_ledger(unit, rows=rows)])
        assert ingest(None, workspace).files[0].rejected_rows == []
        assert build(workspace, as_of=dt.date(2025, 12, 31)).published
        import duckdb

        con = duckdb.connect(str(workspace.published_db), read_only=True)
        try:
            return con.execute(
                "select * exclude (built_at) from main.fct_kpi_progress order by all"
            ).fetchall()
        except duckdb.BinderException:
            return con.execute("select * from main.fct_kpi_progress order by all").fetchall()
        finally:
            con.close()

    yi = project_rows()
    wan = [[*row[:4], float(Decimal(str(row[4])) * 10000), *row[5:]] for row in yi]
    in_yi = kpis(tmp_path / "yi", "单位：亿元", yi)
    in_wan = kpis(tmp_path / "wan", "单位：万元", wan)
    assert in_yi == in_wan
    signed = kpis_of(tmp_path / "yi", "signed_investment_wan")
    assert Decimal("179583") in signed  # 12.5 + 5.4583 亿元 signed in 2025


# --------------------------------------------------------------------------- rule 5: rows


def test_rows_that_are_not_records_are_skipped_and_counted_by_kind(workspace, raw):
    header = ["序号", "项目名称", "项目类型", "投资方", "总投资（万元）", "项目进展", "所属产业链"]
    record = ["1", "甲项目", "建链", "甲公司", "10", "储备", "新能源"]
    rows = [
        header,
        ["合计13个", None, None, None, "100"],
        ["合计（100项）"],
        [None, "其中：在建项目（9项）", None, None, "50"],
        ["小  计", "3个"],
        ["总计", None, None, None, "86.5"],
        ["一、建链延链项目"],
        ["（二）半导体"],
        ["二、新材料产业链"],
        ["第一批"],
        record,
        ["注：1.项目进展填写在谈、已签约、在建、已投产。"],
        ["注1：单位为万元"],
        ["说明：本表每月报送"],
        ["备注：无"],
        ["填报人：刘某", None, "联系电话：13500001111"],
        ["填表人：陈某"],
        ["审核人：周某"],
        ["负责人：吴某"],
        ["联系人：郑某  13500002222"],
        ["填报单位：新能源链办"],
        ["填报日期：2025年10月8日"],
        ["制表：孙某"],
        # Records that look a little like the rows above are still records (and rejected).
        ["2", "总计划投资项目"],
        ["3", "注塑机项目", "强链", "乙公司", "20", "储备", "新能源"],
    ]
    report = _one(workspace, write_book(workspace.inbox / "项目储备库.xls", [Sheet("s", rows)]))
    assert report.status == "loaded"
    skipped = report.interpretation["sheets"][0]["skipped_rows"]
    assert skipped == {"subtotal": 5, "section": 4, "note": 12}
    assert raw("select project_name from raw.projects order by 1") == [("注塑机项目",), ("甲项目",)]
    assert {r["row"] for r in report.rejected_rows} == {24}
    assert report.rows_read == 3


def test_a_section_heading_naming_a_chain_gives_it_to_the_rows_below(workspace, raw):
    header = ["序号", "需求单位", "需求岗位", "学历", "需求人数", "发布时间", "产业链"]
    rows = [
        ["南澳区急需紧缺人才需求目录（2026年）"],
        header,
        ["一、新能源产业链（12个岗位，联系人：郑工 13900001111）"],
        ["1", "甲公司", "工程师A", "博士", "2", "2026-01-05", None],
        ["2", "乙公司", "工程师B", "硕士", "1", "2026-01-05", "新材料"],  # its own chain wins
        ["二、紧缺岗位"],  # names no chain: the chain above goes on
        ["3", "丙公司", "工程师C", "本科及以上", "1", "2026-01-05", None],
        ["（三）半导体"],
        ["4", "丁公司", "工程师D", "不限", "1", "2026-01-05", None],
    ]
    merges = [(0, 0, 0, 6), (2, 0, 2, 6), (5, 0, 5, 6), (7, 0, 7, 6)]
    report = _one(
        workspace, write_book(workspace.inbox / "人才需求目录.xlsx", [Sheet("s", rows, merges)])
    )
    assert report.rejected_rows == [], report.rejected_rows
    assert raw("select employer, chain, min_degree from raw.talent_catalogue order by 1") == [
        ("丁公司", "SEMI", "below_bachelor"),
        ("丙公司", "NE", "bachelor"),
        ("乙公司", "MAT", "master"),
        ("甲公司", "NE", "phd"),
    ]
    sources = report.interpretation["sheets"][0]["chain_from"]
    assert {(s["source"], s["chain"], s["rows"], s["text"]) for s in sources} == {
        ("section", "NE", 2, "一、新能源产业链"),
        ("section", "SEMI", 1, "(三)半导体"),
    }
    # A heading's remark in brackets (a contact, a phone) is not repeated in the report.
    assert "13900001111" not in json.dumps(report.to_json(), ensure_ascii=False)


@pytest.mark.parametrize(
    "file_name, title, sheet, chain",
    [
        ("人才需求目录.xlsx", "南澳区新材料产业链人才需求目录", "Sheet1", "MAT"),
        ("南澳区先进装备制造产业链人才需求目录.xlsx", "人才需求目录", "Sheet1", "EQUIP"),
        ("talent_catalogue_2026_SEMI.xlsx", "", "Sheet1", "SEMI"),
        ("人才需求目录.xlsx", "新能源和新材料人才需求目录", "Sheet1", None),  # two chains: none
        (
            "南澳区新能源人才需求目录.xlsx",
            "新材料产业链人才需求目录",
            "Sheet1",
            "MAT",
        ),  # title first
    ],
)
def test_a_title_or_file_name_naming_exactly_one_chain_gives_it(
    workspace, raw, file_name, title, sheet, chain
):
    rows = [[title], ["需求单位", "需求岗位", "学历", "需求人数", "发布时间"],
            ["甲公司", "工程师", "博士", "1", "2026-01-05"]]  # fmt: skip
    report = _one(workspace, write_book(workspace.inbox / file_name, [Sheet(sheet, rows)]))
    if chain is None:
        assert report.status == "rejected" and "所属产业链" in report.errors[0]
    else:
        assert report.status == "loaded", report.errors
        assert raw("select chain from raw.talent_catalogue") == [(chain,)]


# --------------------------------------------------------------------------- rule 6: merges


def test_a_chain_merged_down_gives_its_value_to_every_row_it_covers(workspace, raw):
    header = ["所属产业链", "缺失环节", "链条环节", "识别日期", "状态", "优先级"]
    rows = [
        header,
        ["新能源", "隔膜", "中游", "2025-01-05", "未补", "高"],
        [None, "电解液", "中游", "2025-01-05", "在补", "中"],
        [None, "正极", "上游", "2025-01-05", "未补", None],
        ["半导体", "光刻胶", "上游", "2025-02-05", "未补", "高"],
        [None, "靶材", "上游", "2025-02-05", "未补", "高"],
    ]
    path = write_book(
        workspace.inbox / "南澳区产业链缺口清单.xls",
        [Sheet("s", rows, [(1, 0, 3, 0), (4, 0, 5, 0)])],
    )
    report = _one(workspace, path)
    assert report.rejected_rows == [], report.rejected_rows
    assert raw("select gap_id, chain from raw.chain_gaps order by _row_number") == [
        ("NE|隔膜", "NE"), ("NE|电解液", "NE"), ("NE|正极", "NE"),
        ("SEMI|光刻胶", "SEMI"), ("SEMI|靶材", "SEMI"),
    ]  # fmt: skip


# --------------------------------------------------------------------------- rule 7: keys


def test_a_project_without_an_id_across_two_monthly_ledgers_is_one_project(workspace, raw):
    september = write_book(workspace.inbox / f"{NE_PROJECTS}.xls", [spec_ledger(month=9)])
    assert _one(workspace, september).rejected_rows == []
    october = write_book(
        workspace.inbox / "南澳区新能源产业链项目储备库2025年10月.xls", [spec_ledger(month=10)]
    )
    assert _one(workspace, october).rejected_rows == []
    versions = raw(
        "select project_id, count(*), list(stage order by _load_id) from raw.projects "
        "group by 1 order by 1"
    )
    assert versions == [
        ("华普储能电池项目", 2, ["started", "started"]),
        ("氢能电堆项目", 2, ["negotiating", "signed"]),
        ("锂电正极材料项目", 2, ["signed", "signed"]),
    ]


def test_the_same_derived_key_twice_in_one_file_rejects_both_rows(workspace, raw):
    rows = [["项目名称", "项目类型", "投资方", "总投资（万元）", "项目进展", "所属产业链"],
            ["★甲 项目", "建链", "甲公司", "1", "储备", "新能源"],
            ["甲项目", "建链", "乙公司", "2", "储备", "新能源"],
            ["乙项目", "建链", "乙公司", "2", "储备", "新能源"]]  # fmt: skip
    report = _one(workspace, write_book(workspace.inbox / "项目储备库.xlsx", [Sheet("s", rows)]))
    assert [(r["row"], r["column"], r["rule"]) for r in report.rejected_rows] == [
        (2, "project_id", "duplicate_key"),
        (3, "project_id", "duplicate_key"),
    ]
    assert raw("select project_id from raw.projects") == [("乙项目",)]


def test_hires_without_an_id_column_are_keyed_by_a_keyed_hash(workspace, raw):
    header = [
        "序号",
        "姓名",
        "身份证号码",
        "手机号码",
        "最高学历",
        "引进单位",
        "入职时间",
        "产业链",
    ]
    rows = [
        ["南澳区新能源产业链人才引进台账"],
        header,
        [
            "1",
            "欧阳明月",
            "110105194912310021",
            "13912340000",
            "博士研究生",
            "甲公司",
            "2025.7",
            None,
        ],
        ["2", "司马光", None, None, "硕士学位", "乙公司", "2025-08-01", None],
    ]
    path = write_book(workspace.inbox / "人才引进2025年8月.xlsx", [Sheet("s", rows)])
    report = _one(workspace, path)
    assert report.rejected_rows == [], report.rejected_rows
    keys = raw("select hire_id, degree, chain from raw.talent_hires order by _row_number")
    assert [k[1:] for k in keys] == [("phd", "NE"), ("master", "NE")]
    for (key, *_), clear in zip(keys, ("110105194912310021", "司马光"), strict=True):
        assert key.startswith("HR-") and len(key) == 19 and clear not in key
    # The same person in next month's ledger (ID written with spaces) is the same key.
    rows[2][2] = "110105 19491231 0021"
    again = write_book(workspace.inbox / "人才引进2025年9月.xlsx", [Sheet("s", rows)])
    _one(workspace, again)
    assert raw("select count(distinct hire_id) from raw.talent_hires") == [(2,)]
    assert [w["rule"] for w in report.warnings].count("derived_key") == 1


# --------------------------------------------------------------------------- rule 8: values

VALUE_SYNONYMS = {
    "stage": {"reserve": "谋划, 前期, 在库", "negotiating": "在谈, 洽谈中, 跟踪洽谈, 跟踪洽谈中, 投资意向明确",
              "signed": "已签约, 签约落地, 已签投资协议, 已签正式合同",
              "started": "已开工, 在建, 续建, 开工建设, 新开工", "producing": "已投产, 竣工投产, 建成投产",
              "dropped": "已终止, 取消, 放弃, 已放弃"},
    "lead_channel": {"platform": "平台", "agency": "第三方, 中介机构, 委托招商",
                     "field_office": "驻外分局, 驻点招商", "vanguard_team": "先锋队", "fund": "基金"},
    "lead_status": {"new": "新增", "following": "跟踪中, 对接中", "visited": "已考察, 已对接",
                    "converted": "已落地", "abandoned": "放弃"},
    "degree": {"phd": "博士研究生, 博士学位", "master": "硕士研究生, 硕士学位",
               "bachelor": "大学本科, 学士", "below_bachelor": "大专, 专科, 高中及以下"},
    "min_degree": {"phd": "博士及以上, 博士研究生", "master": "硕士及以上, 硕士研究生",
                   "bachelor": "本科及以上", "below_bachelor": "大专, 大专及以上, 不限"},
    "talent_level": {"national_leader": "国家级领军人才", "provincial_leader": "省级领军人才",
                     "high_level": "高层次人才"},
    "bool": {"true": "√, ✓"},
}  # fmt: skip


def _synonyms(code_list: str) -> list[tuple[str, str]]:
    return [
        (code, s.strip())
        for code, words in VALUE_SYNONYMS[code_list].items()
        for s in words.split(",")
    ]


def test_every_value_synonym_is_read_as_its_code(workspace, raw):
    stage_dates = {"signed": 1, "started": 2, "producing": 3}
    files = []
    rows = [["项目名称", "项目类型", "投资方", "总投资（万元）", "项目进展", "签约时间",
             "开工时间", "投产时间", "招商渠道", "所属产业链"]]  # fmt: skip
    channels = _synonyms("lead_channel")
    for i, (code, word) in enumerate(_synonyms("stage")):
        dates = ["2025-01-02", "2025-02-03", "2025-03-04"][: stage_dates.get(code, 0)]
        dates += [None] * (3 - len(dates))
        rows.append([f"项目{i:02d}", "建链项目", "甲公司", "1", word, *dates,
                     channels[i % len(channels)][1], "新能源产业链"])  # fmt: skip
    files.append(write_book(workspace.inbox / "项目储备库.xlsx", [Sheet("s", rows)]))
    rows = [["线索编号", "企业名称", "招商方式", "首次对接时间", "跟进状态", "转化时间"]]
    for i, (code, word) in enumerate(_synonyms("lead_status")):
        converted = "2025-05-06" if code == "converted" else None
        rows.append([f"L{i}", "甲公司", channels[i][1], "2025-01-02", word, converted])
    files.append(write_book(workspace.inbox / "招商线索.xls", [Sheet("s", rows)]))
    rows = [["岗位编号", "所属产业链", "需求单位", "需求岗位", "学历", "需求人数", "发布时间"]]
    for i, (_, word) in enumerate(_synonyms("min_degree")):
        rows.append([f"T{i}", "新材料", "甲公司", f"岗位{i}", word, "1", "2025-01-02"])
    files.append(write_gbk_csv(workspace.inbox / "人才需求目录.csv", rows))
    rows = [["引进编号", "姓名", "学历", "人才层次", "用人单位", "引进日期", "是否回引本土人才"]]
    levels = _synonyms("talent_level")
    for i, (_, word) in enumerate(_synonyms("degree")):
        rows.append([f"H{i}", "张三", word, levels[i % 3][1], "甲公司", "2025-01-02",
                     "√" if i % 2 else "✓"])  # fmt: skip
    files.append(write_book(workspace.inbox / "人才引进.xlsx", [Sheet("s", rows)]))
    rows = [["项目编号", "项目名称", "项目级别", "承担单位", "立项日期"],
            ["LP1", "甲", "国家级领军人才项目", "甲公司", "2025-01-02"],
            ["LP2", "乙", "省级重点人才计划", "甲公司", "2025-01-02"],
            ["LP3", "丙", "市级", "甲公司", "2025-01-02"],
            ["LP4", "丁", "区级", "甲公司", "2025-01-02"]]  # fmt: skip
    files.append(write_book(workspace.inbox / "领军人才项目.xlsx", [Sheet("s", rows)]))
    reports = {r.dataset: r for r in ingest(files, workspace).files}
    for dataset, report in reports.items():
        assert report.status == "loaded", (dataset, report.errors)
    assert reports["projects"].rejected_rows == []
    assert raw(
        "select stage, channel, project_type, chain from raw.projects order by project_name"
    ) == [
        (code, channels[i % len(channels)][0], "build", "NE")
        for i, (code, _) in enumerate(_synonyms("stage"))
    ]
    assert reports["leads"].rejected_rows == []
    assert raw("select status, channel from raw.leads order by _row_number") == [
        (code, channels[i][0]) for i, (code, _) in enumerate(_synonyms("lead_status"))
    ]
    assert raw("select min_degree from raw.talent_catalogue order by _row_number") == [
        (code,) for code, _ in _synonyms("min_degree")
    ]
    assert raw(
        "select degree, talent_level, local_returnee from raw.talent_hires order by _row_number"
    ) == [(code, levels[i % 3][0], True) for i, (code, _) in enumerate(_synonyms("degree"))]
    assert raw("select level from raw.leader_projects order by _row_number") == [
        ("national",),
        ("provincial",),
        ("municipal",),
    ]
    assert [(r["row"], r["rule"]) for r in reports["leader_projects"].rejected_rows] == [
        (5, "not_in_code_list")
    ]


@pytest.mark.parametrize(
    "cell, expected, month_only",
    [
        ("2025.8", dt.date(2025, 8, 1), True),
        ("2025年8月", dt.date(2025, 8, 1), True),
        ("2025-08", dt.date(2025, 8, 1), True),
        ("202508", dt.date(2025, 8, 1), True),
        ("2025.10", dt.date(2025, 10, 1), True),
        ("2025年8月15日", dt.date(2025, 8, 15), False),
        ("2025", None, False),
        ("2025年", None, False),
    ],
)
def test_a_month_is_its_first_day_with_a_warning_and_a_year_is_no_date(
    workspace, raw, cell, expected, month_only
):
    rows = [["领军人才项目（2025）"], ["项目编号", "项目名称", "级别", "依托单位", "立项时间"],
            ["LP1", "甲", "国家级", "甲公司", cell], ["LP2", "乙", "省级", "甲公司", cell]]  # fmt: skip
    report = _one(workspace, write_book(workspace.inbox / "领军人才项目.xls", [Sheet("s", rows)]))
    warnings = [w for w in report.warnings if w["rule"] == "month_only_date"]
    assert len(warnings) == (1 if month_only else 0)  # one per column, not per cell
    if expected is None:
        assert {r["rule"] for r in report.rejected_rows} == {"invalid_date"}
    else:
        assert raw("select distinct approved_date from raw.leader_projects") == [(expected,)]


def test_marks_are_dropped_and_numbers_written_as_text_are_numbers(workspace, raw):
    rows = [["项目编号", "项目名称", "项目类型", "投资方", "总投资（万元）", "到位资金（万元）",
             "项目进展", "所属产业链"],
            ["P1", "★华普项目", "建链", "※甲公司", "54,583.00", "１，２００．５", "储备", "☆新能源"]]  # fmt: skip
    report = _one(workspace, write_book(workspace.inbox / "项目储备库.xlsx", [Sheet("s", rows)]))
    assert report.rejected_rows == [], report.rejected_rows
    assert raw("select project_name, investor, planned_investment_wan, capital_in_place_wan, chain "
               "from raw.projects") == [("华普项目", "甲公司", Decimal("54583.00"), Decimal("1200.50"), "NE")]  # fmt: skip


def test_a_value_in_no_list_is_still_rejected_with_its_rule(workspace):
    rows = [["项目名称", "项目类型", "投资方", "总投资（万元）", "项目进展", "所属产业链"],
            ["甲项目", "建链", "甲公司", "1", "推进中", "新能源"],
            ["乙项目", "建链", "甲公司", "1", "储备", "新能源汽车"]]  # fmt: skip
    report = _one(workspace, write_book(workspace.inbox / "项目储备库.xlsx", [Sheet("s", rows)]))
    assert [(r["row"], r["column"], r["value"], r["rule"]) for r in report.rejected_rows] == [
        (2, "stage", "推进中", "not_in_code_list"),
        (3, "chain", "新能源汽车", "not_in_code_list"),
    ]


def test_header_top_is_the_spec_header():
    # The test ledger's header is the one real_ledgers.md draws.
    assert HEADER_TOP[:7] == [
        "序号",
        "项目名称",
        "项目类型",
        "投资方",
        "总投资",
        "项目进展",
        "签约时间",
    ]
    assert WIDTH == 11


def test_an_amount_that_says_its_unit_keeps_it_whatever_the_column_says(workspace, raw):
    rows = [["单位：亿元"],
            ["项目名称", "项目类型", "投资方", "总投资", "项目进展", "所属产业链", "是否头部企业"],
            ["甲项目", "建链", "甲公司", "1,200万元", "储备", "新材料产业", "×"],
            ["乙项目", "建链", "甲公司", "0.5", "储备", "新材料", "√"],
            ["丙项目", "建链", "甲公司", "50万美元", "储备", "新材料", "否"]]  # fmt: skip
    report = _one(workspace, write_book(workspace.inbox / "项目储备库.xlsx", [Sheet("s", rows)]))
    assert [(r["row"], r["rule"]) for r in report.rejected_rows] == [(5, "invalid_amount")]
    assert raw(
        "select planned_investment_wan, chain, head_enterprise from raw.projects order by 1"
    ) == [(Decimal("1200.00"), "MAT", False), (Decimal("5000.00"), "MAT", True)]


@pytest.mark.parametrize(
    "unit_row, amount",
    [
        ("填报单位：新能源链办    单位：亿元", Decimal("12500.00")),  # one cell for both
        ("单位：个、亿元", Decimal("12500.00")),  # counts and money: amounts in 亿元
        ("单位：万元/人", Decimal("1.25")),
        ("责任单位：新能源链办", Decimal("1.25")),  # no unit row: 万元, with a warning
    ],
)
def test_the_unit_row_is_read_as_written(workspace, raw, unit_row, amount):
    rows = [[unit_row], ["项目名称", "项目类型", "投资方", "总投资", "项目进展", "所属产业链"],
            ["甲项目", "建链", "甲公司", "1.25", "储备", "新能源"]]  # fmt: skip
    report = _one(workspace, write_book(workspace.inbox / "项目储备库.xlsx", [Sheet("s", rows)]))
    assert report.status == "loaded", report.errors
    assert raw("select planned_investment_wan from raw.projects") == [(amount,)]


# --------------------------------------------------------------------------- hostile files


def test_symbolic_links_are_refused_not_followed(workspace, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = write_book(outside / f"{NE_PROJECTS}.xlsx", [spec_ledger()])
    (workspace.inbox / "项目储备库_链接.xlsx").symlink_to(secret)
    (workspace.inbox / "项目储备库_断链.csv").symlink_to(tmp_path / "nowhere.csv")
    (workspace.inbox / "linked_folder").symlink_to(outside, target_is_directory=True)
    good = write_book(workspace.inbox / "项目储备库_本身.xls", [spec_ledger()])
    reports = {r.file: r for r in ingest(None, workspace).files}
    assert reports[good.name].status == "loaded"
    for name in ("项目储备库_链接.xlsx", "项目储备库_断链.csv", "linked_folder"):
        assert reports[name].status == "rejected" and "符号链接" in reports[name].errors[0]
    assert not [p for p in workspace.archive.rglob("*") if p.is_file() and "链接" in p.name]
    assert len(reports) == 4


def test_control_characters_are_printed_escaped(workspace, capsys):
    from chainkpi.cli import main

    rows = [["项目名称", "项目类型", "投资方", "总投资（万元）", "项目进展", "所属产业链"],
            ["甲\x1b]0;pwned\x07项目", "建链", "甲公司", "1", "\x1b[2J推进中", "新能源"]]  # fmt: skip
    write_gbk_csv(workspace.inbox / "项目储备库\x1b[31m.csv", rows, "utf-8")
    main(["ingest"])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J推进中" in out


def test_the_workspace_is_the_owners_alone(workspace):
    import stat

    from chainkpi.cli import main

    write_book(workspace.inbox / f"{NE_PROJECTS}.xls", [spec_ledger()])
    saved = os.umask(0o022)
    try:
        assert main(["ingest"]) == 0
    finally:
        os.umask(saved)
    for path in (workspace.raw_db, workspace.logs / "ingest.jsonl"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_a_sheet_declaring_a_far_cell_is_refused_and_the_others_load(tmp_path):
    """A few KB of xlsx with a cell at XFD1048576 would make the reader allocate a grid of
    17 billion cells: refused whole, recorded, the valid file beside it loaded. In a child
    process, so that a regression aborts only it."""
    import openpyxl

    home = tmp_path / "home"
    inbox = home / "inbox"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["项目名称", "项目类型", "投资方", "总投资（万元）", "项目进展", "所属产业链"])
    sheet["XFD1048576"] = "x"
    inbox.mkdir(parents=True)
    book.save(inbox / "项目储备库_far.xlsx")
    good = write_book(inbox / f"{NE_PROJECTS}.xls", [spec_ledger()])
    env = {**os.environ, "CHAINKPI_HOME": str(home), "CHAINKPI_SECRET": "test-secret"}
    done = subprocess.run(
        [sys.executable, "-m", "chainkpi.cli", "ingest", "--report", str(tmp_path / "r.json")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    reports = {r["file"]: r for r in json.loads((tmp_path / "r.json").read_text("utf-8"))}
    far = reports["项目储备库_far.xlsx"]
    assert far["status"] == "rejected" and "范围过大" in far["errors"][0]
    assert "1048576 行 × 16384 列" in far["errors"][0]
    assert reports[good.name]["status"] == "loaded"
