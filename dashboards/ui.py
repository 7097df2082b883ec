"""Small Streamlit helpers the pages share: the language, pickers mirrored in the URL, status
badges, empty states and tables. Ledger text is only ever shown through st.dataframe or as
escaped plain text — never as HTML.
"""

from __future__ import annotations

import decimal
import gc
import hashlib
import pickle
from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from dashboards import charts
from dashboards.i18n import MISSING, status_label, t, unit_label
from dashboards.signin import current_scope

LANG_KEY = "lang"
PAGE_KEY = "_page"  # url_path of the page this run shows (app.py sets it before the page)
ARRIVED_KEY = "_page_arrived"  # True on a page's first run after another page (or none) ran
NOTE_SLOT_KEY = "_page_note_slot"  # where this run's scope note goes (app.py's main area)

# Labels of the page frame's scope and session notes, zh and en. Kept beside the pickers that
# use them; tr() finds them like the labels of i18n.py (no key is in both).
FRAME_TEXT: dict[str, tuple[str, str]] = {
    "scope_fallback": (
        "链接中的产业链（{value}）不在您的查看范围内，已显示{shown}。",
        "The link's chain ({value}) is outside what you may see: showing {shown}.",
    ),
    "session_ended": (
        "会话已结束（超过 {minutes} 分钟未操作、已退出登录或账号有变），请重新登录。",
        "Your session has ended (idle for over {minutes} minutes, signed out, or your account"
        " changed): please sign in again.",
    ),
    "chains_side_by_side": ("各产业链对照 · {period}", "Chains side by side · {period}"),
    "uncovered_gaps": ("无项目无线索的缺口", "Gaps without projects or leads"),
    "stuck_projects": ("滞留超过60天的项目", "Projects stuck over 60 days"),
}


def lang() -> str:
    return st.session_state.get(LANG_KEY, "zh")


def tr(key: str, **values: object) -> str:
    """The label for `key` in the current language."""
    if key in FRAME_TEXT:
        text = FRAME_TEXT[key][0 if lang() == "zh" else 1]
        return text.format(**values) if values else text
    return t(key, lang(), **values)


def enter_page(url_path: str) -> None:
    """Called by app.py before a page runs: which page it is, and whether it was just opened.

    Filters belong to their page: each page keeps its own choices (and mirrors them in its
    URL), so a choice on one page never changes another's scope."""
    st.session_state[ARRIVED_KEY] = st.session_state.get(PAGE_KEY) != url_path
    st.session_state[PAGE_KEY] = url_path
    # A scope note goes above the page's content: a picker may sit in a collapsed section.
    st.session_state[NOTE_SLOT_KEY] = st.empty()


# Pages whose first run in this process has been followed by settle_memory().
_SETTLED: set[str] = set()


def settle_memory(url_path: str) -> None:
    """After a page's first run in this process: collect garbage once, then gc.freeze() what
    is left (the modules, Streamlit, pandas, Plotly and the caches: objects that live as long
    as the process). Streamlit runs a full gc.collect() after every script run; without the
    freeze each of those walks every object of the process, a third of the server's time
    with 20 sessions (docs/serving.md). Frozen objects are still freed when their last
    reference goes; only a cycle among them would stay."""
    if url_path in _SETTLED:
        return
    _SETTLED.add(url_path)
    gc.collect()
    gc.freeze()


def _page() -> str:
    return st.session_state.get(PAGE_KEY, "")


def plain(text: object) -> str:
    """Text from the data made safe for st.markdown/st.caption: markdown characters escaped."""
    out = str(text)
    for ch in "\\`*_{}[]()#+-.!|<>~$:":
        out = out.replace(ch, "\\" + ch)
    return out


def _widget_key(key: str) -> str:
    """The widget's own key: per language, since its labels are (the value is kept across)."""
    return key if lang() == "zh" else f"{key}_{lang()}"


def _keep_key(key: str) -> str:
    return f"_keep_{_page()}_{key}"


