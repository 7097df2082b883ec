"""导出 Export: the quarterly target-tracking export for a chosen quarter and chain, the same
files `kpi export` writes, offered as downloads."""

from __future__ import annotations

import streamlit as st

from dashboards import queries, signin, ui
from dashboards.i18n import LANG_NAMES, LANGS
from dashboards.ui import tr

MIME = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render() -> None:
    st.title(tr("export_title"))
    st.caption(tr("export_hint"))
    periods = queries.kpi_periods()
    if periods.empty:
        ui.empty(tr("no_kpi_at_all"))
        return
    chains = queries.chains()
    c1, c2, c3 = st.columns([2, 1, 1])
    year, quarter = ui.period_picker(
        periods, container=c1.container(), default=queries.default_export_quarter()
    )
    note = ui.period_note(periods, year, quarter)
    if note:
        st.caption(note)
    # A chain office's export is its own chain's (queries.export_files holds it to that too).
    chain_code = ui.chain_picker(chains, container=c2, allow_all=ui.own_chain() == "ALL")
    report_lang = ui.pick(
        tr("export_lang"), LANGS, "xlang", ui.lang(), LANG_NAMES.get, container=c3
    )

    try:
        from chainkpi.errors import UserError
    except ImportError as exc:  # pragma: no cover - the package is always installed
        ui.empty(tr("export_unavailable", detail=exc))
        return
    try:
        files = queries.export_files(
            year, quarter, None if chain_code == "ALL" else chain_code, report_lang
        )
    except ImportError as exc:
        ui.empty(tr("export_unavailable", detail=exc))
        return
    except UserError as exc:
        st.warning(str(exc), icon=":material/warning:")
        return
    st.success(tr("export_ready", n=len(files)), icon=":material/check_circle:")
    for name, data in files:
        suffix = name[name.rfind(".") :]
        # Each click is an audit record (what, chain, period): signin.download_button.
        signin.download_button(
            st,
            name,
            data,
            file_name=name,
            mime=MIME.get(suffix, "application/octet-stream"),
            icon=":material/download:",
            key=f"dl_{name}",
            what="export",
            chain=chain_code,
            period=f"{year}Q{quarter}",
            lang=report_lang,
        )


render()
