"""`kpi brief --chain CODE --year Y --quarter Q --out DIR`: the chain committee's brief.

One A4 PDF of at most two pages for the chain party committee's quarterly meeting
(党委会议材料, bulletin_brief_forecast.md): the chain's KPIs with a target against it, with
status (fct_kpi_progress for the quarter); what is behind; the rows that explain it, as of the
warehouse's as-of date — projects stuck in their stage over 60 / 90 days
(dim_project_pipeline), open gaps with no project and no lead (dim_chain_gap_coverage), open
leads without follow-up for 30+ days (dim_leads), enterprise issues open over 30 days
(dim_enterprise_issues); and the odds of each annual target where the warehouse has them
(probability_to_meet, remaining_to_target, needed_per_month in fct_kpi_progress: shown only
if the columns exist; where fct_forecast_skill says a KPI's model did no better than the naive
baseline in the backtest, its probability is not printed — a target met is 100 % and a year
with no time left 0 % whatever the model). Long lists are cut with `另有 N 条`, shorter again until the brief
fits two pages.

No personal data: the marts hold names, phones and IDs masked, and nothing here reads a
contact column or an issue's free-text summary; projects, companies and enterprises appear by
their names and numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from chainkpi.bulletin import (
    CHAINS,
    STATUS_ZH,
    build_info,
    connect,
    has_column,
    make_out_dir,
    number,
    pct,
    rows,
    write_atomically,
)
from chainkpi.errors import UsageError, UserError
from chainkpi.settings import Workspace

MAX_PAGES = 2
# Rows per list, tried in turn until the brief fits MAX_PAGES.
LIST_LIMITS = (8, 6, 4, 3, 2, 1)
ODDS_COLUMNS = ("probability_to_meet", "remaining_to_target", "needed_per_month")

_KPIS = """
select kpi_code, kpi_name_zh, unit, quarter_actual, ytd_actual, annual_target,
       expected_to_date, pct_of_target, status, period_state, is_example_target{odds}
from main.fct_kpi_progress
where year = ? and quarter = ? and chain_code = ? and annual_target is not null
order by kpi_sort_order
"""
_UNTARGETED = """
select count(*) from main.fct_kpi_progress
where year = ? and quarter = ? and chain_code = ? and annual_target is null
"""
_STUCK = """
select project_id, project_name, stage_label_zh, days_in_stage, days_in_stage_is_lower_bound,
       is_stuck_over_90_days, planned_investment_wan
from main.dim_project_pipeline
where chain_code = ? and is_stuck_over_60_days
order by days_in_stage desc, project_id
"""
_GAPS = """
select g.gap_id, coalesce(s.label_zh, g.segment) as segment, g.link_name,
       coalesce(p.label_zh, g.priority) as priority, g.days_open
from main.dim_chain_gap_coverage as g
left join main.segments as s on s.code = g.segment
left join main.gap_priorities as p on p.code = g.priority
where g.chain_code = ? and g.is_open and g.is_uncovered
order by g.days_open desc nulls last, g.gap_id
"""
_LEADS = """
select lead_id, company, status_label_zh, last_follow_up_date, days_since_follow_up
from main.dim_leads
where chain_code = ? and is_stale
order by days_since_follow_up desc, lead_id
"""
_ISSUES = """
select i.issue_id, i.enterprise, coalesce(t.label_zh, i.track) as track, i.received_date,
       i.days_open
