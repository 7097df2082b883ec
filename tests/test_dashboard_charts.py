"""dashboards/charts.py on its own: DataFrames in, Plotly figures out — no Streamlit, no
warehouse."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards import charts, i18n


def progress_cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi": ["博士", "博士", "签约", "签约"],
            "chain": ["全区", "新能源", "全区", "新能源"],
            "status": ["off_track", "no_target", "met", "at_risk"],
            "ytd_actual": [1.0, 0.0, 12.0, 5.0],
            "annual_target": [50.0, None, 12.0, 8.0],
            "pct_of_target": [0.02, None, 1.0, 0.625],
            "unit": ["人", "人", "个", "个"],
            "is_count": [True, True, True, True],
        }
    )


def colour_of(heat, z: float) -> str:
    """The colour Plotly paints for value z: its place between zmin and zmax on the scale."""
    pos = (z - heat.zmin) / (heat.zmax - heat.zmin)
    return [colour for stop, colour in heat.colorscale if stop <= pos][-1]


def test_heatmap_colours_each_cell_by_its_status_and_spells_it_out():
    fig = charts.make_status_heatmap(progress_cells(), row="kpi", col="chain", title="状态")
    heat = fig.data[0]
    assert fig.layout.title.text == "状态"
    assert list(heat.y) == ["博士", "签约"] and list(heat.x) == ["全区", "新能源"]
    # z is the status index; the colour scale maps each index to the status colour.
    for r, row in enumerate(heat.z):
        for c, z in enumerate(row):
            status = i18n.STATUSES[z]
            assert colour_of(heat, z) == charts.STATUS_COLORS[status]
            assert i18n.status_label(status) in heat.text[r][c]
    assert heat.text[0][0] == "✖ 滞后<br>2%"
    assert heat.text[0][1] == "– 未设目标"
    assert heat.customdata[1][1][1] == "5 个" and heat.customdata[1][1][2] == "8 个"
    assert "实际" in heat.hovertemplate and "目标" in heat.hovertemplate


def test_status_words_in_both_languages():
    assert [i18n.status_label(s) for s in i18n.STATUSES] == ["达成", "进度正常", "有风险", "滞后", "未设目标"]  # fmt: skip
    assert charts.status_text("at_risk", "en") == "▲ at risk"


def test_status_colours_are_green_amber_red_grey_and_distinct():
    colours = charts.STATUS_COLORS
    assert len(set(colours.values())) == 5
    assert {charts.STATUS_BADGE[s][0] for s in ("met", "on_track")} == {"green"}
    assert charts.STATUS_BADGE["at_risk"][0] == "orange"
    assert charts.STATUS_BADGE["off_track"][0] == "red"
    assert charts.STATUS_BADGE["no_target"][0] == "gray"


def test_pace_chart_has_the_target_line_the_actual_and_the_projection():
    monthly = pd.DataFrame({"month": [1, 2, 4], "ytd_actual": [2.0, 5.0, 9.0]})
    fig = charts.make_pace_chart(
        monthly, annual_target=50, through_month=6, title="博士：2025年累计进度", unit="人"
    )
    names = [tr.name for tr in fig.data]
    assert names == ["目标进度线", "累计实际", "全年预计"]
    target, actual, projection = fig.data
    assert target.y[0] == 0 and target.y[-1] == 50
    assert list(actual.x) == [1, 2, 3, 4, 5, 6]
    assert list(actual.y) == [2, 5, 5, 9, 9, 9]  # a month without events keeps the total
    assert list(projection.x) == [6, 12] and list(projection.y) == [9, 18]
    assert fig.layout.title.text == "博士：2025年累计进度"
    assert list(fig.layout.xaxis.ticktext)[:2] == ["1月", "2月"]
    assert "人" in actual.hovertemplate


def test_pace_chart_without_a_target_has_no_target_line():
    fig = charts.make_pace_chart(
        pd.DataFrame({"month": [1], "ytd_actual": [1.0]}),
        annual_target=None,
        through_month=3,
        title="t",
        unit="个",
    )
    assert [tr.name for tr in fig.data] == ["累计实际", "全年预计"]


def test_gap_matrix_counts_gaps_by_segment_and_status_and_marks_uncovered():
    gaps = pd.DataFrame(
        {
            "segment": ["upstream", "upstream", "downstream"],
            "segment_label_zh": ["上游", "上游", "下游"],
            "segment_order": [1, 1, 3],
            "status": ["open", "closed", "open"],
            "status_label_zh": ["未补", "已补", "未补"],
            "status_order": [1, 3, 1],
            "is_uncovered": [True, False, False],
            "link_name": ["石英砂", "硅片", "回收"],
        }
    )
    fig = charts.make_gap_matrix(gaps, title="缺口")
    heat = fig.data[0]
    assert list(heat.y) == ["上游", "下游"] and list(heat.x) == ["未补", "已补"]
    assert [list(r) for r in heat.z] == [[1, 1], [1, 0]]
    assert heat.text[0][0] == "1<br>⚠ 1"
    assert heat.customdata[0][0] == "石英砂"


def test_gap_matrix_shows_markup_in_a_link_name_as_text_not_as_plotly_markup():
    gaps = pd.DataFrame(
        {
            "segment": ["upstream"], "segment_label_zh": ["上游"], "segment_order": [1],
            "status": ["open"], "status_label_zh": ["未补"], "status_order": [1],
            "is_uncovered": [False],
            "link_name": ['<b>粗</b><a href="https://x.invalid">链接</a> & &lt;'],
        }
    )  # fmt: skip
    heat = charts.make_gap_matrix(gaps, title="缺口").data[0]
    # Plotly decodes entities after reading tags: this reads back as the text typed.
    assert heat.customdata[0][0] == (
        '&lt;b&gt;粗&lt;/b&gt;&lt;a href="https://x.invalid"&gt;链接&lt;/a&gt; &amp; &amp;lt;'
    )


def test_project_funnel_counts_every_project_that_reached_a_stage():
    projects = pd.DataFrame(
        {
            "stage": ["reserve", "signed", "dropped", "producing"],
            "stage_sort_order": [1, 3, 6, 5],
            "negotiating_date": [None, None, None, None],
            "signed_date": [None, "2025-01-01", "2025-02-01", "2024-01-01"],
            "started_date": [None, None, None, "2024-05-01"],
            "producing_date": [None, None, None, "2025-01-01"],
        }
    )
    counts = charts.project_funnel_counts(projects)
    assert counts["count"].tolist() == [4, 3, 3, 1, 1]
    fig = charts.make_funnel(
        counts.assign(label=["储备", "洽谈", "签约", "开工", "投产"]), title="漏斗"
    )
    assert list(fig.data[0].x) == [4, 3, 3, 1, 1]
    assert fig.layout.title.text == "漏斗"


def test_values_keep_their_units_and_large_amounts_read_in_yi():
    assert charts.format_value(38.0, "人") == "38 人"
    assert charts.format_value(291276.9, "万元", False) == "29.13 亿元"
    assert charts.format_value(291276.9, "万元", False, exact=True) == "291,276.9 万元"
    assert charts.format_value(200000.0, "万元", False) == "20.00 亿元"  # two decimals in 亿元
    assert charts.format_value(None, "人") == "—"
    assert charts.format_pct(0.7600) == "76%"


@pytest.mark.parametrize(
    "make",
    [
        lambda: charts.make_status_heatmap(pd.DataFrame(), row="a", col="b", title="t"),
        lambda: charts.make_stage_bar(
            pd.DataFrame({"label": [], "count": [], "investment_wan": []}), title="t"
        ),  # fmt: skip
        lambda: charts.make_funnel(pd.DataFrame({"label": [], "count": []}), title="t"),
        lambda: charts.make_hires_over_time(
            pd.DataFrame({"period": [], "group": [], "count": []}), title="t"
        ),  # fmt: skip
        lambda: charts.make_rate_bar(pd.DataFrame(), title="t"),
        lambda: charts.make_catalogue_fill(pd.DataFrame(), title="t"),
    ],
)
def test_an_empty_chart_says_there_is_nothing_to_show(make):
    fig = make()
    assert fig.layout.annotations[0].text == "没有可显示的数据"


def test_rate_bar_and_hires_and_catalogue_charts_carry_exact_figures():
    rates = pd.DataFrame(
        {
            "label": ["以商招商"],
            "conversion_rate": [0.25],
            "converted_count": [1],
            "lead_count": [4],
            "median_days_to_conversion": [31.0],
        }
    )
    bar = charts.make_rate_bar(rates, title="转化率").data[0]
    assert list(bar.x) == [0.25] and list(bar.text) == ["25%"]
    assert "中位" in bar.customdata[0] and "31 天" in bar.customdata[0]
    hires = pd.DataFrame(
        {"period": ["Q1", "Q2", "Q1"], "group": ["博士", "博士", "硕士"], "count": [1, 2, 3]}
    )
    fig = charts.make_hires_over_time(hires, title="引进")
    assert [t.name for t in fig.data] == ["博士", "硕士"] and fig.layout.barmode == "stack"
    fill = pd.DataFrame({"label": ["新能源"], "headcount": [4], "hires": [1]})
    fig = charts.make_catalogue_fill(fill, title="目录")
    assert list(fig.data[1].text) == ["25%"]


def test_every_chinese_label_has_an_english_one():
    assert i18n.missing_keys() == set()
