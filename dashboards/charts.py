"""Every chart of the dashboard: pure functions `make_<chart>(df, ...) -> go.Figure`.

No Streamlit and no database here: a DataFrame in, a Plotly figure out, so each chart is
tested on its own. Titles and axis labels come in the page's language (Chinese by default);
hover text carries exact figures with units.

Status colours are the same on every page and every chart. They follow the Okabe–Ito palette,
which stays distinguishable for the common kinds of colour blindness, and a status is never
shown by colour alone: its name (达成 / 进度正常 / 有风险 / 滞后 / 未设目标) and a symbol go with it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
import math
import re

import pandas as pd
import plotly.graph_objects as go

from dashboards.i18n import MISSING, STATUSES, code_label, status_label, t, unit_label

# green (met, on track), amber (at risk), red (off track), grey (no target)
STATUS_COLORS = {
    "met": "#007A5E",  # dark bluish green
    "on_track": "#2FB38A",  # bluish green, lighter
    "at_risk": "#E69F00",  # amber (Okabe–Ito orange)
    "off_track": "#C43E00",  # red (Okabe–Ito vermillion, darkened)
    "no_target": "#A6A6A6",  # grey
}
STATUS_SYMBOLS = {"met": "✔", "on_track": "↗", "at_risk": "▲", "off_track": "✖", "no_target": "–"}
# st.badge colours and icons for the same statuses (views use these).
STATUS_BADGE = {
    "met": ("green", ":material/check_circle:"),
    "on_track": ("green", ":material/trending_up:"),
    "at_risk": ("orange", ":material/warning:"),
    "off_track": ("red", ":material/cancel:"),
    "no_target": ("gray", ":material/remove:"),
}


def plotly_text(value: object) -> str:
    """Ledger text made literal for Plotly labels: Plotly reads `<b>`, `<a href>`, `<br>`,
    `<span style>` in hover and label text as markup, and decodes entities after it has
    read the tags — so escaping `&`, `<` and `>` shows any text exactly as it was typed."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


NEUTRAL = "#0072B2"  # Okabe–Ito blue: counts that carry no status
NEUTRAL_LIGHT = "#56B4E9"
ACCENT = "#CC79A7"
SERIES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]
STUCK_COLORS = {"stuck_60": "#E69F00", "stuck_90": "#C43E00"}

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'


def status_text(status: str, lang: str = "zh") -> str:
    """The status as a symbol and a word, e.g. '✖ 滞后'."""
    return f"{STATUS_SYMBOLS.get(status, '')} {status_label(status, lang)}".strip()


