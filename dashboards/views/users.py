"""用户 Users: the admin role's one page (等保 访问控制, separated duties) — who may sign in,
with which role, in which state, and when each last signed in. Read only: users are added,
changed, disabled and removed with `kpi user …`, which writes the audit trail. No KPI data
is read here (queries.fetch refuses the admin role)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from chainkpi import auth
from chainkpi.lockout import Lockout
from dashboards import signin, ui
from dashboards.i18n import format_local_time, role_label

TEXT = {
    "title": ("用户", "Users"),
    "hint": (
        "只读。添加、修改角色、停用、启用、删除用户请用命令 kpi user add|disable|enable|remove（均写入审计记录）；"
        "kpi user add 设置的是临时密码，用户首次登录时须修改。",
        "Read only. Add users, change roles, disable, enable or remove them with kpi user "
        "add|disable|enable|remove (each written to the audit trail); the password kpi user add "
        "sets is temporary, changed by the user at first sign-in.",
    ),
    "user": ("用户名", "User"),
    "name": ("名称", "Name"),
    "role": ("角色", "Role"),
    "state": ("状态", "State"),
    "last": ("最近登录", "Last sign-in"),
    "active": ("正常", "active"),
    "temporary": ("正常，待改临时密码", "active, temporary password"),
    "disabled": ("已停用", "disabled"),
    "locked": ("已锁定至 {until}", "locked until {until}"),
    "only_admin": ("此页面仅对用户管理员开放。", "This page is for the user administrator only."),
    "none": ("还没有用户。", "No users yet."),
}


def text(key: str, **values: object) -> str:
    zh, en = TEXT[key]
    found = zh if ui.lang() == "zh" else en
    return found.format(**values) if values else found


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return format_local_time(dt.datetime.fromtimestamp(seconds, dt.UTC))


def render() -> None:
    st.title(text("title"))
    user = signin.current_user() or {}
    if user.get("role") != "admin":
        st.error(text("only_admin"))
        return
    st.caption(text("hint"))
    users = auth.load_users(auth.users_file(), include_disabled=True)
    if not users:
        ui.empty(text("none"))
        return
    guard = Lockout.for_workspace()
    rows = []
    for found in users.values():
        locked = guard.locked_until(found.username, "")
        if found.disabled:
            state = text("disabled")
        elif locked is not None:
            state = text("locked", until=_when(locked))
        else:
            state = text("temporary" if found.must_change else "active")
        rows.append(
            {
                text("user"): found.username,
                text("name"): found.display_name,  # shown by st.dataframe: text, never Markdown
                text("role"): role_label(found.role, ui.lang()),
                text("state"): state,
                text("last"): _when(guard.last_signin(found.username)),
            }
        )
    st.dataframe(ui.formula_safe(pd.DataFrame(rows)), hide_index=True, width="stretch")


render()