def _initial(key: str, valid: Callable[[object], bool], from_query: object, default: object):
    """The value a picker starts this run with.

    On a page's first run after another page (a click in the navigation, a link, a bookmark,
    a reload): the URL's value, else the one this page had when last left, else the default.
    On later runs of the same page: the widget's own state (the user just changed it), else
    the same. Streamlit drops a widget's state when a page without it runs, so the value is
    also kept under a key of this page, and assigned to the widget's key before the widget is
    made (which Streamlit then honours). The navigation clears the URL's parameters, so a page
    opened from it starts from what it had, never from the page before.
    """
    widget = _widget_key(key)
    own = (
        st.session_state.get(widget)
        if st.session_state.get(f"_owner_{widget}") == _page()
        else None
    )
    kept = st.session_state.get(_keep_key(key))
    arrived = st.session_state.get(ARRIVED_KEY, True)
    for candidate in (from_query, kept) if arrived else (own, from_query, kept):
        if candidate is not None and valid(candidate):
            return candidate
    return default


def _made(key: str, value: object) -> None:
    """After the widget is made: remember its value for this page and that it is this page's."""
    st.session_state[_keep_key(key)] = value
    st.session_state[f"_owner_{_widget_key(key)}"] = _page()


def _from_query(key: str, aliases: Sequence[str] = ()) -> str | None:
    for name in (key, *aliases):
        value = st.query_params.get(name)
        if value is not None:
            return value
    return None


def _mirror(key: str, value: str, aliases: Sequence[str] = ()) -> None:
    """Write the picker's value into the URL under its own key (an alias a link used goes)."""
    for name in aliases:
        if name in st.query_params:
            del st.query_params[name]
    if value:
        st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]


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
    st.session_state[widget] = _initial(key, lambda v: v in opts, _from_query(key), fallback)
    # Labels made now, in this run's language (a format_func read later must not change them).
    labels = {o: format_func(o) for o in opts}
    value = container.selectbox(label, opts, key=widget, format_func=labels.__getitem__)
    _made(key, value)
    _mirror(key, value)
    return value


def pick_many(
    label: str,
    options: Sequence[object],
    key: str,
    format_func: Callable[[str], str] = str,
    *,
    container=st,
    default: Sequence[str] = (),
    aliases: Sequence[str] = (),
) -> list[str]:
    """A multiselect mirrored in the URL as ?key=a,b (empty: no filter, no parameter).

    `aliases`: other names the URL may use for it (a link's ?stage=signed for ?stages=)."""
    opts = [str(o) for o in options]
    raw = _from_query(key, aliases)
    from_query = [v for v in (raw or "").split(",") if v in opts] or None
    start = _initial(key, lambda v: isinstance(v, list), from_query, list(default))
    widget = _widget_key(key)
    st.session_state[widget] = [v for v in start if v in opts]
    labels = {o: format_func(o) for o in opts}
    values = container.multiselect(
        label, opts, key=widget, format_func=labels.__getitem__, placeholder=tr("all")
    )
    _made(key, list(values))
    _mirror(key, ",".join(values), aliases)
    return list(values)


def pick_flag(label: str, key: str, *, container=st) -> bool:
    """A toggle mirrored in the URL as ?key=1."""
    from_query = True if st.query_params.get(key) == "1" else None
    widget = _widget_key(key)
    st.session_state[widget] = bool(_initial(key, lambda v: isinstance(v, bool), from_query, False))
    value = container.toggle(label, key=widget)
    _made(key, value)
    _mirror(key, "1" if value else "")
    return value


def _scope_note(url_values: Sequence[str], shown: str, *, container) -> None:
    """One line above the page's content (else in `container`) when the URL asked for a chain
    the user may not see: said on the page's first run and kept while the page stays open."""
    note_key = f"_scope_note_{_page()}"
    if st.session_state.get(ARRIVED_KEY, True):
        st.session_state[note_key] = (
            tr(
                "scope_fallback",
                value="、".join(url_values) if lang() == "zh" else ", ".join(url_values),
                shown=shown,
            )
            if url_values
            else None
        )
    note = st.session_state.get(note_key)
    if note:
        (st.session_state.get(NOTE_SLOT_KEY) or container).caption(f":material/lock: {note}")


def own_chain() -> str:
    """The chain a page opens on: a chain office's own chain, 全区 (ALL) for everyone else."""
    return current_scope().chain or "ALL"


