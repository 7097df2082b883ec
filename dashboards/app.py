"""The dashboard's router: page config, sidebar (language, when the warehouse was built) and
the pages (st.navigation). Run from the project root: `streamlit run dashboards/app.py`
(`kpi serve` does exactly that with the workspace's CHAINKPI_HOME).

It reads the published warehouse only, read-only, through dashboards/queries.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboards/app.py` puts dashboards/ on sys.path, not the project root; the
# pages import `dashboards.*` (the editable install usually has the root on the path already).
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from chainkpi import auth  # noqa: E402
from dashboards import queries, signin, ui  # noqa: E402
from dashboards.i18n import LANG_NAMES, LANGS, format_local_time, t, user_line  # noqa: E402

st.set_page_config(page_title="产业链双招双引看板", page_icon="📊", layout="wide")

# Language first: every label below depends on it. Mirrored in the URL (?lang=en).
if ui.LANG_KEY not in st.session_state:
    st.session_state[ui.LANG_KEY] = "en" if st.query_params.get(ui.LANG_KEY) == "en" else "zh"
lang = st.sidebar.radio(
    t("language"), LANGS, key=ui.LANG_KEY, format_func=LANG_NAMES.get, horizontal=True
)
if lang == "en":
    st.query_params[ui.LANG_KEY] = "en"
elif ui.LANG_KEY in st.query_params:
    del st.query_params[ui.LANG_KEY]

_HERE = Path(__file__).parent
PAGES = [
    ("overview", "page_overview", ":material/dashboard:"),
    ("chain", "page_chain", ":material/account_tree:"),
    ("projects", "page_projects", ":material/work:"),
    ("leads", "page_leads", ":material/handshake:"),
    ("talent", "page_talent", ":material/school:"),
    ("party", "page_party", ":material/groups:"),
    ("ranking", "page_ranking", ":material/leaderboard:"),
    ("quality", "page_quality", ":material/fact_check:"),
    ("export", "page_export", ":material/download:"),
]

# Who is looking: this session's sign-in, or one resumed from the session cookie (a reload).
user = signin.resume(ui.tr)
# 数据报送 (Hand in) is for those who hand in ledgers (analyst, office:CODE): it is not in
# anyone else's navigation, so its URL does not open for them either.
if user and auth.Scope(user["role"]).hands_in:
    PAGES.append(("hand_in", "page_hand_in", ":material/upload_file:"))
# Separated duties (admin: users; auditor: the audit trail) see their one page and no data.
if user and user["role"] in signin.DUTY_PAGES:
    PAGES = [signin.DUTY_PAGES[user["role"]]]

# The page the URL asks for is resolved before signing in, and the navigation is hidden
# until then: a bookmarked or shared link (/projects?chain=SEMI) keeps its page and filters
# in the URL through the sign-in form, and opens them once signed in.
page = st.navigation(
    [
        st.Page(
            _HERE / "views" / f"{name}.py",
            title=t(label, lang),
            icon=icon,
            url_path=name,
            default=name == PAGES[0][0],
        )
        for name, label, icon in PAGES
    ],
    position="sidebar" if user and not user.get("must_change") else "hidden",
)

# Nobody reads anything before signing in.
if user is None:
    user = signin.require_user(ui.tr)
signin.keep_cookie()
# A temporary password: the 修改密码 form and nothing else, whatever page the URL names.
signin.require_password_change(ui.tr)

try:
    info = queries.warehouse_info()
except queries.WarehouseError as exc:
    if exc.kind == "missing":
        st.warning(t("no_warehouse", lang, path=exc.path), icon=":material/database:")
    else:
        st.error(t("corrupt_warehouse", lang, path=exc.path, detail=exc.detail))
    if page.url_path == "hand_in":  # the first ledgers are handed in before any warehouse
        page.run()
    st.stop()

built = format_local_time(info.built_at)  # with its time zone
as_of = info.as_of_date.strftime("%Y-%m-%d") if hasattr(info.as_of_date, "strftime") else info.as_of_date  # fmt: skip
st.sidebar.caption(t("built_at", lang, built_at=built, as_of=as_of))
# 区领导（演示）· 区领导 / District leader (demo) · District: names and roles in the language.
st.sidebar.caption(ui.plain(user_line(user, lang)))  # a display name is text, not Markdown
st.sidebar.button(t("signout", lang), on_click=signin.sign_out)

ui.enter_page(page.url_path)
try:
    page.run()
except queries.WarehouseError as exc:
    st.error(t("corrupt_warehouse", lang, path=exc.path, detail=exc.detail))
signin.record_view(page.url_path or PAGES[0][0])  # the audit trail: the page and its filters
ui.settle_memory(page.url_path)
