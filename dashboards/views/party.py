"""党建与服务 Party building and service (party_service_funds.md): per chain, committee
meetings quarter by quarter against "1 a quarter", trainings against "1 a year", mentoring
pairs as mentees per mentor organisation against the seed's "about 5", and the three through
trains' enterprise issues. Counts, ages and names of organisations and enterprises only: the
issues' free-text summary is not in the marts this page reads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.i18n import MISSING, chain_short_name, code_label
from dashboards.signin import current_scope
from dashboards.ui import tr


def _quarter_cell(row) -> str:
    """One quarter of committee meetings as a head reads it: ✔ 1 held, ✖ 0 missed (a finished
    quarter below its target), ▲ 0 not yet (the running quarter), — a quarter to come."""
    if row.period_state == "future":
        return MISSING
    held = charts.format_number(row.quarter_actual)
    target = row.quarter_target if not charts.is_missing(row.quarter_target) else 1
    if float(row.quarter_actual) >= float(target):
        return f"{charts.STATUS_SYMBOLS['met']} {held}"
    if row.period_state == "running":
        return f"{charts.STATUS_SYMBOLS['at_risk']} {held} {tr('quarter_running_short')}"
    return f"{charts.STATUS_SYMBOLS['off_track']} {held}"


def _latest(rows: pd.DataFrame) -> pd.DataFrame:
    """Per chain, the row of the latest quarter that has begun (the status so far)."""
    begun = rows[rows.period_state != "future"]
    if begun.empty:
        begun = rows
    return begun.sort_values("quarter").groupby("chain_code", as_index=False).tail(1)


def meetings_table(rows: pd.DataFrame, names: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Chains × quarters of committee meetings, and the chains that missed a finished quarter
    with the quarters they missed (e.g. 半导体（第1季度缺会）)."""
    rows = rows[rows.target_period == "quarter"]
    status = _latest(rows).set_index("chain_code").status
    table, missed = [], []
    for code, chain_rows in rows.groupby("chain_code", sort=False):
        by_quarter = {int(r.quarter): r for r in chain_rows.itertuples(index=False)}
        # The status next to the chain: on a phone the quarters scroll, the status shows.
        line = {
            tr("chain"): names.get(code, code),
            tr("status_word"): charts.status_text(status[code], ui.lang()),
        }
        for q in (1, 2, 3, 4):
            line[tr("quarter_label", q=q)] = (
                _quarter_cell(by_quarter[q]) if q in by_quarter else MISSING
            )
        table.append(line)
        gaps = [
            q
            for q, r in by_quarter.items()
            if r.period_state == "finished"
            and float(r.quarter_actual) < float(r.quarter_target or 1)
        ]
        if gaps:
            quarters = ("、" if ui.lang() == "zh" else ", ").join(
                tr("quarter_label", q=q) for q in sorted(gaps)
            )
            missed.append(tr("meetings_missed_in", chain=names.get(code, code), quarters=quarters))
    return pd.DataFrame(table), missed


def _meetings(progress: pd.DataFrame, names: dict[str, str], year: int) -> None:
    st.subheader(tr("meetings_title"))
    rows = progress[progress.kpi_code == "committee_meetings"]
    table, missed = meetings_table(rows, names)
    if table.empty:
        ui.empty(tr("no_party_data", year=year))
        return
    if missed:
        sep = "；" if ui.lang() == "zh" else "; "
        st.error(tr("meetings_off_track", chains=sep.join(missed)), icon=":material/cancel:")
    else:
        st.success(tr("meetings_all_held"), icon=":material/check_circle:")
    ui.table(table)


def _trainings(progress: pd.DataFrame, names: dict[str, str], year: int) -> None:
    st.subheader(tr("trainings_title"))
    rows = progress[(progress.kpi_code == "party_trainings") & progress.target_period.notna()]
    if rows.empty:
        ui.empty(tr("no_party_data", year=year))
        return
    latest = _latest(rows).sort_values("chain_sort_order")
    ui.table(
        pd.DataFrame(
            {
                tr("chain"): [names.get(c, c) for c in latest.chain_code],
                tr("status_word"): [charts.status_text(s, ui.lang()) for s in latest.status],
                tr("trainings_this_year"): [charts.format_number(v) for v in latest.ytd_actual],
                tr("target_word"): [charts.format_number(v) for v in latest.annual_target],
            }
        )
    )


