"""What `kpi ingest` prints: one line per file as it goes, the first few problems, a total."""

from __future__ import annotations

import re

from chainkpi.ingest.pipeline import FileReport, IngestResult, rejected_row_count
from chainkpi.ingest.rules import message
from chainkpi.ingest.schema import DATASETS

SHOWN_PER_FILE = 5
# Control characters (and the DEL and C1 ranges) in a file name or a cell would act on the
# terminal (retitle it, clear it, forge a line): printed escaped.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def file_lines(report: FileReport) -> list[str]:
    """The lines printed for one file, control characters escaped."""
    return [printable(line) for line in _file_lines(report)]


def _file_lines(report: FileReport) -> list[str]:
    name = DATASETS[report.dataset].name_zh if report.dataset else "?"
    if report.status == "already_ingested":
        return [f"  = {report.file}  [{name}] 已导入过（内容相同），跳过 (already ingested)"]
    if report.status == "rejected":
        return [f"  ✗ {report.file}  整个文件被拒收 (rejected): {'; '.join(report.errors)}"]
    rejected = rejected_row_count(report.rejected_rows)
    line = (
        f"  ✓ {report.file}  [{name}] 读取 {report.rows_read} 行，入库 {report.rows_loaded} 行"
        f"，拒收 {rejected} 行"
    )
    if report.warnings:
        line += f"，警告 {len(report.warnings)} 条"
    lines = [line]
    # How a real-shaped ledger was read (sheets, header rows, units, skipped rows, ...).
    read_as = report.interpretation.get("summary_zh") or []
    lines += [f"      读取方式：{text}" for text in read_as]
    shown = len(lines)
    for item in report.rejected_rows[:SHOWN_PER_FILE]:
        value = "" if item["value"] is None else f" “{item['value']}”"
        lines.append(f"      {_where(item)} {item['column']}{value}: {message(item['rule'])}")
    for item in report.warnings[: max(0, SHOWN_PER_FILE - len(report.rejected_rows))]:
        value = "" if item["value"] is None else f" “{item['value']}”"
        lines.append(f"      ! {_where(item)} {item['column']}{value}: {item['message']}")
    hidden = len(report.rejected_rows) + len(report.warnings) - (len(lines) - shown)
    if hidden > 0:
        lines.append(f"      …另有 {hidden} 条，详见 --report (more in the JSON report)")
    if report.unknown_columns:
        lines.append(
            f"      未识别的列已忽略 (ignored columns): {', '.join(report.unknown_columns)}"
        )
    return lines


def _where(item: dict) -> str:
    sheet = f"工作表「{item['sheet']}」" if item.get("sheet") else ""
    return f"{sheet}第 {item['row']} 行"


def total_line(result: IngestResult) -> str:
    files = result.files
    count = {
        s: sum(f.status == s for f in files) for s in ("loaded", "already_ingested", "rejected")
    }
    rows_loaded = sum(f.rows_loaded for f in files)
    rows_rejected = sum(rejected_row_count(f.rejected_rows) for f in files)
    warnings = sum(len(f.warnings) for f in files)
    return (
        f"合计 {len(files)} 个文件：入库 {count['loaded']}，已导入过 {count['already_ingested']}，"
        f"整体拒收 {count['rejected']}；入库 {rows_loaded} 行，拒收 {rows_rejected} 行，"
        f"警告 {warnings} 条。"
        f" (files {len(files)}, rows loaded {rows_loaded}, rows rejected {rows_rejected})"
    )
