"""Demo ledgers in the shapes offices really hand in (../shared/spec/real_ledgers.md).

plan.py decides what each file holds; the builders here lay some of those files out the
way a district office's template does, and the writers put the layout on disk:

- `wps_projects`: one chain office's project ledger, an Excel 97–2003 `.xls` as WPS saves
  it (xlwt): a merged title row, a unit row (`填报单位：…` and `单位：亿元`), a two-row header
  (`项目业主单位` merged over `联系人 | 联系电话`, the other header cells merged down), header
  synonyms (`投资方`, `总投资`, `项目进展`, `签约时间`, …), value synonyms (`在建`, `已签约`,
  `在谈`, …), months without a day (`2025.7`, `2025年8月`), `★` before the names of 亿元
  projects, amounts written as text (`54,583.00`), `合计`/`其中`/`小计` rows, section rows by
  project type (`一、建链延链项目`), a note and a footer with the preparer's name and phone, and
  no ID column (the key is the project name). The office hands one in every month.
- `catalogue_by_chain`: a talent catalogue workbook (xlsx) with one sheet per chain and no
  chain column (the sheet name gives the chain), an instructions sheet without a header,
  and a hidden sheet of drop-down lists.
- `leaders_by_chain`: a district-wide leading-talent project list whose chain cells are
  merged down over each chain's rows.
- `leads_in_yi`: a lead list saved as GBK/GB18030 CSV, with `金额单位：亿元` above the header.

Every layout is deterministic: the draws come from the caller's `random.Random`, and xlwt
and xlsxwriter (with fixed properties) write the same bytes for the same layout.

The footers and the owners' contact columns hold names and phone numbers: real personal
data in a real ledger. They come from words.py's `PREPARERS` and `OWNER_CONTACTS` only
(`CONTACTS` is both), so a privacy scan knows what to look for.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Protocol

import xlsxwriter
import xlwt

from chainkpi.demo.words import OWNER_CONTACTS
from chainkpi.ingest.schema import CHAIN_NAMES_ZH, CODE_LISTS

YI = 10000  # 万元 in one 亿元


class Ledger(Protocol):
    """What a builder needs of plan.py's file plan (`Plan`)."""

    name: str
    office: str | None
    title: str
    author: str
    as_of: date
    records: list[dict[str, object]]


# --------------------------------------------------------------------------- layouts


@dataclass
class Sheet:
    """One sheet as laid out: cells by row, merged ranges, what each row is."""

    name: str
    width: int
    rows: list[list[object]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # title unit header subtotal section data …
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    at: dict[int, int] = field(default_factory=dict)  # id(record) -> 0-based row
    hidden: bool = False
    widths: dict[int, int] = field(default_factory=dict)

    def add(self, kind: str, cells: Sequence[object] = ()) -> int:
        row = [*cells, *([None] * (self.width - len(cells)))]
        self.rows.append(row)
        self.kinds.append(kind)
        return len(self.rows) - 1

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))

    def banner(self, kind: str, text: str) -> int:
        """A row whose one text spans the sheet's width (title, note, footer)."""
        r = self.add(kind, [text])
        self.merge(r, 0, r, self.width - 1)
        return r


@dataclass
class Book:
    sheets: list[Sheet]
    title: str
    author: str
    as_of: date


@dataclass(frozen=True)
class Col:
    """A column of a layout: its header (under a group header, if any) and how to fill it."""

    label: str
    cell: Callable[[dict[str, object]], object]
    group: str | None = None
    width: int = 12


def header(sheet: Sheet, columns: Sequence[Col]) -> None:
    """One header row, or two when some columns sit under a group cell: then the group is
    merged across its sub-columns and every other header cell merged down over both rows."""
    grouped = any(c.group for c in columns)
    top = sheet.add("header", [c.group or c.label for c in columns])
    for i, column in enumerate(columns):
        sheet.widths[i] = column.width
    if not grouped:
        return
    bottom = sheet.add("header", [c.label if c.group else None for c in columns])
    i = 0
    while i < len(columns):
        group = columns[i].group
        j = i
        while group and j + 1 < len(columns) and columns[j + 1].group == group:
            j += 1
        if group:
            sheet.merge(top, i, top, j)
        else:
            sheet.merge(top, i, bottom, i)
        i = j + 1