def _mentoring(pairs: pd.DataFrame, names: dict[str, str]) -> None:
    st.subheader(tr("mentoring_title"))
    if pairs.empty:
        ui.empty(tr("mentoring_none"))
        return
    active = pairs[pairs.is_active.fillna(False).astype(bool)]
    per_mentor = (
        active.groupby(["chain_code", "mentor_org"], as_index=False)
        .agg(mentees=("mentee_org", "nunique"), names=("mentee_org", lambda s: sorted(set(s))))
        .sort_values(["mentees", "mentor_org"], ascending=[False, True])
    )
    mentors = len(per_mentor)
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("mentoring_active_pairs"), charts.format_number(len(active)))
    c2.metric(tr("mentoring_mentors"), charts.format_number(mentors))
    c3.metric(
        tr("mentoring_average"),
        charts.format_number(len(active) / mentors, False) if mentors else MISSING,
    )
    ui.chart(
        ui.figure(
            charts.make_mentees_distribution,
            charts.mentees_per_mentor(pairs),
            title=tr("mentoring_chart"),
            lang=ui.lang(),
        ),
        "mentees_per_mentor",
    )
    if per_mentor.empty:
        return
    sep = "、" if ui.lang() == "zh" else ", "
    ui.table(
        pd.DataFrame(
            {
                tr("mentor_org"): per_mentor.mentor_org.to_numpy(),
                tr("mentee_count"): per_mentor.mentees.to_numpy(),
                tr("chain"): [names.get(c, c) for c in per_mentor.chain_code],
                tr("mentees"): [sep.join(n) for n in per_mentor.names],
            }
        )
    )


def issue_figures(issues: pd.DataFrame, year: int) -> dict[str, object]:
    """The through trains' figures: of the issues received in `year`, how many, resolved,
    open, the resolution rate, median days to resolve and satisfaction (satisfied or fair of
    those rated); of every issue open now (any year), how many for over 30 and over 60 days."""
    received = issues[pd.to_datetime(issues.received_date).dt.year == year]
    resolved = received[received.status == "resolved"]
    rated = received.satisfaction.dropna()
    return {
        "received": len(received),
        "resolved": len(resolved),
        "open": int((received.status == "open").sum()),
        "rate": len(resolved) / len(received) if len(received) else None,
        "median_days": resolved.days_to_resolve.median() if len(resolved) else None,
        "over_30": int(issues.open_over_30_days.fillna(False).astype(bool).sum()),
        "over_60": int(issues.open_over_60_days.fillna(False).astype(bool).sum()),
        "satisfaction": rated.isin(["satisfied", "fair"]).mean() if len(rated) else None,
    }


