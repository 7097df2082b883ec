"""The quarterly target-tracking export (spec/kpis.md, "The quarterly export").

    write_export(workspace, 2025, 3, out_dir)            # every chain
    write_export(workspace, 2025, 3, out_dir, chain="NE", lang="en")

writes `kpi_progress_{Y}Q{q}.csv` and `target_tracking_{Y}Q{q}.xlsx` (with `_{CHAIN}` before
the extension for one chain) from the published warehouse, read-only.

A chain's export keeps the district-total (ALL) rows beside the chain's own, as context: an
office reports its figures against the district's. Everything else in it (gaps, pipeline,
projects) is the chain's alone, and it has no data-quality sheets: a ledger file is not one
chain's (its name and rejected rows may be another chain's), and rejected rows are for
analysts (the dashboard's rule too). The district's export keeps them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from chainkpi.errors import UsageError, UserError
from chainkpi.export import labels
from chainkpi.export.csv_export import write_csv
from chainkpi.export.queries import quarters_and_build_info, read_export
from chainkpi.export.xlsx_export import write_xlsx
from chainkpi.files import write_atomically
from chainkpi.settings import Workspace

__all__ = ["ALL_CHAINS", "latest_complete_quarter", "resolve_chain", "write_export"]

ALL_CHAINS = ("ALL", "NE", "SEMI", "EQUIP", "MAT")


def resolve_chain(chain: str | None) -> str | None:
    """A chain code from a code (any case) or a Chinese/English chain name; None for all.

    `ALL` / 全区 mean the whole district, the same as no chain."""
    if chain is None or not chain.strip():
        return None
    from chainkpi.ingest.coerce import CHAIN_LABELS

    key = unicodedata.normalize("NFKC", chain).strip().casefold()
    if key in ("all", "全区"):
        return None
    code = CHAIN_LABELS.get(key)
    if code is None:
        raise UsageError(
            f"未知产业链 {chain!r}，可选 NE、SEMI、EQUIP、MAT 或其中文名 "
            f"(unknown chain; use NE, SEMI, EQUIP or MAT)"
        )
    return code


def _check_period(year: int, quarter: int) -> None:
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise UsageError(f"季度应为 1–4，而不是 {quarter!r} (quarter must be 1 to 4)")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
        raise UsageError(f"年份无效: {year!r} (not a valid year)")


def write_export(
    workspace: Workspace,
    year: int,
    quarter: int,
    out_dir: Path,
    chain: str | None = None,
    lang: str = "zh",
) -> list[Path]:
    """Write the quarter's CSV and workbook into out_dir (created if need be); their paths.

    UserError when the warehouse is missing or unusable, the quarter has no data (the message
    names the quarters that have), the quarter is not 1–4 or the chain is unknown."""
    _check_period(year, quarter)
    labels.check_lang(lang)
    code = resolve_chain(chain)
    chain_codes = list(ALL_CHAINS) if code is None else ["ALL", code]
    # A chain's export names no ledger file and no rejected row (see the module's docstring).
    with read_export(
        workspace.published_db, year, quarter, chain_codes, quality=code is None
    ) as data:
        out_dir = Path(out_dir)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"无法创建导出目录 {out_dir}: {exc.strerror} (cannot create it)"
            ) from None
        suffix = f"_{code}" if code else ""
        csv_path = out_dir / f"kpi_progress_{year}Q{quarter}{suffix}.csv"
        xlsx_path = out_dir / f"target_tracking_{year}Q{quarter}{suffix}.xlsx"
        write_atomically(csv_path, lambda p: write_csv(p, data.progress))
        write_atomically(xlsx_path, lambda p: write_xlsx(p, data, year, quarter, lang))
    return [csv_path, xlsx_path]


def _quarter_end(year: int, quarter: int) -> dt.date:
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)


def latest_complete_quarter(workspace: Workspace, today: dt.date | None = None) -> tuple[int, int]:
    """The latest quarter that has ended by `today` (default: the warehouse's as-of date) and
    has data; the latest quarter with data when none has ended yet."""
    quarters, info = quarters_and_build_info(workspace.published_db)
    if not quarters:
        raise UserError("数据仓库中还没有任何指标数据，请先导入台账并运行 kpi build (no KPI data)")
    reference = today or info.as_of_date or dt.date.today()
    ended = [(y, q) for y, q in quarters if _quarter_end(y, q) < reference]
    return ended[-1] if ended else quarters[-1]