def data_row(sheet: Sheet, columns: Sequence[Col], record: dict[str, object]) -> int:
    r = sheet.add("data", [c.cell(record) for c in columns])
    sheet.at[id(record)] = r
    return r


def day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def footer_text(preparer: tuple[str, str], day: date) -> str:
    name, phone = preparer
    return f"填报人：{name}    联系电话：{phone}    填报日期：{day_text(day)}"


def yi(wan: float) -> float:
    """An amount in 亿元, from a whole number of 万元 (so no digit of 万元 is lost)."""
    return round(wan) / YI


def number_text(value: float, decimals: int = 4) -> str:
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def _zh(code_list: str, code: object) -> str | None:
    return None if code is None else CODE_LISTS[code_list][str(code)][0]


# --------------------------------------------------------------------------- writers


def write(path: Path, book: Book, encoding: str | None = None) -> str:
    """Write the book as the path's suffix says; return the format's label."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        _write_xls(path, book)
        return "xls"
    if suffix == ".xlsx":
        _write_xlsx(path, book)
        return "xlsx"
    (sheet,) = book.sheets
    _write_csv(path, sheet, encoding or "utf-8-sig")
    return f"csv {encoding or 'utf-8-sig'}"


_BORDER = "borders: left thin, right thin, top thin, bottom thin"
_XLS_STYLES = {
    "title": "font: bold on, height 320; align: horiz center, vert center",
    "unit": "font: height 200; align: vert center",
    "header": "font: bold on; align: horiz center, vert center, wrap on; "
    f"{_BORDER}; pattern: pattern solid, fore_colour pale_blue",
    "subtotal": f"font: bold on; {_BORDER}",
    "section": "font: bold on",
    "data": f"{_BORDER}; align: vert center",
    "note": "font: height 200; align: wrap on",
    "footer": "font: height 200",
    "text": "",
}


def _write_xls(path: Path, book: Book) -> None:
    workbook = xlwt.Workbook(encoding="utf-8")
    styles = {kind: xlwt.easyxf(spec) for kind, spec in _XLS_STYLES.items()}
    dates = xlwt.easyxf(_XLS_STYLES["data"], num_format_str="yyyy-mm-dd")
    for sheet in book.sheets:
        out = workbook.add_sheet(sheet.name)
        if sheet.hidden:
            out.visibility = 1
        for c, width in sheet.widths.items():
            out.col(c).width = 256 * width
        covered = _covered(sheet)
        for r1, c1, r2, c2 in sheet.merges:
            value = sheet.rows[r1][c1]
            out.write_merge(r1, r2, c1, c2, "" if value is None else value, styles[sheet.kinds[r1]])
        for r, row in enumerate(sheet.rows):
            style = styles[sheet.kinds[r]]
            for c, value in enumerate(row):
                if (r, c) in covered:
                    continue
                if isinstance(value, date):
                    out.write(r, c, datetime.combine(value, time()), dates)
                elif value is not None or sheet.kinds[r] in ("data", "header", "subtotal"):
                    out.write(r, c, value, style)  # an empty bordered cell is a blank
    workbook.save(str(path))


def _covered(sheet: Sheet) -> set[tuple[int, int]]:
    return {
        (r, c)
        for r1, c1, r2, c2 in sheet.merges
        for r in range(r1, r2 + 1)
        for c in range(c1, c2 + 1)
    }


def _write_xlsx(path: Path, book: Book) -> None:
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    # Fixed properties: the creation time otherwise makes every run's bytes differ.
    workbook.set_properties(
        {
            "title": book.title,
            "author": book.author,
            "company": "南澳区",
            "created": datetime.combine(book.as_of, time(9, 0)),
        }
    )
    border = {"border": 1, "valign": "vcenter"}
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14, "align": "center"}),
        "unit": workbook.add_format({"font_size": 10}),
        "header": workbook.add_format(
            {**border, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7"}
        ),
        "subtotal": workbook.add_format({**border, "bold": True}),
        "section": workbook.add_format({"bold": True}),
        "data": workbook.add_format(border),
        "note": workbook.add_format({"font_size": 10, "text_wrap": True}),
        "footer": workbook.add_format({"font_size": 10}),
        "text": workbook.add_format({}),
    }
    day = workbook.add_format({**border, "num_format": "yyyy-mm-dd"})
    for sheet in book.sheets:
        out = workbook.add_worksheet(sheet.name)
        if sheet.hidden:
            out.hide()
        for c, width in sheet.widths.items():
            out.set_column(c, c, width)
        covered = _covered(sheet)
        for r1, c1, r2, c2 in sheet.merges:
            value = sheet.rows[r1][c1]
            assert value is None or isinstance(value, str), value
            out.merge_range(r1, c1, r2, c2, value or "", formats[sheet.kinds[r1]])
        for r, row in enumerate(sheet.rows):
            fmt = formats[sheet.kinds[r]]
            for c, value in enumerate(row):
                if (r, c) in covered or value is None:
                    continue
                if isinstance(value, str):
                    out.write_string(r, c, value, fmt)
                elif isinstance(value, date):
                    out.write_datetime(r, c, datetime.combine(value, time()), day)
                else:
                    out.write_number(r, c, value, fmt)  # type: ignore[arg-type]
    workbook.close()


def _write_csv(path: Path, sheet: Sheet, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # as Excel saves CSV
        for row in sheet.rows:
            writer.writerow(["" if v is None else v for v in row])


# --------------------------------------------------------------------------- projects (.xls)

# How the chain offices' template words a stage: (usual word, other words).
_STAGE_WORDS = {
    "reserve": ("谋划", "在库"),
    "negotiating": ("在谈", "跟踪洽谈"),
    "signed": ("已签约", "签约落地"),
    "started": ("在建", "已开工"),
    "producing": ("已投产", "竣工投产"),
    "dropped": ("已终止", "取消"),
}
_CHANNEL_WORDS = {
    "investor_referral": "以商招商",
    "platform": "平台",
    "agency": "第三方",
    "field_office": "驻外分局",
    "vanguard_team": "先锋队",
    "fund": "基金",
    "other": "其他",
}
_SECTIONS = (
    ("一、建链延链项目", ("build", "extend")),
    ("二、补链强链项目", ("fill", "strengthen")),
)
_STARS = 10000  # 万元: projects of 1 亿元 or more carry a ★ before their name


def wps_projects(plan: Ledger, rng: random.Random, preparer: tuple[str, str]) -> Book:
    """A chain office's monthly project ledger as its WPS template has it (see module doc)."""

    def word(value: object, words: dict[str, tuple[str, ...]]) -> object:
        if value is None or not isinstance(value, str) or value not in words:
            return value  # a planted value outside every list is written as given
        usual, *others = words[value]
        return rng.choice(others) if others and rng.random() < 0.15 else usual

    def month(value: object) -> object:
        if not isinstance(value, date):
            return value
        return (
            f"{value.year}.{value.month}"
            if rng.random() < 0.6
            else f"{value.year}年{value.month}月"
        )

    def planned(record: dict[str, object]) -> object:
        value = yi(float(record["planned_investment_wan"]))  # type: ignore[arg-type]
        return number_text(value) if rng.random() < 0.15 else value

    def capital(record: dict[str, object]) -> object:
        value = record.get("capital_in_place_wan")
        return None if value is None else f"{round(float(value)):,.2f}"  # type: ignore[arg-type]

    def name(record: dict[str, object]) -> str:
        star = float(record["planned_investment_wan"]) >= _STARS  # type: ignore[arg-type]
        return f"{'★' if star else ''}{record['project_name']}"

    def project_type(record: dict[str, object]) -> str | None:
        label = _zh("project_type", record.get("project_type"))
        return f"{label}项目" if label and rng.random() < 0.2 else label

    def contact(record: dict[str, object], part: int) -> str | None:
        # The same owner keeps the same contact from month to month.
        pick = random.Random(f"contact:{record['project_name']}")
        if pick.random() < 0.2:
            return None
        return pick.choice(OWNER_CONTACTS)[part]

    serial = iter(range(1, len(plan.records) + 1))
    columns = [
        Col("序号", lambda r: next(serial), width=6),
        Col("项目名称", name, width=36),
        Col("项目\n类型", project_type, width=8),
        Col("产业链\n环节", lambda r: _zh("segment", r.get("segment")), width=8),
        Col("投资方", lambda r: r.get("investor"), width=30),
        Col("投资方\n所在地", lambda r: r.get("origin"), width=10),
        Col("总投资", planned, width=10),
        Col("实际到位资金（万元）", capital, width=14),
        Col("招商渠道", lambda r: _CHANNEL_WORDS.get(str(r.get("channel"))), width=10),
        Col("项目进展", lambda r: word(r.get("stage"), _STAGE_WORDS), width=10),
        Col("签约时间", lambda r: month(r.get("signed_date")), width=10),
        Col("开工时间", lambda r: month(r.get("started_date")), width=10),
        Col("投产时间", lambda r: month(r.get("producing_date")), width=10),
        Col("对应缺口编号", lambda r: r.get("gap_id"), width=14),
        Col("是否头部企业", lambda r: "√" if r.get("head_enterprise") else None, width=8),
        Col("联系人", lambda r: contact(r, 0), group="项目业主单位", width=8),
        Col("联系电话", lambda r: contact(r, 1), group="项目业主单位", width=13),
        Col("备注", lambda r: r.get("_remark") or None, width=16),
    ]
    amount_col = 6
    sheet = Sheet("Sheet1", len(columns))
    sheet.banner("title", plan.title)
    unit = sheet.add("unit", [f"填报单位：{plan.author}"])
    sheet.merge(unit, 0, unit, 4)
    sheet.rows[unit][-2] = "单位：亿元"
    sheet.merge(unit, len(columns) - 2, unit, len(columns) - 1)
    header(sheet, columns)

    def total(records: list[dict[str, object]]) -> float:
        return round(sum(yi(float(r["planned_investment_wan"])) for r in records), 4)  # type: ignore[arg-type]

    def subtotal(label: str, records: list[dict[str, object]]) -> None:
        r = sheet.add("subtotal", [label, f"{len(records)}个"])
        sheet.rows[r][amount_col] = total(records)

    records = plan.records
    subtotal("合计", records)
    subtotal("其中：在建项目", [r for r in records if r.get("stage") == "started"])
    for heading, types in _SECTIONS:
        part = [r for r in records if r.get("project_type") in types]
        if not part:
            continue
        sheet.add("section", [heading])
        subtotal("小计", part)
        for record in part:
            data_row(sheet, columns, record)
    sheet.banner(
        "note",
        "注：1.项目进展填写谋划、在谈、已签约、在建、已投产、已终止；2.总投资单位为亿元，"
        "实际到位资金单位为万元；3.项目名称前标★的为总投资1亿元以上项目；4.签约、开工、"
        "投产时间填写到月。",
    )
    sheet.banner("footer", footer_text(preparer, plan.as_of))
    # As WPS saves a new workbook: two empty sheets after the ledger.
    empty = [Sheet("Sheet2", 1), Sheet("Sheet3", 1)]
    return Book([sheet, *empty], plan.title, plan.author, plan.as_of)


