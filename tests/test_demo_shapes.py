"""The demo writes part of its ledgers in the real shapes of real_ledgers.md, so `make demo`
exercises them: a WPS .xls, a two-row grouped header, a merged title row and a 亿元 unit
row, header and value synonyms, months without a day, ★ marks, numbers as text, subtotal,
section, note and footer rows, a workbook with one sheet per chain, chain cells merged down,
a ledger without an ID column followed by later months', a GB18030 CSV in 亿元.

The files are looked at cell by cell (python-calamine, as written), and their records read
with test_demo_data's own reader (not the ingest's).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from chainkpi.demo import CONTACTS, OWNER_CONTACTS, PREPARERS, generate_detailed
from chainkpi.ingest.schema import PERSONAL_COLUMNS
from tests.test_demo_data import _code, _read

AS_OF = date(2026, 11, 25)
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")  # the compound file an Excel 97–2003 .xls is
TITLE = re.compile(r"^南澳区新能源产业链“双招双引”项目储备库（(\d{4})年(\d{1,2})月）$")
FOOTER = re.compile(r"^填报人：(\S+)\s+联系电话：(\d{11})\s+填报日期：\d{4}年\d{1,2}月\d{1,2}日$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo_shapes")
    return out, generate_detailed(out, as_of=AS_OF)


def _label(cell: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(cell or "")).split())


def _sheet(path: Path, index: int = 0) -> tuple[list[list[object]], list]:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(index)
    return sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []


def _header_at(rows: list[list[object]], label: str) -> int:
    return next(i for i, row in enumerate(rows[:15]) if label in [_label(c) for c in row])


def _ne_ledgers(out: Path) -> list[Path]:
    return sorted(out.glob("南澳区新能源产业链项目储备库*.xls"))


def _ne_latest(out: Path) -> tuple[list[list[object]], list, int]:
    rows, merges = _sheet(_ne_ledgers(out)[-1])
    return rows, merges, _header_at(rows, "项目名称")


def _column(rows: list[list[object]], header: int, label: str) -> list[object]:
    """The cells under a header cell (of the header's first or second row) of the NE ledger,
    data rows only (序号 is a number)."""
    c = [_label(v) for v in rows[header]].index(label)
    return [row[c] for row in rows[header + 1 :] if isinstance(row[0], (int, float))]


# --------------------------------------------------------------------------- the .xls


def test_an_xls_saved_as_wps_does_with_merged_ranges(demo) -> None:
    out, result = demo
    ledgers = _ne_ledgers(out)
    assert len(ledgers) >= 30, "one a month (a month without any change is left out)"
    for path in ledgers:
        assert path.read_bytes()[:8] == OLE2, path.name
    shaped = {f.path.name: f for f in result.files}
    assert {shaped[p.name].format for p in ledgers} == {"xls"}
    workbook = CalamineWorkbook.from_path(str(ledgers[-1]))
    assert workbook.sheet_names == ["Sheet1", "Sheet2", "Sheet3"]
    assert _sheet(ledgers[-1], 1)[0] in ([], [[]], [[""]])  # WPS's empty sheets
    assert len(_sheet(ledgers[-1])[1]) > 15


def test_a_merged_title_row_and_a_unit_row_in_yi(demo) -> None:
    out, _ = demo
    rows, merges, header = _ne_latest(out)
    assert TITLE.match(str(rows[0][0])), rows[0][0]
    width = len([c for c in rows[header] if c]) + 1  # the group cell spans two columns
    assert ((0, 0), (0, width - 1)) in merges
    unit = [str(c) for c in rows[1] if c]  # as typed, full-width colons
    assert unit[0].startswith("填报单位：") and unit[-1] == "单位：亿元"
    assert header == 2
    # Amounts in 亿元 are whole 万元: nothing lost at 2 decimals of 万元.
    planned = [float(str(v)) for v in _column(rows, header, "总投资")]
    # Some typed as text (one in seven, drawn per row: looked for in all the office's months,
    # as the newest month may hold only a few rows).
    amounts = []
    for path in _ne_ledgers(out):
        month, _ = _sheet(path)
        amounts += _column(month, _header_at(month, "项目名称"), "总投资")
    assert any(isinstance(v, str) for v in amounts), "some as text"
    assert all(abs(v * 10000 - round(v * 10000)) < 1e-6 for v in planned)
    assert max(planned) < 100 and sum(planned) > 1  # 亿元, not 万元


def test_a_two_row_header_with_a_group_over_its_sub_columns(demo) -> None:
    out, _ = demo
    rows, merges, h = _ne_latest(out)
    top, bottom = [_label(c) for c in rows[h]], [_label(c) for c in rows[h + 1]]
    g = top.index("项目业主单位")
    assert ((h, g), (h, g + 1)) in merges
    assert bottom[g : g + 2] == ["联系人", "联系电话"]
    others = [i for i, label in enumerate(top) if label and i not in (g, g + 1)]
    assert len(others) > 10
    for i in others:  # every other header cell is merged down over both header rows
        assert ((h, i), (h + 1, i)) in merges, top[i]
        assert bottom[i] == ""
    assert "项目\n类型" in rows[h], "a line break inside a header cell"


def test_synonym_headers_and_values_months_stars_and_numbers_as_text(demo) -> None:
    out, _ = demo
    rows, _, h = _ne_latest(out)
    headers = {_label(c) for c in rows[h] + rows[h + 1]}
    assert {
        "投资方",
        "总投资",
        "项目进展",
        "签约时间",
        "开工时间",
        "投产时间",
        "招商渠道",
    } <= headers
    assert {"产业链环节", "投资方所在地", "实际到位资金(万元)"} <= headers
    contract = {"项目编号", "项目代码", "投资主体", "计划总投资(万元)", "项目阶段", "签约日期"}
    assert not headers & contract
    assert not headers & {"所属产业链", "产业链", "所属链条", "链条"}, "the title gives the chain"
    stages = set(_column(rows, h, "项目进展"))
    assert {"在建", "已签约", "在谈"} <= stages
    assert not stages & {"开工", "签约", "洽谈"}, "synonyms, not the code list's labels"
    months = [str(v) for key in ("签约时间", "开工时间", "投产时间") for v in _column(rows, h, key)]
    assert any(re.fullmatch(r"\d{4}\.\d{1,2}", m) for m in months)
    assert any(re.fullmatch(r"\d{4}年\d{1,2}月", m) for m in months)
    assert not any(re.search(r"\d+日|\d{4}[-./]\d{1,2}[-./]\d", m) for m in months)
    assert any(str(n).startswith("★") for n in _column(rows, h, "项目名称"))
    capital = [v for v in _column(rows, h, "实际到位资金(万元)") if v]
    assert capital and all(re.fullmatch(r"\d{1,3}(,\d{3})*\.00", str(v)) for v in capital)
    assert any("," in str(v) for v in capital)


def test_subtotal_section_note_and_footer_rows(demo) -> None:
    out, result = demo
    rows, merges, h = _ne_latest(out)
    data = [row for row in rows[h + 2 :] if isinstance(row[0], (int, float))]
    amount = [_label(c) for c in rows[h]].index("总投资")
    total = round(sum(float(str(row[amount])) for row in data), 4)
    assert rows[h + 2][:2] == ["合计", f"{len(data)}个"] and rows[h + 2][amount] == total
    assert str(rows[h + 3][0]).startswith("其中：")
    firsts = [str(row[0]) for row in rows]
    assert "小计" in firsts
    for heading in ("一、建链延链项目", "二、补链强链项目"):
        row = rows[firsts.index(heading)]
        assert not any(row[1:]), "a section row fills its first cell only"
    note = next(r for r, first in enumerate(firsts) if first.startswith("注："))
    assert ((note, 0), (note, len(rows[h]) - 1)) in merges
    footer = FOOTER.match(firsts[-1])
    assert footer, firsts[-1]
    assert (footer[1], footer[2]) in PREPARERS and (footer[1], footer[2]) in result.contacts


def test_a_ledger_without_ids_and_later_months_ledgers_update_the_same_projects(demo) -> None:
    out, _ = demo
    ledgers = _ne_ledgers(out)  # name order is month order
    months = [TITLE.match(str(_sheet(p)[0][0][0])).groups() for p in ledgers]
    keys = [int(y) * 12 + int(m) for y, m in months]
    assert keys == sorted(set(keys)) and keys[-1] == AS_OF.year * 12 + AS_OF.month
    # The reader derives the key from the name (★ and spaces dropped): none is given. A
    # project comes back, under the same key, in the month its stage moved on.
    stage: dict[str, str] = {}
    advanced = []
    for path in ledgers:
        _, records = _read(path)
        month = {r["project_id"]: r for _, r in records}
        assert len(month) == len(records) and all("★" not in key for key in month)
        for key, row in month.items():
            try:
                now = _code("stage", row["stage"])
            except ValueError:
                continue  # the planted stage in no list
            if key in stage and stage[key] != now:
                advanced.append(key)
            stage[key] = now
    assert len(advanced) >= 50, "projects' stages moved on from month to month"


# --------------------------------------------------------------------------- workbooks


def test_a_workbook_with_one_sheet_per_chain_and_no_chain_column(demo) -> None:
    out, result = demo
    (path,) = out.glob("南澳区重点产业链急需紧缺人才需求目录*.xlsx")
    workbook = CalamineWorkbook.from_path(str(path))
    visible = [m.name for m in workbook.sheets_metadata if m.visible == SheetVisibleEnum.Visible]
    hidden = [m.name for m in workbook.sheets_metadata if m.visible != SheetVisibleEnum.Visible]
    assert visible == ["填表说明", "新能源产业链", "新材料产业链"] and hidden == ["下拉选项"]
    for index, prefix in ((1, "GW-NE-"), (2, "GW-MAT-")):
        rows, _ = _sheet(path, index)
        h = _header_at(rows, "岗位编号")
        assert not {_label(c) for c in rows[h]} & {"所属产业链", "产业链", "所属链条", "链条"}
        ids = [str(row[1]) for row in rows[h + 1 :] if str(row[1]).startswith("GW-")]
        assert ids and all(i.startswith(prefix) for i in ids)
    _, records = _read(path)
    assert {r["chain"] for _, r in records} == {"NE", "MAT"}
    assert all(r["position_id"].startswith(f"GW-{r['chain']}-") for _, r in records)
    assert next(f for f in result.files if f.path == path).rows == len(records)
    # openpyxl agrees on the sheets: the shapes are not a calamine reading.
    assert openpyxl.load_workbook(path, read_only=True).sheetnames == visible + hidden


def test_chain_cells_merged_down_in_a_district_wide_ledger(demo) -> None:
    out, _ = demo
    (path,) = out.glob("南澳区领军人才项目清单*.xlsx")
    rows, merges = _sheet(path)
    h = _header_at(rows, "所属链条")
    c = [_label(v) for v in rows[h]].index("所属链条")
    down = [(r1, r2) for (r1, c1), (r2, c2) in merges if c1 == c2 == c and r2 > r1]
    assert len(down) >= 2
    for r1, r2 in down:
        assert str(rows[r1][c]).endswith("产业链")
        assert all(rows[r][c] in ("", None) for r in range(r1 + 1, r2 + 1)), "as Excel stores it"
    assert rows[h + 1][:2] == ["合计", f"{sum(isinstance(r[0], float) for r in rows)}个"]
    _, records = _read(path)
    by_row = {row: r["chain"] for (_, row), r in records}
    for r1, r2 in down:  # the merged value reaches every row it covers
        assert len({by_row[r + 1] for r in range(r1, r2 + 1)}) == 1


def test_a_gb18030_csv_with_a_unit_line_above_the_header(demo) -> None:
    out, result = demo
    written = [f for f in result.files if f.shape == "leads_in_yi"]
    assert len(written) == 12, "the centre's monthly lists of 2025, saved on its office PC"
    amounts = []
    for file in written:
        data = file.path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        lines = data.decode("gb18030").splitlines()
        h = next(i for i, line in enumerate(lines) if "意向投资额" in line)
        assert lines[h - 1].startswith("金额单位：亿元")
        assert "对接时间" in lines[h] and "跟进状态" in lines[h]
        assert lines[-1].startswith("填报人：")
        _, records = _read(file.path)
        amounts += [
            r["expected_investment_wan"] for _, r in records if r["expected_investment_wan"]
        ]
    assert amounts and all(float(a) == round(float(a)) for a in amounts), "whole 万元"
    assert max(float(a) for a in amounts) > 1000, "read as 亿元 × 10000"


# --------------------------------------------------------------------------- people, volume


def test_contacts_are_exposed_and_in_no_column_the_contract_keeps(demo) -> None:
    out, result = demo
    assert set(result.contacts) <= set(CONTACTS)
    assert set(result.contacts) & set(PREPARERS) and set(result.contacts) & set(OWNER_CONTACTS)
    rows, _, h = _ne_latest(out)
    written = set(_column(rows, h + 1, "联系人")) | set(_column(rows, h + 1, "联系电话"))
    assert {p for person in OWNER_CONTACTS for p in person} & written
    forms = {form for name, phone in CONTACTS for form in (name, name[1:], phone)}
    for path in out.iterdir():
        dataset, records = _read(path)
        personal = set(PERSONAL_COLUMNS.get(dataset.key, []))
        for _, record in records:
            for key, value in record.items():
                if key not in personal and value is not None:
                    assert not [f for f in forms if f in str(value)], (path.name, key, value)


def test_real_shapes_are_a_minority_of_the_rows(demo) -> None:
    _, result = demo
    shapes = {f.shape for f in result.files if f.shape}
    assert shapes == {"wps_projects", "catalogue_by_chain", "leaders_by_chain", "leads_in_yi"}
    shaped = sum(f.rows for f in result.files if f.shape)
    assert 0.1 < shaped / sum(f.rows for f in result.files) < 0.3


def test_the_planted_stage_is_in_no_list_now_that_zai_jian_is_a_synonym() -> None:
    assert _code("stage", "在建") == "started"
    with pytest.raises(ValueError):
        _code("stage", "推进中")