def is_missing(value: object) -> bool:
    """None, nan, NaT, pd.NA — or an empty string, which would look like zero."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array: not one missing value
        return False


def format_number(value: object, is_count: bool = True) -> str:
    """Counts as whole numbers, amounts with at most 2 decimals and no trailing zeros;
    thousands separated (15,200 · 12,263.8); a missing value is —."""
    if is_missing(value):
        return MISSING
    number = float(value)
    if math.isnan(number):
        return MISSING
    if is_count or number == int(number):
        return f"{int(round(number)):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def format_amount(wan: object, lang: str = "zh", *, exact: bool = False) -> str:
    """An amount held in 万元: below 1 亿 in 万元 (15,200 万元 only when `exact`), from 1 亿 in
    亿元 with two decimals (30.01 亿元); in English CNY 10k / CNY 100m."""
    if is_missing(wan):
        return MISSING
    value = float(wan)
    if not exact and abs(value) >= 10000:
        return f"{value / 10000:,.2f} {unit_label('亿元', lang)}"
    return f"{format_number(value, False)} {unit_label('万元', lang)}"


def format_value(
    value: object,
    unit: str | None,
    is_count: bool = True,
    lang: str = "zh",
    *,
    exact: bool = False,
    kpi_code: str | None = None,
) -> str:
    """A value with its unit in `lang` (39 人 / 39 persons, 2 个 / 2 projects); amounts in
    万元 through format_amount."""
    if unit == "万元":
        return format_amount(value, lang, exact=exact)
    text = format_number(value, is_count)
    if text == MISSING or not unit:
        return text
    return f"{text} {unit_label(unit, lang, value, kpi_code)}"


def format_pct(ratio: object) -> str:
    """A share as a percentage: whole from 10 % (76%), one decimal below it (8.3%, 2%)."""
    if is_missing(ratio):
        return MISSING
    pct = float(ratio) * 100
    if math.isnan(pct):
        return MISSING
    if abs(pct) >= 10 or pct == 0:
        return f"{pct:.0f}%"
    return f"{pct:.1f}".rstrip("0").rstrip(".") + "%"


def format_days(days: object, lang: str = "zh") -> str:
    if is_missing(days):
        return MISSING
    return f"{format_number(days, False)} {unit_label('天', lang, days)}"


def cell_text(value: object, lang: str = "zh") -> str:
    """One table cell as text (for styled tables, whose display values are text): numbers
    readable, dates as dates, a missing value —."""
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("Yes" if value else "No")
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M")  # fmt: skip
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | decimal.Decimal) or hasattr(value, "dtype"):
        number = float(value)
        return format_number(number, number == int(number))
    return str(value)


# --- Layout shared by every chart -----------------------------------------------------------

# Passed to st.plotly_chart by every page: no mode bar (on a phone it covers the title), and
# no scroll-zoom traps.
PLOTLY_CONFIG = {"displayModeBar": False, "scrollZoom": False, "responsive": True}


def _em(ch: str) -> float:
    """Roughly how wide a character is, in ems: CJK and full-width 1, Latin about half."""
    return 1.0 if ord(ch) > 0x2E7F else 0.55


def text_width(text: str) -> float:
    return sum(_em(ch) for ch in text)


def wrap_label(text: object, width: float = 12) -> str:
    """A label broken into lines of about `width` ems (at spaces where there are any), joined
    with Plotly's <br>: long KPI and chain names wrap instead of running over each other."""
    raw = str(text)
    if text_width(raw) <= width:
        return raw
    lines, line = [], ""
    tokens = raw.split(" ") if " " in raw else list(raw)
    sep = " " if " " in raw else ""
    for token in tokens:
        candidate = f"{line}{sep}{token}" if line else token
        if line and text_width(candidate) > width:
            lines.append(line)
            line = token
        else:
            line = candidate
    lines.append(line)
    return "<br>".join(lines)


def shorten(text: object, width: float = 12) -> str:
    """A label cut to about `width` ems with …, the full text for the hover."""
    raw = str(text)
    if text_width(raw) <= width:
        return raw
    out = ""
    for ch in raw:
        if text_width(out + ch) > width - 1:
            break
        out += ch
    return out.rstrip() + "…"


def short_labels(labels, width: float = 12) -> list[str]:
    """Each label shortened (shorten); all of them in full if two would read the same."""
    full = [str(x) for x in labels]
    short = [shorten(x, width) for x in full]
    return short if len(set(short)) == len(set(full)) else full


def _layout(fig: go.Figure, title: str, *, height: int | None = None) -> go.Figure:
    """Title at the top left, wrapped to a phone's width; the legend under the plot, so the
    two never overlap."""
    wrapped = wrap_label(title, 24) if title else ""
    lines = wrapped.count("<br>") + 1 if wrapped else 0
    top = 16 + 24 * lines
    fig.update_layout(
        title={"text": wrapped, "x": 0, "xanchor": "left", "y": 1, "yanchor": "top",
               "pad": {"t": 10, "l": 4}, "font": {"size": 15}},
        font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        plot_bgcolor="white",
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "xanchor": "left"},
        dragmode=False,
    )  # fmt: skip
    if height:
        fig.update_layout(height=height + top - 50)
    return fig


