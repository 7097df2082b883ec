"""Small Streamlit helpers the pages share: the language, pickers mirrored in the URL, status
badges, empty states and tables. Ledger text is only ever shown through st.dataframe or as
escaped plain text — never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from dashboards import charts
from dashboards.i18n import status_label, t

LANG_KEY = "lang"


def lang() -> str:
    return st.session_state.get(LANG_KEY, "zh")


def tr(key: str, **values: object) -> str:
    """The label for `key` in the current language."""
    return t(key, lang(), **values)


def plain(text: object) -> str:
    """Text from the data made safe for st.markdown/st.caption: markdown characters escaped."""
    out = str(text)
    for ch in "\\`*_{}[]()#+-.!|<>~$:":
        out = out.replace(ch, "\\" + ch)
    return out


def _widget_key(key: str) -> str:
    """The widget's own key: per language, since its labels are (the value is kept across)."""
    return key if lang() == "zh" else f"{key}_{lang()}"


def _initial(key: str, valid: Callable[[object], bool], from_query: object, default: object):
    """The value a picker starts this run with: the widget's own state if it is valid (the user
    just changed it), else the value kept from another page, else the URL's, else the default.

    Streamlit drops a widget's state when a page without it runs, and a widget of the same key
    on another page starts afresh; so the value is also kept under a key of our own, and is
    assigned to the widget's key before the widget is made (which Streamlit then honours).
    """
    own = st.session_state.get(_widget_key(key))
    for candidate in (own, st.session_state.get(f"_keep_{key}"), from_query):
        if candidate is not None and valid(candidate):
            return candidate
    return default


def pick(
    label: str,
    options: Sequence[object],
    key: str,
    default: object,
    format_func: Callable[[str], str] = str,
    *,
    container=st,
) -> str:
    """A selectbox whose value lives in the URL (?key=value), so a view can be bookmarked.

    Options are compared as strings (the query string's type). An unknown value in the URL
    falls back to `default`.
    """
    opts = [str(o) for o in options]
    if not opts:
        return ""
    fallback = str(default) if str(default) in opts else opts[0]
    widget = _widget_key(key)
    st.session_state[widget] = _initial(
        key, lambda v: v in opts, st.query_params.get(key), fallback
    )
    # Labels made now, in this run's language (a format_func read later must not change them).
    labels = {o: format_func(o) for o in opts}
    value = container.selectbox(label, opts, key=widget, format_func=labels.__getitem__)
    st.session_state[f"_keep_{key}"] = value
    if value:
        st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]
    return value


def pick_many(
    label: str,
    options: Sequence[object],
    key: str,
    format_func: Callable[[str], str] = str,
    *,
    container=st,
) -> list[str]:
    """A multiselect mirrored in the URL as ?key=a,b (empty: no filter, no parameter)."""
    opts = [str(o) for o in options]
    from_query = [v for v in st.query_params.get(key, "").split(",") if v in opts] or None
    start = _initial(key, lambda v: isinstance(v, list), from_query, [])
    widget = _widget_key(key)
    st.session_state[widget] = [v for v in start if v in opts]
    labels = {o: format_func(o) for o in opts}
    values = container.multiselect(
        label, opts, key=widget, format_func=labels.__getitem__, placeholder=tr("all")
    )
    st.session_state[f"_keep_{key}"] = list(values)
    if values:
        st.query_params[key] = ",".join(values)
    elif key in st.query_params:
        del st.query_params[key]
    return list(values)


def pick_flag(label: str, key: str, *, container=st) -> bool:
    """A toggle mirrored in the URL as ?key=1."""
    from_query = True if st.query_params.get(key) == "1" else None
    widget = _widget_key(key)
    st.session_state[widget] = bool(_initial(key, lambda v: isinstance(v, bool), from_query, False))
    value = container.toggle(label, key=widget)
    st.session_state[f"_keep_{key}"] = value
    if value:
        st.query_params[key] = "1"
    elif key in st.query_params:
        del st.query_params[key]
    return value


def period_picker(periods: pd.DataFrame, *, container=st) -> tuple[int, int]:
    """Year and quarter pickers; default the latest quarter with data."""
    years = sorted({int(y) for y in periods["year"]})
    latest = periods.sort_values(["year", "quarter"]).iloc[-1]
    left, right = container.columns(2)
    year = int(pick(tr("year"), years, "year", int(latest.year), lambda y: y, container=left))
    quarters = [1, 2, 3, 4]
    in_year = sorted(int(q) for q in periods.loc[periods.year == year, "quarter"])
    default_q = in_year[-1] if in_year else int(latest.quarter)
    quarter = int(
        pick(
            tr("quarter"),
            quarters,
            "quarter",
            default_q,
            lambda q: tr("quarter_label", q=q),
            container=right,
        )
    )
    return year, quarter


def chain_name(row_or_code, chains: pd.DataFrame | None = None) -> str:
    """The chain's name in the current language (全区 / District total for ALL)."""
    if chains is not None:
        match = chains[chains.chain_code == row_or_code]
        if match.empty:
            return str(row_or_code)
        rec = match.iloc[0]
    else:
        rec = row_or_code
    return rec.name_en if lang() == "en" else rec.name_zh


def status_badge(status: str, *, container=st) -> None:
    color, icon = charts.STATUS_BADGE[status]
    container.badge(status_label(status, lang()), icon=icon, color=color)


def empty(message: str, *, container=st) -> None:
    """An empty state that says what is missing."""
    container.info(message, icon=":material/info:")


def table(df: pd.DataFrame, *, container=st, column_config: dict | None = None, height=None):
    kwargs = {"hide_index": True, "width": "stretch", "column_config": column_config}
    if height:
        kwargs["height"] = height
    container.dataframe(df, **kwargs)
