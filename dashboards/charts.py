"""Every chart of the dashboard: pure functions `make_<chart>(df, ...) -> go.Figure`.

No Streamlit and no database here: a DataFrame in, a Plotly figure out, so each chart is
tested on its own. Titles and axis labels come in the page's language (Chinese by default);
hover text carries exact figures with units.

Status colours are the same on every page and every chart. They follow the Okabe–Ito palette,
which stays distinguishable for the common kinds of colour blindness, and a status is never
shown by colour alone: its name (达成 / 进度正常 / 有风险 / 滞后 / 未设目标) and a symbol go with it.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from dashboards.i18n import STATUSES, code_label, status_label, t

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


def format_number(value: object, is_count: bool = True) -> str:
    """Counts as whole numbers, amounts with at most 2 decimals; thousands separated."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "—"
    number = float(value)
    if is_count or number == int(number):
        return f"{int(round(number)):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def format_value(
    value: object, unit: str | None, is_count: bool = True, *, exact: bool = False
) -> str:
    """A value with its unit; amounts of 1 亿元 or more in 亿元 (2 decimals) unless `exact`."""
    text = format_number(value, is_count)
    if text == "—" or not unit:
        return text
    if unit == "万元" and not exact and abs(float(value)) >= 10000:
        return f"{float(value) / 10000:,.2f}".rstrip("0").rstrip(".") + " 亿元"
    return f"{text} {unit}"


def format_pct(ratio: object) -> str:
    if ratio is None or pd.isna(ratio):
        return "—"
    return f"{float(ratio) * 100:.0f}%"


def _layout(fig: go.Figure, title: str, *, height: int | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="white",
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
    )
    if height:
        fig.update_layout(height=height)
    return fig


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
    pct_of_target, unit, is_count; rows and columns appear in the order they first occur.
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
        custom[r][c] = [
            status_label(status, lang),
            format_value(rec.ytd_actual, rec.unit, is_count, exact=True),
            format_value(rec.annual_target, rec.unit, is_count, exact=True),
            pct,
            f"{getattr(rec, row)} · {getattr(rec, col)}",
        ]
    n = len(STATUSES)
    scale = []
    for i, status in enumerate(STATUSES):
        scale += [[i / n, STATUS_COLORS[status]], [(i + 1) / n, STATUS_COLORS[status]]]
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
                + "：%{customdata[0]}<br>"
                + t("hover_actual", lang)
                + "：%{customdata[1]}<br>"
                + t("hover_target", lang)
                + "：%{customdata[2]}<br>"
                + t("hover_pct", lang)
                + "：%{customdata[3]}<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(autorange="reversed", title=row_title)
    fig.update_xaxes(side="top", title=col_title, tickangle=0)
    return _layout(fig, title, height=max(220, 70 + 48 * len(rows)))


