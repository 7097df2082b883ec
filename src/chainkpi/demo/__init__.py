"""Deterministic demo ledgers: what Nanao district's chain offices would hand in.

`generate()` writes the six datasets of inputs.md and the three of party_service_funds.md for
the four chains, from 2023 up to `as_of`, in the formats offices really use: Excel with a
title row above the header, CSV saved as GB18030 by Excel, UTF-8 CSV exported from a system with English headers. Cell
spellings vary the way typed ledgers do (chain aliases, English enumeration words, 是/Y/1,
`1,200`, full-width digits, `-`/`无`/`/` for missing).

The history comes month by month, as offices hand it in: every chain office's project
ledger and gap list and the investment-promotion centre's lead list are monthly, from
January 2023 to the as-of month, each named by its month (`…项目储备库2025年09月.xls`,
`projects_20250930_SEMI.csv`: name order is month order) and holding what was new or moved on
that month, as it stood at the month's end (本月新增及进展有变化的项目; a month without any
is not handed in). So a project comes back in the month its stage moved on, a lead in the
month it was followed up (its status changed), a gap when taken up or closed: what stage ages,
stuck projects and follow-ups count from. Listing only the changes keeps the volume near one
full list per office. The year's hire ledgers, the talent catalogues and the leading-talent
list stand as of `as_of`. `by_period` gives the files month by month, the order `kpi demo`
ingests them in (every reference then finds a row of its month or before); one ingest of
the whole folder in name order gives the same warehouse.

Each chain party committee hands in a quarterly ledger of its activities and of the
mentoring pairs signed or ended that quarter, named by the quarter (`…党建活动台账2026年第3季度
.xlsx`, `mentoring_pairs_2026Q3_SEMI.csv`), in its chain office's habits: a committee meeting
every quarter but one (`district.missed_meeting`: a finished quarter of the as-of year, so
that chain's quarterly KPI is off track), one or two trainings a year, mentor organisations
with about five mentees each. The enterprise service centre's monthly ledger of the three
through trains (`…企业诉求直通车办理台账2026年09月`) lists the issues received or closed that
month: two to three weeks to resolve at the median, a long tail, a few open past 60 days.
These draw from random streams of their own, so the other files are as they were.

The history has a rhythm for the forecast of 达成概率 to learn (docs/forecast.md): three whole
years before the running one, each chain's events dated by its own months (`district.SEASONS`:
a slow first quarter, a year-end push, 半导体's June fair, 先进装备's September expo), signings
waiting for a busy month, and good and bad years (`district.YEAR_SPREAD`).

Some files come in the real shapes of real_ledgers.md, laid out by shapes.py: the
新能源 office's monthly project ledger as a WPS `.xls` without an ID column (the key is the
project name), the talent office's catalogue workbook with one sheet per chain (新能源,
新材料), the leading-talent project list with chain cells merged down, and 2025's monthly
lead lists as GB18030 CSV in 亿元. The rest, most of the rows, keep the clean shape.

A few deliberately bad rows (`BAD_ROWS`) and unresolved references (`UNRESOLVED_REFERENCES`)
are planted so the ingest's rejection and warning paths show; every file as a whole is usable.

Same seed, scale and as_of give byte-identical files: every random draw comes from a
`random.Random` seeded from a string, and workbooks carry fixed properties.

The modules, one job each:

- words.py: names and word lists (companies, products, cities, people, ID numbers);
- district.py: the simulated district (projects, gaps, leads, talent) as records;
- plan.py: which files each office hands in, month by month, and in which style;
- writers.py: records to cells, cells to CSV and xlsx files; shapes.py: the real shapes;
- planted.py: the bad rows and unresolved references;
- entry.py: `generate`, `generate_detailed`, `by_period` (what `kpi demo` calls).
"""

from chainkpi.demo.entry import DemoResult, by_period, generate, generate_detailed
from chainkpi.demo.planted import BAD_ROWS, UNRESOLVED_REFERENCES
from chainkpi.demo.words import CONTACTS, OWNER_CONTACTS, PREPARERS, id_check_digit
from chainkpi.demo.writers import PlantedRow, WrittenFile

__all__ = [
    "BAD_ROWS",
    "CONTACTS",
    "OWNER_CONTACTS",
    "PREPARERS",
    "UNRESOLVED_REFERENCES",
    "DemoResult",
    "PlantedRow",
    "WrittenFile",
    "by_period",
    "generate",
    "generate_detailed",
    "id_check_digit",
]
