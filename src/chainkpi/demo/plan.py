"""The file plan: which files the district's offices hand in, month by month, in which
office's habits (`Style`), holding which records. Name order is month order within a
dataset and office."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from chainkpi.demo.district import (
    BY_NAME_OFFICE,
    CATALOGUE_BY_CHAIN,
    DISTRICT,
    FIRST_YEAR,
    STYLE_YEAR,
    Ctx,
    Project,
    quarter_span,
)
from chainkpi.ingest.schema import CHAIN_NAMES_ZH


@dataclass(frozen=True)
class Style:
    """How one office writes its ledgers."""

    kind: str  # "xlsx" or "csv"
    encoding: str = "utf-8-sig"  # CSV only
    english_headers: bool = False
    fullwidth_brackets: bool = True  # 计划总投资（万元） as typed on a Chinese keyboard
    dates: str = "cell"  # cell (Excel date) | iso | iso_time | slash | cn
    bools: tuple[str, str] = ("是", "否")
    chains: str = "alias"  # name | alias | code
    english_enums: float = 0.0  # share of enumeration cells written as the English word
    amounts: str = "number"  # number | plain | thousands
    missing: tuple[str, ...] = ("",)
    fullwidth_digits: float = 0.0  # share of text dates typed with full-width year digits
    title: bool = True
    note: bool = False
    blank_row: bool = False
    extra_columns: bool = False  # 序号 and 备注, which the contract ignores
    chain_first: bool = False

    @property
    def label(self) -> str:
        return "xlsx" if self.kind == "xlsx" else f"csv {self.encoding}"


# Each chain office keeps its own habits; the district bureaus rotate formats by year.
OFFICE_STYLES = {
    "NE": Style("xlsx", note=True, blank_row=True, extra_columns=True),
    "SEMI": Style(
        "csv",
        encoding="gb18030",
        dates="slash",
        bools=("Y", "N"),
        amounts="thousands",
        missing=("", "无", "-"),
        english_enums=0.04,
        chain_first=True,
    ),
    "EQUIP": Style(
        "csv",
        english_headers=True,
        dates="iso_time",
        bools=("1", "0"),
        chains="code",
        english_enums=1.0,
        amounts="plain",
        title=False,
    ),
    "MAT": Style(
        "xlsx",
        dates="cn",
        amounts="thousands",
        missing=("", "/", "-"),
        fullwidth_digits=0.04,
        english_enums=0.03,
        extra_columns=True,
    ),
}
BUREAU_STYLES = (
    Style("xlsx", note=True, extra_columns=True),
    Style(
        "csv",
        encoding="gb18030",
        dates="cn",
        amounts="thousands",
        missing=("", "无", "-", "/"),
        english_enums=0.03,
        fullwidth_digits=0.02,
    ),
    Style(
        "csv",
        fullwidth_brackets=False,
        dates="iso",
        bools=("Y", "N"),
        missing=("", "-"),
        english_enums=0.05,
        fullwidth_digits=0.03,
        amounts="plain",
        title=False,
    ),
)


@dataclass
class Plan:
    """One file to write: which dataset, for which office, in which style, with which rows."""

    dataset: str
    office: str | None
    name: str
    style: Style
    title: str
    author: str
    as_of: date
    records: list[dict[str, object]]
    year: int = 0  # the year a district-wide ledger covers
    bad: dict[int, str] = field(default_factory=dict)  # id(record) -> rule, for the report
    shape: str | None = None  # a real shape of shapes.py (writers.SHAPES); None: clean

    @property
    def period(self) -> str:
        """The month whose state the file holds (`2025-09`): when `kpi demo` ingests it."""
        return f"{self.as_of.year}-{self.as_of.month:02d}"


# --------------------------------------------------------------------------- the file plan


def _office(chain: str) -> str:
    return f"{DISTRICT}{CHAIN_NAMES_ZH[chain]}产业链链长办公室"


def _months(ctx: Ctx) -> list[tuple[date, date]]:
    """(first day, ledger day) of every month from January of FIRST_YEAR to the as-of month:
    a month's ledger says where things stood on its last day, or on the as-of day for the
    month that is not over."""
    months, start = [], date(FIRST_YEAR, 1, 1)
    while start <= ctx.as_of:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        months.append((start, min(following - timedelta(days=1), ctx.as_of)))
        start = following
    return months


def _changed(days: Sequence[date | None], start: date, end: date) -> bool:
    return any(day is not None and start <= day <= end for day in days)


def project_plans(ctx: Ctx, chain: str, projects: list[Project]) -> list[Plan]:
    """The office's monthly ledger: the projects new or moved on that month, each as it stood
    at the month's end (本月新增及进展有变化的项目). A month without any is not handed in.
    Name order is month order, so one ingest of every month's file in name order ends with
    each project's latest row."""
    plans = []
    zh, style, office = CHAIN_NAMES_ZH[chain], OFFICE_STYLES[chain], _office(chain)
    for start, when in _months(ctx):
        rows = [
            r
            for p in projects
            if _changed([p.created, *(day for _, day in p.events)], start, when)
            and (r := p.row_at(when)) is not None
        ]
        if not rows:
            continue
        if chain == BY_NAME_OFFICE:
            # The WPS ledger without project numbers, keyed by name, named by its month.
            name = f"{DISTRICT}{zh}产业链项目储备库{when.year}年{when.month:02d}月.xls"
            title = f"{DISTRICT}{zh}产业链“双招双引”项目储备库（{when.year}年{when.month}月）"
            plans.append(
                Plan(
                    "projects", chain, name, style, title, office, when, rows, shape="wps_projects"
                )
            )
            continue
        stamp = f"{when:%Y%m%d}"
        name = (
            f"{DISTRICT}{zh}产业链项目储备库{stamp}.xlsx"
            if style.kind == "xlsx"
            else f"projects_{stamp}_{chain}.csv"
        )
        title = f"{DISTRICT}{zh}产业链项目储备库（{when.year}年{when.month}月更新）"
        plans.append(Plan("projects", chain, name, style, title, office, when, rows))
    return plans


