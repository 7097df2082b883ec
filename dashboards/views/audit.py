"""审计记录 Audit trail: the auditor role's one page (等保 安全审计, separated duties) — the
trail's verdict (every record's hash and its chain to the one before, as `kpi audit verify`)
and its records, filtered by user, day and event. Read only; no KPI data is read here."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from chainkpi import audit
from dashboards import signin, ui

SHOWN = 2000  # the newest records shown at most; `kpi audit show` prints them all

TEXT = {
    "title": ("审计记录", "Audit trail"),
    "intact": (
        "审计记录完整：{n} 条，每条的哈希及与上一条的链接均校验通过。",
        "The audit trail is intact: {n} records, each record's hash and its link to the one "
        "before checked.",
    ),
    "tampered": (
        "审计记录被改动：第 {seq} 条（{where}）{reason}",
        "The audit trail was tampered with: record {seq} ({where}) {reason}",
    ),
    "user": ("用户", "User"),
    "everyone": ("全部用户", "Everyone"),
    "since": ("起始日期", "From"),
    "until": ("截止日期", "To"),
    "events": ("事件", "Events"),
    "none": ("没有符合条件的记录。", "No records match."),
    "count": (
        "共 {n} 条记录，按时间倒序显示最近 {shown} 条。",
        "{n} records; the newest {shown} shown, newest first.",
    ),
    "only_auditor": ("此页面仅对安全审计员开放。", "This page is for the auditor only."),
    "seq": ("序号", "No."),
    "at": ("时间（UTC）", "Time (UTC)"),
    "event": ("事件", "Event"),
    "client": ("客户端地址", "Client"),
    "details": ("详情", "Details"),
}


def text(key: str, **values: object) -> str:
    zh, en = TEXT[key]
    found = zh if ui.lang() == "zh" else en
    return found.format(**values) if values else found


def verdict() -> None:
    found = audit.verify()
    if found.ok:
        st.success(text("intact", n=found.records), icon=":material/verified:")
    else:
        st.error(
            text("tampered", seq=found.first_bad, where=found.where, reason=found.reason),
            icon=":material/gpp_bad:",
        )


def render() -> None:
    st.title(text("title"))
    user = signin.current_user() or {}
    if user.get("role") != "auditor":
        st.error(text("only_auditor"))
        return
    verdict()
    records = audit.records()
    today = dt.datetime.now(dt.UTC).date()
    first = min((dt.date.fromisoformat(r["at"][:10]) for r in records), default=today)
    c1, c2, c3, c4 = st.columns([2, 1, 1, 2])
    users = sorted({str(r.get("user")) for r in records})
    who = c1.selectbox(
        text("user"), [None, *users], format_func=lambda u: text("everyone") if u is None else u
    )
    since = c2.date_input(text("since"), value=first, min_value=first, max_value=today)
    until = c3.date_input(text("until"), value=today, min_value=first, max_value=today)
    events = c4.multiselect(text("events"), sorted({str(r.get("event")) for r in records}))
    chosen = [
        r
        for r in records
        if (who is None or r.get("user") == who)
        and since.isoformat() <= r["at"][:10] <= until.isoformat()
        and (not events or r.get("event") in events)
    ]
    if not chosen:
        ui.empty(text("none"))
        return
    st.caption(text("count", n=len(chosen), shown=min(SHOWN, len(chosen))))
    newest = chosen[::-1][:SHOWN]
    frame = pd.DataFrame(
        {
            text("seq"): [r.get("seq") for r in newest],
            text("at"): [str(r.get("at", ""))[:19].replace("T", " ") for r in newest],
            text("event"): [str(r.get("event")) for r in newest],
            text("user"): [str(r.get("user")) for r in newest],
            text("client"): [str((r.get("details") or {}).get("client") or "") for r in newest],
            text("details"): [
                json.dumps(
                    {k: v for k, v in (r.get("details") or {}).items() if k != "client"},
                    ensure_ascii=False,
                )
                for r in newest
            ],
        }
    )
    st.dataframe(ui.formula_safe(frame), hide_index=True, width="stretch")


render()
