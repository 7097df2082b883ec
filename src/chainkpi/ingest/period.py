"""The period a ledger covers (handing_in.md): the month or quarter its file name or title
row names — `2025年9月`, `202509`, `2025-09`, `2025年三季度`, `2025年第3季度`, `2025Q3` — else
the month before the day it was ingested. Written `2025-09` or `2025Q3`.

The file name is read first, then the title rows above the header. A full date
(`20261202`, `2025年9月30日`) names its month; a year alone names no period.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Not preceded or followed by another digit: 2025 in 120250 is no year.
_QUARTER = re.compile(
    r"(?<!\d)(?P<y>20\d{2})\s*(?:年\s*(?:第\s*)?(?P<q>[一二三四1-4])\s*季度|[-_ ]?[Qq](?P<q2>[1-4]))(?!\d)"
)
_MONTH = re.compile(
    r"(?<!\d)(?P<y>20\d{2})\s*(?:年\s*(?P<m>1[0-2]|0?[1-9])\s*月"
    r"|[-_./](?P<m2>1[0-2]|0[1-9]|[1-9])(?!\d)"
    r"|(?P<m3>1[0-2]|0[1-9])(?:(?:0[1-9]|[12]\d|3[01]))?(?!\d))"
)


def period_named(text: str | None) -> str | None:
    """The month (`2025-09`) or quarter (`2025Q3`) a text names first, or None."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, str]] = []
    quarter = _QUARTER.search(text)
    if quarter:
        q = _QUARTER_WORDS[quarter.group("q") or quarter.group("q2")]
        found.append((quarter.start(), f"{quarter.group('y')}Q{q}"))
    month = _MONTH.search(text)
    if month:
        m = int(month.group("m") or month.group("m2") or month.group("m3"))
        found.append((month.start(), f"{month.group('y')}-{m:02d}"))
    return min(found)[1] if found else None


def month_before(day: dt.date) -> str:
    first = day.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def ledger_period(file_stem: str, titles: list[str], ingested_on: dt.date) -> tuple[str, str]:
    """(period, where it came from: file_name | title | ingest_date)."""
    named = period_named(file_stem)
    if named:
        return named, "file_name"
    for title in titles:
        named = period_named(title)
        if named:
            return named, "title"
    return month_before(ingested_on), "ingest_date"