def _gap_row_at(gap: dict[str, object], day: date) -> dict[str, object]:
    """The gap as its list said on `day`: open, in progress, or closed with its date."""
    closed, progress = gap["closed_date"], gap["_in_progress_date"]
    row = {**gap, "status": "open", "closed_date": None}
    if isinstance(closed, date) and closed <= day:
        row.update(status="closed", closed_date=closed)
    elif isinstance(progress, date) and progress <= day:
        row["status"] = "in_progress"
    return row


def _gap_days(gap: dict[str, object]) -> list[date | None]:
    """When the gap's list changed: identified, taken up, closed."""
    days = (gap["identified_date"], gap["_in_progress_date"], gap["closed_date"])
    return [day if isinstance(day, date) else None for day in days]


def _gap_plans(ctx: Ctx, chain: str, gaps: list[dict[str, object]]) -> list[Plan]:
    """The office's monthly gap list: the gaps identified, taken up or closed that month."""
    style, zh, office = OFFICE_STYLES[chain], CHAIN_NAMES_ZH[chain], _office(chain)
    plans = []
    for start, when in _months(ctx):
        rows = [_gap_row_at(g, when) for g in gaps if _changed(_gap_days(g), start, when)]
        if not rows:
            continue
        if chain == "EQUIP":
            name = f"chain_gaps_{when:%Y%m}_{chain}.csv"
        else:
            ext = "xlsx" if style.kind == "xlsx" else "csv"
            name = f"{DISTRICT}{zh}产业链缺口清单{when.year}年{when.month:02d}月.{ext}"
        title = f"{DISTRICT}{zh}产业链缺口清单（截至{when.year}年{when.month}月{when.day}日）"
        plans.append(Plan("chain_gaps", chain, name, style, title, office, when, rows))
    return plans


def chain_plans(ctx: Ctx, chain: str, gaps: list, catalogue: list) -> list[Plan]:
    """The office's monthly gap lists, and its talent catalogue unless the catalogue workbook
    holds it."""
    style, zh, office, when = OFFICE_STYLES[chain], CHAIN_NAMES_ZH[chain], _office(chain), ctx.as_of
    gap_plans = _gap_plans(ctx, chain, gaps)
    if chain in CATALOGUE_BY_CHAIN:
        return gap_plans
    if chain == "EQUIP" or style.kind != "xlsx":
        cat_name = f"talent_catalogue_{when.year}_{chain}.csv"
    else:
        cat_name = f"{DISTRICT}{zh}产业链急需紧缺人才需求目录{when.year}.xlsx"
    return [
        *gap_plans,
        Plan(
            "talent_catalogue",
            chain,
            cat_name,
            style,
            f"{DISTRICT}{zh}产业链急需紧缺人才需求目录（{when.year}年）",
            office,
            when,
            catalogue,
        ),
    ]


def catalogue_workbook(ctx: Ctx, catalogues: dict[str, list]) -> Plan:
    """The talent office's workbook of the chains' catalogues, one sheet per chain."""
    year = ctx.as_of.year
    return Plan(
        "talent_catalogue",
        None,
        f"{DISTRICT}重点产业链急需紧缺人才需求目录{year}年.xlsx",
        OFFICE_STYLES["MAT"],
        f"{DISTRICT}重点产业链急需紧缺人才需求目录（{year}年）",
        f"{DISTRICT}委人才办",
        ctx.as_of,
        [r for chain in CATALOGUE_BY_CHAIN for r in catalogues[chain]],
        shape="catalogue_by_chain",
    )


