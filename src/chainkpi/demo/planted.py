"""The planted bad rows: a few rows that break a rule (`BAD_ROWS`) and a few whose reference
points at nothing (`UNRESOLVED_REFERENCES`), put into the newest file of an office, so that
the ingest's rejection and warning paths show. Every file as a whole stays usable."""

from __future__ import annotations

import random
from datetime import timedelta

from chainkpi.demo.district import Ctx, person
from chainkpi.demo.plan import Plan
from chainkpi.demo.words import CITIES, COMPANY_WORDS, INSTITUTES, PRODUCTS
from chainkpi.demo.writers import Raw
from chainkpi.ingest.schema import DATASETS

# (dataset, office chain or None for a district-wide file, rule broken). One row each, except
# the duplicate key, which is two rows. The count does not grow with --scale: the point is to
# show the rejection path, not to drown it.
BAD_ROWS: tuple[tuple[str, str | None, str], ...] = (
    ("projects", "NE", "negative amount: 总投资 = -0.05 (亿元, i.e. -500 万元)"),
    ("projects", "SEMI", "required value missing: 投资主体 empty"),
    ("projects", "SEMI", "stage 签约 without 签约日期"),
    ("projects", "EQUIP", "unparseable date: signed_date = 2025-13-45"),
    ("projects", "EQUIP", "dates out of order: started_date before signed_date"),
    ("projects", "MAT", "value not in enumeration: 项目阶段 = 推进中"),
    ("chain_gaps", "NE", "status 已补 without 补齐日期"),
    ("leads", None, "same lead_id twice in one file (both rows)"),
    ("leads", None, "converted_date before first_contact_date"),
    ("talent_catalogue", "SEMI", "headcount 0"),
    ("talent_hires", None, "value not in enumeration: 学历 = 研究生"),
    ("party_activities", "MAT", "value not in enumeration: 活动类型 = 座谈会"),
    ("mentoring_pairs", "NE", "required value missing: 被帮带党组织 empty"),
    ("enterprise_issues", None, "unparseable date: 受理日期 = yyyy-02-30"),
)
# Valid rows whose reference points at nothing: kept by the ingest, with a warning.
UNRESOLVED_REFERENCES: tuple[tuple[str, str | None, str], ...] = (
    ("projects", "NE", "gap_id pointing at no chain gap"),
    ("talent_hires", None, "position_id pointing at no catalogue position"),
)


def _latest(plans: list[Plan], dataset: str, office: str | None) -> Plan:
    """The office's newest file of a dataset: where fresh mistakes are made."""
    candidates = [p for p in plans if p.dataset == dataset and p.office == office]
    return max(candidates, key=lambda p: (p.as_of, p.year, p.name))


def _next_id(plans: list[Plan], plan: Plan, prefix: str, width: int) -> str:
    """The next free key after the newest one in the office's files of the dataset (every
    month's), so a planted row looks typed-in and names no project, lead or gap it is not."""
    key = DATASETS[plan.dataset].id_column
    taken = [
        int(k[len(prefix) :])
        for other in plans
        if other.dataset == plan.dataset and other.office == plan.office
        for r in other.records
        if (k := str(r[key])).startswith(prefix)
    ]
    return f"{prefix}{max(taken, default=0) + 1:0{width}d}"


