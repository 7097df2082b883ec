"""`kpi_progress_{Y}Q{q}.csv`: the machine-readable half of the export (spec/kpis.md).

UTF-8 with BOM (Excel then opens the Chinese correctly), the contract's columns first and in
its order, then a few readable extras. Numbers are plain: no thousands separators, no
trailing zeros (a count is `12`, never `12.00`), `pct_of_target` a ratio rounded to 4
decimals, `expected_to_date` and `projected_year_end` rounded to 2; empty cells for
missing values.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from chainkpi.export.queries import Row

CONTRACT_COLUMNS = (
    "year",
    "quarter",
    "chain_code",
    "kpi_code",
    "kpi_name_zh",
    "unit",
    "quarter_actual",
    "ytd_actual",
    "annual_target",
    "expected_to_date",
    "pct_of_target",
    "status",
    "projected_year_end",
)
EXTRA_COLUMNS = ("chain_name_zh", "chain_name_en", "kpi_name_en", "is_example_target")
COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS

_DECIMALS = {"pct_of_target": 4, "expected_to_date": 2, "projected_year_end": 2}
_AMOUNTS = ("quarter_actual", "ytd_actual", "annual_target")


def plain_number(value: object, places: int | None = None) -> str:
    """`1234.5`, `12`, `0.9167`: rounded to `places` if given, trailing zeros dropped."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def csv_row(row: Row) -> list[str]:
    """One progress row as the CSV's cells."""
    cells: dict[str, str] = {}
    for name in COLUMNS:
        value = row.get(name)
        if name in _DECIMALS:
            cells[name] = plain_number(value, _DECIMALS[name])
        elif name in _AMOUNTS:
            # Counted actuals are whole numbers; 万元 sums keep their cents (2 decimals at
            # most). A target is shown as set, without its trailing zeros.
            count = row.get("is_count") and name != "annual_target"
            cells[name] = plain_number(value, 0 if count else 2)
        elif isinstance(value, bool):
            cells[name] = "true" if value else "false"
        elif value is None:
            cells[name] = ""
        else:
            cells[name] = str(value)
    return [cells[name] for name in COLUMNS]


def write_csv(path: Path, progress: list[Row]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(csv_row(row) for row in progress)
    return path
