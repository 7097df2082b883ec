"""`kpi bulletin --year Y --month M --out DIR`: 招商引资和人才工作月度通报_{Y}年{M}月.xlsx and .pdf.

The monthly bulletin of bulletin_brief_forecast.md, from the marts fct_bulletin_monthly (the
chains' composite scores, ranks, rank changes, 红榜 / 黑榜) and fct_bulletin_kpi_monthly (per
chain and KPI: YTD, target, 完成率, 序时进度, 超/落后序时进度). The workbook is written as the
quarterly export writes its own (XlsxWriter, texts as texts: never a formula or a URL); the
PDF is A4 landscape with the CJK font embedded and page numbers (pdfdoc).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from chainkpi.bulletin import (
    build_info,
    connect,
    make_out_dir,
    number,
    pct,
    rows,
    write_atomically,
)
from chainkpi.errors import UsageError, UserError
from chainkpi.settings import Workspace

TITLE = "招商引资和人才工作月度通报"
SCORE_CAP = 1.2
BLACK_LIST_BELOW = 0.8
METHOD_NOTE = (
    "说明：完成率 = 本年累计完成 ÷ 年度目标；序时进度 = 月份 ÷ 12；超/落后序时进度 = 完成率 − "
    "序时进度（百分点）。综合得分 = Σ 权重 × min(完成率 ÷ 序时进度, 1.2) ÷ Σ 权重，计入该产业链"
    "有年度目标的指标，权重见 seeds/assessment_weights.csv（未列出的指标权重为 1）。排名 1 为"
    "最好，得分相同者并列；红榜为排名第一，黑榜为综合得分低于 0.8。按季度考核的指标以 4 × 季度"
    "目标为年度目标。"
)

_RANKING = """
select chain_code, chain_name_zh, composite_score, score_rank, previous_rank, rank_change,
       is_red_list, is_black_list, kpis_with_target, kpis_behind, behind_kpis_zh
from main.fct_bulletin_monthly
where year = ? and month = ?
order by score_rank nulls last, chain_sort_order
"""

_DETAIL = """
select chain_code, chain_name_zh, kpi_code, kpi_name_zh, unit, ytd_actual, annual_target,
       completion_rate, time_progress, progress_gap_pp, score_ratio, weight, is_behind,
       is_newly_behind
from main.fct_bulletin_kpi_monthly
where year = ? and month = ?
order by chain_sort_order, kpi_sort_order
"""


@dataclass
class Bulletin:
    year: int
    month: int
    built_at: dt.datetime
    as_of_date: dt.date
    ranking: list[dict]
    detail: list[dict]

    @property
    def time_progress(self) -> float:
        return self.month / 12

    @property
    def behind(self) -> list[dict]:
        return [row for row in self.detail if row["is_behind"]]

    @property
    def red_list(self) -> list[str]:
        return [row["chain_name_zh"] for row in self.ranking if row["is_red_list"]]

    @property
    def black_list(self) -> list[str]:
        return [row["chain_name_zh"] for row in self.ranking if row["is_black_list"]]

    @property
    def stem(self) -> str:
        return f"{TITLE}_{self.year}年{self.month}月"

    @property
    def is_running(self) -> bool:
        """The month holds the as-of date (or is later): its figures will still change."""
        return (self.year, self.month) >= (self.as_of_date.year, self.as_of_date.month)

    @property
    def subtitle(self) -> str:
        running = "本月尚未结束，数字还会变化 · " if self.is_running else ""
        months = f"1—{self.month}" if self.month > 1 else "1"
        return (
            f"{self.year}年{months}月 · 序时进度 {pct(self.time_progress)} · {running}"
            f"数据截至 {self.as_of_date:%Y-%m-%d} · 数据仓库构建于 {self.built_at:%Y-%m-%d %H:%M} UTC"
        )


def rank_change_text(change: object) -> str:
    if change is None:
        return "—"
    change = int(change)
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "持平"


def list_word(row: dict) -> str:
    words = []
    if row["is_red_list"]:
        words.append("红榜")
    if row["is_black_list"]:
        words.append("黑榜")
    return "、".join(words)


def gap_text(value: object) -> str:
    if value is None:
        return "—"
    value = float(value)
    return f"{'+' if value > 0 else ''}{value:.2f} 个百分点"


def read_bulletin(path: Path, year: int, month: int) -> Bulletin:
    """The month's ranking and detail; UserError naming the months there are when it has none."""
    if not 1 <= month <= 12:
        raise UsageError(f"月份应为 1–12：{month} (month must be 1-12)")
    with connect(path, ("fct_bulletin_monthly", "fct_bulletin_kpi_monthly")) as con:
        built_at, as_of = build_info(con)
        ranking = rows(con, _RANKING, [year, month])
        detail = rows(con, _DETAIL, [year, month])
        if not ranking:
            months = con.execute(
                "select min(year * 100 + month), max(year * 100 + month) "
                "from main.fct_bulletin_monthly"
            ).fetchone()
            span = (
                f"{months[0] // 100}年{months[0] % 100}月至{months[1] // 100}年{months[1] % 100}月"
                if months[0]
                else "无"
            )
            raise UserError(
                f"{year}年{month}月没有通报数据（有数据的月份：{span}）"
                f" (no bulletin figures for {year}-{month:02d})"
            )
    return Bulletin(year, month, built_at, as_of, ranking, detail)


