"""The simulated district: its projects, chain gaps, leads, talent catalogues, hires and
leading-talent projects from FIRST_YEAR to the as-of day, as records (dicts of contract
values). Every draw comes from a `random.Random` seeded from a string (`Ctx.rng`), so the
same seed, scale and as-of day give the same district."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from chainkpi.demo.words import (
    AREA_CODES,
    BRAND_CHARS,
    CITIES,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    GAP_LINKS,
    GIVEN_CHARS,
    ISSUE_PEOPLE,
    ISSUE_SUMMARIES,
    LEADER_TOPICS,
    OTHER_EMPLOYERS,
    PARTY_BRANCH_SUFFIXES,
    PARTY_DAY_THEMES,
    POSITIONS,
    PRODUCTS,
    PROJECT_SUFFIXES,
    REMARKS,
    STUDY_VISIT_PLACES,
    SURNAMES,
    TRAINING_TITLES,
    id_check_digit,
)
from chainkpi.ingest.schema import CHAIN_NAMES_ZH

DISTRICT = "南澳区"
# Three whole years of history before the running one (2023–2025 for an as-of day in 2026),
# so that the forecast of 达成概率 (docs/forecast.md) has each calendar month three times.
FIRST_YEAR = 2023
# The year the district bureaus' rotation of file formats starts from (BUREAU_STYLES in
# plan.py): 2024 xlsx, 2025 GB18030 CSV in 亿元, 2026 UTF-8 CSV, 2023 as 2026.
STYLE_YEAR = 2024
CHAIN_CODES = ("NE", "SEMI", "EQUIP", "MAT")
# The rhythm of each chain's year, January to December (relative activity per month): a slow
# first quarter (the Spring Festival; budgets and plans are set first) and a push to the
# year's end, each chain in its own way: 新能源 signs at the year-end push, 半导体 at the
# June investment fair too, 先进装备 at the September expo, 新材料 evenly but for a weak
# start. Projects, gaps, leads, hires and leading-talent projects are dated by their chain's
# rhythm (chainless ones by the district's, the mean of the four); a project's signing waits
# for a busy month (`_signing_day`).
SEASONS = {
    "NE": (0.35, 0.3, 0.7, 0.9, 1.0, 1.0, 0.9, 0.8, 1.0, 1.1, 1.5, 2.4),
    "SEMI": (0.45, 0.35, 0.8, 1.0, 1.2, 2.0, 0.9, 0.7, 0.9, 1.0, 1.2, 1.6),
    "EQUIP": (0.4, 0.3, 0.6, 0.8, 0.9, 1.0, 0.9, 1.0, 2.0, 1.3, 1.2, 1.7),
    "MAT": (0.55, 0.45, 0.8, 1.0, 1.0, 1.1, 1.0, 1.0, 1.0, 1.1, 1.3, 1.7),
}
SEASONS[None] = tuple(sum(m) / len(CHAIN_CODES) for m in zip(*SEASONS.values(), strict=True))  # type: ignore[index]
# A chain's good and bad years: each chain-year's projects, gaps and open leads are scaled by
# a draw of its own (lognormal, σ = YEAR_SPREAD), so that years differ and "did we make it
# last year" is no sure guide to this one (the district's hires vary by their own draws).
# The project pipeline runs from PIPELINE_YEARS before FIRST_YEAR: projects entered the
# reserve before the ledgers begin, so the first year's signings are a usual year's, not a
# pipeline filling up (such a project shows in a ledger once it moves on from FIRST_YEAR).
YEAR_SPREAD = 0.15
PIPELINE_YEARS = 1
# The office whose project ledger is a monthly WPS .xls without an ID column (the key is
# the project name): its converted leads carry no 转化项目编号, having no number to give.
BY_NAME_OFFICE = "NE"
# The chains whose talent catalogues come as one workbook, a sheet per chain.
CATALOGUE_BY_CHAIN = ("NE", "MAT")

# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class Ctx:
    seed: int
    scale: float
    as_of: date

    def rng(self, name: str) -> random.Random:
        # String seeds are hashed with SHA-512 by `random`, independent of PYTHONHASHSEED.
        return random.Random(f"{self.seed}:{name}")

    @property
    def years(self) -> range:
        return range(FIRST_YEAR, self.as_of.year + 1)

    def year_span(self, year: int) -> tuple[date, date]:
        return date(year, 1, 1), min(date(year, 12, 31), self.as_of)

    def year_fraction(self, year: int) -> float:
        start, end = self.year_span(year)
        return ((end - start).days + 1) / ((date(year, 12, 31) - start).days + 1)

    def count(self, per_year: float, year: int) -> int:
        return round(per_year * self.scale * self.year_fraction(year))

    def day_in(self, rng: random.Random, year: int) -> date:
        start, end = self.year_span(year)
        return start + timedelta(days=rng.randrange((end - start).days + 1))

    def season_share(self, year: int, chain: str | None) -> float:
        """The share of the year's activity (by the chain's rhythm) up to the as-of day."""
        weights = SEASONS[chain]
        if year < self.as_of.year:
            return 1.0
        done = sum(weights[: self.as_of.month - 1])
        month_days = _month_days(year, self.as_of.month)
        done += weights[self.as_of.month - 1] * self.as_of.day / month_days
        return done / sum(weights)

    def momentum(self, year: int, chain: str | None) -> float:
        """How good a year the chain has (1 is a usual one): a draw of its own stream."""
        return self.rng(f"momentum:{chain}:{year}").lognormvariate(0, YEAR_SPREAD)

    def season_count(
        self, per_year: float, year: int, chain: str | None, *, momentum: bool = True
    ) -> int:
        """Events of the chain's year up to the as-of day: per_year in a usual year."""
        share = self.season_share(year, chain)
        swing = self.momentum(year, chain) if momentum else 1.0
        return round(per_year * self.scale * swing * share)

    def season_day(self, rng: random.Random, year: int, chain: str | None) -> date:
        """A day of the year by the chain's rhythm, not after the as-of day."""
        last = 12 if year < self.as_of.year else self.as_of.month
        month = rng.choices(range(1, last + 1), weights=SEASONS[chain][:last])[0]
        days = _month_days(year, month)
        if (year, month) == (self.as_of.year, self.as_of.month):
            days = self.as_of.day
        return date(year, month, rng.randint(1, days))