def _issues(issues: pd.DataFrame, year: int, names: dict[str, str]) -> None:
    st.subheader(tr("issues_title"))
    st.caption(tr("issues_scope", year=year))
    lang = ui.lang()
    f = issue_figures(issues, year)
    if not f["received"]:
        ui.empty(tr("issues_none", year=year))
    row1 = st.columns(4)
    row1[0].metric(tr("issues_received"), charts.format_value(f["received"], "件", True, lang))
    row1[1].metric(tr("issues_resolved"), charts.format_value(f["resolved"], "件", True, lang))
    row1[2].metric(tr("issues_open"), charts.format_value(f["open"], "件", True, lang))
    row1[3].metric(tr("issues_rate"), charts.format_pct(f["rate"]))
    row2 = st.columns(4)
    row2[0].metric(tr("issues_median_days"), charts.format_days(f["median_days"], lang))
    with row2[1]:
        st.metric(tr("issues_over_30"), charts.format_value(f["over_30"], "件", True, lang))
        if f["over_30"]:
            st.badge(tr("issue_over_30"), icon=":material/warning:", color="orange")
    with row2[2]:
        st.metric(tr("issues_over_60"), charts.format_value(f["over_60"], "件", True, lang))
        if f["over_60"]:
            st.badge(tr("issue_over_60"), icon=":material/error:", color="red")
    row2[3].metric(
        tr("issues_satisfaction"),
        charts.format_pct(f["satisfaction"]),
        help=tr("issues_satisfaction_help"),
    )

    received = issues[pd.to_datetime(issues.received_date).dt.year == year]
    if not received.empty:
        with st.expander(tr("issues_by_track")):
            tracks = (
                received.assign(
                    is_resolved=received.status == "resolved", is_open=received.status == "open"
                )
                .groupby("track", as_index=False)
                .agg(
                    received=("issue_id", "size"),
                    resolved=("is_resolved", "sum"),
                    open=("is_open", "sum"),
                    median_days=("days_to_resolve", "median"),
                )
            )
            order = {"policy": 1, "resources": 2, "problem": 3}
            tracks = tracks.sort_values("track", key=lambda s: s.map(order).fillna(9))
            ui.table(
                pd.DataFrame(
                    {
                        tr("track"): [
                            code_label(c, z, lang)
                            for c, z in zip(tracks.track, tracks.track.map(_TRACK_ZH), strict=True)
                        ],
                        tr("issues_received"): tracks.received.astype(int).to_numpy(),
                        tr("issues_resolved"): tracks.resolved.astype(int).to_numpy(),
                        tr("issues_open"): tracks.open.astype(int).to_numpy(),
                        tr("issues_rate"): [
                            charts.format_pct(r / n)
                            for r, n in zip(tracks.resolved, tracks.received, strict=True)
                        ],
                        tr("issues_median_days"): [
                            charts.format_days(d, lang) for d in tracks.median_days
                        ],
                    }
                )
            )

    st.markdown(f"**{tr('issues_overdue_title')}**")
    overdue = issues[issues.open_over_30_days.fillna(False).astype(bool)].sort_values(
        "days_open", ascending=False
    )
    if overdue.empty:
        st.success(tr("issues_overdue_none"), icon=":material/check_circle:")
        return
    over_60, over_30 = tr("issue_over_60"), tr("issue_over_30")
    frame = pd.DataFrame(
        {
            tr("enterprise"): overdue.enterprise.to_numpy(),
            tr("status_word"): [
                over_60 if o else over_30 for o in overdue.open_over_60_days.fillna(False)
            ],
            tr("days_open"): [charts.format_number(d) for d in overdue.days_open],
            tr("track"): [code_label(c, _TRACK_ZH.get(c), lang) for c in overdue.track],
            tr("chain"): [
                names.get(c, MISSING) if not charts.is_missing(c) else MISSING
                for c in overdue.chain_code
            ],
            tr("received_date"): pd.to_datetime(overdue.received_date).dt.date.to_numpy(),
            tr("issue_id"): overdue.issue_id.to_numpy(),
        }
    )
    scope = current_scope()
    if scope.role == "analyst" or scope.chain:  # the free text: not for the district role
        summaries = queries.issue_summaries().set_index("issue_id").summary
        frame.insert(
            len(frame.columns) - 1,
            tr("issue_summary"),
            [summaries.get(i, MISSING) for i in overdue.issue_id],
        )
    colour = {over_60: charts.STUCK_COLORS["stuck_90"], over_30: charts.STUCK_COLORS["stuck_60"]}
    styled = frame.style.apply(
        lambda col: [
            f"background-color: {colour[v]}; color: {'white' if v == over_60 else 'black'}"
            for v in col
        ],
        subset=[frame.columns[1]],
    )
    ui.table(styled)


_TRACK_ZH = {"policy": "政策惠企", "resources": "要素保障", "problem": "问题解决"}


def render() -> None:
    chains = queries.chains()
    periods = queries.kpi_periods()
    heading = st.empty()  # the title above the folded filters, filled once they are read
    controls = ui.filters().columns([1, 1, 2])
    # A chain office sees its own chain's rows only: 全区 would read as the district's figures.
    chain_code = ui.chain_picker(chains, container=controls[0], allow_all=not current_scope().chain)
    years = sorted({int(y) for y in periods.year}) if not periods.empty else []
    default_year = ui.default_quarter(periods)[0] if years else pd.Timestamp.today().year
    years = years or [default_year]
    year = int(ui.pick(tr("year"), years, "year", default_year, container=controls[1]))
    heading.title(tr("party_title", year=year))
    # Short names in the tables (a phone's column): Semiconductors, not its full English name.
    names = {
        code: chain_short_name(code, ui.lang()) or name
        for code, name in ui.chain_labels(chains).items()
    }

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        """The chosen chain's rows; for 全区 every chain's (and, for the issues, those
        without a chain), never the district aggregate as if it were a chain."""
        if frame.empty:
            return frame
        if chain_code == "ALL":
            return frame[frame.chain_code.fillna("") != "ALL"]
        return frame[frame.chain_code == chain_code]

    progress = mine(queries.party_progress(year))
    if progress.empty:
        ui.empty(tr("no_party_data", year=year))
    else:
        _meetings(progress, names, year)
        _trainings(progress, names, year)
    _mentoring(mine(queries.mentoring_pairs()), names)
    _issues(mine(queries.enterprise_issues()), year, names)


render()