def latest_complete_month(path: Path) -> tuple[int, int] | None:
    """The latest month that has ended by the warehouse's as-of date and has bulletin figures
    (the latest month with figures when none has ended)."""
    with connect(path, ("fct_bulletin_monthly",)) as con:
        _, as_of = build_info(con)
        months = con.execute(
            "select distinct year, month from main.fct_bulletin_monthly order by year, month"
        ).fetchall()
    if not months:
        return None
    ended = [(y, m) for y, m in months if (y, m) < (as_of.year, as_of.month)]
    return ended[-1] if ended else months[-1]


def write_bulletin(workspace: Workspace, year: int, month: int, out_dir: Path) -> list[Path]:
    """Write the bulletin's xlsx and PDF into out_dir; their paths."""
    bulletin = read_bulletin(workspace.published_db, year, month)
    out_dir = make_out_dir(out_dir)
    pdf_path = out_dir / f"{bulletin.stem}.pdf"
    xlsx_path = out_dir / f"{bulletin.stem}.xlsx"
    pdf = render_pdf(bulletin)  # first: a missing font stops before anything is written
    write_atomically(pdf_path, lambda p: p.write_bytes(pdf))
    write_atomically(xlsx_path, lambda p: write_xlsx(p, bulletin))
    return [xlsx_path, pdf_path]


# --- PDF ------------------------------------------------------------------------------------