from main.dim_enterprise_issues as i
left join main.issue_tracks as t on t.code = i.track
where i.chain_code = ? and i.open_over_30_days
order by i.days_open desc, i.issue_id
"""


@dataclass
class Brief:
    chain_code: str
    chain_name: str
    year: int
    quarter: int
    built_at: dt.datetime
    as_of_date: dt.date
    period_state: str
    kpis: list[dict]
    untargeted: int
    has_odds: bool
    # kpi_code -> whether the model's number may be shown (fct_forecast_skill.is_shown); None
    # when the warehouse has no such table (every probability it has is shown).
    odds_shown: dict[str, bool] | None = None
    stuck: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    leads: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.chain_name}产业链党委会议材料_{self.year}年第{self.quarter}季度.pdf"

    @property
    def behind(self) -> list[dict]:
        return [k for k in self.kpis if k["status"] in ("off_track", "at_risk")]


def read_brief(path: Path, chain: str, year: int, quarter: int) -> Brief:
    code = (chain or "").strip().upper()
    if code not in CHAINS:
        raise UsageError(f"未知的产业链：{chain!r}，应为 {'、'.join(CHAINS)} (unknown chain)")
    if not 1 <= quarter <= 4:
        raise UsageError(f"季度应为 1–4：{quarter} (quarter must be 1-4)")
    needs = (
        "fct_kpi_progress",
        "dim_chains",
        "dim_project_pipeline",
        "dim_chain_gap_coverage",
        "dim_leads",
        "dim_enterprise_issues",
    )
    with connect(path, needs) as con:
        built_at, as_of = build_info(con)
        has_odds = all(has_column(con, "fct_kpi_progress", c) for c in ODDS_COLUMNS)
        odds = "".join(f", {c}" for c in ODDS_COLUMNS) if has_odds else ""
        if has_odds and has_column(con, "fct_kpi_progress", "forecast_model"):
            odds += ", forecast_model"
        odds_shown = None
        if has_odds and has_column(con, "fct_forecast_skill", "is_shown"):
            odds_shown = dict(
                con.execute("select kpi_code, is_shown from main.fct_forecast_skill").fetchall()
            )
        kpis = rows(con, _KPIS.format(odds=odds), [year, quarter, code])
        if not kpis:
            raise UserError(
                f"{year}年第{quarter}季度没有 {code} 产业链的指标数据 "
                f"(no KPI figures for {code} in {year}Q{quarter})"
            )
        (name,) = con.execute(
            "select name_zh from main.dim_chains where chain_code = ?", [code]
        ).fetchone()
        untargeted = con.execute(_UNTARGETED, [year, quarter, code]).fetchone()[0]
        return Brief(
            chain_code=code,
            chain_name=name,
            year=year,
            quarter=quarter,
            built_at=built_at,
            as_of_date=as_of,
            period_state=kpis[0]["period_state"],
            kpis=kpis,
            untargeted=untargeted,
            has_odds=has_odds,
            odds_shown=odds_shown,
            stuck=rows(con, _STUCK, [code]),
            gaps=rows(con, _GAPS, [code]),
            leads=rows(con, _LEADS, [code]),
            issues=rows(con, _ISSUES, [code]),
        )


def brief_pdf(workspace: Workspace, chain: str, year: int, quarter: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the brief: what the chain page offers for download."""
    brief = read_brief(workspace.published_db, chain, year, quarter)
    return brief.file_name, render_pdf(brief)


def write_brief(workspace: Workspace, chain: str, year: int, quarter: int, out_dir: Path) -> Path:
    name, pdf = brief_pdf(workspace, chain, year, quarter)
    out_dir = make_out_dir(out_dir)
    path = out_dir / name
    write_atomically(path, lambda p: p.write_bytes(pdf))
    return path


# --- PDF ------------------------------------------------------------------------------------


def render_pdf(brief: Brief) -> bytes:
    """The brief, with lists cut shorter until it fits MAX_PAGES pages."""
    for limit in LIST_LIMITS:
        doc = _render(brief, limit)
        if doc.pages_count <= MAX_PAGES:
            break
    return bytes(doc.output())


def odds_text(brief: Brief, kpi: dict) -> str:
    """达成概率 as printed: 100% met and 0% no time left (facts); the model's number only where
    it exists and its backtest beat the baseline; else —."""
    model = kpi.get("forecast_model")
    target, ytd = kpi["annual_target"], kpi["ytd_actual"]
    if model == "met" or (target is not None and ytd is not None and ytd >= target):
        return "100%"  # the year's target reached (a quarter target's 'met' is not that)
    if model == "no_time_left":
        return "0%"
    p = kpi.get("probability_to_meet")
    if p is None:
        return "—"
    if brief.odds_shown is not None and not brief.odds_shown.get(kpi["kpi_code"], False):
        return "—"
    p = float(p)
    if p >= 0.995:
        return ">99%"
    if p < 0.005:
        return "<1%"
    return pct(p, 0)


