"""数据报送 Hand in (handing_in.md, "Upload in the dashboard"): an analyst, or a chain's
office (`office:CODE`, its own chain's ledgers only), uploads ledgers; the same `kpi ingest`
and `kpi build` run in a worker (dashboards/hand_in_jobs.py) while this page shows their
progress; then the report per file in Chinese, the 退回修改 files to download, and the time
of the new warehouse. The import templates are offered for download here too.

A district leader or a chain head never sees the page (app.py leaves it out of their
navigation) and is refused if the script runs for them anyway.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import pandas as pd
import streamlit as st

from chainkpi.settings import Workspace
from dashboards import hand_in_jobs as jobs
from dashboards import signin, ui
from dashboards.i18n import format_local_time

JOB_KEY = "_hand_in_job"  # this session's job id
UPLOADER_KEY = "_hand_in_uploader"  # a new key after each job: the uploader starts empty
LIVE_KEY = "_hand_in_live"  # the job id whose progress this session watched to the end
REFUSED_KEY = "_hand_in_refused"  # the refused upload last recorded
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The page's words (zh, en); the report itself is the ingest's Chinese.
TEXT = {
    "title": ("数据报送", "Hand in"),
    "intro": (
        "上传本月（本季度）台账：系统按与 `kpi ingest` 相同的规则校验入库，再重新构建数据仓库。"
        "构建完成前，看板仍显示原有数据。",
        "Upload this month's (quarter's) ledgers: they are checked and loaded by the same rules "
        "as `kpi ingest`, then the warehouse is rebuilt. Until it is published the dashboard "
        "keeps showing the data it has.",
    ),
    "refused": (
        "数据报送仅对数据分析员和各链办报送账号开放。",
        "Handing in is for analysts and the chain offices' hand-in accounts only.",
    ),
    "templates": ("导入模板下载", "Import templates"),
    "templates_hint": (
        "按模板填写可避免绝大多数退回：下拉选项、日期和金额格式都已设好，示例行导入时自动跳过。",
        "A filled-in template avoids most returns: dropdowns, date and amount checks are set, "
        "the example row is skipped.",
    ),
    "all_templates": ("全部模板（zip）", "All templates (zip)"),
    "uploader": ("选择台账文件（.xlsx、.xls、.csv）", "Ledger files (.xlsx, .xls, .csv)"),
    "uploader_help": (
        f"每个文件不超过 {jobs.MAX_FILE_MB} MB，每次最多 {jobs.MAX_FILES} 个文件。"
        "文件名请含数据集和期间，如 {example}。",
        f"At most {jobs.MAX_FILE_MB} MB a file and {jobs.MAX_FILES} files at a time. Name a "
        "file by dataset and period, e.g. {example}.",
    ),
    "office_note": (
        "本账号只能报送{chain}的台账：含其他产业链行的文件将整体退回。",
        "This account hands in {chain} ledgers only: a file with rows of another chain is "
        "refused whole.",
    ),
    "start": ("开始报送", "Hand in"),
    "selected": ("已选择 {n} 个文件", "{n} files selected"),
    "running": ("正在报送…", "Handing in…"),
    "waiting": ("排队等待…", "Waiting…"),
    "ingesting": ("校验并导入台账…", "Checking and loading the ledgers…"),
    "building": ("构建数据仓库（dbt build）…", "Building the warehouse (dbt build)…"),
    "files_done": ("已处理 {done}/{n} 个文件", "{done} of {n} files read"),
    "build_step": ("构建进度 {done}/{n}", "Build {done} of {n}"),
    "done": ("报送完成", "Handed in"),
    "failed": ("报送未完成", "Not completed"),
    "report": ("报送结果", "Result"),
    "log": ("运行记录", "Run log"),
    "returns": ("退回修改文件", "Files back to fix"),
    "returns_hint": (
        "以下文件有被拒收的行或整体被拒收：下载后按“问题说明”修改，再重新报送。",
        "These files had rows rejected, or were refused whole: fix them as the notes say "
        "and hand them in again.",
    ),
    "published": (
        "已发布新的数据仓库：构建于 {at}。看板各页现在显示新数据。",
        "A new warehouse is published, built {at}. Every page now shows the new data.",
    ),
    "skipped": (
        "数据没有变化，数据仓库仍为 {at} 构建的版本。",
        "Nothing changed: the warehouse built {at} stays.",
    ),
    "no_build": (
        "没有新的台账（均已导入过，或已退回），数据仓库未重新构建。",
        "Nothing new (handed in before, or refused): the warehouse was not rebuilt.",
    ),
    "build_failed": (
        "构建未通过，看板继续显示原有数据：{error}",
        "The build did not pass; the dashboard keeps the data it had: {error}",
    ),
    "again": ("报送其他文件", "Hand in more files"),
    "rejected_rows": ("拒收的行", "Rejected rows"),
    "warnings": ("警告", "Warnings"),
    "col_row": ("行号", "Row"),
    "col_sheet": ("工作表", "Sheet"),
    "col_column": ("列", "Column"),
    "col_value": ("填写内容（已脱敏）", "Value (masked)"),
    "col_rule": ("问题", "Rule"),
}


def tr(key: str, **values: object) -> str:
    text = TEXT[key][0 if ui.lang() == "zh" else 1]
    return text.format(**values) if values else text


@st.cache_data(ttl=300, show_spinner=False)
def _templates() -> tuple[list[tuple[str, bytes]], bytes]:
    """Every dataset's template and all of them as one zip (made anew every 5 minutes: a
    code added to a code-list seed reaches the dropdowns without a restart)."""
    files = jobs.templates()
    return files, _zip(files)


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def _local(at: object) -> str:
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at)
        except ValueError:
            return at
    if not hasattr(at, "strftime"):
        return "—"
    # To the second: two uploads in a minute publish two warehouses.
    minute = at.strftime("%Y-%m-%d %H:%M")
    return format_local_time(at).replace(minute, at.strftime("%Y-%m-%d %H:%M:%S"), 1)


def templates_section() -> None:
    with st.expander(tr("templates"), icon=":material/description:"):
        st.caption(tr("templates_hint"))
        files, archive = _templates()
        st.download_button(
            tr("all_templates"), data=archive, file_name="导入模板.zip",
            mime="application/zip", icon=":material/folder_zip:", on_click="ignore",
            key="hand_in_template_zip",
        )  # fmt: skip
        columns = st.columns(2)
        for number, (name, data) in enumerate(files):
            columns[number % 2].download_button(
                name, data=data, file_name=name, mime=XLSX, icon=":material/download:",
                on_click="ignore", key=f"hand_in_template_{number}",
            )  # fmt: skip


def _file_heading(report: dict) -> str:
    from chainkpi.ingest.schema import DATASETS

    name = ui.plain(report["file"])
    dataset = DATASETS[report["dataset"]].name_zh if report.get("dataset") in DATASETS else "?"
    if report["status"] == "already_ingested":
        return f"= **{name}**　［{dataset}］已导入过（内容相同），跳过"
    if report["status"] == "rejected":
        return f"✗ **{name}**　整个文件被拒收"
    line = (
        f"✓ **{name}**　［{dataset}］读取 {report['rows_read']} 行，"
        f"入库 {report['rows_loaded']} 行，拒收 {report['rows_rejected']} 行"
    )
    if report.get("warnings"):
        line += f"，警告 {len(report['warnings'])} 条"
    return line


def _rows_table(report: dict, items: list[dict], rule_of) -> pd.DataFrame:
    from chainkpi.ingest.schema import DATASETS

    dataset = DATASETS.get(report.get("dataset"))
    headers = {c.key: c.header_zh for c in dataset.columns} if dataset else {}
    rows = {
        tr("col_row"): [item.get("row") for item in items],
        tr("col_column"): [headers.get(item.get("column"), item.get("column")) for item in items],
        tr("col_value"): [item.get("value") or "" for item in items],
        tr("col_rule"): [rule_of(item) for item in items],
    }
    if any(item.get("sheet") for item in items):
        rows = {tr("col_sheet"): [item.get("sheet") or "" for item in items], **rows}
    return pd.DataFrame(rows)


def file_report(report: dict, returns: dict[str, bytes], key: str) -> None:
    from chainkpi.ingest.rules import message

    box = st.container(border=True)
    box.markdown(_file_heading(report))
    for error in report.get("errors") or []:  # may quote the file's own headers: plain text
        box.error(ui.plain(error), icon=":material/block:")
    for line in (report.get("interpretation") or {}).get("summary_zh") or []:
        box.caption(f"读取方式：{ui.plain(line)}")
    if report.get("rejected_rows"):
        box.markdown(f"**{tr('rejected_rows')}**")
        box.dataframe(  # formula_safe: the grid's CSV download runs no formula
            ui.formula_safe(
                _rows_table(report, report["rejected_rows"], lambda item: message(item["rule"]))
            ),
            hide_index=True,
        )
    if report.get("warnings"):
        box.markdown(f"**{tr('warnings')}**")
        box.dataframe(  # formula_safe: the grid's CSV download runs no formula
            ui.formula_safe(
                _rows_table(report, report["warnings"], lambda item: item.get("message", ""))
            ),
            hide_index=True,
        )
    if report.get("unknown_columns"):
        box.caption("未识别的列已忽略：" + ui.plain("、".join(report["unknown_columns"])))
    name = report.get("return_file")
    if name and name in returns:
        box.download_button(
            name, data=returns[name], file_name=name, mime=XLSX, icon=":material/undo:",
            # the audit trail records each 退回修改 file taken away (it holds masked rows)
            on_click=signin.record_download, args=("returned_file", name),
            key=f"hand_in_return_{key}",
        )  # fmt: skip


def watch(job: jobs.Job) -> None:
    """The job's progress until it ends (the worker does the work; this thread only reads)."""
    with st.status(tr("running"), expanded=True) as status:
        bar = st.progress(0.0)
        log = st.empty()
        while True:
            now = job.snapshot()
            state = now["state"]
            if state == "building" and now["build_step"][1]:
                done, total = now["build_step"]
                bar.progress(0.5 + 0.5 * done / total, tr("build_step", done=done, n=total))
            elif state in ("ingesting", "waiting", "queued"):
                total = max(1, now["files"])
                text = tr("files_done", done=now["done_files"], n=now["files"])
                bar.progress(0.5 * min(now["done_files"], total) / total, text)
            if state in ("waiting", "ingesting", "building"):
                status.update(label=tr(state))
            log.code("\n".join(now["lines"][-12:]) or " ", language=None)
            if job.finished:
                break
            time.sleep(0.5)
        status.update(
            label=tr("done" if job.state == "done" else "failed"),
            state="complete" if job.state == "done" else "error",
            expanded=False,
        )