# --------------------------------------------------------------------------- catalogue (xlsx)

_MIN_DEGREE_WORDS = {
    "phd": ("博士研究生", "博士及以上", "博士"),
    "master": ("硕士及以上", "硕士研究生", "硕士"),
    "bachelor": ("本科及以上", "本科"),
    "below_bachelor": ("大专及以上", "不限", "大专"),
}


def catalogue_by_chain(
    plan: Ledger, rng: random.Random, preparer: tuple[str, str], chains: Sequence[str]
) -> Book:
    """The talent office's catalogue workbook: one sheet per chain, named by the chain, no
    chain column; an instructions sheet first and a hidden sheet of drop-down lists last."""
    year = plan.as_of.year
    notes = Sheet("填表说明", 1)
    for line in (
        f"{plan.title}填表说明",
        "1.每条产业链一个工作表，请勿修改工作表名称；",
        "2.学历填写：博士研究生、硕士及以上、本科及以上、大专及以上、不限；",
        "3.发布时间填写目录发布日期；岗位编号由人才办统一编排。",
    ):
        notes.add("text", [line])
    notes.widths[0] = 60
    sheets = [notes]
    for chain in chains:
        records = [r for r in plan.records if r.get("chain") == chain]
        serial = iter(range(1, len(records) + 1))

        def degree(record: dict[str, object]) -> object:
            value = record.get("min_degree")
            words = _MIN_DEGREE_WORDS.get(str(value))
            return rng.choice(words) if words else value

        columns = [
            Col("序号", lambda r, s=serial: next(s), width=6),
            Col("岗位编号", lambda r: r.get("position_id"), width=16),
            Col("需求单位", lambda r: r.get("employer"), width=30),
            Col("需求岗位", lambda r: r.get("position_title"), width=20),
            Col("专业要求", lambda r: r.get("discipline"), width=20),
            Col("学历", degree, width=12),
            Col("需求人数", lambda r: r.get("headcount"), width=8),
            Col("发布时间", lambda r: r.get("published_date"), width=12),
            Col("备注", lambda r: None, width=12),
        ]
        zh = CHAIN_NAMES_ZH[chain]
        sheet = Sheet(f"{zh}产业链", len(columns))
        sheet.banner("title", f"南澳区{zh}产业链急需紧缺人才需求目录（{year}年）")
        header(sheet, columns)
        for record in records:
            data_row(sheet, columns, record)
        sheet.banner("footer", footer_text(preparer, plan.as_of))
        sheets.append(sheet)
    lists = Sheet("下拉选项", 2, hidden=True)
    lists.add("text", ["学历", "产业链"])
    degrees = [w[0] for w in _MIN_DEGREE_WORDS.values()]
    for i in range(max(len(degrees), len(chains))):
        lists.add(
            "text",
            [
                degrees[i] if i < len(degrees) else None,
                f"{CHAIN_NAMES_ZH[chains[i]]}产业链" if i < len(chains) else None,
            ],
        )
    sheets.append(lists)
    return Book(sheets, plan.title, plan.author, plan.as_of)