def _bureau_name(style: Style, key: str, zh: str, year: int) -> str:
    # GB18030 files come from the office PC that saves with English names; the rest are
    # named in Chinese as the bureau files them.
    if style.encoding == "gb18030":
        return f"{key}_{year}.csv"
    return f"{DISTRICT}{zh}{year}年.{'xlsx' if style.kind == 'xlsx' else 'csv'}"


def _lead_history(ctx: Ctx, lead: dict[str, object]) -> list[tuple[date, str]]:
    """(day, status) as the lead moved on, ending in its status as of `as_of`: each change is
    a follow-up the centre's monthly list records. Drawn from the lead's own stream, so the
    leads themselves are drawn as before."""
    rng = ctx.rng(f"lead_history:{lead['lead_id']}")
    first, status = lead["first_contact_date"], str(lead["status"])
    assert isinstance(first, date)
    if status == "converted":
        converted = lead["converted_date"]
        assert isinstance(converted, date)
        steps = [(first, "following")]
        if (converted - first).days > 20 and rng.random() < 0.6:
            steps.append(
                (first + timedelta(days=rng.randint(10, (converted - first).days - 1)), "visited")
            )
        return [*steps, (converted, "converted")]
    if status == "new":
        return [(first, "new")]
    age = (ctx.as_of - first).days
    if status == "following":
        return [(first, "new"), (first + timedelta(days=rng.randint(0, min(age, 90))), "following")]
    # visited or abandoned: followed from the start, the last change any day since
    return [(first, "following"), (first + timedelta(days=rng.randint(min(age, 7), age)), status)]


def _lead_row_at(lead: dict[str, object], day: date) -> dict[str, object]:
    """The lead as the centre's list said on `day`: its status then, and the conversion (date
    and project) only once converted."""
    status = [s for when, s in lead["_history"] if when <= day][-1]  # type: ignore[attr-defined]
    row = {**lead, "status": status}
    if status != "converted":
        row.update(converted_date=None, project_id=None)
    return row


def _lead_plans(ctx: Ctx, leads: dict[int, list[dict[str, object]]]) -> list[Plan]:
    """The investment-promotion centre's monthly lead list: the leads first contacted or
    followed up (their status changed) that month. One naming for every month, whatever the
    office PC saved it as, so that name order is month order."""
    every = [lead for year in sorted(leads) for lead in leads[year]]
    for lead in every:
        lead["_history"] = _lead_history(ctx, lead)
    plans = []
    for start, when in _months(ctx):
        rows = [
            _lead_row_at(lead, when)
            for lead in every
            if _changed([day for day, _ in lead["_history"]], start, when)  # type: ignore[attr-defined]
        ]
        if not rows:
            continue
        style = BUREAU_STYLES[(when.year - STYLE_YEAR) % len(BUREAU_STYLES)]
        plans.append(
            Plan(
                "leads",
                None,
                f"{DISTRICT}招商线索台账{when.year}年{when.month:02d}月."
                f"{'xlsx' if style.kind == 'xlsx' else 'csv'}",
                style,
                f"{DISTRICT}招商线索台账（{when.year}年{when.month}月新增及跟进）",
                f"{DISTRICT}投资促进中心",
                when,
                rows,
                year=when.year,
                # The centre's office PC: GB18030, and amounts in 亿元 as its template has them.
                shape="leads_in_yi" if style.encoding == "gb18030" else None,
            )
        )
    return plans


def bureau_plans(ctx: Ctx, leads: dict, hires: dict, leaders: list) -> list[Plan]:
    plans = _lead_plans(ctx, leads)
    for i, year in enumerate(ctx.years):
        style = BUREAU_STYLES[(i + 1) % len(BUREAU_STYLES)]
        plans.append(
            Plan(
                "talent_hires",
                None,
                _bureau_name(style, "talent_hires", "人才引进台账", year),
                style,
                f"{DISTRICT}{year}年人才引进台账",
                f"{DISTRICT}委人才办",
                ctx.as_of,
                hires.get(year, []),
                year=year,
            )
        )
    plans.append(
        Plan(
            "leader_projects",
            None,
            f"{DISTRICT}领军人才项目清单{ctx.as_of.year}年{ctx.as_of.month:02d}月.xlsx",
            replace(OFFICE_STYLES["MAT"], extra_columns=False),
            f"{DISTRICT}国家级、省级、市级领军人才项目清单（截至{ctx.as_of:%Y年%m月%d日}）",
            f"{DISTRICT}科学技术局",
            ctx.as_of,
            leaders,
            shape="leaders_by_chain",
        )
    )
    return plans