def chain_picker(
    chains: pd.DataFrame, *, container=st, allow_all: bool = True, key: str = "chain"
) -> str:
    """The page's chain: 全区 and the chains the user may see (`chains` comes from
    queries.chains(), already limited to the user's scope), opening on the user's own scope.

    A chain in the URL that is not among them (a link made by someone who sees more) falls
    back to the user's own scope, with a one-line note."""
    codes = [str(c) for c in chains.chain_code if allow_all or c != "ALL"]
    default = own_chain() if own_chain() in codes else (codes[0] if codes else "ALL")
    asked = _from_query(key)
    refused = [asked] if asked is not None and asked not in codes else []
    labels = chain_labels(chains)
    value = pick(tr("chain"), codes, key, default, lambda c: labels.get(c, c), container=container)
    _scope_note(refused, chain_name(value, chains), container=container)
    return value


def chains_picker(
    chains: pd.DataFrame,
    *,
    container=st,
    key: str = "chains",
    aliases: Sequence[str] = ("chain",),
) -> list[str]:
    """Several chains (none chosen: every chain the user may see), for pages that list rows.

    A chain office opens on its own chain; chains in the URL it may not see are dropped,
    with a one-line note (and the page falls back to its own chain if none is left)."""
    codes = [str(c) for c in chains.chain_code if c != "ALL"]
    default = [current_scope().chain] if current_scope().chain in codes else []
    raw = _from_query(key, aliases)
    refused = [v for v in (raw or "").split(",") if v and v not in codes and v != "ALL"]
    values = pick_many(
        tr("chain"),
        codes,
        key,
        chain_labels(chains).__getitem__,
        container=container,
        default=default,
        aliases=aliases,
    )
    shown = "、".join(chain_names(values or ["ALL"], chains))
    _scope_note(refused, shown, container=container)
    return values


def default_quarter(periods: pd.DataFrame) -> tuple[int, int]:
    """The last finished quarter (dashboard.md: pages and the export default to it; the
    running one is a click away), else the latest quarter with data."""
    ordered = periods.sort_values(["year", "quarter"])
    if "period_state" in ordered:
        finished = ordered[ordered.period_state == "finished"]
        if not finished.empty:
            ordered = finished
    row = ordered.iloc[-1]
    return int(row.year), int(row.quarter)


def running_quarter(periods: pd.DataFrame) -> tuple[int, int, object] | None:
    """(year, quarter, as-of date) of the quarter that holds the warehouse's as-of date."""
    if "period_state" not in periods:
        return None
    running = periods[periods.period_state == "running"]
    if running.empty:
        return None
    row = running.iloc[-1]
    return int(row.year), int(row.quarter), row.as_of_date


def as_of_text(day) -> str:
    day = pd.Timestamp(day)
    return f"{day.month}月{day.day}日" if lang() == "zh" else f"{day.day} {day:%b}"


def period_picker(
    periods: pd.DataFrame, *, container=st, default: tuple[int, int] | None = None
) -> tuple[int, int]:
    """Year and quarter pickers; default the last finished quarter (or `default`). The
    running quarter says so: 第4季度（进行中，截至12月2日）."""
    default = default or default_quarter(periods)
    running = running_quarter(periods)
    years = sorted({int(y) for y in periods["year"]} | {default[0]})
    left, right = container.columns(2)
    year = int(pick(tr("year"), years, "year", default[0], lambda y: y, container=left))
    in_year = sorted(int(q) for q in periods.loc[periods.year == year, "quarter"])
    default_q = default[1] if year == default[0] else (in_year[-1] if in_year else 1)

    def label(q: int) -> str:
        if running and (year, q) == running[:2]:
            return tr("quarter_running", q=q, date=as_of_text(running[2]))
        return tr("quarter_label", q=q)

    quarter = int(pick(tr("quarter"), [1, 2, 3, 4], "quarter", default_q, label, container=right))
    return year, quarter


def period_note(periods: pd.DataFrame, year: int, quarter: int) -> str | None:
    """A line under a page's title: the quarter is still running (paced by the days gone), or
    its year is over (met / missed, no pace words)."""
    running = running_quarter(periods)
    if running and (year, quarter) == running[:2]:
        return tr("running_note", date=as_of_text(running[2]))
    rows = periods[(periods.year == year) & (periods.quarter == quarter)]
    if (
        not rows.empty
        and "as_of_date" in rows
        and pd.Timestamp(rows.iloc[0].as_of_date).year > year
    ):
        return tr("year_over_note")
    return None