# --------------------------------------------------------------------------- leaders (xlsx)

_LEVEL_WORDS = {
    "national": ("国家级领军人才项目", "国家级"),
    "provincial": ("省级领军人才项目", "省级"),
    "municipal": ("市级领军人才项目", "市级"),
}


def leaders_by_chain(
    plan: Ledger, rng: random.Random, preparer: tuple[str, str], chains: Sequence[str]
) -> Book:
    """The science bureau's leading-talent project list, grouped by chain: each chain's name
    in one cell merged down over its rows; projects on no chain last, with the cell empty."""
    order = {chain: i for i, chain in enumerate(chains)}
    records = sorted(plan.records, key=lambda r: order.get(str(r.get("chain")), len(order)))
    serial = iter(range(1, len(records) + 1))
    columns = [
        Col("序号", lambda r: next(serial), width=6),
        Col(
            "所属链条",
            lambda r: f"{CHAIN_NAMES_ZH[str(r['chain'])]}产业链" if r.get("chain") else None,
            width=14,
        ),
        Col("项目编号", lambda r: r.get("leader_project_id"), width=12),
        Col("项目名称", lambda r: r.get("title"), width=36),
        Col("级别", lambda r: rng.choice(_LEVEL_WORDS[str(r["level"])]), width=18),
        Col("依托单位", lambda r: r.get("employer"), width=30),
        Col("入选时间", lambda r: r.get("approved_date"), width=12),
        Col("备注", lambda r: None, width=10),
    ]
    sheet = Sheet("领军人才项目", len(columns))
    sheet.banner("title", plan.title)
    header(sheet, columns)
    r = sheet.add("subtotal", ["合计", f"{len(records)}个"])
    first = r + 1
    for record in records:
        data_row(sheet, columns, record)
    # Merge each run of equal chain cells (two rows or more) down the chain column.
    start = first
    for row in range(first + 1, len(sheet.rows) + 1):
        chain = sheet.rows[start][1]
        if row == len(sheet.rows) or sheet.rows[row][1] != chain:
            if chain is not None and row - 1 > start:
                sheet.merge(start, 1, row - 1, 1)
            start = row
    sheet.banner("footer", footer_text(preparer, plan.as_of))
    return Book([sheet], plan.title, plan.author, plan.as_of)