def _problem_list(doc, title, rows, limit, headers, cells, widths, aligns, colour=None) -> None:
    """One list of the brief's 问题清单: its title with the count, its first `limit` rows as a
    table (a row's colour from `colour`), and 另有 N 条 for the rest."""
    doc.paragraph(title, size=9.5)
    if not rows:
        return
    shown = rows[:limit]
    extra = {"colours": [colour(r) for r in shown]} if colour else {}
    doc.grid(headers, [cells(r) for r in shown], widths, aligns=aligns, **extra)
    _more(doc, len(shown), len(rows))


def _more(doc, shown: int, total: int) -> None:
    if total > shown:
        doc.paragraph(f"另有 {total - shown} 条，见看板。", size=8)


def _days(days: object, lower_bound: bool = False) -> str:
    if days is None:
        return "—"
    return f"{'≥ ' if lower_bound else ''}{int(days)} 天"


def _render(brief: Brief, limit: int):
    from chainkpi.bulletin.pdfdoc import GREEN, RED, Document

    title = f"{brief.chain_name}产业链党委会议材料"
    period = f"{brief.year}年第{brief.quarter}季度"
    doc = Document(f"{title}（{period}）", footer_note=f"{title} · {period}")
    doc.add_page()
    state = {"finished": "已结束", "running": f"进行中（截至 {brief.as_of_date:%m月%d日}）"}.get(
        brief.period_state, brief.period_state
    )
    doc.title_block(
        f"{title}（{period}）",
        f"本季度{state} · 数据截至 {brief.as_of_date:%Y-%m-%d} · "
        f"数据仓库构建于 {brief.built_at:%Y-%m-%d %H:%M} UTC",
    )

    behind = brief.behind
    met = sum(k["status"] == "met" for k in brief.kpis)
    summary = (
        f"本产业链有年度目标的指标 {len(brief.kpis)} 项：已完成 {met} 项，"
        f"滞后或有风险 {len(behind)} 项。"
    )
    if behind:
        summary += "需关注：" + "、".join(k["kpi_name_zh"] for k in behind) + "。"
    doc.paragraph(summary, size=10)

    doc.heading("一、指标完成情况")
    headers = ["指标", "本季完成", "本年累计", "年度目标", "完成率", "序时应完成", "状态"]
    widths = [52, 22, 24, 24, 18, 24, 22]
    if brief.has_odds:
        headers += ["达成概率"]
        widths = [50, 21, 22, 22, 14, 21, 18, 16]
    table = []
    for k in brief.kpis:
        unit = k["unit"]
        row = [
            k["kpi_name_zh"] + ("（示例）" if k["is_example_target"] else ""),
            number(k["quarter_actual"], unit),
            number(k["ytd_actual"], unit),
            number(k["annual_target"], unit),
            pct(k["pct_of_target"], 0),
            number(k["expected_to_date"], unit),
            STATUS_ZH.get(k["status"], k["status"]),
        ]
        if brief.has_odds:
            row.append(odds_text(brief, k))
        table.append(row)
    doc.grid(
        headers,
        table,
        widths,
        aligns=["L"] + ["R"] * 5 + ["C"] + (["R"] if brief.has_odds else []),
        colours=[
            RED if k["status"] == "off_track" else GREEN if k["status"] == "met" else None
            for k in brief.kpis
        ],
    )
    if brief.untargeted:
        doc.paragraph(f"另有 {brief.untargeted} 项指标未对本产业链设年度目标，未列出。", size=8)

    doc.heading("二、落后情况")
    if not behind:
        doc.paragraph("本季度没有滞后或有风险的指标。")
    for k in behind:
        unit = k["unit"]
        line = (
            f"· {k['kpi_name_zh']}（{STATUS_ZH.get(k['status'])}）：本年累计 "
            f"{number(k['ytd_actual'], unit)}，年度目标 {number(k['annual_target'], unit)}，"
            f"序时应完成 {number(k['expected_to_date'], unit)}"
        )
        if brief.has_odds and k.get("remaining_to_target") is not None:
            line += f"；还需完成 {number(k['remaining_to_target'], unit)}"
            if k.get("needed_per_month") is not None:
                line += f"，每月需完成 {number(k['needed_per_month'], unit)}"
            if odds_text(brief, k) != "—":
                line += f"；达成概率 {odds_text(brief, k)}"
        doc.paragraph(line + "。")

    doc.heading(f"三、问题清单（截至 {brief.as_of_date:%Y-%m-%d}）")
    stuck_over_90 = sum(bool(p["is_stuck_over_90_days"]) for p in brief.stuck)
    _problem_list(
        doc, f"1. 停滞超过 60 天的项目：{len(brief.stuck)} 个（其中超过 90 天 {stuck_over_90} 个）",
        brief.stuck, limit, ["项目编号", "项目名称", "当前阶段", "停留天数", "计划投资"],
        lambda p: [p["project_id"], p["project_name"] or "—", p["stage_label_zh"] or "—",
                   _days(p["days_in_stage"], p["days_in_stage_is_lower_bound"]),
                   number(p["planned_investment_wan"], "万元")],
        [36, 74, 22, 26, 28], ["L", "L", "C", "R", "R"],
        colour=lambda p: RED if p["is_stuck_over_90_days"] else None,
    )  # fmt: skip
    _problem_list(
        doc, f"2. 尚无项目也无线索的未补齐缺口：{len(brief.gaps)} 个",
        brief.gaps, limit, ["缺口编号", "细分领域", "缺失环节", "优先级", "已识别天数"],
        lambda g: [g["gap_id"], g["segment"] or "—", g["link_name"] or "—",
                   g["priority"] or "—", _days(g["days_open"])],
        [36, 24, 82, 20, 24], ["L", "L", "L", "C", "R"],
    )  # fmt: skip
    _problem_list(
        doc, f"3. 30 天以上未跟进的招商线索：{len(brief.leads)} 条",
        brief.leads, limit, ["线索编号", "企业", "状态", "最近跟进", "未跟进天数"],
        lambda lead: [lead["lead_id"], lead["company"] or "—", lead["status_label_zh"] or "—",
                      f"{lead['last_follow_up_date']:%Y-%m-%d}"
                      if lead["last_follow_up_date"] else "—",
                      _days(lead["days_since_follow_up"])],
        [36, 74, 22, 28, 26], ["L", "L", "C", "C", "R"],
    )  # fmt: skip
    _problem_list(
        doc, f"4. 办理超过 30 天未办结的企业诉求：{len(brief.issues)} 件",
        brief.issues, limit, ["诉求编号", "企业", "直通车", "受理日期", "已办理天数"],
        lambda i: [i["issue_id"], i["enterprise"] or "—", i["track"] or "—",
                   f"{i['received_date']:%Y-%m-%d}" if i["received_date"] else "—",
                   _days(i["days_open"])],
        [36, 74, 22, 28, 26], ["L", "L", "C", "C", "R"],
        colour=lambda i: RED,
    )  # fmt: skip

    doc.heading("四、年度目标达成概率")
    if brief.has_odds:
        doc.paragraph(
            "达成概率为按本产业链该指标以往各月的完成情况推算的全年达到目标的概率（见 "
            "docs/forecast.md），已列入第一部分表格；已完成的指标为 100%。“—”：历史不足 12 "
            "个月，或该指标的模型回测未优于基准（往年达成比例），不显示。",
            size=8.5,
        )
    else:
        doc.paragraph("本数据仓库尚未提供达成概率（probability_to_meet），本期不列。", size=8.5)
    return doc