def stage_days(rows: pd.DataFrame) -> list[str]:
    """Days in stage as a head reads them: `≥ 1036` where the first ledger already showed the
    stage (the age is at least that), `—` where unknown."""
    bound = rows.get("days_in_stage_is_lower_bound")
    out = []
    for i, days in enumerate(rows.days_in_stage):
        if charts.is_missing(days):
            out.append(MISSING)
        else:
            at_least = bound is not None and bool(bound.iloc[i]) is True
            out.append(("≥ " if at_least else "") + f"{int(days):,}")
    return out


def chain_labels(chains: pd.DataFrame) -> dict[str, str]:
    """Chain code → the chain's name in the current language, as a dict: pages label every
    row of a frame by it (a lookup per row, not a scan of `chains` per row)."""
    names = chains.name_en if lang() == "en" else chains.name_zh
    return dict(zip(chains.chain_code, names, strict=True))


def chain_names(codes, chains: pd.DataFrame) -> list[str]:
    """chain_name of each code, with one lookup table for them all."""
    labels = chain_labels(chains)
    return [MISSING if charts.is_missing(c) else labels.get(c, str(c)) for c in codes]


def chain_name(row_or_code, chains: pd.DataFrame | None = None) -> str:
    """The chain's name in the current language (全区 / District total for ALL); a row without
    a chain reads —."""
    if chains is not None:
        return chain_names([row_or_code], chains)[0]
    rec = row_or_code
    return rec.name_en if lang() == "en" else rec.name_zh


def status_badge(status: str, *, container=st) -> None:
    color, icon = charts.STATUS_BADGE[status]
    container.badge(status_label(status, lang()), icon=icon, color=color)


def empty(message: str, *, container=st) -> None:
    """An empty state that says what is missing."""
    container.info(message, icon=":material/info:")


