"""The quarterly export (spec/kpis.md "The quarterly export"), from a real small warehouse.

The hand-made ledgers of test_build plus a few hostile rows (formula-looking text, an 18-digit
ID ending in X, a hire with personal data that is rejected) go through the real ingest and
the real `dbt build`; the export of 2025 Q3 is read back with the csv module and openpyxl and
compared with numbers worked out by hand below.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from chainkpi.errors import UserError
from chainkpi.export import latest_complete_quarter, write_export
from chainkpi.export.queries import read_export
from chainkpi.export.xlsx_export import write_xlsx
from chainkpi.settings import PROJECT_ROOT, Workspace
from tests.conftest import build_warehouse, workspace_env
from tests.ledgers import VALID, rows_of, write_csv
from tests.test_build import AS_OF, EXPECTED, hand_made_ledgers

YEAR, QUARTER = 2025, 3
CONTRACT = [
    "year", "quarter", "chain_code", "kpi_code", "kpi_name_zh", "unit", "quarter_actual",
    "ytd_actual", "annual_target", "expected_to_date", "pct_of_target", "status",
    "projected_year_end",
]  # fmt: skip
CHAINS = ["ALL", "NE", "SEMI", "EQUIP", "MAT"]
CHAIN_ZH = {"ALL": "全区", "NE": "新能源", "SEMI": "半导体和电子信息", "EQUIP": "先进装备制造",
            "MAT": "新材料"}  # fmt: skip

HOSTILE_ID = "44030519900101123X"  # an ID column value here (a project and a gap), not a person
FORMULA = '=HYPERLINK("http://x","y")'
# Personal data of the hires ledgers: must never appear in clear in any exported cell.
REJECTED_HIRE = {"姓名": "司马相如", "身份证号": "110101198001010053", "联系电话": "13800138000"}
PERSONAL = [
    VALID["talent_hires"]["姓名"],
    VALID["talent_hires"]["身份证号"],
    VALID["talent_hires"]["联系电话"],
    *REJECTED_HIRE.values(),
]

GREEN, AMBER, RED, GREY = "FFC6EFCE", "FFFFEB9C", "FFFFC7CE", "FFD9D9D9"


def hostile_ledgers(inbox: Path) -> None:
    """Rows whose text is hostile; none changes a KPI of 2025 Q1–Q2, and in Q3 only the two
    MAT gaps count (gaps_identified)."""
    write_csv(inbox / "chain_gaps_hostile.csv", rows_of(
        "chain_gaps",
        {"缺口编号": HOSTILE_ID, "所属产业链": "MAT", "缺失环节": FORMULA, "识别日期": "2025-08-01",
         "状态": "未补"},
        {"缺口编号": "G-HOSTILE-2", "所属产业链": "MAT", "缺失环节": "@cmd", "优先级": "低",
         "识别日期": "2025-09-01", "状态": "在补"},
    ))  # fmt: skip
    write_csv(inbox / "projects_hostile.csv", rows_of(
        "projects",
        {"项目编号": HOSTILE_ID, "项目名称": FORMULA, "所属产业链": "MAT", "项目阶段": "储备",
         "签约日期": "", "对应缺口编号": HOSTILE_ID, "计划总投资（万元）": "300", "投资主体": "@cmd",
         "到位资金（万元）": ""},  # no funds in place: this ledger's period is the month before today
        {"项目编号": "P-HOSTILE-2", "项目名称": "+1", "所属产业链": "MAT", "项目阶段": "储备",
         "签约日期": "", "计划总投资（万元）": "200", "投资主体": "-1", "到位资金（万元）": ""},
    ))  # fmt: skip
    # A hire with personal data and an impossible date: rejected, so it shows in data quality.
    write_csv(inbox / "talent_hires_more.csv", rows_of(
        "talent_hires", {"引进编号": "H900", **REJECTED_HIRE, "引进日期": "2025-13-45"},
    ))  # fmt: skip


# 2025 Q3 by hand. NE and ALL: Q3 has no event of the hand-made ledgers, so the year to date
# is test_build's hand-computed Q2 year to date, plus the two hostile MAT gaps of Q3.
def hand_q3() -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(chain, kpi) -> (quarter_actual, ytd_actual) for 2025 Q3."""
    zero = Decimal(0)
    kpis = [row["kpi_code"] for row in kpi_catalogue()]
    got = {(c, k): (zero, zero) for c in CHAINS for k in kpis}
    for (kpi, chain), (_q1, _ytd1, _q2, ytd2) in EXPECTED.items():
        got[(chain, kpi)] = (zero, Decimal(ytd2))
    semi = {  # the SEMI catalogue position of April, the SEMI project signed 1 April, started
        "catalogue_headcount": 2, "projects_signed": 1, "signed_investment_wan": 20000,
        "major_projects_signed": 1, "projects_started": 1,
        # its committee meeting and issue of May, its project's 6000 in place by June
        "committee_meetings": 1, "issues_received": 1, "funds_in_place_wan": 6000,
    }  # fmt: skip
    for kpi, ytd in semi.items():
        got[("SEMI", kpi)] = (zero, Decimal(ytd))
    got[("MAT", "gaps_identified")] = (Decimal(2), Decimal(3))  # April + the two hostile gaps
    got[("MAT", "gaps_closed")] = (zero, Decimal(1))  # closed 30 June
    got[("ALL", "gaps_identified")] = (Decimal(2), Decimal(4))
    return got


def kpi_catalogue() -> list[dict[str, str]]:
    with (PROJECT_ROOT / "seeds" / "kpi_definitions.csv").open(encoding="utf-8") as handle:
        return sorted(csv.DictReader(handle), key=lambda r: int(r["sort_order"]))


