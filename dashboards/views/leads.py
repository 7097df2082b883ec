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


def _by_date(year: int, through: str, chain_code: str) -> None:
    """The year's leads as the overview counts them — new by first-contact date, converted by
    conversion date (fct_kpi_progress), through the chosen quarter or the latest one — and how
    many of those conversions were first contacted that year (the cohort below counts those)."""
    periods = queries.kpi_periods()
    quarters = sorted(int(q) for q in periods.loc[periods.year == year, "quarter"])
    quarter = int(through) if through else (quarters[-1] if quarters else 0)
    progress = queries.kpi_progress(year, quarter) if quarter else pd.DataFrame()
    if progress.empty:
        return
    mine = progress[progress.chain_code == chain_code].set_index("kpi_code")
    if not {"leads_new", "leads_converted"} <= set(mine.index):
        return
    lang = ui.lang()
    new, converted = mine.loc["leads_new", "ytd_actual"], mine.loc["leads_converted", "ytd_actual"]
    m1, m2 = st.columns(2)
    m1.metric(tr("leads_new_metric"), charts.format_value(new, "条", True, lang))
    m2.metric(tr("leads_converted_metric"), charts.format_value(converted, "条", True, lang))
    # Of which first contacted that year: only where this user reads every lead counted (a
    # chain office reads the district total as an aggregate, not its leads).
    if chain_code == "ALL" and ui.own_chain() != "ALL":
        return
    leads = queries.converted_leads()
    if chain_code != "ALL":
        leads = leads[leads.chain_code == chain_code]
    dates = pd.to_datetime(leads.converted_date)
    end = pd.Timestamp(year=year, month=quarter * 3, day=1) + pd.offsets.MonthEnd(0)
    in_year = leads[(dates.dt.year == year) & (dates <= end)]
    cohort = int((in_year.first_contact_year == year).sum())
    st.markdown(
        tr(
            "leads_converted_line",
            n=charts.format_number(converted),
            year=year,
            m=charts.format_number(cohort),
        )
    )


def render() -> None:
    years = queries.lead_years()
    lang = ui.lang()
    if not years:
        st.title(tr("page_leads"))
        ui.empty(tr("no_leads", year=""))
        return
    chains = queries.chains()
    heading = st.empty()  # the title above the folded filters, filled once they are read
    c1, c2, c3, _ = ui.filters().columns([1, 1, 1, 1])
    year = int(ui.pick(tr("year"), years, "year", years[-1], container=c1))
    chain_code = ui.chain_picker(chains, container=c2)
    # Through a quarter (an overview tile's link brings its quarter); none: the year so far.
    through = ui.pick(
        tr("through"),
        ["", "1", "2", "3", "4"],
        "quarter",
        "",
        lambda q: tr("through_year") if not q else tr("through_quarter", q=q),
        container=c3,
    )
    title = tr("leads_title", year=year)
    heading.title(title + (f" · {tr('through_quarter', q=through)}" if through else ""))
    _by_date(year, through, chain_code)
    st.subheader(tr("lead_cohort_title", year=year))
    st.caption(tr("lead_cohort_note", year=year))
    funnel = queries.lead_funnel(year)
    total = funnel[(funnel.channel_code == "ALL") & (funnel.chain_code == chain_code)]
    if total.empty:
        ui.empty(tr("no_leads", year=year))
    else:
        rec = total.iloc[0]
        m1, m2, m3, m4 = st.columns(4)
        m1.metric(tr("lead_total"), charts.format_value(rec.lead_count, "条", True, lang))
        m2.metric(tr("lead_converted"), charts.format_value(rec.converted_count, "条", True, lang))
        m3.metric(tr("conversion_rate"), charts.format_pct(rec.conversion_rate))
        m4.metric(tr("median_days"), charts.format_days(rec.median_days_to_conversion, lang))
        steps = pd.DataFrame(
            {
                "label": [tr("lead_total"), tr("lead_visited"), tr("lead_converted")],
                "count": [int(rec.lead_count), int(rec.visited_count), int(rec.converted_count)],
            }
        )
        left, mid, right = st.columns(3)
        ui.chart(
            ui.figure(
                charts.make_funnel, steps, title=tr("lead_funnel_title"), lang=lang, unit="条"
            ),
            "lead_funnel",
            container=left,
        )
        by_channel = funnel[
            (funnel.chain_code == chain_code) & (funnel.channel_code != "ALL")
        ].copy()
        by_channel["label"] = [
            code_label(c, z, lang)
            for c, z in zip(by_channel.channel_code, by_channel.channel_label_zh, strict=True)
        ]
        ui.chart(
            ui.figure(charts.make_rate_bar, by_channel, title=tr("conv_by_channel"), lang=lang),
            "conv_channel",
            container=mid,
        )
        by_chain = funnel[(funnel.channel_code == "ALL") & (funnel.chain_code != "ALL")].copy()
        by_chain["label"] = ui.chain_names(by_chain.chain_code, chains)
        ui.chart(
            ui.figure(charts.make_rate_bar, by_chain, title=tr("conv_by_chain"), lang=lang),
            "conv_chain",
            container=right,
        )

    st.subheader(tr("stale_leads"))
    stale = queries.stale_leads()
    if chain_code != "ALL":
        stale = stale[stale.chain_code == chain_code]
    if stale.empty:
        st.success(tr("stale_none"), icon=":material/check_circle:")
        return
    st.caption(tr("stale_count", n=charts.format_number(len(stale))))
    # What a head acts on first (who, where it stands, how long, how much), the lead's ID last.
    ui.table(
        pd.DataFrame(
            {
                _col("企业", "Company"): stale.company,
                _col("状态", "Status"): [
                    code_label(c, z, lang)
                    for c, z in zip(stale.status, stale.status_label_zh, strict=True)
                ],
                _col("距上次跟进天数", "Days since follow-up"): stale.days_since_follow_up,
                _col("上次跟进", "Last follow-up"): stale.last_follow_up_date.dt.date,
                _col("意向投资（万元）", "Intended (CNY 10k)"): stale.expected_investment_wan,
                _col("产业链", "Chain"): ui.chain_names(stale.chain_code, chains),
                _col("招商方式", "Channel"): [
                    code_label(c, z, lang)
                    for c, z in zip(stale.channel, stale.channel_label_zh, strict=True)
                ],
                _col("来源城市", "City"): stale.source_city,
                _col("首次接洽", "First contact"): stale.first_contact_date.dt.date,
                _col("线索编号", "Lead ID"): stale.lead_id,
            }
        )
    )


render()
