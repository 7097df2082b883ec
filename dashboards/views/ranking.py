"""通报排名 Ranking (bulletin_brief_forecast.md, the monthly bulletin): for the chosen month
the chains' composite scores, ranks and change since last month, 红榜 / 黑榜, the KPIs behind
序时进度 and each chain's KPIs against target — the figures of `kpi bulletin`.

A chain office sees the ranking of all four chains (names and scores are what a bulletin is
for) but the KPI detail of its own chain only: queries.bulletin_ranking is declared
district-wide and carries no KPI, queries.bulletin_detail is scoped like every query."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.i18n import MISSING, kpi_name
from dashboards.signin import current_scope
from dashboards.ui import tr


def default_month(months: list[tuple[int, int]], as_of: object) -> tuple[int, int]:
    """The latest month that has ended by the warehouse's as-of date (the latest complete
    month); the latest month there is when none has."""
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if isinstance(as_of, dt.date):
        ended = [m for m in months if m < (as_of.year, as_of.month)]
        if ended:
            return ended[-1]
    return months[-1]


def change_text(change: object) -> str:
    if charts.is_missing(change):
        return MISSING
    change = int(change)
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return tr("ranking_same")


def _chain(row, lang: str) -> str:
    name = row.chain_name_en if lang == "en" else row.chain_name_zh
    return name if isinstance(name, str) else row.chain_code


def _gap(value: object) -> float | None:
    """超/落后序时进度 in percentage points, as a number (a text starting with + or − would be
    taken for a formula by a spreadsheet and shown with an apostrophe: ui.formula_safe)."""
    return None if charts.is_missing(value) else round(float(value), 2)


def _ranking(ranking: pd.DataFrame, lang: str) -> None:
    sep = "、" if lang == "zh" else ", "
    red = [_chain(r, lang) for r in ranking.itertuples() if r.is_red_list]
    black = [_chain(r, lang) for r in ranking.itertuples() if r.is_black_list]
    none = tr("ranking_none")
    c1, c2 = st.columns(2)
    c1.success(
        tr("ranking_red_line", chains=sep.join(red) or none), icon=":material/military_tech:"
    )
    if black:
        c2.error(tr("ranking_black_line", chains=sep.join(black)), icon=":material/warning:")
    else:
        c2.info(tr("ranking_black_line", chains=none), icon=":material/check_circle:")
    st.subheader(tr("ranking_section"))
    table = pd.DataFrame(
        {
            tr("ranking_rank"): [
                MISSING if charts.is_missing(r) else int(r) for r in ranking.score_rank
            ],
            tr("chain"): [_chain(r, lang) for r in ranking.itertuples()],
            tr("ranking_score"): [
                MISSING if charts.is_missing(s) else f"{float(s):.4f}"
                for s in ranking.composite_score
            ],
            tr("ranking_change"): [change_text(c) for c in ranking.rank_change],
            tr("ranking_list"): [
                sep.join(
                    w
                    for w, on in (
                        (tr("ranking_red"), r.is_red_list),
                        (tr("ranking_black"), r.is_black_list),
                    )
                    if on
                )
                or MISSING
                for r in ranking.itertuples()
            ],
        }
    )
    ui.table(table)


def _kpi_table(rows: pd.DataFrame, lang: str, *, newly: bool) -> pd.DataFrame:
    table = {
        tr("chain"): [_chain(r, lang) for r in rows.itertuples()],
        tr("ranking_kpi"): [
            kpi_name(r.kpi_code, r.kpi_name_zh, r.kpi_name_en, lang) for r in rows.itertuples()
        ],
        tr("ranking_ytd"): [
            charts.format_value(r.ytd_actual, r.unit, r.unit != "万元", lang, kpi_code=r.kpi_code)
            for r in rows.itertuples()
        ],
        tr("ranking_target"): [
            charts.format_value(
                r.annual_target, r.unit, r.unit != "万元", lang, kpi_code=r.kpi_code
            )
            for r in rows.itertuples()
        ],
        tr("ranking_completion"): [charts.format_pct(v) for v in rows.completion_rate],
        tr("ranking_time_progress"): [charts.format_pct(v) for v in rows.time_progress],
        tr("ranking_gap"): [_gap(v) for v in rows.progress_gap_pp],
    }
    if newly:
        table[tr("ranking_newly")] = [tr("ranking_yes") if v else "" for v in rows.is_newly_behind]
    else:
        table[tr("ranking_ratio")] = [f"{float(v):.3f}" for v in rows.score_ratio]
        table[tr("ranking_weight")] = [charts.format_number(v, False) for v in rows.weight]
    return pd.DataFrame(table)


def render() -> None:
    heading = st.empty()
    months = queries.bulletin_months()
    if not months:
        heading.title(tr("page_ranking"))
        ui.empty(tr("ranking_no_data"))
        return
    info = queries.warehouse_info()
    year, month = default_month(months, info.as_of_date)
    controls = ui.filters().columns([1, 3])
    keys = [f"{y}-{m:02d}" for y, m in months]
    chosen = ui.pick(
        tr("ranking_month"),
        list(reversed(keys)),
        "month",
        f"{year}-{month:02d}",
        lambda k: tr("ranking_month_label", year=int(k[:4]), month=int(k[5:])),
        container=controls[0],
    )
    year, month = int(chosen[:4]), int(chosen[5:])
    lang = ui.lang()
    heading.title(tr("ranking_title", year=year, month=month))
    as_of = info.as_of_date
    if hasattr(as_of, "year") and (year, month) >= (as_of.year, as_of.month):
        st.caption(tr("ranking_running_month", year=year, month=month, date=ui.as_of_text(as_of)))

    _ranking(queries.bulletin_ranking(year, month), lang)

    detail = queries.bulletin_detail(year, month)
    if current_scope().chain:
        st.caption(tr("ranking_own_detail_note"))
    st.subheader(tr("ranking_behind_title"))
    behind = detail[detail.is_behind.fillna(False).astype(bool)]
    if behind.empty:
        st.success(tr("ranking_behind_none"), icon=":material/check_circle:")
    else:
        ui.table(_kpi_table(behind, lang, newly=True))

    st.subheader(tr("ranking_detail_title"))
    if detail.empty:
        ui.empty(tr("ranking_no_detail"))
    else:
        ui.table(_kpi_table(detail, lang, newly=False))
    st.caption(tr("ranking_method"))


render()