# --------------------------------------------------------------------------- leads (GBK csv)

_LEAD_STATUS_WORDS = {
    "new": "新增",
    "following": "跟踪中",
    "visited": "已考察",
    "converted": "已落地",
    "abandoned": "放弃",
}


def leads_in_yi(plan: Ledger, rng: random.Random, preparer: tuple[str, str]) -> Book:
    """The investment-promotion centre's lead list as its office PC saves it: GB18030 CSV,
    title line, `金额单位：亿元` line, header synonyms, value synonyms, note and footer lines."""

    def chain(record: dict[str, object]) -> str | None:
        code = record.get("chain")
        if code is None:
            return None
        return f"{CHAIN_NAMES_ZH[str(code)]}{'产业链' if rng.random() < 0.5 else ''}"

    def enum(value: object, code_list: str, words: dict[str, str]) -> object:
        if not isinstance(value, str) or value not in words:
            return value
        return words[value] if rng.random() < 0.6 else _zh(code_list, value)

    def amount(record: dict[str, object]) -> str | None:
        value = record.get("expected_investment_wan")
        return None if value is None else number_text(yi(float(value)))  # type: ignore[arg-type]

    def day(value: object) -> object:
        return day_text(value) if isinstance(value, date) else value

    serial = iter(range(1, len(plan.records) + 1))
    columns = [
        Col("序号", lambda r: next(serial)),
        Col("线索编号", lambda r: r.get("lead_id")),
        Col("企业名称", lambda r: r.get("company")),
        Col("所属产业链", chain),
        Col("招商方式", lambda r: enum(r.get("channel"), "lead_channel", _CHANNEL_WORDS)),
        Col("来源地", lambda r: r.get("source_city")),
        Col("对接时间", lambda r: day(r.get("first_contact_date"))),
        Col("跟进状态", lambda r: enum(r.get("status"), "lead_status", _LEAD_STATUS_WORDS)),
        Col("落地时间", lambda r: day(r.get("converted_date"))),
        Col("转化项目编号", lambda r: r.get("project_id")),
        Col("意向投资额", amount),
        Col("备注", lambda r: None),
    ]
    sheet = Sheet("leads", len(columns))
    sheet.add("title", [plan.title])
    sheet.add("unit", ["金额单位：亿元"])
    header(sheet, columns)
    for record in plan.records:
        data_row(sheet, columns, record)
    sheet.add("note", ["注：跟进状态填写新增、跟踪中、已考察、已落地、放弃。"])
    sheet.add("footer", [footer_text(preparer, plan.as_of)])
    return Book([sheet], plan.title, plan.author, plan.as_of)


__all__ = [
    "Book",
    "Sheet",
    "catalogue_by_chain",
    "leaders_by_chain",
    "leads_in_yi",
    "write",
    "wps_projects",
]