def count_axis(fig: go.Figure, top: object, axis: str = "y", **extra: object) -> None:
    """An axis of counts: whole-number ticks only (never 0.5 个), thousands separated."""
    try:
        high = float(top)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        high = 0.0
    settings: dict[str, object] = {"tickformat": ",d", "rangemode": "tozero"}
    if not high or math.isnan(high) or high <= 5:
        settings.update(tick0=0, dtick=1)
        if not high or math.isnan(high):
            settings["range"] = [0, 1]
    else:
        step = 10 ** math.floor(math.log10(high / 4))
        settings.update(
            tick0=0, dtick=next(step * k for k in (1, 2, 5, 10) if high / (step * k) <= 6)
        )
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**settings, **extra)


def empty_figure(message: str, title: str = "") -> go.Figure:
    """A figure that says what is missing (pages show st.info instead where they can)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=200)


def make_status_heatmap(
    df: pd.DataFrame,
    *,
    row: str,
    col: str,
    title: str,
    lang: str = "zh",
    row_title: str = "",
    col_title: str = "",
) -> go.Figure:
    """Status of each (row, col) cell as its colour, its word and its percentage.

    df: one row per cell with columns `row`, `col`, status, ytd_actual, annual_target,
    pct_of_target, unit, is_count (kpi_code if any); rows and columns appear in the order they
    first occur. Long row labels are shortened and column labels wrapped, the full text in the
    hover. On a phone the pages show status_chips_html instead.
    """
    if df.empty:
        return empty_figure(t("empty_chart", lang), title)
    rows = list(dict.fromkeys(df[row]))
    cols = list(dict.fromkeys(df[col]))
    index = {s: i for i, s in enumerate(STATUSES)}
    z = [[None] * len(cols) for _ in rows]
    text = [[""] * len(cols) for _ in rows]
    custom = [[["", "", "", "", ""] for _ in cols] for _ in rows]
    for rec in df.itertuples(index=False):
        r, c = rows.index(getattr(rec, row)), cols.index(getattr(rec, col))
        status = rec.status
        z[r][c] = index[status]
        pct = format_pct(rec.pct_of_target)
        text[r][c] = status_text(status, lang) + ("" if status == "no_target" else f"<br>{pct}")
        is_count = bool(getattr(rec, "is_count", True))
        kpi = getattr(rec, "kpi_code", None)
        custom[r][c] = [
            status_label(status, lang),
            format_value(rec.ytd_actual, rec.unit, is_count, lang, exact=True, kpi_code=kpi),
            format_value(rec.annual_target, rec.unit, is_count, lang, exact=True, kpi_code=kpi),
            pct,
            f"{getattr(rec, row)} · {getattr(rec, col)}",
        ]
    n = len(STATUSES)
    scale = []
    for i, status in enumerate(STATUSES):
        scale += [[i / n, STATUS_COLORS[status]], [(i + 1) / n, STATUS_COLORS[status]]]
    sep = "：" if lang == "zh" else ": "
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=rows,
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate=(
                "%{customdata[4]}<br>"
                + t("hover_status", lang)
                + sep
                + "%{customdata[0]}<br>"
                + t("hover_actual", lang)
                + sep
                + "%{customdata[1]}<br>"
                + t("hover_target", lang)
                + sep
                + "%{customdata[2]}<br>"
                + t("hover_pct", lang)
                + sep
                + "%{customdata[3]}<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(
        autorange="reversed",
        title=row_title,
        tickvals=rows,
        ticktext=[shorten(r, 14) for r in rows],
    )
    fig.update_xaxes(
        side="top",
        title=col_title,
        tickangle=0,
        tickvals=cols,
        ticktext=[wrap_label(c, 9) for c in cols],
    )
    lines = max((wrap_label(c, 9).count("<br>") + 1 for c in cols), default=1)
    return _layout(fig, title, height=max(220, 70 + 18 * (lines - 1) + 48 * len(rows)))


# Chips of the phone's status list, off-track and at-risk first.
CHIP_ORDER = ("off_track", "at_risk", "on_track", "met")
_CHIP_TEXT = {"met": "#FFFFFF", "on_track": "#000000", "at_risk": "#000000", "off_track": "#FFFFFF"}


def status_chips_html(
    df: pd.DataFrame, *, group: str, label: str, lang: str = "zh", title: str = ""
) -> str:
    """The chain × KPI status as a list a phone can read: per chain (in the order they come),
    one chip per KPI that has a target — off track and at risk first — with its symbol, word,
    name and share of target; the KPIs without a target counted at the end. Every text is
    escaped (names come from the seeds, but nothing reaches the page as markup).

    df: columns `group`, `label`, status, pct_of_target."""
    if df.empty:
        return ""
    rank = {s: i for i, s in enumerate(CHIP_ORDER)}
    parts = [f'<div class="ck-status-list" lang="{"zh-CN" if lang == "zh" else "en"}">']
    if title:
        parts.append(f'<div class="ck-status-title">{html.escape(title)}</div>')
    for name, rows in df.groupby(group, sort=False):
        parts.append('<section class="ck-status-chain">')
        parts.append(f'<div class="ck-status-chain-name">{html.escape(str(name))}</div>')
        parts.append('<div class="ck-status-chips">')
        rated = rows[rows.status != "no_target"].copy()
        rated["_rank"] = [rank.get(s, 9) for s in rated.status]
        for rec in rated.sort_values("_rank", kind="stable").itertuples(index=False):
            status = rec.status
            chip = f"{status_text(status, lang)} · {getattr(rec, label)} {format_pct(rec.pct_of_target)}"
            parts.append(
                f'<span class="ck-chip ck-chip-{status}" style="background:{STATUS_COLORS[status]};'
                f'color:{_CHIP_TEXT[status]}">{html.escape(chip)}</span>'
            )
        rest = int((rows.status == "no_target").sum())
        if rest:
            parts.append(
                f'<span class="ck-chip ck-chip-no_target">'
                f"{html.escape(status_text('no_target', lang).split(' ')[0])} "
                f"{html.escape(t('status_list_rest', lang, n=rest))}</span>"
            )
        parts.append("</div></section>")
    parts.append("</div>")
    return "".join(parts)


STATUS_LIST_CSS = """
.ck-status-title { font-weight: 600; font-size: 1rem; margin: 0.25rem 0 0.5rem; }
.ck-status-chain { margin: 0 0 0.75rem; }
.ck-status-chain-name { font-weight: 600; margin-bottom: 0.25rem; }
.ck-status-chips { display: flex; flex-wrap: wrap; gap: 0.35rem; }
.ck-chip { display: inline-block; max-width: 100%; padding: 0.15rem 0.55rem;
  border-radius: 0.8rem; font-size: 0.85rem; line-height: 1.4; overflow-wrap: anywhere; }