def quarter_targets_2025() -> set[tuple[str, str]]:
    """(chain, kpi) of the seed's 2025 targets that hold for each quarter."""
    with (PROJECT_ROOT / "seeds" / "kpi_targets.csv").open(encoding="utf-8") as handle:
        return {
            (r["chain_code"], r["kpi_code"])
            for r in csv.DictReader(handle)
            if r["year"] == str(YEAR) and r["target_period"] == "quarter"
        }


def targets_2025() -> dict[tuple[str, str], Decimal]:
    with (PROJECT_ROOT / "seeds" / "kpi_targets.csv").open(encoding="utf-8") as handle:
        return {
            (r["chain_code"], r["kpi_code"]): Decimal(r["annual_target"])
            for r in csv.DictReader(handle)
            if r["year"] == str(YEAR)
        }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """One real ingest + dbt build of the hand-made and hostile ledgers, shared by the tests."""
    home = tmp_path_factory.mktemp("export")
    with workspace_env(build_warehouse(home, hand_made_ledgers, hostile_ledgers).home) as ws:
        yield ws


@pytest.fixture(scope="module")
def exported(warehouse, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("out") / "exports" / "2025Q3"  # created by the export
    paths = write_export(warehouse, YEAR, QUARTER, out)
    assert [p.name for p in paths] == ["kpi_progress_2025Q3.csv", "target_tracking_2025Q3.xlsx"]
    return {"csv": paths[0], "xlsx": paths[1]}


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


def find(ws, value) -> tuple[int, int]:
    """(row, column) of the first cell holding value."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell.row, cell.column
    raise AssertionError(f"{value!r} not on sheet {ws.title}")


def column_values(ws, header: str) -> list:
    row, col = find(ws, header)
    values = [ws.cell(r, col).value for r in range(row + 1, ws.max_row + 1)]
    while values and values[-1] is None:
        values.pop()
    return values


# --- the CSV ---------------------------------------------------------------------------


def test_csv_has_the_contract_columns_in_order_and_a_row_per_chain_and_kpi(exported):
    raw = exported["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    header, rows = read_csv(exported["csv"])
    assert header[: len(CONTRACT)] == CONTRACT
    assert len(rows) == 5 * 21  # 21 KPIs: 15 of kpis.md, 6 of party_service_funds.md
    kpis = [r["kpi_code"] for r in kpi_catalogue()]
    assert [(r["chain_code"], r["kpi_code"]) for r in rows] == [
        (chain, kpi) for chain in CHAINS for kpi in kpis
    ]
    assert {(r["year"], r["quarter"]) for r in rows} == {("2025", "3")}
    names = {r["kpi_code"]: r["name_zh"] for r in kpi_catalogue()}
    assert all(r["kpi_name_zh"] == names[r["kpi_code"]] for r in rows)


def test_csv_numbers_equal_the_hand_computed_ones(exported):
    _, rows = read_csv(exported["csv"])
    by_hand = hand_q3()
    targets = targets_2025()
    for row in rows:
        key = (row["chain_code"], row["kpi_code"])
        quarter_actual, ytd = by_hand[key]
        where = "/".join(key)
        assert Decimal(row["quarter_actual"]) == quarter_actual, where
        assert Decimal(row["ytd_actual"]) == ytd, where
        assert Decimal(row["projected_year_end"]) == round(ytd * 4 / 3, 2), where
        target = targets.get(key)
        if target is None:
            assert row["status"] == "no_target", where
            assert row["annual_target"] == row["expected_to_date"] == row["pct_of_target"] == ""
            continue
        expected = target * 3 / 4
        status = ("met" if ytd >= target else "on_track" if ytd >= expected
                  else "at_risk" if ytd >= Decimal("0.8") * expected else "off_track")  # fmt: skip
        if key in quarter_targets_2025():  # 1 committee meeting each quarter: target × 4, × q
            target, expected = 4 * target, target * 3
            status = "off_track"  # Q3 is over (as of 2026-01-15) and no chain met in Q3
        assert row["status"] == status, where
        assert Decimal(row["annual_target"]) == target, where
        assert Decimal(row["expected_to_date"]) == round(expected, 2), where
        assert Decimal(row["pct_of_target"]) == round(ytd / target, 4), where


def test_csv_numbers_are_plain_counts_whole_and_ratios_rounded(exported):
    _, rows = read_csv(exported["csv"])
    cells = {(r["chain_code"], r["kpi_code"]): r for r in rows}
    fields = ("quarter_actual", "ytd_actual", "annual_target", "expected_to_date",
              "pct_of_target", "status", "projected_year_end")  # fmt: skip
    # Worked out by hand: NE has signed 2 of its 3 projects by the end of Q3.
    assert [cells[("NE", "projects_signed")][f] for f in fields] == [
        "0", "2", "3", "2.25", "0.6667", "at_risk", "2.67",
    ]  # fmt: skip
    assert [cells[("ALL", "signed_investment_wan")][f] for f in fields] == [
        "0", "39999.99", "200000", "150000", "0.2", "off_track", "53333.32",
    ]  # fmt: skip
    assert [cells[("ALL", "phd_hires")][f] for f in fields] == [
        "0", "2", "50", "37.5", "0.04", "off_track", "2.67",
    ]  # fmt: skip
    assert [cells[("MAT", "gaps_identified")][f] for f in fields] == [
        "2", "3", "", "", "", "no_target", "4",
    ]  # fmt: skip
    for row in rows:
        is_count = row["unit"] != "万元"
        for name in ("quarter_actual", "ytd_actual", "annual_target"):
            pattern = r"\d+" if is_count else r"\d+(\.\d{1,2})?"
            assert re.fullmatch(pattern, row[name]) or (name == "annual_target" and not row[name])
        assert re.fullmatch(r"(\d+(\.\d{1,4})?)?", row["pct_of_target"])
        for name in ("expected_to_date", "projected_year_end"):
            assert re.fullmatch(r"(\d+(\.\d{1,2})?)?", row[name])
        assert not any(v.endswith(".0") or v.endswith(".00") for v in row.values())


# party_service_funds.md: "The quarterly export carries the new KPIs" (issue 21, Done when).
NEW_KPIS = {
    "party_trainings": "党建工作培训次数", "committee_meetings": "产业链党委会议次数",
    "mentoring_pairs_signed": "新增帮带结对数", "issues_received": "受理企业诉求数",
    "issues_resolved": "办结企业诉求数", "funds_in_place_wan": "实际到位资金",
}  # fmt: skip


def test_csv_has_the_six_new_kpi_rows_per_chain_with_the_same_columns(exported):
    header, rows = read_csv(exported["csv"])
    new = [r for r in rows if r["kpi_code"] in NEW_KPIS]
    assert [(r["chain_code"], r["kpi_code"]) for r in new] == [
        (chain, kpi) for chain in CHAINS for kpi in NEW_KPIS
    ]
    for row in new:  # every column of the others, filled the same way
        assert list(row) == header
        assert row["kpi_name_zh"] == NEW_KPIS[row["kpi_code"]]
        assert (row["year"], row["quarter"]) == ("2025", "3")
        assert all(row[c] != "" for c in ("unit", "quarter_actual", "ytd_actual", "status"))
        assert row["projected_year_end"] != ""
    cells = {(r["chain_code"], r["kpi_code"]): r for r in new}
    fields = ("unit", "quarter_actual", "ytd_actual", "annual_target", "expected_to_date",
              "pct_of_target", "status")  # fmt: skip
    # 1 committee meeting a quarter: 4 a year, 3 expected by Q3; NE met in Q1 and Q2, not Q3.
    assert [cells[("NE", "committee_meetings")][f] for f in fields] == [
        "次", "0", "2", "4", "3", "0.5", "off_track",
    ]  # fmt: skip
    # 1 training a year: NE's of 30 June.
    assert [cells[("NE", "party_trainings")][f] for f in fields] == [
        "次", "0", "1", "1", "0.75", "1", "met",
    ]  # fmt: skip
    assert [cells[("SEMI", "funds_in_place_wan")][f] for f in fields] == [
        "万元", "0", "6000", "", "", "", "no_target",
    ]  # fmt: skip
    assert [cells[("ALL", "issues_received")][f] for f in fields] == [
        "件", "0", "4", "", "", "", "no_target",
    ]  # fmt: skip


# --- the workbook ------------------------------------------------------------------------


def test_summary_colours_each_status_and_spells_it_out(exported):
    ws = openpyxl.load_workbook(exported["xlsx"])["汇总"]
    header_row, _ = find(ws, "全区")
    chain_col = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    assert [v for v in chain_col if v] == ["指标", "单位", *CHAIN_ZH.values()]

    def cells(kpi_zh: str, chain: str):
        row, _ = find(ws, kpi_zh)
        col = chain_col[CHAIN_ZH[chain]]  # YTD, target, status
        return [ws.cell(row, col + i) for i in range(3)]

    ytd, target, status = cells("国家级、省级领军人才项目数", "ALL")
    assert (ytd.value, target.value, status.value) == (2, 1, "达成")
    assert ytd.data_type == target.data_type == "n"
    assert status.fill.fgColor.rgb == GREEN
    ytd, target, status = cells("签约项目数", "NE")  # 2 of 3, expected 2.25
    assert (ytd.value, target.value, status.value) == (2, 3, "有风险")
    assert status.fill.fgColor.rgb == AMBER
    ytd, target, status = cells("博士及以上人才引进数", "ALL")  # 2 of 50, expected 37.5
    assert (ytd.value, target.value, status.value) == (2, 50, "滞后")
    assert status.fill.fgColor.rgb == RED
    ytd, target, status = cells("博士及以上人才引进数", "EQUIP")
    assert (ytd.value, target.value, status.value) == (0, None, "未设目标")
    assert status.fill.fgColor.rgb == GREY


def test_summary_and_chain_sheets_carry_the_six_new_kpis_with_quarter_targets(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    by_hand = hand_q3()
    ws = wb["汇总"]
    header_row, _ = find(ws, "全区")
    chain_col = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    for kpi, name in NEW_KPIS.items():
        row, _ = find(ws, name)
        for chain in CHAINS:
            ytd = ws.cell(row, chain_col[CHAIN_ZH[chain]])
            assert ytd.data_type == "n" and Decimal(str(ytd.value)) == by_hand[(chain, kpi)][1]
    # A target per quarter: the cell is the annual 4, shown with its quarterly 1; red, Q3 missed.
    row, _ = find(ws, "产业链党委会议次数")
    target = ws.cell(row, chain_col["新能源"] + 1)
    assert target.data_type == "n" and target.value == 4
    assert "每季度1次" in target.number_format
    status = ws.cell(row, chain_col["新能源"] + 2)
    assert status.value == "滞后" and status.fill.fgColor.rgb == RED
    row, _ = find(ws, "党建工作培训次数")  # a yearly target reads as before
    target = ws.cell(row, chain_col["新能源"] + 1)
    assert target.value == 1 and "每季度" not in target.number_format
    notes = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert any(n.startswith("标“每季度”的目标须每个季度都达到") for n in notes)

    for chain, sheet_name in CHAIN_ZH.items():
        sheet = wb[sheet_name]
        assert [v for v in column_values(sheet, "指标") if v in NEW_KPIS.values()] == list(
            NEW_KPIS.values()
        ), sheet_name
        for kpi, name in NEW_KPIS.items():
            row, _ = find(sheet, name)
            ytd = sheet.cell(row, find(sheet, "年累计完成")[1]).value
            assert Decimal(str(ytd)) == by_hand[(chain, kpi)][1], (sheet_name, kpi)
    ne = wb["新能源"]
    row, _ = find(ne, "产业链党委会议次数")
    cell = {h: ne.cell(row, find(ne, h)[1]) for h in ("年度目标", "应完成进度", "状态", "目标来源")}
    assert cell["年度目标"].value == 4 and "每季度1次" in cell["年度目标"].number_format
    assert cell["应完成进度"].value == 3
    assert cell["状态"].value == "滞后"
    assert cell["目标来源"].value == "正式目标（文件规定）；每季度1次"
    assert any(isinstance(c.value, str) and c.value.startswith("标“每季度”") for c in ne["A"])


def test_every_sheet_has_the_period_title_and_a_frozen_header(warehouse, exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    assert wb.sheetnames == [
        "汇总", *CHAIN_ZH.values(), "产业链缺口", "项目阶段", "项目清单", "报送情况", "数据质量",
        "拒收明细",
    ]  # fmt: skip
    from chainkpi.export.queries import quarters_and_build_info

    _, info = quarters_and_build_info(warehouse.published_db)
    built_at = f"{info.built_at:%Y-%m-%d %H:%M:%S}"
    for ws in wb.worksheets:
        assert ws["A1"].value.startswith("2025年第3季度 产业链双招双引目标跟踪"), ws.title
        assert built_at in ws["A2"].value, ws.title
        assert ws.freeze_panes is not None, ws.title
        frozen_row = ws[ws.freeze_panes].row
        header = [c.value for c in ws[frozen_row - 1]]
        # The row right above the frozen line is the (last) header row, on a filled background.
        assert any(header) and ws.cell(frozen_row - 1, 3).fill.fgColor.rgb == "FF1F4E78", ws.title
        assert ws.cell(frozen_row, 1).fill.fgColor.rgb != "FF1F4E78", ws.title


def test_numbers_dates_and_percentages_are_typed_cells(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    ne = wb["新能源"]
    row, _ = find(ne, "签约项目数")
    _, pct_col = find(ne, "完成率")
    pct = ne.cell(row, pct_col)
    assert pct.data_type == "n" and float(pct.value) == pytest.approx(0.6667)
    assert "%" in pct.number_format
    gaps = wb["产业链缺口"]
    dates = column_values(gaps, "识别日期")
    assert dt.datetime(2024, 6, 1) in dates  # G002, a date cell
    cell = gaps.cell(find(gaps, "G002")[0], find(gaps, "识别日期")[1])
    assert cell.is_date and "yy" in cell.number_format
    # Column widths fit the text: CJK characters count double.
    _, kpi_col = find(ne, "指标")
    width = ne.column_dimensions[openpyxl.utils.get_column_letter(kpi_col)].width
    assert width >= 2 * len("国家级、省级领军人才项目数")


def test_formula_looking_ledger_text_stays_text(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    seen = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value}"
                if cell.value in (FORMULA, "+1", "-1", "@cmd"):
                    seen.setdefault(cell.value, []).append(cell.data_type)
    assert set(seen) == {FORMULA, "+1", "-1", "@cmd"}
    assert all(kind == "s" for kinds in seen.values() for kind in kinds)
    # And nothing in the file itself is a formula element.
    with zipfile.ZipFile(exported["xlsx"]) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


def test_the_project_list_has_its_grid_over_empty_cells_and_formats_on_the_filled(exported):
    """The long list is written column by column with empty cells left out; one range format
    draws the table's grid over all of it, and each filled cell keeps its own format."""
    wb = openpyxl.load_workbook(exported["xlsx"])
    projects = wb["项目清单"]
    header_row, _ = find(projects, "项目编号")
    last_row, last_col = projects.max_row, projects.max_column
    table = f"A{header_row + 1}:{openpyxl.utils.get_column_letter(last_col)}{last_row}"
    grids = [
        (str(ranges.sqref), rule.dxf.border)
        for ranges in projects.conditional_formatting
        for rule in ranges.rules
    ]
    assert [area for area, _ in grids] == [table]
    assert grids[0][1].left.style == "thin" and grids[0][1].bottom.style == "thin"
    _, signed = find(projects, "签约日期")
    dates = [projects.cell(r, signed) for r in range(header_row + 1, last_row + 1)]
    assert any(c.value is None for c in dates) and any(c.value is not None for c in dates)
    assert all(c.number_format == "yyyy-mm-dd" for c in dates if c.value is not None)


def test_an_18_digit_id_ending_in_x_stays_whole(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    projects, gaps = wb["项目清单"], wb["产业链缺口"]
    assert HOSTILE_ID in column_values(projects, "项目编号")
    assert HOSTILE_ID in column_values(projects, "缺口编号")
    assert HOSTILE_ID in column_values(gaps, "缺口编号")
    assert HOSTILE_ID in column_values(gaps, "对接项目编号")
    cell = projects.cell(find(projects, HOSTILE_ID)[0], find(projects, "项目编号")[1])
    assert cell.value == HOSTILE_ID and cell.data_type == "s"


def test_no_personal_data_appears_in_any_file(exported):
    text = exported["csv"].read_text(encoding="utf-8-sig")
    with zipfile.ZipFile(exported["xlsx"]) as archive:
        text += "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    wb = openpyxl.load_workbook(exported["xlsx"])
    text += "".join(
        str(cell.value) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
    )
    assert "拒收明细" in text  # the search above did read the workbook
    for value in PERSONAL:
        assert value not in text


def test_open_gaps_and_pipeline_hold_the_hand_made_ledgers(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    gaps = wb["产业链缺口"]
    # Open = 未补 or 在补: G002 (NE, 在补 since 2024) and the two hostile MAT gaps.
    assert column_values(gaps, "缺口编号") == ["G002", HOSTILE_ID, "G-HOSTILE-2"]
    assert column_values(gaps, "产业链") == ["新能源", "新材料", "新材料"]
    assert column_values(gaps, "对接项目数") == [0, 1, 0]
    assert column_values(gaps, "已开放天数") == [
        (AS_OF - dt.date(2024, 6, 1)).days,
        (AS_OF - dt.date(2025, 8, 1)).days,
        (AS_OF - dt.date(2025, 9, 1)).days,
    ]
    coverage = [gaps.cell(find(gaps, gap)[0], find(gaps, "覆盖情况")[1])
                for gap in ("G002", HOSTILE_ID, "G-HOSTILE-2")]  # fmt: skip
    assert [c.value for c in coverage] == ["未覆盖", "已对接", "未覆盖"]
    assert [c.fill.fgColor.rgb == RED for c in coverage] == [True, False, True]

    pipeline = wb["项目阶段"]
    row = {pipeline.cell(r, 1).value: r for r in range(1, pipeline.max_row + 1)}
    top, _ = find(pipeline, "储备")

    def stage(chain: str, label: str) -> tuple:
        col = find(pipeline, label)[1]
        return (pipeline.cell(row[chain], col).value, pipeline.cell(row[chain], col + 1).value)

    # NE: P005 reserve 800, P001 signed 10000, P003 producing 500, P002 dropped 9999.99.
    assert stage("新能源", "储备") == (1, 800)
    assert stage("新能源", "签约") == (1, 10000)
    assert stage("新能源", "投产") == (1, 500)
    assert stage("新能源", "终止") == (1, pytest.approx(9999.99))
    assert stage("新能源", "合计") == (4, pytest.approx(21299.99))
    assert stage("半导体和电子信息", "开工") == (1, 20000)
    assert stage("先进装备制造", "合计") == (0, 0)
    assert stage("新材料", "储备") == (2, 500)
    assert stage("全区合计", "合计") == (7, pytest.approx(41799.99))


def test_data_quality_lists_every_file_and_its_rejected_rows(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    quality = wb["数据质量"]
    files = column_values(quality, "文件名")
    assert set(files[:-1]) == {
        "talent_hires_2025.csv", "talent_catalogue_2025.csv", "leader_projects_2025.csv",
        "projects_2025.csv", "chain_gaps_2025.csv", "leads_2025.csv",
        "projects_2025-03.csv", "projects_2025-06.csv", "party_activities_2025.csv",
        "mentoring_pairs_2025.csv", "enterprise_issues_2025.csv",
        "chain_gaps_hostile.csv", "projects_hostile.csv", "talent_hires_more.csv",
    }  # fmt: skip
    assert files[-1] == "合计"
    r = find(quality, "talent_hires_more.csv")[0]
    read, loaded, rejected = (quality.cell(r, find(quality, h)[1]).value
                              for h in ("读取行数", "导入行数", "拒收行数"))  # fmt: skip
    assert (read, loaded, rejected) == (1, 0, 1)
    assert isinstance(quality.cell(r, find(quality, "导入时间（UTC）")[1]).value, dt.datetime)
    rejections = wb["拒收明细"]
    r = find(rejections, "talent_hires_more.csv")[0]
    assert [rejections.cell(r, c).value for c in range(1, 7)] == [
        "talent_hires_more.csv", "人才引进", "引进日期",
        "日期无法识别，应为 2025-03-15、2025/3/15、2025.3.15 或 2025年3月15日", 1, "2",
    ]  # fmt: skip


# --- options and errors ------------------------------------------------------------------


@pytest.mark.parametrize("chain", ["ne", "新能源"])
def test_a_chain_export_is_limited_to_that_chain_with_the_district_total(
    warehouse, tmp_path, chain
):
    paths = write_export(warehouse, YEAR, QUARTER, tmp_path, chain=chain)
    assert [p.name for p in paths] == [
        "kpi_progress_2025Q3_NE.csv", "target_tracking_2025Q3_NE.xlsx",
    ]  # fmt: skip
    _, rows = read_csv(paths[0])
    assert [r["chain_code"] for r in rows] == ["ALL"] * 21 + ["NE"] * 21
    wb = openpyxl.load_workbook(paths[1])
    # No data-quality sheets: a ledger file is not one chain's (tests/test_scope_export.py).
    assert wb.sheetnames == [
        "汇总", "全区", "新能源", "产业链缺口", "项目阶段", "项目清单", "报送情况",
    ]  # fmt: skip
    summary = wb["汇总"]
    assert summary["A1"].value.endswith("— 新能源")
    header_row, _ = find(summary, "全区")
    assert {summary.cell(header_row, c).value for c in range(3, summary.max_column + 1)} == {
        "全区", "新能源", None,
    }  # fmt: skip
    assert column_values(wb["产业链缺口"], "缺口编号") == ["G002"]
    assert set(column_values(wb["项目清单"], "产业链")) == {"新能源"}
    assert column_values(wb["项目阶段"], "产业链")[1:] == ["新能源"]  # no other chain, no total
    for other in ("半导体和电子信息", "先进装备制造", "新材料"):
        assert all(
            other not in str(cell.value)
            for ws in wb.worksheets[:6]
            for row in ws.iter_rows()
            for cell in row
        )


def test_lang_en_gives_english_headers_and_keeps_the_csv_codes(warehouse, tmp_path):
    csv_path, xlsx_path = write_export(warehouse, YEAR, QUARTER, tmp_path, lang="en")
    header, _ = read_csv(csv_path)
    assert header[: len(CONTRACT)] == CONTRACT
    wb = openpyxl.load_workbook(xlsx_path)
    assert wb.sheetnames[0] == "Summary" and "Open gaps" in wb.sheetnames
    summary = wb["Summary"]
    assert summary["A1"].value.startswith("2025 Q3 ")
    row, _ = find(summary, "KPI")
    assert [summary.cell(row, c).value for c in (1, 2, 3)] == ["KPI", "Unit", "District total"]
    assert [summary.cell(row + 1, c).value for c in (3, 4, 5)] == [
        "YTD actual", "Annual target", "Status",
    ]  # fmt: skip
    kpi_row, _ = find(summary, "PhD-or-above hires")
    assert summary.cell(kpi_row, 5).value == "Off track"
    cjk = re.compile(r"[\u4e00-\u9fff]")
    headers = [c.value for ws in wb.worksheets for c in ws[ws[ws.freeze_panes].row - 1]]
    assert not any(cjk.search(str(h)) for h in headers if h and h not in CHAIN_ZH.values())


def test_a_quarter_without_data_is_a_user_error_naming_the_quarters_with_data(warehouse, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UserError, match=r"2023Q1.*2024Q2.*2025Q4") as caught:
        write_export(warehouse, 2023, 1, out)
    assert "\n" not in str(caught.value)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("content", [None, b"", b"this is not a duckdb file" * 100])
def test_a_missing_or_corrupt_warehouse_is_a_clear_user_error(workspace, tmp_path, content):
    if content is not None:
        workspace.published_db.write_bytes(content)
    with pytest.raises(UserError, match="请先运行 kpi build") as caught:
        write_export(workspace, YEAR, QUARTER, tmp_path / "out")
    assert "run kpi build" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(UserError, match="kpi build"):
        latest_complete_quarter(workspace)


@pytest.mark.parametrize(
    ("quarter", "chain", "message"),
    [(5, None, "季度应为 1–4"), (0, None, "季度应为 1–4"), (3, "XYZ", "未知产业链")],
)
def test_a_bad_quarter_or_unknown_chain_is_a_user_error(
    warehouse, tmp_path, quarter, chain, message
):
    with pytest.raises(UserError, match=message):
        write_export(warehouse, YEAR, quarter, tmp_path, chain=chain)


def test_latest_complete_quarter_is_the_last_ended_quarter_with_data(warehouse):
    # Data from 2024Q2 (a gap) to 2025Q4 (a hire on 31 December); built as of 15 January 2026.
    assert latest_complete_quarter(warehouse) == (2025, 4)
    assert latest_complete_quarter(warehouse, dt.date(2025, 10, 1)) == (2025, 3)
    assert latest_complete_quarter(warehouse, dt.date(2025, 9, 30)) == (2025, 2)
    assert latest_complete_quarter(warehouse, dt.date(2024, 1, 1)) == (2025, 4)  # none ended


# --- the long listings, written vectorised ------------------------------------------------

# Texts XlsxWriter treats with care: formulas and numbers it must not guess, XML to escape,
# control characters it writes as _xHHHH_ (and a literal _xHHHH_ it guards), whitespace at
# either end it keeps, texts past Excel's 32,767 UTF-16 units it cuts (never inside an emoji).
HOSTILE_TEXTS = [
    FORMULA, "=1+1", "+1", "-1", "@cmd", HOSTILE_ID, "00123", "1E5", "0x1F", "TRUE",
    "<tag>&amp;", "a & b < c > d", "say \"hi\" it's", "</t></is></c></row>",
    "bell\x07and nul\x00", "esc\x1b[31m", "cr\r\nlf", "tab\tin", "\x0b\x0c\x1f",
    "_x0041_ stays", "_X0041_ and _x004_", "non\ufffechar\uffff",
    " leading", "trailing ", "\u3000全角空格\u3000", "nel\x85", "\n",
    "😀 emoji 👩‍👩‍👧", "新能源汽车 Ⅱ期", "x" * 40000, "😀" * 20000, "a" + "😀" * 16383,
    "ab" + "😀" * 16383, "", None,
]  # fmt: skip
# Ordinary texts, the widest of them (34 columns: CJK characters count double) wider than any
# ASCII text of the listings yet below the widest a column may get: it sizes its column.
WIDTH_TEXTS = ["新能源汽车电池项目", "半导体封装测试基地二期工程配套项目", "A-0001", "华为技术有限公司",
               "ＦＵＬＬ全角", "mixed 混合 text", "短"]  # fmt: skip
NUMBERS = [None, Decimal("0"), Decimal("0.07"), Decimal("846.06"), Decimal("-1.5"),
           Decimal("9999999999999999.99"), Decimal("12345.6")]  # fmt: skip
DATES = [None, dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1),
         dt.date(1899, 12, 31), dt.date(1850, 6, 1), dt.date(2025, 9, 30), dt.date(9999, 12, 31)]  # fmt: skip
INTEGERS = [None, 0, -3, 2147483647, 17]


def hostile_listing_warehouse(warehouse: Workspace, folder: Path, texts: list) -> Path:
    """A copy of the published warehouse with 40 more projects and 40 more open gaps whose
    texts cycle through `texts`, and whose numbers, dates, flags and codes cycle through
    edge cases (codes among those the marts accept)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chainkpi.duckdb"
    shutil.copy(warehouse.published_db, path)
    con = duckdb.connect(str(path))
    try:

        def codes(table: str, column: str) -> list:
            found = con.execute(f"select distinct {column} from main.{table} order by 1").fetchall()
            return [code for (code,) in found]

        text = itertools.cycle(texts)
        chain = itertools.cycle(CHAINS[1:])
        stage = itertools.cycle(codes("dim_project_pipeline", "stage"))
        kind = itertools.cycle([*codes("dim_project_pipeline", "project_type"), None])
        segment = itertools.cycle([*codes("dim_project_pipeline", "segment"), None])
        priority = itertools.cycle([*codes("dim_chain_gap_coverage", "priority"), None])
        status = itertools.cycle(
            [s for s in codes("dim_chain_gap_coverage", "status") if s != "closed"]
        )
        number, date, integer = (itertools.cycle(v) for v in (NUMBERS, DATES, INTEGERS))
        flag = itertools.cycle([True, False, None])
        con.executemany(
            """insert into main.dim_project_pipeline (project_id, project_name, chain_code,
                   project_type, segment, investor, stage, stage_sort_order,
                   planned_investment_wan, capital_in_place_wan, signed_date, started_date,
                   producing_date, gap_id, days_in_stage, is_stuck_over_90_days)
               values (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [[f"HOSTILE-P{i:02}", next(text), next(chain), next(kind), next(segment), next(text),
              next(stage), next(number), next(number), next(date), next(date), next(date),
              next(text), next(integer), next(flag)] for i in range(40)],
        )  # fmt: skip
        con.executemany(
            """insert into main.dim_chain_gap_coverage (gap_id, chain_code, segment, link_name,
                   priority, identified_date, status, is_open, days_open, project_count,
                   project_ids, lead_count, lead_ids, planned_investment_wan, is_uncovered)
               values (?, ?, ?, ?, ?, ?, ?, true, ?, ?, ?, ?, ?, ?, ?)""",
            [[f"HOSTILE-G{i:02}", next(chain), next(segment), next(text), next(priority),
              next(date), next(status), next(integer), i % 3, next(text), i % 2, next(text),
              next(number), next(flag)] for i in range(40)],
        )  # fmt: skip
    finally:
        con.close()
    return path


def colour(color) -> object:
    return (
        None if color is None else color.rgb if color.type == "rgb" else (color.type, color.value)
    )


def font_fill_and_format(cell) -> tuple:
    font, fill, align, border = cell.font, cell.fill, cell.alignment, cell.border
    return (
        cell.number_format, font.b, font.i, font.sz, colour(font.color),
        fill.fill_type, colour(fill.fgColor), align.horizontal, align.vertical, align.wrap_text,
        border.left.style, border.right.style, border.top.style, border.bottom.style,
        colour(border.left.color),
    )  # fmt: skip


def workbook_as_seen(path: Path, text=lambda value: value) -> dict:
    """Every sheet of the workbook as openpyxl reads it: each cell's value (a text through
    `text`), type, number format, font, fill, alignment and border, and the sheet's widths,
    heights, panes, filter, merges and conditional formats."""
    seen = {}
    for ws in openpyxl.load_workbook(path).worksheets:
        seen[ws.title] = {
            "cells": {
                cell.coordinate: (
                    text(cell.value) if isinstance(cell.value, str) else cell.value,
                    cell.data_type,
                    font_fill_and_format(cell),
                )
                for row in ws.iter_rows()
                for cell in row
            },
            "dimensions": ws.dimensions,
            "freeze_panes": ws.freeze_panes,
            "autofilter": ws.auto_filter.ref,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "widths": {col: d.width for col, d in ws.column_dimensions.items()},
            "heights": {row: d.height for row, d in ws.row_dimensions.items()},
            "default_height": ws.sheet_format.defaultRowHeight,
            "conditional": [
                (str(r.sqref), [rule.type for rule in r.rules]) for r in ws.conditional_formatting
            ],  # fmt: skip
        }
    return seen


def as_openpyxl_reads_a_shared_string(text: str) -> str:
    """openpyxl drops the `_x005F_` guard (a literal `_xHHHH_` in the text) from shared
    strings but keeps it in inline ones; Excel reads both alike (both are ST_Xstring)."""
    return text.replace("x005F_", "")


def stored_texts(path: Path) -> dict:
    """Each text cell's `<t>` as stored — its text (XML-unescaped, _xHHHH_ kept) and whether
    it keeps its spaces — shared string or inline, by (sheet file, cell)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    space = "{http://www.w3.org/XML/1998/namespace}space"

    def stored(element) -> tuple:
        t = element.find("m:t", ns)
        return (t.text or "", t.get(space)) if t is not None else ("(rich)", None)

    texts = {}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = [stored(si) for si in root.findall("m:si", ns)]
        for name in names:
            if name.startswith("xl/worksheets/sheet"):
                for c in ElementTree.fromstring(archive.read(name)).iter(f"{{{ns['m']}}}c"):
                    if c.get("t") == "s":
                        texts[(name, c.get("r"))] = shared[int(c.find("m:v", ns).text)]
                    elif c.get("t") == "inlineStr":
                        texts[(name, c.get("r"))] = stored(c.find("m:is", ns))
    return texts


def short(value: object) -> str:
    text = repr(value)
    return text if len(text) < 300 else f"{text[:150]} … {text[-100:]} ({len(text)} chars)"


def differences(expected: dict, got: dict) -> list[str]:
    """Where got differs from expected, one line each (long values cut short)."""
    found = []
    for sheet, facts in expected.items():
        for fact, value in facts.items():
            other = got[sheet][fact]
            if fact == "cells":
                found += [f"{sheet}!{ref}: {short(value.get(ref))} != {short(other.get(ref))}"
                          for ref in sorted(value.keys() | other.keys())
                          if value.get(ref) != other.get(ref)]  # fmt: skip
            elif value != other:
                found.append(f"{sheet} {fact}: {short(value)} != {short(other)}")
    return found


def row_elements(path: Path) -> dict[str, list[str]]:
    """Each sheet's `<row …>` start tags (row number, spans, height), in file order."""
    with zipfile.ZipFile(path) as archive:
        return {name: re.findall(r"<row [^>]*>", archive.read(name).decode("utf-8"))
                for name in archive.namelist() if name.startswith("xl/worksheets/")}  # fmt: skip


def inline_string_sheets(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return {name for name in archive.namelist()
                if name.startswith("xl/worksheets/") and b'"inlineStr"' in archive.read(name)}  # fmt: skip


@pytest.mark.parametrize(
    ("texts", "lang"),
    [(HOSTILE_TEXTS, "zh"), (HOSTILE_TEXTS, "en"), (WIDTH_TEXTS, "zh")],
    ids=["hostile-zh", "hostile-en", "widths-zh"],
)
def test_long_listings_written_vectorised_hold_the_cells_xlsxwriter_writes(
    warehouse, tmp_path, texts, lang, monkeypatch
):
    """The project list and the open gaps, written vectorised, read back cell for cell
    (value, type, number format, font, fill, alignment, border) and sheet for sheet (column
    widths too) as what XlsxWriter writes itself for the same rows: hostile texts, empty
    cells, edge numbers and dates, flags and codes included. Their rows are built two blocks
    of 16 a query here (4,096 in use), so that a listing takes several."""
    from chainkpi.export import xlsx_listing

    monkeypatch.setattr(xlsx_listing, "BLOCKS_PER_QUERY", 2)
    path = hostile_listing_warehouse(warehouse, tmp_path / "warehouse", texts)
    with read_export(path, YEAR, QUARTER, CHAINS) as data:
        assert len(data.projects) > 40 and len(data.open_gaps) > 40  # several blocks of 16 rows
        vectorised = write_xlsx(
            tmp_path / "vectorised.xlsx", data, YEAR, QUARTER, lang, vectorise_from=0
        )
        reference = write_xlsx(
            tmp_path / "xlsxwriter.xlsx", data, YEAR, QUARTER, lang, vectorise_from=10**9
        )
    # The two really are written differently: inline strings are the vectorised writer's.
    assert inline_string_sheets(reference) == set()
    assert len(inline_string_sheets(vectorised)) == 2
    expected = workbook_as_seen(reference)
    got = workbook_as_seen(vectorised, text=as_openpyxl_reads_a_shared_string)
    found = differences(expected, got)
    assert not found, "\n".join(found[:20])
    # Every text stored exactly as XlsxWriter stores it (escapes, xml:space, the cut).
    xlsxwriter_texts, vectorised_texts = stored_texts(reference), stored_texts(vectorised)
    assert len(vectorised_texts) > 40 * 6
    found = [f"{where}: {short(xlsxwriter_texts.get(where))} != {short(vectorised_texts.get(where))}"
             for where in sorted(xlsxwriter_texts.keys() | vectorised_texts.keys())
             if xlsxwriter_texts.get(where) != vectorised_texts.get(where)]  # fmt: skip
    assert not found, "\n".join(found[:20])
    # Row for row as XlsxWriter writes them: each once, in order, with its spans and height.
    assert row_elements(vectorised) == row_elements(reference)
    if texts is WIDTH_TEXTS:
        return
    # And what both hold is what the rows hold: texts as text, numbers as numbers, dates as
    # dates; control characters as _xHHHH_, which a reader turns back into them.
    projects = got["项目清单" if lang == "zh" else "Projects"]["cells"]
    kinds = {}
    for value, kind, _ in projects.values():
        kinds.setdefault(unescape(value) if isinstance(value, str) else value, set()).add(kind)
    for text in (HOSTILE_ID, FORMULA, "00123", "1E5", "bell\x07and nul\x00", "x" * 32767,
                 "😀" * 16383, "ab" + "😀" * 16382, " leading", "<tag>&amp;"):  # fmt: skip
        assert kinds[text] == {"s"}, short(text)
    assert "x" * 40000 not in kinds and "ab" + "😀" * 16383 not in kinds  # cut like XlsxWriter
    assert kinds[846.06] == kinds[-1.5] == kinds[2147483647] == {"n"}
    assert kinds[dt.datetime(1900, 3, 1)] == kinds[dt.datetime(9999, 12, 31)] == {"d"}


@pytest.mark.parametrize("vectorise_from", [0, 10**9], ids=["vectorised", "xlsxwriter"])
def test_a_text_like_xlsxwriters_rich_string_xml_stays_text_in_a_listing(
    warehouse, tmp_path, vectorise_from
):
    """XlsxWriter writes a text `<r>…</r>` unescaped, taking it for its own rich-string XML
    (`<r>a & b</r>` then makes the file unreadable): the vectorised listings escape it, and
    on XlsxWriter's path write_text hands it over as plain runs."""
    rich = "<r>a & b</r>"
    path = hostile_listing_warehouse(warehouse, tmp_path / "warehouse", [rich, "<r>x</r>"])
    with read_export(path, YEAR, QUARTER, CHAINS) as data:
        written = write_xlsx(
            tmp_path / "out.xlsx", data, YEAR, QUARTER, "zh", vectorise_from=vectorise_from
        )
    wb = openpyxl.load_workbook(written)
    for sheet, header in (("项目清单", "项目名称"), ("产业链缺口", "缺失环节")):
        values = column_values(wb[sheet], header)
        assert rich in values and "<r>x</r>" in values, sheet


@pytest.mark.parametrize(
    "texts",
    [
        ["a" * 14, "中文中文中文中文"],  # 16 wide, shorter than the ASCII text
        ["ⅡⅡⅡⅡⅡⅡⅡⅡⅡⅡ", "——————————", "中文中文", "ＦＵＬＬ"],  # narrow three-byte characters
        ["a" * 19, "\u0378" * 12],  # two-byte, unassigned, "wide" to Python: one column each
        ["😀" * 5, "emoji 👩‍👩‍👧", "a😀b", "\u3000全角空格\u3000", None, ""],  # four bytes; none
        [f"新能源汽车电池配套项目{i}" for i in range(2000)] + ["x" * 25],  # many, all distinct
    ],
    ids=["cjk-under-ascii", "narrow-three-byte", "two-byte", "emoji-and-empty", "many"],
)
def test_a_long_listings_text_column_is_as_wide_as_its_widest_text(texts):
    """The vectorised path measures a column in SQL (its longest length and a bound per text)
    and only the texts that may be widest in Python: the same width display_width gives the
    widest of them all."""
    from chainkpi.export.xlsx_export import display_width
    from chainkpi.export.xlsx_listing import ListingTable

    con = duckdb.connect()
    try:
        con.execute(
            "create table listing as select unnest(?::varchar[]) as name, "
            "row_number() over () as listing_row",
            [texts],
        )
        measured = ListingTable(con, "listing").measure(text_widths=["name"], width=display_width)
    finally:
        con.close()
    assert measured.text_widths["name"] == max(display_width(t) for t in texts if t)