def render_pdf(bulletin: Bulletin) -> bytes:
    from chainkpi.bulletin.pdfdoc import GREEN, RED, Document

    doc = Document(
        bulletin.stem,
        orientation="landscape",
        footer_note=f"{TITLE} · {bulletin.year}年{bulletin.month}月",
    )
    doc.add_page()
    doc.title_block(f"{TITLE}（{bulletin.year}年{bulletin.month}月）", bulletin.subtitle)

    red = "、".join(bulletin.red_list) or "无"
    black = "、".join(bulletin.black_list) or "无"
    doc.paragraph(f"红榜：{red}        黑榜（综合得分低于 0.8）：{black}", size=11)
    doc.ln(1)

    doc.heading("一、综合得分与排名")
    doc.grid(
        ["排名", "产业链", "综合得分", "较上月", "红黑榜", "考核指标", "落后序时进度", "落后指标"],
        [
            [
                str(row["score_rank"] or "—"),
                row["chain_name_zh"],
                "—" if row["composite_score"] is None else f"{float(row['composite_score']):.4f}",
                rank_change_text(row["rank_change"]),
                list_word(row),
                f"{row['kpis_with_target']} 项",
                f"{row['kpis_behind']} 项",
                row["behind_kpis_zh"] or "—",
            ]
            for row in bulletin.ranking
        ],
        widths=[14, 40, 24, 18, 20, 20, 26, 111],
        aligns=["C", "L", "R", "C", "C", "R", "R", "L"],
        colours=[
            RED if row["is_black_list"] else GREEN if row["is_red_list"] else None
            for row in bulletin.ranking
        ],
        size=9.5,
    )

    doc.heading("二、本月落后序时进度的指标")
    behind = bulletin.behind
    if behind:
        doc.grid(
            [
                "产业链",
                "指标",
                "累计完成",
                "年度目标",
                "完成率",
                "序时进度",
                "落后序时进度",
                "本月新落后",
            ],
            [
                [
                    row["chain_name_zh"],
                    row["kpi_name_zh"],
                    number(row["ytd_actual"], row["unit"]),
                    number(row["annual_target"], row["unit"]),
                    pct(row["completion_rate"]),
                    pct(row["time_progress"]),
                    gap_text(row["progress_gap_pp"]),
                    "是" if row["is_newly_behind"] else "",
                ]
                for row in behind
            ],
            widths=[40, 60, 30, 30, 22, 22, 40, 29],
            aligns=["L", "L", "R", "R", "R", "R", "R", "C"],
            colours=[RED] * len(behind),
        )
    else:
        doc.paragraph("本月没有落后序时进度的指标。")

    doc.heading("三、各产业链指标完成情况")
    doc.grid(
        ["产业链", "指标", "累计完成", "年度目标", "完成率", "序时进度", "超/落后序时进度",
         "得分系数", "权重"],
        [
            [
                row["chain_name_zh"],
                row["kpi_name_zh"],
                number(row["ytd_actual"], row["unit"]),
                number(row["annual_target"], row["unit"]),
                pct(row["completion_rate"]),
                pct(row["time_progress"]),
                gap_text(row["progress_gap_pp"]),
                f"{float(row['score_ratio']):.3f}",
                number(row["weight"]),
            ]
            for row in bulletin.detail
        ],
        widths=[36, 58, 30, 30, 20, 20, 36, 22, 15],
        aligns=["L", "L", "R", "R", "R", "R", "R", "R", "R"],
        colours=[RED if row["is_behind"] else None for row in bulletin.detail],
    )  # fmt: skip
    doc.ln(1)
    doc.paragraph(METHOD_NOTE, size=8)
    return bytes(doc.output())


# --- xlsx -----------------------------------------------------------------------------------


def write_xlsx(path: Path, bulletin: Bulletin) -> None:
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    try:
        _Sheets(workbook, bulletin).write()
    finally:
        workbook.close()