.ck-chip-no_target { background: #EEEEEE; color: #333333; }
"""


def make_pace_chart(
    monthly: pd.DataFrame,
    *,
    annual_target: float | None,
    through_month: int,
    title: str,
    unit: str,
    lang: str = "zh",
    is_count: bool = True,
    kpi_code: str | None = None,
) -> go.Figure:
    """Cumulative actual by month (through `through_month`) against the straight line to the
    annual target, and the straight-line projection from there to December.

    monthly: columns month, ytd_actual (months without a row count as no new events).
    """
    months = list(range(1, 13))
    ytd = monthly.set_index("month")["ytd_actual"].astype(float) if not monthly.empty else None
    actual_months = list(range(1, through_month + 1))
    actual = []
    last = 0.0
    for m in actual_months:
        if ytd is not None and m in ytd.index and not pd.isna(ytd[m]):
            last = float(ytd[m])
        actual.append(last)
    unit_text = unit_label(unit, lang, None, kpi_code)
    names = MONTHS_ZH if lang == "zh" else MONTHS_EN
    value = "%{y:,.0f}" if is_count else "%{y:,.2f}"
    sep = "：" if lang == "zh" else ": "

    def hover(label: str, fmt: str = value) -> str:
        return f"%{{customdata}}<br>{label}{sep}{fmt} {unit_text}<extra></extra>"

    fig = go.Figure()
    top = last
    if annual_target is not None and not pd.isna(annual_target):
        target = float(annual_target)
        top = max(top, target)
        fig.add_trace(
            go.Scatter(
                x=[0, *months],
                y=[target * m / 12 for m in [0, *months]],
                customdata=["", *names],
                name=t("pace_target_line", lang),
                mode="lines",
                line={"color": "#7F7F7F", "dash": "dot", "width": 2},
                hovertemplate=hover(t("hover_expected", lang), "%{y:,.1f}"),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=actual_months,
            y=actual,
            customdata=names[: len(actual_months)],
            name=t("pace_actual", lang),
            mode="lines+markers",
            line={"color": NEUTRAL, "width": 3},
            hovertemplate=hover(t("hover_actual", lang)),
        )
    )
    if through_month:
        projected = last / through_month * 12
        top = max(top, projected)
        fig.add_trace(
            go.Scatter(
                x=[through_month, 12],
                y=[last, projected],
                customdata=[names[through_month - 1], names[11]],
                name=t("pace_projection", lang),
                mode="lines+markers",
                line={"color": ACCENT, "dash": "dash", "width": 2},
                marker={"symbol": ["circle-open", "diamond"], "size": [1, 10]},
                hovertemplate=hover(t("pace_projection", lang), "%{y:,.1f}"),
            )
        )
    # Months need no axis title (their ticks say so), which leaves the space under the ticks to
    # the legend; small upright ticks fit a phone's width.
    fig.update_xaxes(
        tickvals=months,
        ticktext=[f"{m}月" if lang == "zh" else MONTHS_EN[m - 1][0] for m in months],
        tickangle=0,
        tickfont={"size": 10},
        range=[0.5, 12.5],
        showgrid=False,
    )
    # A one-character unit (人, 个) turned on its side reads as a symbol: in Chinese it follows
    # each tick instead; English words stand as the axis title.
    unit_axis = {"ticksuffix": f" {unit_text}"} if lang == "zh" else {"title": unit_text}
    if is_count:
        count_axis(fig, top, gridcolor="#EEEEEE", **unit_axis)
    else:
        fig.update_yaxes(rangemode="tozero", gridcolor="#EEEEEE", tickformat=",~r", **unit_axis)
    return _layout(fig, title, height=300)


MONTHS_ZH = [f"{m}月" for m in range(1, 13)]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def make_gap_matrix(gaps: pd.DataFrame, *, title: str, lang: str = "zh") -> go.Figure:
    """Gaps counted by segment (rows 上游/中游/下游) × status (columns 未补/在补/已补);
    the cell says how many of them have neither project nor lead.

    gaps: columns segment, segment_label_zh, segment_order, status, status_label_zh,
    status_order, is_uncovered, link_name.
    """
    if gaps.empty:
        return empty_figure(t("empty_chart", lang), title)
    seg = (
        gaps[["segment", "segment_label_zh", "segment_order"]]
        .drop_duplicates()
        .sort_values("segment_order", na_position="last")
    )
    sts = (
        gaps[["status", "status_label_zh", "status_order"]]
        .drop_duplicates()
        .sort_values("status_order")
    )
    rows = [code_label(s, z, lang) for s, z in zip(seg.segment, seg.segment_label_zh, strict=True)]
    cols = [code_label(s, z, lang) for s, z in zip(sts.status, sts.status_label_zh, strict=True)]
    z, text, hover = [], [], []
    for s in seg.segment:
        zr, tr, hr = [], [], []
        for st_code in sts.status:
            mask = (gaps.status == st_code) & (
                gaps.segment.isna() if not isinstance(s, str) else gaps.segment == s
            )
            cell = gaps[mask]
            n, unc = len(cell), int(cell.is_uncovered.fillna(False).sum())
            zr.append(n)
            label = f"{n}" + (f"<br>⚠ {unc}" if unc else "")
            tr.append(label)
            # Office-typed text: shown literally, never as Plotly markup.
            names = "、".join(plotly_text(x) for x in cell.link_name.dropna().head(8))
            hr.append(names or MISSING)
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=rows,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            colorscale=[[0, "#F2F2F2"], [1, NEUTRAL]],
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y} · %{x}"
            + ("：%{z} 个" if lang == "zh" else ": %{z} " + t("gap_count_unit", lang))
            + "<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    return _layout(fig, title, height=280)


def make_stage_bar(
    stages: pd.DataFrame, *, title: str, lang: str = "zh", y_title: str = ""
) -> go.Figure:
    """Projects in each stage now. stages: columns label, count, investment_wan (ordered)."""
    if stages.empty or stages["count"].sum() == 0:
        return empty_figure(t("empty_chart", lang), title)
    hover = [
        f"{format_value(n, '个', True, lang)}<br>{t('hover_investment', lang)}"
        + ("：" if lang == "zh" else ": ")
        + format_amount(inv, lang)
        for n, inv in zip(stages["count"], stages["investment_wan"].fillna(0), strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=stages["label"],
            y=stages["count"],
            marker_color=NEUTRAL,
            text=[format_number(n) for n in stages["count"]],
            textposition="outside",
            customdata=hover,
            hovertemplate="%{x}"
            + ("：" if lang == "zh" else ": ")
            + "%{customdata}<extra></extra>",
            cliponaxis=False,
        )
    )
    count_axis(
        fig, stages["count"].max() * 1.15, title=y_title or t("count_axis", lang), gridcolor="#EEE"
    )
    fig.update_xaxes(title=t("stage", lang))
    return _layout(fig, title, height=300)


def project_funnel_counts(projects: pd.DataFrame) -> pd.DataFrame:
    """How many projects reached each stage 储备 → 洽谈 → 签约 → 开工 → 投产.

    A project reached a stage when it is there or further now (终止 aside), or when it has the
    date of that stage or a later one (a dropped project that had signed reached 签约).
    """
    order = ["reserve", "negotiating", "signed", "started", "producing"]
    dates = {
        "negotiating": ["negotiating_date", "signed_date", "started_date", "producing_date"],
        "signed": ["signed_date", "started_date", "producing_date"],
        "started": ["started_date", "producing_date"],
        "producing": ["producing_date"],
    }
    rows = []
    for k, stage in enumerate(order, start=1):
        if projects.empty:
            rows.append({"stage": stage, "count": 0})
            continue
        now = (projects.stage != "dropped") & (projects.stage_sort_order >= k)
        if stage in dates:
            dated = projects[dates[stage]].notna().any(axis=1)
            reached = now | dated
        else:
            reached = pd.Series(True, index=projects.index)
        rows.append({"stage": stage, "count": int(reached.sum())})
    return pd.DataFrame(rows)


def make_funnel(
    steps: pd.DataFrame, *, title: str, lang: str = "zh", unit: str = "个"
) -> go.Figure:
    """A funnel. steps: columns label, count (in funnel order). Each step says its count and
    its share of the first step (format_pct: 8.3%, 38%)."""
    if steps.empty or steps["count"].max() == 0:
        return empty_figure(t("empty_chart", lang), title)
    first = float(steps["count"].iloc[0]) or None
    shares = [format_pct(n / first) if first else MISSING for n in steps["count"]]
    fig = go.Figure(
        go.Funnel(
            y=steps["label"],
            x=steps["count"],
            text=[
                f"{format_number(n)}<br>{p}" for n, p in zip(steps["count"], shares, strict=True)
            ],
            textinfo="text",
            marker={
                "color": [SERIES[0], NEUTRAL_LIGHT, SERIES[2], SERIES[1], SERIES[3]][: len(steps)]
            },
            customdata=[
                f"{format_value(n, unit, True, lang)}<br>{p} "
                + ("（占第一步）" if lang == "zh" else "of the first step")
                for n, p in zip(steps["count"], shares, strict=True)
            ],
            hovertemplate="%{y}"
            + ("：" if lang == "zh" else ": ")
            + "%{customdata}<extra></extra>",
        )
    )
    return _layout(fig, title, height=320)


def make_rate_bar(rates: pd.DataFrame, *, title: str, lang: str = "zh") -> go.Figure:
    """Conversion rate per group, horizontal. rates: columns label, conversion_rate,
    converted_count, lead_count, median_days_to_conversion."""
    if rates.empty:
        return empty_figure(t("empty_chart", lang), title)
    sep = "：" if lang == "zh" else ": "
    hover = [
        f"{plotly_text(label)}<br>{t('conversion_rate', lang)}{sep}{format_pct(rate)}"
        f"（{format_number(done)} / {format_value(total, '条', True, lang)}）<br>"
        f"{t('median_days', lang)}{sep}{format_days(days, lang)}"
        for label, rate, done, total, days in zip(
            rates["label"],
            rates["conversion_rate"],
            rates["converted_count"],
            rates["lead_count"],
            rates["median_days_to_conversion"],
            strict=True,
        )
    ]
    if lang != "zh":
        hover = [h.replace("（", " (").replace("）", ")") for h in hover]
    fig = go.Figure(
        go.Bar(
            y=short_labels(rates["label"], 10),
            x=rates["conversion_rate"].astype(float),
            orientation="h",
            marker_color=NEUTRAL,
            text=[format_pct(v) for v in rates["conversion_rate"]],
            textposition="outside",
            cliponaxis=False,
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    # Room right of the longest bar for its percentage (drawn outside the bar, never clipped).
    top = pd.to_numeric(rates["conversion_rate"], errors="coerce").max()
    fig.update_xaxes(
        title=t("conversion_rate", lang),
        tickformat=".0%",
        range=[0, (float(top) if top == top and top > 0 else 1.0) * 1.3],
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(220, 60 + 34 * len(rates)))


def _period_order(periods: pd.Series) -> list[str]:
    """Quarter labels in their natural order (Q1 … Q4, 第1季度 … 第4季度), whatever order the
    rows came in: Plotly orders categories by first appearance otherwise."""
    return sorted(dict.fromkeys(periods), key=lambda p: [int(d) for d in re.findall(r"\d+", str(p))] or [0])  # fmt: skip


def make_hires_over_time(
    hires: pd.DataFrame, *, title: str, lang: str = "zh", y_title: str = ""
) -> go.Figure:
    """Hires per quarter stacked by group. hires: columns period, group, count; quarters in
    their natural order on the axis."""
    if hires.empty or hires["count"].sum() == 0:
        return empty_figure(t("empty_chart", lang), title)
    order = _period_order(hires["period"])
    sep = "：" if lang == "zh" else ": "
    fig = go.Figure()
    for i, (group, part) in enumerate(hires.groupby("group", sort=False)):
        fig.add_trace(
            go.Bar(
                x=part["period"],
                y=part["count"],
                name=str(group),
                marker_color=SERIES[i % len(SERIES)],
                customdata=[format_value(n, "人", True, lang) for n in part["count"]],
                hovertemplate="%{x} · " + plotly_text(group) + sep + "%{customdata}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    top = hires.groupby("period")["count"].sum().max()
    count_axis(fig, top, title=y_title or t("people_axis", lang), gridcolor="#EEE")
    return _layout(fig, title, height=340)


def make_catalogue_fill(fill: pd.DataFrame, *, title: str, lang: str = "zh") -> go.Figure:
    """Catalogue headcount against hires per chain. fill: columns label, headcount, hires."""
    if fill.empty:
        return empty_figure(t("empty_chart", lang), title)
    rate = fill["hires"] / fill["headcount"].where(fill["headcount"] > 0)
    sep = "：" if lang == "zh" else ": "
    labels = [wrap_label(x, 10) for x in fill["label"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=fill["headcount"],
            name=t("catalogue_headcount", lang),
            marker_color="#BBBBBB",
            customdata=[format_value(n, "人", True, lang) for n in fill["headcount"]],
            hovertemplate="%{x}"
            + sep
            + t("catalogue_headcount", lang)
            + " %{customdata}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=fill["hires"],
            name=t("catalogue_hires", lang),
            marker_color=NEUTRAL,
            text=[format_pct(r) for r in rate],
            textposition="outside",
            cliponaxis=False,
            customdata=[
                f"{format_value(n, '人', True, lang)}<br>{t('fill_rate', lang)} {format_pct(r)}"
                for n, r in zip(fill["hires"], rate, strict=True)
            ],
            hovertemplate="%{x}"
            + sep
            + t("catalogue_hires", lang)
            + " %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(barmode="group")
    top = max(fill["headcount"].max(), fill["hires"].max()) * 1.15
    count_axis(fig, top, title=t("people_axis", lang), gridcolor="#EEE")
    return _layout(fig, title, height=320)


# --- Party building and service -------------------------------------------------------------

MENTEES_TARGET = 5  # the seed's 帮带5个左右: each mentor organisation mentors about five


def mentees_per_mentor(pairs: pd.DataFrame) -> pd.DataFrame:
    """How many mentor organisations mentor 1, 2, 3 … organisations (active pairs): columns
    mentees, mentors, every count from 1 to the largest (and to 5) listed, 0 where none."""
    active = pairs[pairs["is_active"].fillna(False).astype(bool)] if not pairs.empty else pairs
    if active.empty:
        return pd.DataFrame({"mentees": [], "mentors": []}, dtype="int64")
    per_mentor = active.groupby(["chain_code", "mentor_org"]).mentee_org.nunique()
    counts = per_mentor.value_counts()
    top = max(int(per_mentor.max()), MENTEES_TARGET)
    return pd.DataFrame(
        {
            "mentees": list(range(1, top + 1)),
            "mentors": [int(counts.get(n, 0)) for n in range(1, top + 1)],
        }
    )


def make_mentees_distribution(
    distribution: pd.DataFrame, *, title: str, lang: str = "zh"
) -> go.Figure:
    """Mentor organisations by their number of active mentees (mentees_per_mentor), with the
    seed's "about 5" marked by a vertical line."""
    if distribution.empty or distribution["mentors"].sum() == 0:
        return empty_figure(t("empty_chart", lang), title)
    sep = "：" if lang == "zh" else ": "
    fig = go.Figure(
        go.Bar(
            x=distribution["mentees"].tolist(),
            y=distribution["mentors"].tolist(),
            marker_color=[
                NEUTRAL if n == MENTEES_TARGET else NEUTRAL_LIGHT for n in distribution["mentees"]
            ],
            text=[format_number(n) if n else "" for n in distribution["mentors"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[format_number(n) for n in distribution["mentors"]],
            hovertemplate=t("mentoring_axis_x", lang)
            + " %{x}"
            + "<br>"
            + t("mentoring_axis_y", lang)
            + sep
            + "%{customdata}<extra></extra>",
        )
    )
    fig.add_vline(
        x=MENTEES_TARGET,
        line_dash="dash",
        line_color=ACCENT,
        line_width=2,
        annotation_text=t("mentoring_about_5", lang),
        annotation_position="top left",  # inside the plot when 5 is the last bar
        annotation_font_color=ACCENT,
    )
    count_axis(
        fig,
        distribution["mentors"].max() * 1.2,
        title=t("mentoring_axis_y", lang),
        gridcolor="#EEE",
    )
    count_axis(fig, distribution["mentees"].max(), axis="x", title=t("mentoring_axis_x", lang))
    fig.update_xaxes(range=[0.4, distribution["mentees"].max() + 0.6])
    return _layout(fig, title, height=300)