# A text cell a spreadsheet would run as a formula when the grid's own "Download as CSV" is
# opened in Excel (issue 20, item 7): = + - @ first, or a tab or carriage return.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each text cell that a spreadsheet would take for a formula prefixed by
    an apostrophe (OWASP's CSV-injection advice): `'=HYPERLINK(…)` reads, and exports, as
    text. Numbers, dates and a lone sign are left as they are. Every frame the dashboard
    shows goes through this, so the grid's CSV download carries no live formula."""
    out = None
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object and not pd.api.types.is_string_dtype(column):
            continue
        risky = column.map(
            lambda v: isinstance(v, str) and len(v) > 1 and v.startswith(_FORMULA_START)
        )
        if risky.any():
            out = frame.copy() if out is None else out
            out[name] = column.mask(risky, "'" + column.astype(str))
    return frame if out is None else out


def table(df, *, container=st, column_config: dict | None = None, height=None):
    """A table as a head reads it: a missing value is —, numbers with thousands separators and
    no trailing zeros (Streamlit's localized format: 15,200 · 12,263.8), dates as dates. A
    styled table (pandas Styler) shows its display values, made by charts.cell_text. Wide
    tables scroll inside their own frame, never the page."""
    if hasattr(df, "data") and hasattr(df, "format"):  # a Styler: its data made safe
        df.data = formula_safe(df.data)
    else:
        df = formula_safe(df)
    data = df.data if hasattr(df, "data") and hasattr(df, "format") else df
    config = dict(column_config or {})
    for name in data.columns:
        if name in config:
            continue
        column = data[name]
        if pd.api.types.is_bool_dtype(column):
            continue
        if (
            pd.api.types.is_numeric_dtype(column)
            or column.map(lambda v: isinstance(v, decimal.Decimal)).any()
        ):
            config[name] = st.column_config.NumberColumn(format="localized")
        elif pd.api.types.is_datetime64_any_dtype(column):
            config[name] = st.column_config.DateColumn(format="YYYY-MM-DD")
    if data is not df:  # a Styler: its display values are what the page shows
        df = df.format(lambda v: charts.cell_text(v, lang()), na_rep=MISSING)
    kwargs = {
        "hide_index": True,
        "width": "stretch",
        "column_config": config,
        "placeholder": MISSING,
    }
    if height:
        kwargs["height"] = height
    container.dataframe(df, **kwargs)


def unit(name: object, n: object = None, kpi_code: str | None = None) -> str:
    """A unit in the current language (人 / persons, 个 / projects …)."""
    return unit_label(name, lang(), n, kpi_code)


def _frame_digest(frame: pd.DataFrame) -> str:
    """A DataFrame's cache key for figure(): a digest of its pickle, cheaper than Streamlit's
    own hashing of a frame (docs/benchmarks.md, notes). Equal frames pickle alike; at worst a
    frame is drawn once more."""
    return hashlib.blake2b(pickle.dumps(frame, protocol=5), digest_size=16).hexdigest()


@st.cache_resource(
    ttl="1h", max_entries=1024, show_spinner=False, hash_funcs={pd.DataFrame: _frame_digest}
)
def _figure(make_name: str, _make: Callable, data: pd.DataFrame, kwargs: tuple):
    return _make(data, **dict(kwargs))


def figure(make: Callable, data: pd.DataFrame, **kwargs):
    """`make(data, **kwargs)` — a figure or the phone's status list from charts.py, pure
    functions of their arguments — drawn once for the same data and arguments, then the same
    object for every session and rerun that shows it (st.cache_resource: kept, not copied;
    nothing changes a figure once drawn, st.plotly_chart only reads it). The data is keyed by
    value, so a new warehouse version, another role's rows or another filter draw anew."""
    return _figure(make.__name__, make, data, tuple(sorted(kwargs.items())))


def chart(fig, key: str, *, container=st) -> None:
    """A Plotly chart as every page shows it: full width, no mode bar (charts.PLOTLY_CONFIG)."""
    container.plotly_chart(fig, width="stretch", key=key, config=charts.PLOTLY_CONFIG)


# Phones (dashboard.md): what only a wide screen shows, and what only a phone shows, by CSS
# width queries on the containers' own classes (st.container(key=…) → .st-key-…).
NARROW_PX = 640
_RESPONSIVE_CSS = f"""
<style>
@media (max-width: {NARROW_PX}px) {{ [class*="st-key-ck_wide_"] {{ display: none !important; }} }}
@media (min-width: {NARROW_PX + 1}px) {{ [class*="st-key-ck_narrow_"] {{ display: none !important; }} }}
.modebar-container {{ display: none !important; }}
{charts.STATUS_LIST_CSS}
</style>
"""


def responsive_css() -> None:
    """The page's CSS for wide/narrow containers and the status list (no space taken)."""
    st.html(_RESPONSIVE_CSS)


def wide_only(key: str, *, container=st):
    """A container shown on wide screens only (a chart a phone cannot read)."""
    return container.container(key=f"ck_wide_{key}")


def narrow_only(key: str, *, container=st):
    """A container shown on phones only (the list that stands in for a wide chart)."""
    return container.container(key=f"ck_narrow_{key}")


def filters():
    """The page's filters: a collapsed 筛选 section above the content, so a phone opens on the
    headline figures, not on pickers."""
    return st.expander(tr("filters"), icon=":material/tune:")


def funds_rate(funds: pd.DataFrame, chain_code: str, *, container=st, caption: bool = True) -> None:
    """到位率 beside signed investment (party_service_funds.md): funds in place ÷ planned
    investment of the same projects (signed, not dropped; queries.funds_in_place), as a metric
    with what it divides in a caption. Nothing when the chain has no signed investment."""
    rows = funds[funds.chain_code == chain_code] if not funds.empty else funds
    if rows.empty or charts.is_missing(rows.iloc[0].signed_investment_wan):
        return
    rec = rows.iloc[0]
    signed = float(rec.signed_investment_wan)
    if not signed:
        return
    in_place = float(rec.funds_in_place_wan or 0)
    container.metric(
        tr("funds_rate"), charts.format_pct(in_place / signed), help=tr("funds_rate_help")
    )
    if caption:
        container.caption(
            tr(
                "funds_rate_caption",
                funds=charts.format_amount(in_place, lang()),
                signed=charts.format_amount(signed, lang()),
                n=int(rec.signed_projects),
            )
        )