def result(job: jobs.Job) -> None:
    st.subheader(tr("report"))
    if job.build == "published":
        st.success(tr("published", at=_local(job.built_at)), icon=":material/check_circle:")
    elif job.build == "skipped":
        st.info(tr("skipped", at=_local(job.built_at)), icon=":material/info:")
    elif job.state == "done":
        st.info(tr("no_build"), icon=":material/info:")
    if job.state == "failed":
        st.error(tr("build_failed", error=ui.plain(job.error)), icon=":material/error:")
    returns = dict(job.returns)
    if returns:
        st.markdown(f"**{tr('returns')}**")
        st.caption(tr("returns_hint"))
    for number, report in enumerate(job.reports):
        file_report(report, returns, f"{job.id}_{number}")
    with st.expander(tr("log")):
        st.code("\n".join(job.lines) or " ", language=None)


def _user() -> dict:
    return signin.current_user() or {}


def render() -> None:
    scope = signin.current_scope()
    if not scope.hands_in:
        st.error(tr("refused"), icon=":material/block:")
        st.stop()
    st.title(tr("title"))
    st.caption(tr("intro"))
    templates_section()
    office = scope.chain if scope.role.startswith("office:") else None
    if office:
        from chainkpi.ingest.schema import CHAIN_NAMES_ZH

        st.info(tr("office_note", chain=CHAIN_NAMES_ZH.get(office, office)))

    current = jobs.job(st.session_state.get(JOB_KEY))
    if current is not None:
        if st.session_state.get(LIVE_KEY) != current.id:
            watch(current)
            st.session_state[LIVE_KEY] = current.id
            st.rerun()  # the sidebar's "built at" reads the new warehouse
        result(current)
        if st.button(tr("again"), icon=":material/upload_file:"):
            jobs.forget(current.id)
            st.session_state.pop(JOB_KEY, None)
            st.rerun()
        return

    generation = st.session_state.get(UPLOADER_KEY, 0)
    chosen = st.file_uploader(
        tr("uploader"), type=list(jobs.SUFFIXES), accept_multiple_files=True,
        key=f"hand_in_files_{generation}",
        max_upload_size=jobs.MAX_FILE_MB,
    )  # fmt: skip
    # The example names the office's own chain (a chain office reads no other chain's name).
    from chainkpi.ingest.schema import CHAIN_NAMES_ZH

    example = f"{CHAIN_NAMES_ZH.get(office or 'NE', '新能源')}产业链项目储备库2025年9月.xlsx"
    st.caption(tr("uploader_help", example=example))
    if not chosen:
        return
    uploads = [jobs.Upload(file.name, file.getvalue()) for file in chosen]
    errors = jobs.limit_errors(uploads)
    for error in errors:  # they quote the names as sent: plain text
        st.error(ui.plain(error), icon=":material/block:")
    if errors:
        signature = sorted(upload.sha256 for upload in uploads)
        if st.session_state.get(REFUSED_KEY) != signature:  # recorded once, not every rerun
            st.session_state[REFUSED_KEY] = signature
            jobs.record_refused(
                Workspace.from_env(), uploads, _user().get("username", ""), scope.role, errors
            )
        return
    st.caption(tr("selected", n=len(uploads)))
    if st.button(tr("start"), type="primary", icon=":material/upload:"):
        started = jobs.start(
            Workspace.from_env(), uploads, _user().get("username", ""), scope.role, office
        )
        st.session_state[JOB_KEY] = started.id
        st.session_state[UPLOADER_KEY] = generation + 1
        st.rerun()


render()
