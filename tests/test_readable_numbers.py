"""Readable numbers (../shared/spec/dashboard.md, "Readable numbers and words"): how every figure
of the dashboard is written — amounts in 万元 / 亿元, thousands separators, no trailing zeros,
whole counts and count axes, percentages, a missing value as —, quarters in their order. The
formatting lives in dashboards/charts.py, so it is tested here without Streamlit."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import charts, i18n


@pytest.mark.parametrize(
    ("wan", "lang", "shown"),
    [
        (9800.0, "zh", "9,800 万元"),
        (2345.5, "zh", "2,345.5 万元"),
        (15200.0, "zh", "1.52 亿元"),
        (300098.82, "zh", "30.01 亿元"),
        (3000988.9, "zh", "300.10 亿元"),  # never 3,000,988.9 万元
        (200000.0, "zh", "20.00 亿元"),
        (9800.0, "en", "9,800 CNY 10k"),
        (300098.82, "en", "30.01 CNY 100m"),
        (None, "zh", "—"),
        (float("nan"), "en", "—"),
    ],
)
def test_amounts_read_in_wan_below_one_yi_and_in_yi_with_two_decimals_above(wan, lang, shown):
    assert charts.format_amount(wan, lang) == shown


def test_exact_amounts_keep_wan_with_separators_and_no_trailing_zeros():
    assert charts.format_amount(15200.0, exact=True) == "15,200 万元"
    assert charts.format_amount(15200.000000, exact=True) == "15,200 万元"
    assert charts.format_amount(12263.80, exact=True) == "12,263.8 万元"
    assert charts.format_value(291276.9, "万元", False, exact=True) == "291,276.9 万元"


@pytest.mark.parametrize(
    ("value", "unit", "lang", "kpi", "shown"),
    [
        (39.0, "人", "zh", None, "39 人"),
        (39.0, "人", "en", None, "39 persons"),
        (1.0, "人", "en", None, "1 person"),
        (2.0, "个", "en", "leader_talent_projects", "2 projects"),
        (4.0, "个", "en", "gaps_closed", "4 gaps"),
        (30.0, "条", "en", "leads_converted", "30 leads"),
        (1234567.0, "人", "zh", None, "1,234,567 人"),
        (None, "人", "en", None, "—"),
    ],
)
def test_counts_are_whole_with_their_unit_in_the_pages_language(value, unit, lang, kpi, shown):
    assert charts.format_value(value, unit, True, lang, kpi_code=kpi) == shown


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [(0.76, "76%"), (1.0, "100%"), (0.1, "10%"), (0.0833, "8.3%"), (0.02, "2%"), (0, "0%")],
)
def test_percentages_are_whole_unless_below_ten(ratio, shown):
    assert charts.format_pct(ratio) == shown


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT, "", "  "])
def test_a_missing_value_is_a_dash_never_none_nan_or_empty(missing):
    assert charts.format_number(missing) == "—"
    assert charts.format_pct(missing) == "—"
    assert charts.format_days(missing) == "—"
    assert charts.cell_text(missing) == "—"
    assert i18n.code_label(missing, None, "en") == "—"
    assert i18n.format_time(missing) == "—"


def test_table_cells_read_as_numbers_dates_and_words():
    assert charts.cell_text(15200.0) == "15,200"
    assert charts.cell_text(12263.8) == "12,263.8"
    assert charts.cell_text(dt.date(2026, 3, 1)) == "2026-03-01"
    assert charts.cell_text(pd.Timestamp("2026-03-01")) == "2026-03-01"
    assert charts.cell_text(True, "en") == "Yes" and charts.cell_text(False) == "否"


def test_times_carry_their_time_zone():
    utc = dt.datetime(2026, 12, 2, 21, 23)  # as the ingest stores it: UTC, naive
    assert i18n.format_time(utc, "zh") == "2026-12-03 05:23（北京时间）"
    assert i18n.format_time(utc, "en") == "2026-12-03 05:23 (Beijing time, UTC+8)"


def _ticks(fig: go.Figure, axis: str = "yaxis") -> list[float]:
    """The tick values Plotly draws for a linear axis with tick0/dtick over its range."""
    ax = fig.layout[axis]
    low, high = ax.range if ax.range else (0, None)
    assert ax.dtick is not None, "a count axis sets its tick step"
    top = high if high is not None else 10 * ax.dtick
    return [ax.tick0 + k * ax.dtick for k in range(int((top - ax.tick0) / ax.dtick) + 1)]


@pytest.mark.parametrize("top", [0, 1, 2, 3, 5, 7, 12, 40, 313, 12000])
def test_count_axes_never_show_half_a_project(top):
    fig = go.Figure()
    charts.count_axis(fig, top)
    assert fig.layout.yaxis.tickformat == ",d"
    assert fig.layout.yaxis.dtick >= 1 and float(fig.layout.yaxis.dtick).is_integer()
    assert all(float(v).is_integer() for v in _ticks(fig))


def test_charts_of_counts_use_count_axes():
    stages = pd.DataFrame(
        {"label": ["储备", "签约"], "count": [1, 2], "investment_wan": [0.0, 1.0]}
    )
    assert charts.make_stage_bar(stages, title="t").layout.yaxis.dtick == 1
    hires = pd.DataFrame({"period": ["Q1"], "group": ["博士"], "count": [1]})
    assert charts.make_hires_over_time(hires, title="t").layout.yaxis.dtick == 1
    fill = pd.DataFrame({"label": ["新能源"], "headcount": [2], "hires": [1]})
    assert charts.make_catalogue_fill(fill, title="t").layout.yaxis.dtick == 1
    pace = charts.make_pace_chart(
        pd.DataFrame({"month": [1], "ytd_actual": [1.0]}),
        annual_target=1,
        through_month=3,
        title="t",
        unit="个",
    )
    assert pace.layout.yaxis.dtick == 1 and pace.layout.yaxis.tickformat == ",d"


def test_quarters_come_in_their_natural_order_whatever_order_the_rows_came_in():
    # The order the talent page's rows arrive in: by degree first, then quarter.
    hires = pd.DataFrame(
        {
            "period": ["Q3", "Q1", "Q2", "Q4", "Q1", "Q3"],
            "group": ["博士后", "博士", "博士", "博士", "硕士", "硕士"],
            "count": [1, 2, 3, 4, 5, 6],
        }
    )
    fig = charts.make_hires_over_time(hires, title="t")
    assert fig.layout.xaxis.categoryorder == "array"
    assert list(fig.layout.xaxis.categoryarray) == ["Q1", "Q2", "Q3", "Q4"]
    zh = hires.assign(period=hires.period.str.replace("Q", "第") + "季度")
    fig = charts.make_hires_over_time(zh, title="t")
    assert list(fig.layout.xaxis.categoryarray) == ["第1季度", "第2季度", "第3季度", "第4季度"]


def test_english_charts_carry_english_units():
    pace = charts.make_pace_chart(
        pd.DataFrame({"month": [1, 2], "ytd_actual": [1.0, 3.0]}),
        annual_target=50,
        through_month=2,
        title="PhD",
        unit="人",
        lang="en",
    )
    text = " ".join(str(tr.hovertemplate) for tr in pace.data) + str(pace.layout.yaxis.title.text)
    assert "persons" in text and "人" not in text
    assert list(pace.layout.xaxis.ticktext)[:2] == ["J", "F"]
    stages = pd.DataFrame({"label": ["Signed"], "count": [2], "investment_wan": [15200.0]})
    bar = charts.make_stage_bar(stages, title="t", lang="en").data[0]
    assert bar.customdata[0] == "2 projects<br>Planned investment: 1.52 CNY 100m"


def test_funnel_shares_follow_the_percentage_rule():
    steps = pd.DataFrame({"label": ["a", "b", "c"], "count": [120, 60, 10]})
    fig = charts.make_funnel(steps, title="t")
    assert list(fig.data[0].text) == ["120<br>100%", "60<br>50%", "10<br>8.3%"]


def test_a_missing_median_reads_as_a_dash_in_the_hover_not_nan():
    rates = pd.DataFrame(
        {
            "label": ["Fund"],
            "conversion_rate": [0.0],
            "converted_count": [0],
            "lead_count": [3],
            "median_days_to_conversion": [math.nan],
        }
    )
    hover = charts.make_rate_bar(rates, title="t", lang="en").data[0].customdata[0]
    assert "nan" not in hover.lower() and "Median days to conversion: —" in hover


def test_a_rate_bars_percentage_has_room_beside_the_longest_bar():
    rates = pd.DataFrame(
        {
            "label": ["Fund", "Platform"],
            "conversion_rate": [0.33, 0.5],
            "converted_count": [1, 1],
            "lead_count": [3, 2],
            "median_days_to_conversion": [31.0, 12.0],
        }
    )
    axis = charts.make_rate_bar(rates, title="t", lang="en").layout.xaxis
    assert axis.range[0] == 0 and axis.range[1] >= 0.5 * 1.25