# ---------------------------------------------------------------- party building and service


def _quarters(ctx: Ctx) -> list[tuple[date, date, int, int]]:
    """(first day, ledger day, year, quarter) of every quarter from FIRST_YEAR to the as-of
    quarter: the ledger says where things stood on its last day, or on the as-of day."""
    quarters = []
    for year in ctx.years:
        for quarter in range(1, 5):
            start, end = quarter_span(year, quarter)
            if start <= ctx.as_of:
                quarters.append((start, min(end, ctx.as_of), year, quarter))
    return quarters


def _party_office(chain: str) -> str:
    return f"中共{DISTRICT}{CHAIN_NAMES_ZH[chain]}产业链委员会"


def _quarter_name(style: Style, key: str, zh: str, chain: str, year: int, quarter: int) -> str:
    """Named by the quarter (handing_in.md: the ledger's period): in Chinese from an office
    that works in Excel, by the dataset's key from one that exports CSV."""
    if style.kind == "xlsx":
        return f"{DISTRICT}{CHAIN_NAMES_ZH[chain]}产业链{zh}{year}年第{quarter}季度.xlsx"
    return f"{key}_{year}Q{quarter}_{chain}.csv"


def party_plans(
    ctx: Ctx, chain: str, activities: list[dict[str, object]], pairs: list[dict[str, object]]
) -> list[Plan]:
    """The chain party committee's quarterly ledgers, in its chain office's habits: the
    quarter's activities (党建活动台账), and the mentoring pairs signed or ended that quarter,
    as they stood at its end (帮带结对台账; a quarter without any is not handed in)."""
    style, zh, office = OFFICE_STYLES[chain], CHAIN_NAMES_ZH[chain], _party_office(chain)
    plans = []
    for start, when, year, quarter in _quarters(ctx):
        period = f"{year}年第{quarter}季度"
        rows = [a for a in activities if start <= a["activity_date"] <= when]  # type: ignore[operator]
        if rows:
            plans.append(
                Plan(
                    "party_activities",
                    chain,
                    _quarter_name(style, "party_activities", "党建活动台账", chain, year, quarter),
                    style,
                    f"{DISTRICT}{zh}产业链党建活动台账（{period}）",
                    office,
                    when,
                    rows,
                )
            )
        changed = [
            p
            for p in pairs
            if _changed([p["signed_date"], p["_ended"]], start, when)  # type: ignore[list-item]
        ]
        if changed:
            plans.append(
                Plan(
                    "mentoring_pairs",
                    chain,
                    _quarter_name(style, "mentoring_pairs", "帮带结对台账", chain, year, quarter),
                    style,
                    f"{DISTRICT}{zh}产业链党组织帮带结对台账（{period}新增及变化）",
                    office,
                    when,
                    [_pair_row_at(p, when) for p in changed],
                )
            )
    return plans


def _pair_row_at(pair: dict[str, object], day: date) -> dict[str, object]:
    ended = pair["_ended"]
    if isinstance(ended, date) and ended <= day:
        return {**pair, "status": "ended", "ended_date": ended}
    return {**pair, "status": "active", "ended_date": None}


def _issue_row_at(issue: dict[str, object], day: date) -> dict[str, object]:
    """The issue as the service centre's list said on `day`: open until it was closed."""
    closed = issue["_closed"]
    if isinstance(closed, date) and closed <= day:
        return {**issue, "resolved_date": closed}
    return {**issue, "status": "open", "resolved_date": None, "satisfaction": None}


def issue_plans(ctx: Ctx, issues: list[dict[str, object]]) -> list[Plan]:
    """The enterprise service centre's monthly ledger of the three through trains: the issues
    received or closed that month, as they stood at its end. One naming for every month (name
    order is month order), the format rotating by year as the bureaus' do."""
    plans = []
    for start, when in _months(ctx):
        rows = [
            _issue_row_at(i, when)
            for i in issues
            if _changed([i["received_date"], i["_closed"]], start, when)  # type: ignore[list-item]
        ]
        if not rows:
            continue
        style = BUREAU_STYLES[(when.year - STYLE_YEAR + 2) % len(BUREAU_STYLES)]
        ext = "xlsx" if style.kind == "xlsx" else "csv"
        plans.append(
            Plan(
                "enterprise_issues",
                None,
                f"{DISTRICT}企业诉求直通车办理台账{when.year}年{when.month:02d}月.{ext}",
                style,
                f"{DISTRICT}“三个直通车”企业诉求办理台账（{when.year}年{when.month}月受理及办结）",
                f"{DISTRICT}企业服务中心",
                when,
                rows,
                year=when.year,
            )
        )
    return plans
