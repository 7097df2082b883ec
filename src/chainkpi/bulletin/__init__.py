"""What leaders decide with (issue 22, bulletin_brief_forecast.md): the monthly bulletin
(`kpi bulletin`, the 通报排名 page) and the chain committee's quarterly brief (`kpi brief`).

Both read the published warehouse read-only (the marts fct_bulletin_monthly,
fct_bulletin_kpi_monthly, fct_kpi_progress and the pipeline, gap, lead and issue marts) and
write their PDFs with fpdf2 and an embedded CJK font (pdfdoc explains the choice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from chainkpi.errors import UserError

CHAINS = ("NE", "SEMI", "EQUIP", "MAT")

STATUS_ZH = {
    "met": "已完成",
    "on_track": "进度正常",
    "at_risk": "有风险",
    "off_track": "滞后",
    "no_target": "未设目标",
}


@contextmanager
def connect(path: Path, needs: tuple[str, ...]) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published warehouse, attached read-only to an in-memory DuckDB (chainkpi.export's
    way: a build publishing meanwhile does not disturb the read), with the marts `needs`."""
    from chainkpi.export.queries import connect as export_connect

    with export_connect(path) as con:
        present = {
            name
            for (name,) in con.execute(
                """select table_name from information_schema.tables
                   where table_catalog = 'warehouse' and table_schema = 'main'"""
            ).fetchall()
        }
        missing = [name for name in needs if name not in present]
        if missing:
            raise UserError(
                f"数据仓库缺少 {', '.join(missing)}，请先运行 kpi build "
                f"(the published warehouse lacks {', '.join(missing)}: run kpi build)"
            )
        yield con


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether the warehouse's main.`table` has `column` (the odds columns come and go with
    the forecast's model: the documents show them only where they exist)."""
    return bool(
        con.execute(
            """select count(*) from information_schema.columns
               where table_catalog = 'warehouse' and table_schema = 'main'
                 and table_name = ? and column_name = ?""",
            [table, column],
        ).fetchall()[0][0]
    )


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def build_info(con: duckdb.DuckDBPyConnection) -> tuple[dt.datetime, dt.date]:
    built_at, as_of = con.execute("select built_at, as_of_date from meta.build_info").fetchone()
    return built_at, as_of


def pct(value: object, digits: int = 1) -> str:
    """A share as a percentage (`83.3%`); `—` when missing."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


def number(value: object, unit: str = "") -> str:
    """A figure as the dashboard writes it: thousands separators, no trailing zeros."""
    if value is None:
        return "—"
    amount = float(value)
    text = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip() if unit else text


def write_atomically(path: Path, write) -> None:
    """Write to a temporary file beside `path` and rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def make_out_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"无法创建输出目录 {out_dir}: {exc.strerror} (cannot create it)") from None
    return out_dir