def _plant(plan: Plan, rng: random.Random, record: dict[str, object], rule: str) -> None:
    # Somewhere in the lower half, where an office appends its latest additions.
    at = rng.randint(len(plan.records) // 2, len(plan.records))
    plan.records.insert(at, record)
    if rule:
        plan.bad[id(record)] = rule


def _plant_project(
    plans: list[Plan], plan: Plan, rng: random.Random, seq: int, rule: str, **changes: object
) -> None:
    chain, as_of = str(plan.office), plan.as_of
    record: dict[str, object] = {
        "project_id": _next_id(plans, plan, f"XM-{chain}-{as_of.year}-", 4),
        "project_name": f"南澳{PRODUCTS[chain][seq]}项目",
        "chain": chain,
        "project_type": "strengthen",
        "segment": "midstream",
        "investor": f"{CITIES[seq]}恒创{COMPANY_WORDS[chain][0]}科技有限公司",
        "origin": CITIES[seq],
        "planned_investment_wan": 8800.0,
        "stage": "signed",
        "signed_date": as_of - timedelta(days=40),
        "head_enterprise": False,
    }
    _plant(plan, rng, {**record, **changes}, rule)


def _plant_bad_projects(ctx: Ctx, rng: random.Random, plans: list[Plan]) -> None:
    as_of = ctx.as_of
    changes: list[dict[str, object]] = [
        {"planned_investment_wan": -500.0},
        {"investor": None},
        {"signed_date": None},
        {"signed_date": Raw("2025-13-45")},
        {"stage": "started", "started_date": as_of - timedelta(days=70)},
        {"stage": Raw("推进中")},  # 在建 is a synonym of 开工: 推进中 is in no list
    ]
    for seq, ((_, chain, rule), change) in enumerate(zip(BAD_ROWS[:6], changes, strict=True)):
        _plant_project(plans, _latest(plans, "projects", chain), rng, seq, rule, **change)


def plant_bad_rows(ctx: Ctx, plans: list[Plan]) -> None:
    rng, as_of, year = ctx.rng("bad"), ctx.as_of, ctx.as_of.year
    _plant_bad_projects(ctx, rng, plans)
    gaps = _latest(plans, "chain_gaps", "NE")
    gap = {
        "gap_id": _next_id(plans, gaps, f"QK-NE-{year}-", 3),
        "chain": "NE",
        "segment": "upstream",
        "link_name": "隔膜基膜",
        "priority": "high",
        "identified_date": as_of - timedelta(days=90),
        "status": "closed",
        "closed_date": None,
    }
    _plant(gaps, rng, gap, BAD_ROWS[6][2])
    leads = _latest(plans, "leads", None)
    lead = {
        "lead_id": _next_id(plans, leads, f"XS-{year}-", 4),
        "company": "苏州瑞联半导体有限公司",
        "chain": "SEMI",
        "channel": "agency",
        "source_city": "苏州",
        "status": "following",
        "first_contact_date": as_of - timedelta(days=30),
    }
    _plant(leads, rng, lead, BAD_ROWS[7][2])
    _plant(leads, rng, {**lead, "company": "苏州瑞联微电子有限公司"}, BAD_ROWS[7][2])
    converted = {
        **lead,
        "lead_id": _next_id(plans, leads, f"XS-{year}-", 4),
        "company": "合肥晶源新材料有限公司",
        "chain": "MAT",
        "status": "converted",
        "converted_date": as_of - timedelta(days=60),
    }
    _plant(leads, rng, converted, BAD_ROWS[8][2])
    catalogue = _latest(plans, "talent_catalogue", "SEMI")
    position = {
        "position_id": _next_id(plans, catalogue, f"GW-SEMI-{year}-", 3),
        "chain": "SEMI",
        "employer": INSTITUTES["SEMI"],
        "position_title": "封装工程师",
        "min_degree": "master",
        "headcount": 0,
        "published_date": as_of - timedelta(days=20),
    }
    _plant(catalogue, rng, position, BAD_ROWS[9][2])
    hires = _latest(plans, "talent_hires", None)
    day = as_of - timedelta(days=15)
    hire = {
        "hire_id": _next_id(plans, hires, f"RC-{year}-", 5),
        **person(rng, day, "master"),
        "degree": Raw("研究生"),
        "chain": "EQUIP",
        "employer": INSTITUTES["EQUIP"],
        "hire_date": day,
        "channel": "job_fair",
    }
    _plant(hires, rng, hire, BAD_ROWS[10][2])
    _plant_unresolved(ctx, rng, plans)
    _plant_party_service(ctx, plans)
    _plant_funds_correction(plans)


def _plant_funds_correction(plans: list[Plan]) -> None:
    """A correction of funds in place (party_service_funds.md): three months before its
    newest ledger, 先进装备's office lists again a project in production whose funds in place an
    audit lowered by 15 %, so the data-quality page's 到位资金调减 has a row to show. A valid row,
    not a bad one; no random draw (the other streams stay as they were)."""
    monthly = sorted(
        (p for p in plans if p.dataset == "projects" and p.office == "EQUIP"),
        key=lambda p: (p.as_of, p.name),
    )
    if len(monthly) < 4:
        return  # an as-of day too early for a history to correct
    target, earlier = monthly[-4], monthly[:-4]
    listed = {r["project_id"] for r in target.records}
    for plan in reversed(earlier):
        for record in plan.records:
            capital = record.get("capital_in_place_wan")
            if (
                record.get("stage") == "producing"
                and isinstance(capital, (int, float))
                and capital > 0
                and record["project_id"] not in listed
                and id(record) not in plan.bad
            ):
                corrected = {**record, "capital_in_place_wan": round(capital * 0.85, 2)}
                corrected["_remark"] = "到位资金经审计核减"
                target.records.append(corrected)
                return


def _plant_party_service(ctx: Ctx, plans: list[Plan]) -> None:
    """One bad row in each of the party-building and through-train ledgers, from a stream of
    its own (the draws above stay as they were)."""
    rng = ctx.rng("bad:party_service")
    offices = {(p.dataset, p.office) for p in plans}
    if (
        not {
            ("party_activities", "MAT"),
            ("mentoring_pairs", "NE"),
            ("enterprise_issues", None),
        }
        <= offices
    ):
        return  # an as-of day too early for the ledgers (no pair is signed before April 2024)
    activities = _latest(plans, "party_activities", "MAT")
    year = activities.as_of.year
    meeting = {
        "activity_id": _next_id(plans, activities, f"DJ-MAT-{year}-", 3),
        "chain": "MAT",
        "activity_type": Raw("座谈会"),  # in no list: 党委会议, 其他 …
        "title": "新材料产业链重点企业座谈会",
        "activity_date": activities.as_of,
        "participants": 18,
    }
    _plant(activities, rng, meeting, BAD_ROWS[11][2])
    pairs = _latest(plans, "mentoring_pairs", "NE")
    year = pairs.as_of.year
    pair = {**pairs.records[-1], "pair_id": _next_id(plans, pairs, f"BD-NE-{year}-", 3)}
    pair.update(mentee_org=None, signed_date=pairs.as_of, status="active", ended_date=None)
    _plant(pairs, rng, pair, BAD_ROWS[12][2])
    issues = _latest(plans, "enterprise_issues", None)
    year = issues.as_of.year
    issue = {
        "issue_id": _next_id(plans, issues, f"ZTC-{year}-", 4),
        "chain": "SEMI",
        "enterprise": "无锡芯驰微电子有限公司",
        "track": "problem",
        "summary": "厂区周边道路施工影响货车通行，请求协调",
        "received_date": Raw(f"{year}-02-30"),
        "status": "open",
    }
    _plant(issues, rng, issue, BAD_ROWS[13][2])


def _plant_unresolved(ctx: Ctx, rng: random.Random, plans: list[Plan]) -> None:
    # The ledgers start in 2024, so 2023 keys never exist: these references cannot resolve.
    projects = _latest(plans, "projects", "NE")
    _plant_project(
        plans,
        projects,
        rng,
        6,
        "",
        project_type="fill",
        gap_id="QK-NE-2023-017",
        stage="negotiating",
        signed_date=None,
    )
    hires = _latest(plans, "talent_hires", None)
    day = ctx.as_of - timedelta(days=8)
    hire = {
        "hire_id": _next_id(plans, hires, f"RC-{ctx.as_of.year}-", 5),
        **person(rng, day, "phd"),
        "degree": "phd",
        "talent_level": "high_level",
        "chain": "SEMI",
        "employer": INSTITUTES["SEMI"],
        "hire_date": day,
        "channel": "job_fair",
        "position_id": "GW-SEMI-2023-044",
    }
    _plant(hires, rng, hire, "")