def _month_days(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


def _signing_day(rng: random.Random, earliest: date, chain: str, lo: int, hi: int) -> date:
    """When a negotiated project signs, lo to hi days on: a week of that span, the weeks of
    its chain's busy months far likelier (signings wait for the June fair, the September
    expo, the year-end push; the Spring Festival holds them up)."""
    weeks = [earliest + timedelta(days=d) for d in range(lo, hi + 1, 7)]
    week = rng.choices(weeks, weights=[SEASONS[chain][w.month - 1] ** 3 for w in weeks])[0]
    return week + timedelta(days=rng.randint(0, 6))


def _pick(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _brand(rng: random.Random) -> str:
    return "".join(rng.sample(BRAND_CHARS, 2))


def _company(rng: random.Random, chain: str, city: str | None = None) -> str:
    # Some firms carry their home city in the name (苏州华睿…); then it is their origin.
    prefix = (city or rng.choice(CITIES)) if rng.random() < 0.3 else ""
    brand = _brand(rng)
    return f"{prefix}{brand}{rng.choice(COMPANY_WORDS[chain])}{rng.choice(COMPANY_SUFFIXES)}"


def _amount(rng: random.Random, median: float, sigma: float = 1.0) -> float:
    value = max(200.0, rng.lognormvariate(math.log(median), sigma))
    if rng.random() < 0.85:
        return float(round(value / 100) * 100)
    return round(value, 1)  # offices do type 1200.5


# --------------------------------------------------------------------------- projects


@dataclass
class Project:
    project_id: str
    chain: str
    created: date
    name: str
    project_type: str
    segment: str | None
    investor: str
    origin: str | None
    channel: str | None
    planned: float
    capital_share: float
    head: bool | None
    remark: str
    events: list[tuple[str, date]]  # stage changes after entering the reserve, in date order
    gap_id: str | None = None
    lead_id: str | None = None

    def stage_at(self, when: date) -> tuple[str, dict[str, date]]:
        stage, dates = "reserve", {}
        for event, day in self.events:
            if day > when:
                break
            stage = event
            if event in ("signed", "started", "producing"):
                dates[event] = day
        return stage, dates

    def row_at(self, when: date) -> dict[str, object] | None:
        """The ledger row as the office would have written it on `when`."""
        if self.created > when:
            return None
        stage, dates = self.stage_at(when)
        capital = {"started": 0.4, "producing": 1.0}.get(stage)
        return {
            "project_id": self.project_id,
            "project_name": self.name,
            "chain": self.chain,
            "project_type": self.project_type,
            "segment": self.segment,
            "gap_id": self.gap_id,
            "investor": self.investor,
            "origin": self.origin,
            "channel": self.channel,
            "planned_investment_wan": self.planned,
            "capital_in_place_wan": (
                round(self.planned * self.capital_share * capital, 2) if capital else None
            ),
            "stage": stage,
            "signed_date": dates.get("signed"),
            "started_date": dates.get("started"),
            "producing_date": dates.get("producing"),
            "head_enterprise": self.head,
            "lead_id": self.lead_id,
            "_remark": self.remark if stage != "reserve" else "",
        }


# stage -> (next stage, chance to advance, min days, max days); the rest of the mass is
# "stays where it is" after the drop chance below.
_ADVANCE = {
    "reserve": ("negotiating", 0.8, 15, 120),
    "negotiating": ("signed", 0.62, 20, 180),
    "signed": ("started", 0.82, 30, 200),
    "started": ("producing", 0.65, 120, 420),
}
_DROP = {"reserve": 0.05, "negotiating": 0.1, "signed": 0.06}


def _project_events(rng: random.Random, created: date, chain: str) -> list[tuple[str, date]]:
    events, stage, day = [], "reserve", created
    while stage in _ADVANCE:
        roll = rng.random()
        drop = _DROP.get(stage, 0.0)
        nxt, chance, lo, hi = _ADVANCE[stage]
        if roll < drop:
            events.append(("dropped", day + timedelta(days=rng.randint(30, 200))))
            break
        if roll >= drop + chance:
            break
        if nxt == "signed":
            day = _signing_day(rng, day, chain, lo, hi)
        else:
            day += timedelta(days=rng.randint(lo, hi))
        events.append((nxt, day))
        stage = nxt
    return events


def _project_name(rng: random.Random, chain: str, brand: str) -> str:
    return f"{brand}{rng.choice(PRODUCTS[chain])}{rng.choice(PROJECT_SUFFIXES)}"


def make_projects(ctx: Ctx, chain: str) -> list[Project]:
    rng = ctx.rng(f"projects:{chain}")
    projects: list[Project] = []
    names: set[str] = set()
    for year in range(FIRST_YEAR - PIPELINE_YEARS, ctx.as_of.year + 1):
        count = ctx.season_count(25, year, chain)
        created = sorted(ctx.season_day(rng, year, chain) for _ in range(count))
        for seq, day in enumerate(created, start=1):
            brand = _brand(rng)
            origin = rng.choice(CITIES) if rng.random() < 0.93 else None
            name = _project_name(rng, chain, brand)
            # Names are unique within a chain: a ledger without IDs is keyed by them.
            while name in names:
                name = _project_name(rng, chain, _brand(rng))
            names.add(name)
            projects.append(
                Project(
                    project_id=f"XM-{chain}-{year}-{seq:04d}",
                    chain=chain,
                    created=day,
                    name=name,
                    project_type=str(
                        _pick(rng, {"build": 15, "extend": 25, "fill": 30, "strengthen": 30})
                    ),
                    segment=rng.choice(("upstream", "midstream", "downstream", None)),
                    investor=_company(rng, chain, origin),
                    origin=origin,
                    channel=None,
                    planned=_amount(rng, 6000),
                    capital_share=rng.uniform(0.5, 1.0),
                    head=_pick(rng, {True: 15, False: 70, None: 15}),  # type: ignore[arg-type]
                    remark=rng.choice(REMARKS) if rng.random() < 0.15 else "",
                    events=_project_events(rng, day, chain),
                )
            )
    # A project of the years before the ledgers that signed, started or produced before them
    # would date a KPI event before FIRST_YEAR: it is left out (it was done with by then).
    start = date(FIRST_YEAR, 1, 1)
    return [
        p
        for p in projects
        if p.created >= start
        or all(
            day >= start for event, day in p.events if event in ("signed", "started", "producing")
        )
    ]


# --------------------------------------------------------------------------- chain gaps


def make_gaps(ctx: Ctx, chain: str) -> list[dict[str, object]]:
    rng = ctx.rng(f"gaps:{chain}")
    gaps = []
    for year in ctx.years:
        count = ctx.season_count(5, year, chain)
        days = sorted(ctx.season_day(rng, year, chain) for _ in range(count))
        for seq, day in enumerate(days, start=1):
            segment = rng.choice(("upstream", "midstream", "downstream"))
            gaps.append(
                {
                    "gap_id": f"QK-{chain}-{year}-{seq:03d}",
                    "chain": chain,
                    "segment": segment,
                    "link_name": rng.choice(GAP_LINKS[chain][segment]),
                    "priority": _pick(rng, {"high": 30, "medium": 40, "low": 20, None: 10}),
                    "identified_date": day,
                    "status": "open",
                    "closed_date": None,
                }
            )
    return gaps


def link_gaps(
    ctx: Ctx, rng: random.Random, projects: list[Project], gaps: list[dict[str, object]]
) -> None:
    """Point 补链 projects at gaps known when they entered the reserve; derive gap status."""
    days = [g["identified_date"] for g in gaps]
    for project in projects:
        wants = {"fill": 0.85, "extend": 0.1}.get(project.project_type, 0.0)
        known = bisect_right(days, project.created)
        if known and rng.random() < wants:
            project.gap_id = str(gaps[rng.randrange(known)]["gap_id"])
    by_gap: dict[str, list[Project]] = {}
    for project in projects:
        if project.gap_id:
            by_gap.setdefault(project.gap_id, []).append(project)
    for gap in gaps:
        _set_gap_status(ctx, rng, gap, by_gap.get(str(gap["gap_id"]), []))


def _set_gap_status(
    ctx: Ctx, rng: random.Random, gap: dict[str, object], projects: list[Project]
) -> None:
    # A gap is filled when a project for it starts construction, worked on once one is signed.
    started = sorted(d for p in projects if (d := p.stage_at(ctx.as_of)[1].get("started")))
    signed = sorted(d for p in projects if (d := p.stage_at(ctx.as_of)[1].get("signed")))
    identified = gap["identified_date"]
    assert isinstance(identified, date)
    # When the gap was taken up (in_progress), for its monthly lists: when a project for it
    # signed, else a day of its own (drawn apart, so the status draws stay as they were).
    gap["_in_progress_date"] = signed[0] if signed else None
    if started:
        gap["status"], gap["closed_date"] = "closed", started[0]
    elif signed:
        gap["status"] = "in_progress"
    else:
        gap["status"] = _pick(rng, {"open": 75, "in_progress": 20, "closed": 5})
        if gap["status"] == "closed":
            closed = identified + timedelta(days=rng.randint(30, 400))
            if closed <= ctx.as_of:
                gap["closed_date"] = closed
            else:
                gap["status"] = "in_progress"
        if gap["status"] == "in_progress":
            days = (ctx.as_of - identified).days
            taken_up = ctx.rng(f"gap_history:{gap['gap_id']}").randint(0, days)
            gap["_in_progress_date"] = identified + timedelta(days=taken_up)


# --------------------------------------------------------------------------- leads


_LEAD_CHANNELS = {
    "investor_referral": 25,
    "platform": 15,
    "agency": 15,
    "field_office": 15,
    "vanguard_team": 15,
    "fund": 10,
    "other": 5,
}


def make_leads(ctx: Ctx, projects: list[Project]) -> dict[int, list[dict[str, object]]]:
    """Leads by year of first contact: the converted ones behind projects, and the rest."""
    rng = ctx.rng("leads")
    start = date(FIRST_YEAR, 1, 1)
    leads: list[dict[str, object]] = []
    for project in projects:
        before_leads = project.created < start  # entered the reserve before the lists begin
        if rng.random() >= 0.45 or before_leads:  # under half came in through a recorded lead
            project.channel = str(_pick(rng, _LEAD_CHANNELS)) if rng.random() < 0.7 else None
            continue
        project.channel = str(_pick(rng, _LEAD_CHANNELS))
        first = max(start, project.created - timedelta(days=rng.randint(10, 240)))
        leads.append(
            {
                "_project": project,
                "company": project.investor,
                "chain": project.chain,
                "channel": project.channel,
                "source_city": project.origin,
                "first_contact_date": first,
                "status": "converted",
                "converted_date": project.created,
                # An office that keys its projects by name has no number for the lead to cite.
                "project_id": None if project.chain == BY_NAME_OFFICE else project.project_id,
                "expected_investment_wan": float(
                    round(project.planned * rng.uniform(0.7, 1.3) / 100) * 100 or 100
                ),
            }
        )
    for year in ctx.years:
        for chain in (*CHAIN_CODES, None):
            # 88 % of the open leads have a chain, evenly; the rest none (yet).
            per_year = 100 * (0.22 if chain else 0.12)
            for _ in range(ctx.season_count(per_year, year, chain)):
                leads.append(_open_lead(ctx, rng, year, chain))
    by_year: dict[int, list[dict[str, object]]] = {}
    # Stable sort: ties keep generation order, so IDs are deterministic.
    for lead in sorted(leads, key=lambda x: str(x["first_contact_date"])):
        year = int(str(lead["first_contact_date"])[:4])
        year_leads = by_year.setdefault(year, [])
        lead["lead_id"] = f"XS-{year}-{len(year_leads) + 1:04d}"
        project = lead.pop("_project", None)
        if isinstance(project, Project):
            project.lead_id = str(lead["lead_id"])
        year_leads.append(lead)
    return by_year


def _open_lead(ctx: Ctx, rng: random.Random, year: int, chain: str | None) -> dict[str, object]:
    first = ctx.season_day(rng, year, chain)
    age = (ctx.as_of - first).days
    if age < 45:
        status = _pick(rng, {"new": 60, "following": 40})
    elif age < 180:
        status = _pick(rng, {"following": 45, "visited": 35, "abandoned": 20})
    else:
        status = _pick(rng, {"following": 20, "visited": 30, "abandoned": 50})
    return {
        "company": _company(rng, chain or rng.choice(CHAIN_CODES)),
        "chain": chain,
        "channel": _pick(rng, _LEAD_CHANNELS),
        "source_city": rng.choice(CITIES) if rng.random() < 0.9 else None,
        "first_contact_date": first,
        "status": status,
        "converted_date": None,
        "project_id": None,
        "expected_investment_wan": _amount(rng, 5000) if rng.random() < 0.7 else None,
    }


# --------------------------------------------------------------------------- talent


def _batch_days(ctx: Ctx, rng: random.Random) -> list[date]:
    """The catalogue is published twice a year, in spring and in early autumn."""
    days = []
    for year in ctx.years:
        for day in (date(year, 3, rng.randint(10, 25)), date(year, 9, rng.randint(5, 20))):
            if day <= ctx.as_of:
                days.append(day)
    return days


def make_catalogue(ctx: Ctx, chain: str, employers: Sequence[str]) -> list[dict[str, object]]:
    rng = ctx.rng(f"catalogue:{chain}")
    rows: list[dict[str, object]] = []
    per_year: dict[int, int] = {}
    for day in _batch_days(ctx, rng):
        for _ in range(round(rng.randint(4, 8) * ctx.scale)):
            title, discipline = rng.choice(POSITIONS[chain])
            per_year[day.year] = seq = per_year.get(day.year, 0) + 1
            rows.append(
                {
                    "position_id": f"GW-{chain}-{day.year}-{seq:03d}",
                    "chain": chain,
                    "employer": rng.choice(employers),
                    "position_title": title,
                    "discipline": discipline if rng.random() < 0.9 else None,
                    "min_degree": _pick(
                        rng, {"phd": 15, "master": 35, "bachelor": 38, "below_bachelor": 12}
                    ),
                    "headcount": _pick(rng, {1: 30, 2: 25, 3: 15, 5: 12, 8: 8, 10: 5, 20: 5}),
                    "published_date": day,
                }
            )
    return rows


def person(rng: random.Random, hire_date: date, degree: str) -> dict[str, object]:
    lo, hi = {"postdoc": (30, 40), "phd": (28, 45), "master": (24, 35)}.get(degree, (21, 38))
    birth = hire_date - timedelta(days=rng.randint(lo * 365, hi * 365))
    first17 = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{rng.randint(1, 999):03d}"
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(1 if rng.random() < 0.3 else 2))
    return {
        "name": rng.choice(SURNAMES) + given,
        "id_number": first17 + id_check_digit(first17) if rng.random() < 0.95 else None,
        "phone": (
            f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.97 else None
        ),
    }


@dataclass
class Positions:
    """Catalogue positions by chain, in publication order, for picking a hire's position."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    days: dict[str, list[date]] = field(default_factory=dict)

    def add(self, chain: str, catalogue: list[dict[str, object]]) -> None:
        self.ids[chain] = [str(r["position_id"]) for r in catalogue]
        self.days[chain] = [r["published_date"] for r in catalogue]  # type: ignore[misc]

    def pick(self, rng: random.Random, chain: str, hire_date: date) -> str | None:
        # Only positions already published when the person was hired.
        known = bisect_right(self.days.get(chain, []), hire_date)
        return self.ids[chain][rng.randrange(known)] if known else None


def make_hires(
    ctx: Ctx, employers: dict[str, Sequence[str]], positions: Positions
) -> dict[int, list[dict[str, object]]]:
    rng = ctx.rng("hires")
    by_year: dict[int, list[dict[str, object]]] = {}
    for year in ctx.years:
        # PhD-or-above hires scatter around the district's target of 50 a year.
        phds = ctx.season_count(rng.randint(40, 60), year, None, momentum=False)
        others = ctx.season_count(300 * rng.uniform(0.9, 1.1), year, None, momentum=False)
        degrees = ["phd" if rng.random() < 0.85 else "postdoc" for _ in range(phds)]
        degrees += [
            str(_pick(rng, {"master": 35, "bachelor": 45, "below_bachelor": 20}))
            for _ in range(others)
        ]
        rows = [_hire(ctx, rng, year, degree, employers, positions) for degree in degrees]
        rows.sort(key=lambda r: str(r["hire_date"]))  # ISO text sorts as the date does
        for seq, row in enumerate(rows, start=1):
            row["hire_id"] = f"RC-{year}-{seq:05d}"
        by_year[year] = rows
    return by_year


def _hire(
    ctx: Ctx,
    rng: random.Random,
    year: int,
    degree: str,
    employers: dict[str, Sequence[str]],
    positions: Positions,
) -> dict[str, object]:
    chain = _pick(rng, {"NE": 30, "SEMI": 25, "EQUIP": 25, "MAT": 20, None: 13})
    day = ctx.season_day(rng, year, chain)  # type: ignore[arg-type]
    senior = degree in ("phd", "postdoc")
    if senior:
        level = _pick(
            rng,
            {"national_leader": 2, "provincial_leader": 8, "high_level": 65, "other": 10, None: 15},
        )
        channel = _pick(
            rng,
            {
                "talent_project_tech": 20,
                "tech_vp": 10,
                "job_fair": 35,
                "returnee": 15,
                "other": 10,
                None: 10,
            },
        )
    else:
        level = _pick(rng, {"high_level": 10 if degree == "master" else 0, "other": 50, None: 40})
        channel = _pick(rng, {"job_fair": 55, "returnee": 20, "other": 15, None: 10})
    returnee = True if channel == "returnee" else _pick(rng, {True: 5, False: 65, None: 30})
    position = None
    if chain and rng.random() < 0.45:
        position = positions.pick(rng, str(chain), day)
    return {
        "hire_id": "",
        **person(rng, day, degree),
        "degree": degree,
        "talent_level": level,
        "chain": chain,
        "employer": rng.choice(employers[str(chain)] if chain else OTHER_EMPLOYERS),
        "hire_date": day,
        "channel": channel,
        "local_returnee": returnee,
        "position_id": position,
    }


def make_leader_projects(ctx: Ctx, employers: dict[str, Sequence[str]]) -> list[dict]:
    rng = ctx.rng("leader_projects")
    rows = []
    for year in ctx.years:
        days = sorted(
            ctx.season_day(rng, year, None)
            for _ in range(ctx.season_count(rng.randint(3, 6), year, None, momentum=False))
        )
        for seq, day in enumerate(days, start=1):
            chain = _pick(rng, {"NE": 25, "SEMI": 25, "EQUIP": 20, "MAT": 15, None: 15})
            topic = rng.choice(LEADER_TOPICS[chain])  # type: ignore[index]
            title = rng.choice(
                (
                    f"{topic}关键技术研发及产业化",
                    f"{topic}研发与产业化",
                    f"高性能{topic}创新团队项目",
                )
            )
            pool = employers[str(chain)] if chain else OTHER_EMPLOYERS
            rows.append(
                {
                    "leader_project_id": f"LJ-{year}-{seq:03d}",
                    "title": title,
                    "level": _pick(rng, {"national": 20, "provincial": 45, "municipal": 35}),
                    "chain": chain,
                    "employer": rng.choice(pool),
                    "approved_date": day,
                }
            )
    return rows


# --------------------------------------------------------------------------- party building


def quarter_span(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    following = date(year + quarter // 4, 3 * quarter % 12 + 1, 1)
    return start, following - timedelta(days=1)


def missed_meeting(ctx: Ctx) -> tuple[str, int, int]:
    """(chain, year, quarter) of the one committee meeting that did not take place: a finished
    quarter of the as-of year (of the year before, when the as-of day is in a first quarter),
    so that the chain's quarterly KPI is off track."""
    rng = ctx.rng("party:missed")
    chain = rng.choice(CHAIN_CODES)
    quarter = (ctx.as_of.month - 1) // 3 + 1
    if quarter == 1:
        return chain, ctx.as_of.year - 1, rng.randint(2, 4)
    return chain, ctx.as_of.year, rng.randint(1, quarter - 1)


# type -> (fewest, most participants)
_PARTICIPANTS = {
    "committee_meeting": (7, 15),
    "training": (40, 150),
    "work_report": (20, 50),
    "party_day": (20, 60),
    "study_visit": (12, 35),
    "other": (10, 40),
}
_OTHER_ACTIVITIES = ("产业链党建联建签约仪式", "“党建+招商”政企恳谈会", "产业链党员志愿服务活动")


def make_party_activities(
    ctx: Ctx, chain: str, missed: tuple[str, int, int]
) -> list[dict[str, object]]:
    """The chain party committee's activities: a committee meeting every quarter (but the
    missed one), one or two party-building trainings a year, a work report early in the year,
    and a few party days, study visits and others."""
    rng = ctx.rng(f"party:{chain}")
    zh = CHAIN_NAMES_ZH[chain]
    drafts: list[tuple[date, str, str]] = []
    for year in ctx.years:
        for quarter in range(1, 5):
            start, end = quarter_span(year, quarter)
            day = start + timedelta(days=rng.randint(3, (end - start).days - 5))
            if (chain, year, quarter) != missed:
                title = f"{zh}产业链党委{year}年第{'一二三四'[quarter - 1]}季度会议"
                drafts.append((day, "committee_meeting", title))
        trainings = rng.randint(1, 2)
        for n in range(trainings):
            day = date(year, rng.choice((3, 4, 5, 6, 9, 10, 11)), rng.randint(1, 28))
            title = f"{year}年{zh}{rng.choice(TRAINING_TITLES)}"
            drafts.append((day, "training", title + ("（第二期）" if n else "")))
        day = date(year, rng.randint(1, 2), rng.randint(5, 28))
        drafts.append((day, "work_report", f"{zh}产业链{year - 1}年度党建工作述职评议会"))
        for _ in range(ctx.count(3, year)):
            theme = rng.choice(PARTY_DAY_THEMES)
            drafts.append((ctx.day_in(rng, year), "party_day", f"“{theme}”主题党日活动"))
        for _ in range(ctx.count(1.5, year)):
            place = rng.choice(STUDY_VISIT_PLACES)
            drafts.append(
                (ctx.day_in(rng, year), "study_visit", f"赴{place}观摩学习产业链党建工作")
            )
        for _ in range(ctx.count(1, year)):
            drafts.append((ctx.day_in(rng, year), "other", rng.choice(_OTHER_ACTIVITIES)))
    rows: list[dict[str, object]] = []
    per_year: dict[int, int] = {}
    for day, kind, title in sorted(d for d in drafts if d[0] <= ctx.as_of):
        per_year[day.year] = seq = per_year.get(day.year, 0) + 1
        lo, hi = _PARTICIPANTS[kind]
        meeting = kind == "committee_meeting"
        rows.append(
            {
                "activity_id": f"DJ-{chain}-{day.year}-{seq:03d}",
                "chain": chain,
                "activity_type": kind,
                "title": title,
                "activity_date": day,
                "participants": rng.randint(lo, hi) if meeting or rng.random() < 0.9 else None,
                # What the committee studied and solved; the other activities solve nothing.
                "problems_solved": rng.randint(1, 6) if meeting else None,
            }
        )
    return rows


def _branch(rng: random.Random, chain: str, suffix: str, taken: set[str]) -> str:
    """A party organisation of an enterprise of the chain, not one already named."""
    name = f"{_company(rng, chain)}{suffix}"
    while name in taken:
        name = f"{_company(rng, chain)}{suffix}"
    taken.add(name)
    return name


def make_mentoring_pairs(ctx: Ctx, chain: str) -> list[dict[str, object]]:
    """Advanced party organisations of the chain (head enterprises' party committees) each
    mentoring about five weaker ones (3 to 7), signed at a ceremony in the spring of FIRST_YEAR or when a
    mentor joined later; a pair ends when the mentee has caught up (ended_date), and the
    mentor mostly takes on another. `_ended` is when it ends, for the quarterly lists."""
    rng = ctx.rng(f"mentoring:{chain}")
    taken: set[str] = set()
    mentors = [
        (
            _branch(rng, chain, "党委", taken),
            date(FIRST_YEAR, rng.randint(4, 6), rng.randint(1, 28)),
        )
        for _ in range(max(1, round(rng.randint(2, 3) * ctx.scale)))
    ]
    if rng.random() < 0.6:  # a mentor that joined the year after
        day = date(FIRST_YEAR + 1, rng.randint(3, 9), rng.randint(1, 28))
        mentors.append((_branch(rng, chain, "党委", taken), day))
    drafts: list[tuple[date, str, str, date | None]] = []
    for mentor, day in mentors:
        waiting = [day + timedelta(days=rng.randint(0, 20))] * int(
            _pick(rng, {3: 10, 4: 20, 5: 35, 6: 20, 7: 15})  # type: ignore[arg-type]
        )
        while waiting:
            signed = waiting.pop()
            ended = None
            if rng.random() < 0.15:
                ended = signed + timedelta(days=rng.randint(240, 600))
                if rng.random() < 0.7:  # the mentor takes on another
                    waiting.append(ended + timedelta(days=rng.randint(20, 90)))
            suffix = rng.choice(PARTY_BRANCH_SUFFIXES[1:])
            drafts.append((signed, mentor, _branch(rng, chain, suffix, taken), ended))
    rows: list[dict[str, object]] = []
    per_year: dict[int, int] = {}
    for signed, mentor, mentee, ended in sorted(d for d in drafts if d[0] <= ctx.as_of):
        per_year[signed.year] = seq = per_year.get(signed.year, 0) + 1
        rows.append(
            {
                "pair_id": f"BD-{chain}-{signed.year}-{seq:03d}",
                "chain": chain,
                "mentor_org": mentor,
                "mentee_org": mentee,
                "signed_date": signed,
                "has_agreement": _pick(rng, {True: 80, False: 12, None: 8}),
                "status": "active",
                "ended_date": None,
                "_ended": ended if ended and ended <= ctx.as_of else None,
            }
        )
    return rows


# --------------------------------------------------------------------------- through trains


def _summary(rng: random.Random, track: str) -> str:
    text = rng.choice(ISSUE_SUMMARIES[track]).format(n=rng.randint(1, 9) * 10)
    roll = rng.random()
    if roll < 0.2:
        return f"{rng.choice(ISSUE_PEOPLE)}反映：{text}"
    if roll < 0.4:
        return f"{text}（联系人：{rng.choice(ISSUE_PEOPLE)}）"
    return text


def make_issues(ctx: Ctx) -> list[dict[str, object]]:
    """A few dozen enterprises' problems a year through the three trains: most resolved in two
    to three weeks, a long tail of hard ones (land, power, permits), some unresolvable, a
    few open for months; most enterprises rate a resolved one. `_closed` is the day it was
    resolved or found unresolvable (None while open), for the monthly lists."""
    rng = ctx.rng("issues")
    rows: list[dict[str, object]] = []
    for year in ctx.years:
        days = sorted(ctx.day_in(rng, year) for _ in range(ctx.count(36, year)))
        for seq, day in enumerate(days, start=1):
            chain = _pick(rng, {"NE": 30, "SEMI": 25, "EQUIP": 25, "MAT": 20, None: 10})
            track = str(_pick(rng, {"policy": 35, "resources": 35, "problem": 30}))
            hard = rng.random() < 0.12
            median, sigma = (75, 0.5) if hard else (16, 0.7)
            closed = day + timedelta(
                days=max(1, round(rng.lognormvariate(math.log(median), sigma)))
            )
            unresolvable = rng.random() < 0.07
            satisfaction = (
                _pick(rng, {"fair": 30, "dissatisfied": 40, None: 30})
                if unresolvable
                else _pick(rng, {"satisfied": 68, "fair": 20, "dissatisfied": 5, None: 7})
            )
            rows.append(
                {
                    "issue_id": f"ZTC-{year}-{seq:04d}",
                    "chain": chain,
                    "enterprise": _company(rng, str(chain or rng.choice(CHAIN_CODES))),
                    "track": track,
                    "summary": _summary(rng, track),
                    "received_date": day,
                    "status": "unresolvable" if unresolvable else "resolved",
                    "resolved_date": None,
                    "satisfaction": satisfaction,
                    "_closed": closed if closed <= ctx.as_of else None,
                }
            )
    # A few hard ones received two to eight months ago are still open (past 60 days).
    stuck = [
        r
        for r in rows
        if r["track"] != "policy" and 61 <= (ctx.as_of - r["received_date"]).days <= 240  # type: ignore[operator]
    ]
    for row in rng.sample(stuck, min(3, len(stuck))):
        row["_closed"] = None
    return rows