def make_pace_chart(
    monthly: pd.DataFrame,
    *,
    annual_target: float | None,
    through_month: int,
    title: str,
    unit: str,
    lang: str = "zh",
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
    fig = go.Figure()
    if annual_target is not None and not pd.isna(annual_target):
        target = float(annual_target)
        fig.add_trace(
            go.Scatter(
                x=[0, *months],
                y=[target * m / 12 for m in [0, *months]],
                name=t("pace_target_line", lang),
                mode="lines",
                line={"color": "#7F7F7F", "dash": "dot", "width": 2},
                hovertemplate=t("hover_expected", lang)
                + "：%{y:,.1f} "
                + unit
                + "<extra>%{x}"
                + ("月" if lang == "zh" else "")
                + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=actual_months,
            y=actual,
            name=t("pace_actual", lang),
            mode="lines+markers",
            line={"color": NEUTRAL, "width": 3},
            hovertemplate=t("hover_actual", lang)
            + "：%{y:,.0f} "
            + unit
            + "<extra>%{x}"
            + ("月" if lang == "zh" else "")
            + "</extra>",
        )
    )
    if through_month:
        projected = last / through_month * 12
        fig.add_trace(
            go.Scatter(
                x=[through_month, 12],
                y=[last, projected],
                name=t("pace_projection", lang),
                mode="lines+markers",
                line={"color": ACCENT, "dash": "dash", "width": 2},
                marker={"symbol": ["circle-open", "diamond"], "size": [1, 10]},
                hovertemplate=t("pace_projection", lang)
                + "：%{y:,.1f} "
                + unit
                + "<extra>%{x}"
                + ("月" if lang == "zh" else "")
                + "</extra>",
            )
        )
    fig.update_xaxes(
        title=t("month_axis", lang),
        tickvals=months,
        ticktext=[f"{m}月" if lang == "zh" else str(m) for m in months],
        range=[0.5, 12.5],
        showgrid=False,
    )
    fig.update_yaxes(rangemode="tozero", gridcolor="#EEEEEE", ticksuffix=f" {unit}")
    return _layout(fig, title, height=300)


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
    rows = [code_label(s, z, lang) if isinstance(s, str) else "—" for s, z in zip(seg.segment, seg.segment_label_zh, strict=True)]  # fmt: skip
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
            hr.append(names)
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
            hovertemplate="%{y} · %{x}：%{z} "
            + ("个" if lang == "zh" else "gaps")
            + "<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    return _layout(fig, title, height=280)


def make_stage_bar(
    stages: pd.DataFrame, *, title: str, lang: str = "zh", y_title: str = ""
) -> go.Figure:
    """Projects per stage. stages: columns label, count, investment_wan (ordered)."""
    if stages.empty or stages["count"].sum() == 0:
        return empty_figure(t("empty_chart", lang), title)
    fig = go.Figure(
        go.Bar(
            x=stages["label"],
            y=stages["count"],
            marker_color=NEUTRAL,
            text=stages["count"],
            textposition="outside",
            customdata=stages[["investment_wan"]].fillna(0).to_numpy(),
            hovertemplate="%{x}：%{y} "
            + ("个" if lang == "zh" else "projects")
            + "<br>"
            + t("hover_investment", lang)
            + "：%{customdata[0]:,.2f} 万元<extra></extra>",
            cliponaxis=False,
        )
    )
    fig.update_yaxes(title=y_title or t("count_axis", lang), rangemode="tozero", gridcolor="#EEE")
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
    """A funnel. steps: columns label, count (in funnel order)."""
    if steps.empty or steps["count"].max() == 0:
        return empty_figure(t("empty_chart", lang), title)
    fig = go.Figure(
        go.Funnel(
            y=steps["label"],
            x=steps["count"],
            textinfo="value+percent initial",
            marker={
                "color": [SERIES[0], NEUTRAL_LIGHT, SERIES[2], SERIES[1], SERIES[3]][: len(steps)]
            },
            hovertemplate="%{y}：%{x} "
            + unit
            + "<br>%{percentInitial:.1%} "
            + ("（占第一步）" if lang == "zh" else "of the first step")
            + "<extra></extra>",
        )
    )
    return _layout(fig, title, height=320)


def make_rate_bar(rates: pd.DataFrame, *, title: str, lang: str = "zh") -> go.Figure:
    """Conversion rate per group, horizontal. rates: columns label, conversion_rate,
    converted_count, lead_count, median_days_to_conversion."""
    if rates.empty:
        return empty_figure(t("empty_chart", lang), title)
    fig = go.Figure(
        go.Bar(
            y=rates["label"],
            x=rates["conversion_rate"].astype(float),
            orientation="h",
            marker_color=NEUTRAL,
            text=[format_pct(v) for v in rates["conversion_rate"]],
            textposition="outside",
            cliponaxis=False,
            customdata=rates[["converted_count", "lead_count", "median_days_to_conversion"]]
            .astype(float)
            .to_numpy(),
            hovertemplate="%{y}<br>"
            + t("conversion_rate", lang)
            + "：%{x:.1%}（%{customdata[0]:.0f} / %{customdata[1]:.0f} "
            + ("条" if lang == "zh" else "leads")
            + "）<br>"
            + t("median_days", lang)
            + "：%{customdata[2]:.1f} "
            + t("days_unit", lang)
            + "<extra></extra>",
        )
    )
    fig.update_xaxes(title=t("conversion_rate", lang), tickformat=".0%", rangemode="tozero")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(220, 60 + 34 * len(rates)))


def make_hires_over_time(
    hires: pd.DataFrame, *, title: str, lang: str = "zh", y_title: str = ""
) -> go.Figure:
    """Hires per quarter stacked by group. hires: columns period, group, count (ordered)."""
    if hires.empty or hires["count"].sum() == 0:
        return empty_figure(t("empty_chart", lang), title)
    fig = go.Figure()
    for i, (group, part) in enumerate(hires.groupby("group", sort=False)):
        fig.add_trace(
            go.Bar(
                x=part["period"],
                y=part["count"],
                name=str(group),
                marker_color=SERIES[i % len(SERIES)],
                hovertemplate="%{x} · " + str(group) + "：%{y} 人<extra></extra>"
                if lang == "zh"
                else "%{x} · " + str(group) + ": %{y}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=y_title or t("people_axis", lang), gridcolor="#EEE")
    return _layout(fig, title, height=340)


def make_catalogue_fill(fill: pd.DataFrame, *, title: str, lang: str = "zh") -> go.Figure:
    """Catalogue headcount against hires per chain. fill: columns label, headcount, hires."""
    if fill.empty:
        return empty_figure(t("empty_chart", lang), title)
    rate = fill["hires"] / fill["headcount"].where(fill["headcount"] > 0)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=fill["label"],
            y=fill["headcount"],
            name=t("catalogue_headcount", lang),
            marker_color="#BBBBBB",
            hovertemplate="%{x}：" + t("catalogue_headcount", lang) + " %{y} 人<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=fill["label"],
            y=fill["hires"],
            name=t("catalogue_hires", lang),
            marker_color=NEUTRAL,
            text=[format_pct(r) for r in rate],
            textposition="outside",
            cliponaxis=False,
            customdata=rate.fillna(0).to_numpy(),
            hovertemplate="%{x}："
            + t("catalogue_hires", lang)
            + " %{y} 人<br>"
            + t("fill_rate", lang)
            + " %{customdata:.1%}<extra></extra>",
        )
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=t("people_axis", lang), gridcolor="#EEE")
    return _layout(fig, title, height=320)
