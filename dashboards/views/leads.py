"""招商线索 Leads: the funnel and conversion by channel and by chain for one year's leads,
median days to conversion, and the leads nobody has followed up for 30 days or more."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.i18n import code_label
from dashboards.ui import tr


def _col(zh: str, en: str) -> str:
    return zh if ui.lang() == "zh" else en


def render() -> None:
    years = queries.lead_years()
    lang = ui.lang()
    if not years:
        st.title(tr("page_leads"))
        ui.empty(tr("no_leads", year=""))
        return
    chains = queries.chains()
    c1, c2, _ = st.columns([1, 1, 2])
    year = int(ui.pick(tr("year"), years, "year", years[-1], container=c1))
    chain_code = ui.chain_picker(chains, container=c2)
    st.title(tr("leads_title", year=year))
    funnel = queries.lead_funnel(year)
    total = funnel[(funnel.channel_code == "ALL") & (funnel.chain_code == chain_code)]
    if total.empty:
        ui.empty(tr("no_leads", year=year))
    else:
        rec = total.iloc[0]
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(
            tr("lead_total"), f"{int(rec.lead_count)} 条" if lang == "zh" else int(rec.lead_count)
        )
        m2.metric(tr("lead_converted"), int(rec.converted_count))
        m3.metric(tr("conversion_rate"), charts.format_pct(rec.conversion_rate))
        m4.metric(
            tr("median_days"),
            "—"
            if pd.isna(rec.median_days_to_conversion)
            else f"{float(rec.median_days_to_conversion):g} {tr('days_unit')}",
        )
        steps = pd.DataFrame(
            {
                "label": [tr("lead_total"), tr("lead_visited"), tr("lead_converted")],
                "count": [int(rec.lead_count), int(rec.visited_count), int(rec.converted_count)],
            }
        )
        left, mid, right = st.columns(3)
        left.plotly_chart(
            charts.make_funnel(steps, title=tr("lead_funnel_title"), lang=lang, unit="条"),
            width="stretch",
            key="lead_funnel",
        )
        by_channel = funnel[
            (funnel.chain_code == chain_code) & (funnel.channel_code != "ALL")
        ].copy()
        by_channel["label"] = [
            code_label(c, z, lang)
            for c, z in zip(by_channel.channel_code, by_channel.channel_label_zh, strict=True)
        ]
        mid.plotly_chart(
            charts.make_rate_bar(by_channel, title=tr("conv_by_channel"), lang=lang),
            width="stretch",
            key="conv_channel",
        )
        by_chain = funnel[(funnel.channel_code == "ALL") & (funnel.chain_code != "ALL")].copy()
        by_chain["label"] = [ui.chain_name(c, chains) for c in by_chain.chain_code]
        right.plotly_chart(
            charts.make_rate_bar(by_chain, title=tr("conv_by_chain"), lang=lang),
            width="stretch",
            key="conv_chain",
        )

    st.subheader(tr("stale_leads"))
    stale = queries.stale_leads()
    if chain_code != "ALL":
        stale = stale[stale.chain_code == chain_code]
    if stale.empty:
        st.success(tr("stale_none"), icon=":material/check_circle:")
        return
    st.caption(f"{len(stale)} {'条' if lang == 'zh' else 'leads'}")
    ui.table(
        pd.DataFrame(
            {
                _col("线索编号", "Lead"): stale.lead_id,
                _col("企业", "Company"): stale.company,
                _col("产业链", "Chain"): stale.chain_name_zh if lang == "zh" else stale.chain_code,
                _col("招商方式", "Channel"): [
                    code_label(c, z, lang)
                    for c, z in zip(stale.channel, stale.channel_label_zh, strict=True)
                ],
                _col("来源城市", "City"): stale.source_city,
                _col("首次接洽", "First contact"): stale.first_contact_date.dt.date,
                _col("状态", "Status"): stale.status_label_zh if lang == "zh" else stale.status,
                _col("已过天数", "Days since contact"): stale.days_since_first_contact,
                _col("意向投资（万元）", "Intended (万元)"): stale.expected_investment_wan,
            }
        )
    )


render()