class _Sheets:
    def __init__(self, workbook: xlsxwriter.Workbook, bulletin: Bulletin):
        self.wb = workbook
        self.b = bulletin
        border = {"border": 1, "border_color": "#BFBFBF", "valign": "vcenter"}
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.note = workbook.add_format({"font_color": "#595959", "text_wrap": False})
        self.header = workbook.add_format(
            {**border, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78",
             "align": "center", "text_wrap": True}
        )  # fmt: skip
        self.text = workbook.add_format(border)
        self.red_text = workbook.add_format({**border, "font_color": "#9C0006"})
        self.int = workbook.add_format({**border, "num_format": "#,##0"})
        self.num = workbook.add_format({**border, "num_format": "#,##0.##"})
        self.score = workbook.add_format({**border, "num_format": "0.0000"})
        self.ratio = workbook.add_format({**border, "num_format": "0.000"})
        self.pct = workbook.add_format({**border, "num_format": "0.0%"})
        self.pp = workbook.add_format({**border, "num_format": "+0.00;[Red]-0.00;0.00"})

    def write(self) -> None:
        self._ranking()
        self._behind()
        self._detail()
        self._method()

    def _sheet(self, name: str, title: str, headers: list[str], widths: list[int]):
        ws = self.wb.add_worksheet(name)
        ws.write_string(0, 0, title, self.title)
        ws.write_string(1, 0, self.b.subtitle, self.note)
        for col, (text, width) in enumerate(zip(headers, widths, strict=True)):
            ws.write_string(3, col, text, self.header)
            ws.set_column(col, col, width)
        ws.freeze_panes(4, 0)
        return ws

    def _value(self, ws, row: int, col: int, value: object, fmt) -> None:
        if value is None:
            ws.write_string(row, col, "—", self.text)
        else:
            ws.write_number(row, col, float(value), fmt)

    def _ranking(self) -> None:
        b = self.b
        ws = self._sheet(
            "排名",
            f"{TITLE}（{b.year}年{b.month}月）· 综合得分与排名",
            ["排名", "产业链", "综合得分", "上月排名", "较上月", "红黑榜", "考核指标数",
             "落后序时进度指标数", "落后指标"],
            [6, 18, 10, 10, 8, 8, 10, 12, 60],
        )  # fmt: skip
        for i, row in enumerate(b.ranking, start=4):
            self._value(ws, i, 0, row["score_rank"], self.int)
            ws.write_string(i, 1, row["chain_name_zh"], self.text)
            self._value(ws, i, 2, row["composite_score"], self.score)
            self._value(ws, i, 3, row["previous_rank"], self.int)
            ws.write_string(i, 4, rank_change_text(row["rank_change"]), self.text)
            ws.write_string(
                i, 5, list_word(row), self.red_text if row["is_black_list"] else self.text
            )
            self._value(ws, i, 6, row["kpis_with_target"], self.int)
            self._value(ws, i, 7, row["kpis_behind"], self.int)
            ws.write_string(i, 8, row["behind_kpis_zh"] or "—", self.text)
        last = 4 + len(b.ranking) + 1
        ws.write_string(last, 0, f"红榜：{'、'.join(b.red_list) or '无'}", self.note)
        ws.write_string(
            last + 1, 0, f"黑榜（综合得分低于 0.8）：{'、'.join(b.black_list) or '无'}", self.note
        )

    def _kpi_rows(self, ws, detail: list[dict], with_score: bool) -> None:
        for i, row in enumerate(detail, start=4):
            text = self.red_text if row["is_behind"] else self.text
            ws.write_string(i, 0, row["chain_name_zh"], text)
            ws.write_string(i, 1, row["kpi_name_zh"], text)
            ws.write_string(i, 2, row["unit"] or "", self.text)
            self._value(ws, i, 3, row["ytd_actual"], self.num)
            self._value(ws, i, 4, row["annual_target"], self.num)
            self._value(ws, i, 5, row["completion_rate"], self.pct)
            self._value(ws, i, 6, row["time_progress"], self.pct)
            self._value(ws, i, 7, row["progress_gap_pp"], self.pp)
            if with_score:
                self._value(ws, i, 8, row["score_ratio"], self.ratio)
                self._value(ws, i, 9, row["weight"], self.num)
            else:
                ws.write_string(i, 8, "是" if row["is_newly_behind"] else "", self.text)

    def _behind(self) -> None:
        ws = self._sheet(
            "落后指标",
            "本月落后序时进度的指标",
            ["产业链", "指标", "单位", "累计完成", "年度目标", "完成率", "序时进度",
             "超/落后序时进度（百分点）", "本月新落后"],
            [18, 28, 6, 12, 12, 9, 9, 14, 10],
        )  # fmt: skip
        self._kpi_rows(ws, self.b.behind, with_score=False)

    def _detail(self) -> None:
        ws = self._sheet(
            "指标明细",
            "各产业链指标完成情况",
            ["产业链", "指标", "单位", "累计完成", "年度目标", "完成率", "序时进度",
             "超/落后序时进度（百分点）", "得分系数 min(完成率÷序时进度, 1.2)", "权重"],
            [18, 28, 6, 12, 12, 9, 9, 14, 16, 6],
        )  # fmt: skip
        self._kpi_rows(ws, self.b.detail, with_score=True)

    def _method(self) -> None:
        ws = self.wb.add_worksheet("说明")
        ws.set_column(0, 0, 120)
        wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})
        ws.write_string(0, 0, f"{TITLE}（{self.b.year}年{self.b.month}月）", self.title)
        ws.write_string(1, 0, self.b.subtitle, self.note)
        ws.write_string(3, 0, METHOD_NOTE, wrap)
        ws.set_row(3, 75)
