"""Deterministic demo ledgers: what Nanao district's chain offices would hand in.

`generate()` writes the six datasets of inputs.md for the four chains, from 2024 up to
`as_of`, in the formats offices really use: Excel with a title row above the header, CSV
saved as GB18030 by Excel, UTF-8 CSV exported from a system with English headers. Cell
spellings vary the way typed ledgers do (chain aliases, English enumeration words, 是/Y/1,
`1,200`, full-width digits, `-`/`无`/`/` for missing).

The history comes month by month, as offices hand it in: every chain office's project
ledger and gap list and the investment-promotion centre's lead list are monthly, from
January 2024 to the as-of month, each named by its month (`…项目储备库2025年09月.xls`,
`projects_20250930_SEMI.csv`: name order is month order) and holding what was new or moved on
that month, as it stood at the month's end (本月新增及进展有变化的项目; a month without any
is not handed in). So a project comes back in the month its stage moved on, a lead in the
month it was followed up (its status changed), a gap when taken up or closed: what stage ages,
stuck projects and follow-ups count from. Listing only the changes keeps the volume near one
full list per office. The year's hire ledgers, the talent catalogues and the leading-talent
list stand as of `as_of`. `by_period` gives the files month by month, the order `kpi demo`
ingests them in (every reference then finds a row of its month or before); one ingest of
the whole folder in name order gives the same warehouse.

Some files come in the real shapes of real_ledgers.md, laid out by demo_shapes.py: the
新能源 office's monthly project ledger as a WPS `.xls` without an ID column (the key is the
project name), the talent office's catalogue workbook with one sheet per chain (新能源,
新材料), the leading-talent project list with chain cells merged down, and 2025's monthly
lead lists as GB18030 CSV in 亿元. The rest, most of the rows, keep the clean shape.

A few deliberately bad rows (`BAD_ROWS`) and unresolved references (`UNRESOLVED_REFERENCES`)
are planted so the ingest's rejection and warning paths show; every file as a whole is usable.

Same seed, scale and as_of give byte-identical files: every random draw comes from a
`random.Random` seeded from a string, and workbooks carry fixed properties.
"""

from __future__ import annotations

import csv
import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import xlsxwriter

from chainkpi import demo_shapes
from chainkpi.demo_shapes import CONTACTS, OWNER_CONTACTS, PREPARERS
from chainkpi.ingest.schema import (
    AMOUNT,
    BOOL,
    CHAIN,
    CHAIN_NAMES_ZH,
    CHAINS,
    CODE_LISTS,
    COUNT,
    DATASETS,
    DATE,
    ENUM,
    Column,
)

DISTRICT = "南澳区"
FIRST_YEAR = 2024
CHAIN_CODES = ("NE", "SEMI", "EQUIP", "MAT")
# The office whose project ledger is a monthly WPS .xls without an ID column (the key is
# the project name): its converted leads carry no 转化项目编号, having no number to give.
BY_NAME_OFFICE = "NE"
# The chains whose talent catalogues come as one workbook, a sheet per chain.
CATALOGUE_BY_CHAIN = ("NE", "MAT")

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
)
# Valid rows whose reference points at nothing: kept by the ingest, with a warning.
UNRESOLVED_REFERENCES: tuple[tuple[str, str | None, str], ...] = (
    ("projects", "NE", "gap_id pointing at no chain gap"),
    ("talent_hires", None, "position_id pointing at no catalogue position"),
)

# --------------------------------------------------------------------------- vocabulary

_BRAND_CHARS = "华宁瑞鑫泰恒睿博达晶联创源天海光明远航盛凯宏佳信诚力思微普隆昇峰驰卓越智"
_COMPANY_WORDS = {
    "NE": ("新能源", "储能", "光伏", "锂电", "氢能", "电力"),
    "SEMI": ("半导体", "微电子", "芯片", "电子", "光电", "集成电路"),
    "EQUIP": ("智能装备", "机器人", "精密机械", "数控", "自动化", "重工"),
    "MAT": ("新材料", "复合材料", "特种材料", "化工材料", "纳米材料", "金属材料"),
}
_COMPANY_SUFFIXES = ("科技有限公司", "股份有限公司", "有限公司", "集团有限公司", "技术有限公司")
_PRODUCTS = {
    "NE": (
        "年产10GWh动力电池",
        "储能电池系统集成",
        "高效光伏组件",
        "氢燃料电池电堆",
        "锂电池正极材料",
        "电解液",
        "储能变流器",
        "充换电设备",
        "光伏逆变器",
        "电池回收利用",
    ),
    "SEMI": (
        "功率半导体器件",
        "集成电路封装测试",
        "MEMS传感器",
        "显示模组",
        "高端PCB",
        "射频前端模组",
        "第三代半导体外延片",
        "电子特种气体",
        "车规级芯片",
        "半导体设备零部件",
    ),
    "EQUIP": (
        "工业机器人",
        "高端数控机床",
        "精密减速器",
        "伺服电机",
        "智能物流装备",
        "激光加工装备",
        "液压元件",
        "新能源汽车零部件",
        "轨道交通装备",
        "智能检测装备",
    ),
    "MAT": (
        "碳纤维复合材料",
        "高性能工程塑料",
        "特种合金",
        "先进陶瓷",
        "锂电隔膜",
        "电子级化学品",
        "铝合金精深加工",
        "石墨烯材料",
        "稀土功能材料",
        "光学薄膜",
    ),
}
_PROJECT_SUFFIXES = ("项目", "生产基地项目", "研发及产业化项目", "扩产项目", "智能制造基地项目")
_GAP_LINKS = {
    "NE": {
        "upstream": ("锂矿资源精炼", "正极材料前驱体", "隔膜基膜", "电解液添加剂", "高纯多晶硅"),
        "midstream": ("动力电芯制造", "储能变流器", "光伏组件封装", "氢燃料电池电堆"),
        "downstream": ("退役电池回收", "换电站运营", "储能电站集成", "充电基础设施"),
    },
    "SEMI": {
        "upstream": ("电子特种气体", "光刻胶", "大尺寸硅片", "溅射靶材", "设备零部件"),
        "midstream": ("晶圆制造", "芯片设计", "先进封装", "功率器件", "MEMS传感器"),
        "downstream": ("智能终端整机", "车载电子", "工业控制模组", "新型显示模组"),
    },
    "EQUIP": {
        "upstream": ("高端轴承", "精密减速器", "伺服电机", "数控系统", "液压元件"),
        "midstream": ("工业机器人本体", "五轴数控机床", "激光加工装备", "智能物流装备"),
        "downstream": ("系统集成服务", "工业软件", "装备再制造", "检验检测服务"),
    },
    "MAT": {
        "upstream": ("高纯石英砂", "碳纤维原丝", "稀土分离", "特种树脂"),
        "midstream": ("复合材料成型", "特种合金冶炼", "功能薄膜", "先进陶瓷烧结"),
        "downstream": ("材料回收再生", "检测认证服务", "应用验证平台", "轻量化部件"),
    },
}
_POSITIONS = {
    "NE": (
        ("电池材料研发工程师", "材料科学与工程"),
        ("电化学研究员", "电化学"),
        ("储能系统工程师", "电气工程"),
        ("光伏工艺工程师", "物理学"),
        ("BMS软件工程师", "计算机科学与技术"),
        ("氢能技术研究员", "化学工程"),
    ),
    "SEMI": (
        ("芯片设计工程师", "微电子学"),
        ("工艺整合工程师", "集成电路"),
        ("封装工程师", "材料科学与工程"),
        ("射频工程师", "电子科学与技术"),
        ("嵌入式软件工程师", "计算机科学与技术"),
        ("良率分析工程师", "物理学"),
    ),
    "EQUIP": (
        ("机器人算法工程师", "控制科学与工程"),
        ("数控系统工程师", "机械工程"),
        ("机械设计工程师", "机械设计制造及其自动化"),
        ("电气自动化工程师", "电气工程及其自动化"),
        ("工业软件工程师", "软件工程"),
        ("高级技师", "机电一体化"),
    ),
    "MAT": (
        ("高分子材料研发工程师", "高分子材料与工程"),
        ("复合材料工艺工程师", "复合材料"),
        ("金属材料研究员", "材料物理"),
        ("分析测试工程师", "分析化学"),
        ("陶瓷材料工程师", "无机非金属材料"),
        ("薄膜工艺工程师", "化学工程与工艺"),
    ),
}
_LEADER_TOPICS = {
    "NE": ("固态锂电池", "钠离子电池", "钙钛矿光伏电池", "大功率氢燃料电池", "长时储能"),
    "SEMI": ("碳化硅功率器件", "高端模拟芯片", "Chiplet先进封装", "硅光芯片", "MEMS惯性传感器"),
    "EQUIP": ("协作机器人", "五轴联动数控机床", "谐波减速器", "智能焊接装备", "工业视觉检测"),
    "MAT": ("T800级碳纤维", "高熵合金", "聚酰亚胺薄膜", "氮化硅陶瓷", "石墨烯导热膜"),
    None: ("智慧农业物联网", "创新药物筛选", "医疗影像人工智能"),
}
_INSTITUTES = {
    "NE": "南澳新能源产业研究院",
    "SEMI": "南澳集成电路创新中心",
    "EQUIP": "南澳智能制造研究院",
    "MAT": "南澳新材料检测中心",
}
_OTHER_EMPLOYERS = (
    "南澳区人民医院",
    "南澳区第一高级中学",
    "南澳职业技术学院",
    "南澳文旅发展集团有限公司",
    "南澳区农业科学研究所",
    "南澳现代物流有限公司",
    "南澳城市建设投资集团有限公司",
)
_CITIES = (
    "上海",
    "深圳",
    "苏州",
    "杭州",
    "合肥",
    "南京",
    "北京",
    "宁波",
    "无锡",
    "常州",
    "广州",
    "武汉",
    "成都",
    "西安",
    "青岛",
    "厦门",
    "香港",
    "新加坡",
    "东莞",
    "天津",
)
_REMARKS = (
    "链长挂帅推进",
    "列入市重点项目",
    "待供地",
    "环评办理中",
    "需协调能耗指标",
    "省重点项目",
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
_GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力斌宇浩凯鹏飞晨曦思源子涵"
    "欣怡梓轩雨泽俊熙睿博文昊天一诺佳琪嘉怡志远海峰晓东立新国栋振华建国春梅秋菊丹阳"
)
# Real-looking six-digit administrative division codes (the ID number's first six digits).
_AREA_CODES = (
    "110105",
    "310104",
    "320106",
    "320583",
    "330106",
    "340104",
    "350203",
    "370202",
    "410105",
    "420111",
    "430104",
    "440305",
    "440106",
    "500107",
    "510107",
    "610113",
    "120104",
    "360102",
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a Chinese resident ID number (GB 11643)."""
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


class Raw(str):
    """A cell written exactly as given: how bad rows carry values that break a rule."""


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class _Ctx:
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


def _pick(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _brand(rng: random.Random) -> str:
    return "".join(rng.sample(_BRAND_CHARS, 2))


def _company(rng: random.Random, chain: str, city: str | None = None) -> str:
    # Some firms carry their home city in the name (苏州华睿…); then it is their origin.
    prefix = (city or rng.choice(_CITIES)) if rng.random() < 0.3 else ""
    brand = _brand(rng)
    return f"{prefix}{brand}{rng.choice(_COMPANY_WORDS[chain])}{rng.choice(_COMPANY_SUFFIXES)}"


def _amount(rng: random.Random, median: float, sigma: float = 1.0) -> float:
    value = max(200.0, rng.lognormvariate(math.log(median), sigma))
    if rng.random() < 0.85:
        return float(round(value / 100) * 100)
    return round(value, 1)  # offices do type 1200.5


# --------------------------------------------------------------------------- projects


@dataclass
class _Project:
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


def _project_events(rng: random.Random, created: date) -> list[tuple[str, date]]:
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
        day += timedelta(days=rng.randint(lo, hi))
        events.append((nxt, day))
        stage = nxt
    return events


def _project_name(rng: random.Random, chain: str, brand: str) -> str:
    return f"{brand}{rng.choice(_PRODUCTS[chain])}{rng.choice(_PROJECT_SUFFIXES)}"


def _make_projects(ctx: _Ctx, chain: str) -> list[_Project]:
    rng = ctx.rng(f"projects:{chain}")
    projects: list[_Project] = []
    names: set[str] = set()
    for year in ctx.years:
        created = sorted(ctx.day_in(rng, year) for _ in range(ctx.count(25, year)))
        for seq, day in enumerate(created, start=1):
            brand = _brand(rng)
            origin = rng.choice(_CITIES) if rng.random() < 0.93 else None
            name = _project_name(rng, chain, brand)
            # Names are unique within a chain: a ledger without IDs is keyed by them.
            while name in names:
                name = _project_name(rng, chain, _brand(rng))
            names.add(name)
            projects.append(
                _Project(
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
                    remark=rng.choice(_REMARKS) if rng.random() < 0.15 else "",
                    events=_project_events(rng, day),
                )
            )
    return projects


# --------------------------------------------------------------------------- chain gaps


def _make_gaps(ctx: _Ctx, chain: str) -> list[dict[str, object]]:
    rng = ctx.rng(f"gaps:{chain}")
    gaps = []
    for year in ctx.years:
        days = sorted(ctx.day_in(rng, year) for _ in range(ctx.count(5, year)))
        for seq, day in enumerate(days, start=1):
            segment = rng.choice(("upstream", "midstream", "downstream"))
            gaps.append(
                {
                    "gap_id": f"QK-{chain}-{year}-{seq:03d}",
                    "chain": chain,
                    "segment": segment,
                    "link_name": rng.choice(_GAP_LINKS[chain][segment]),
                    "priority": _pick(rng, {"high": 30, "medium": 40, "low": 20, None: 10}),
                    "identified_date": day,
                    "status": "open",
                    "closed_date": None,
                }
            )
    return gaps


def _link_gaps(
    ctx: _Ctx, rng: random.Random, projects: list[_Project], gaps: list[dict[str, object]]
) -> None:
    """Point 补链 projects at gaps known when they entered the reserve; derive gap status."""
    days = [g["identified_date"] for g in gaps]
    for project in projects:
        wants = {"fill": 0.85, "extend": 0.1}.get(project.project_type, 0.0)
        known = bisect_right(days, project.created)
        if known and rng.random() < wants:
            project.gap_id = str(gaps[rng.randrange(known)]["gap_id"])
    by_gap: dict[str, list[_Project]] = {}
    for project in projects:
        if project.gap_id:
            by_gap.setdefault(project.gap_id, []).append(project)
    for gap in gaps:
        _set_gap_status(ctx, rng, gap, by_gap.get(str(gap["gap_id"]), []))


def _set_gap_status(
    ctx: _Ctx, rng: random.Random, gap: dict[str, object], projects: list[_Project]
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


def _make_leads(ctx: _Ctx, projects: list[_Project]) -> dict[int, list[dict[str, object]]]:
    """Leads by year of first contact: the converted ones behind projects, and the rest."""
    rng = ctx.rng("leads")
    start = date(FIRST_YEAR, 1, 1)
    leads: list[dict[str, object]] = []
    for project in projects:
        if rng.random() >= 0.45:  # a little under half the projects came in through a recorded lead
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
        for _ in range(ctx.count(100, year)):
            leads.append(_open_lead(ctx, rng, ctx.day_in(rng, year)))
    by_year: dict[int, list[dict[str, object]]] = {}
    # Stable sort: ties keep generation order, so IDs are deterministic.
    for lead in sorted(leads, key=lambda x: str(x["first_contact_date"])):
        year = int(str(lead["first_contact_date"])[:4])
        year_leads = by_year.setdefault(year, [])
        lead["lead_id"] = f"XS-{year}-{len(year_leads) + 1:04d}"
        project = lead.pop("_project", None)
        if isinstance(project, _Project):
            project.lead_id = str(lead["lead_id"])
        year_leads.append(lead)
    return by_year


def _open_lead(ctx: _Ctx, rng: random.Random, first: date) -> dict[str, object]:
    age = (ctx.as_of - first).days
    if age < 45:
        status = _pick(rng, {"new": 60, "following": 40})
    elif age < 180:
        status = _pick(rng, {"following": 45, "visited": 35, "abandoned": 20})
    else:
        status = _pick(rng, {"following": 20, "visited": 30, "abandoned": 50})
    chain = rng.choice(CHAIN_CODES) if rng.random() < 0.88 else None
    return {
        "company": _company(rng, chain or rng.choice(CHAIN_CODES)),
        "chain": chain,
        "channel": _pick(rng, _LEAD_CHANNELS),
        "source_city": rng.choice(_CITIES) if rng.random() < 0.9 else None,
        "first_contact_date": first,
        "status": status,
        "converted_date": None,
        "project_id": None,
        "expected_investment_wan": _amount(rng, 5000) if rng.random() < 0.7 else None,
    }


# --------------------------------------------------------------------------- talent


def _batch_days(ctx: _Ctx, rng: random.Random) -> list[date]:
    """The catalogue is published twice a year, in spring and in early autumn."""
    days = []
    for year in ctx.years:
        for day in (date(year, 3, rng.randint(10, 25)), date(year, 9, rng.randint(5, 20))):
            if day <= ctx.as_of:
                days.append(day)
    return days


def _make_catalogue(ctx: _Ctx, chain: str, employers: Sequence[str]) -> list[dict[str, object]]:
    rng = ctx.rng(f"catalogue:{chain}")
    rows: list[dict[str, object]] = []
    per_year: dict[int, int] = {}
    for day in _batch_days(ctx, rng):
        for _ in range(round(rng.randint(4, 8) * ctx.scale)):
            title, discipline = rng.choice(_POSITIONS[chain])
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


def _person(rng: random.Random, hire_date: date, degree: str) -> dict[str, object]:
    lo, hi = {"postdoc": (30, 40), "phd": (28, 45), "master": (24, 35)}.get(degree, (21, 38))
    birth = hire_date - timedelta(days=rng.randint(lo * 365, hi * 365))
    first17 = f"{rng.choice(_AREA_CODES)}{birth:%Y%m%d}{rng.randint(1, 999):03d}"
    given = "".join(rng.choice(_GIVEN_CHARS) for _ in range(1 if rng.random() < 0.3 else 2))
    return {
        "name": rng.choice(_SURNAMES) + given,
        "id_number": first17 + id_check_digit(first17) if rng.random() < 0.95 else None,
        "phone": (
            f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.97 else None
        ),
    }


@dataclass
class _Positions:
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


def _make_hires(
    ctx: _Ctx, employers: dict[str, Sequence[str]], positions: _Positions
) -> dict[int, list[dict[str, object]]]:
    rng = ctx.rng("hires")
    by_year: dict[int, list[dict[str, object]]] = {}
    for year in ctx.years:
        # PhD-or-above hires scatter around the district's target of 50 a year.
        phds = ctx.count(rng.randint(40, 60), year)
        others = ctx.count(300 * rng.uniform(0.9, 1.1), year)
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
    ctx: _Ctx,
    rng: random.Random,
    year: int,
    degree: str,
    employers: dict[str, Sequence[str]],
    positions: _Positions,
) -> dict[str, object]:
    day = ctx.day_in(rng, year)
    chain = _pick(rng, {"NE": 30, "SEMI": 25, "EQUIP": 25, "MAT": 20, None: 13})
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
        **_person(rng, day, degree),
        "degree": degree,
        "talent_level": level,
        "chain": chain,
        "employer": rng.choice(employers[str(chain)] if chain else _OTHER_EMPLOYERS),
        "hire_date": day,
        "channel": channel,
        "local_returnee": returnee,
        "position_id": position,
    }


def _make_leader_projects(ctx: _Ctx, employers: dict[str, Sequence[str]]) -> list[dict]:
    rng = ctx.rng("leader_projects")
    rows = []
    for year in ctx.years:
        days = sorted(ctx.day_in(rng, year) for _ in range(ctx.count(rng.randint(3, 6), year)))
        for seq, day in enumerate(days, start=1):
            chain = _pick(rng, {"NE": 25, "SEMI": 25, "EQUIP": 20, "MAT": 15, None: 15})
            topic = rng.choice(_LEADER_TOPICS[chain])  # type: ignore[index]
            title = rng.choice(
                (
                    f"{topic}关键技术研发及产业化",
                    f"{topic}研发与产业化",
                    f"高性能{topic}创新团队项目",
                )
            )
            pool = employers[str(chain)] if chain else _OTHER_EMPLOYERS
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


# --------------------------------------------------------------------------- file styles


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


class _Cells:
    """Turns stored values (codes, dates, floats) into cells the way one office types them."""

    def __init__(self, style: Style, rng: random.Random) -> None:
        self.style, self.rng = style, rng
        self.xlsx = style.kind == "xlsx"

    def missing(self) -> str:
        return self.rng.choice(self.style.missing)

    def cell(self, column: Column, value: object) -> object:
        if value is None:
            return self.missing()
        if isinstance(value, Raw):
            return str(value)
        kind = column.type
        if kind == DATE:
            return self.date(value)  # type: ignore[arg-type]
        if kind == AMOUNT:
            return self.amount(value)  # type: ignore[arg-type]
        if kind == COUNT:
            return value if self.xlsx else str(value)
        if kind == BOOL:
            return self.style.bools[0 if value else 1]
        if kind == CHAIN:
            return self.chain(str(value))
        if kind == ENUM:
            chinese, english = CODE_LISTS[column.code_list or ""][str(value)]
            return english if self.rng.random() < self.style.english_enums else chinese
        return value

    def date(self, day: date) -> object:
        style = self.style.dates
        if style == "cell" and self.xlsx:
            return day
        if style == "slash":
            text = f"{day.year}/{day.month}/{day.day}"
        elif style == "cn":
            text = f"{day.year}年{day.month}月{day.day}日"
        elif style == "iso_time":
            text = f"{day.isoformat()} 00:00:00"
        else:
            text = day.isoformat()
        if self.style.fullwidth_digits and self.rng.random() < self.style.fullwidth_digits:
            text = text[:4].translate(_FULLWIDTH) + text[4:]
        return text

    def amount(self, value: float) -> object:
        if self.style.amounts == "number" and self.xlsx:
            return value
        text = f"{value:,.2f}" if self.style.amounts == "thousands" else f"{value:.2f}"
        return text.rstrip("0").rstrip(".")

    def chain(self, code: str) -> str:
        if self.style.chains == "code":
            return code
        if self.style.chains == "alias" and self.rng.random() < 0.25:
            return self.rng.choice((*CHAINS[code], code))
        return CHAIN_NAMES_ZH[code]


# --------------------------------------------------------------------------- writing


@dataclass
class _Plan:
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
    shape: str | None = None  # a real shape of demo_shapes.py (SHAPES); None: the clean shape

    @property
    def period(self) -> str:
        """The month whose state the file holds (`2025-09`): when `kpi demo` ingests it."""
        return f"{self.as_of.year}-{self.as_of.month:02d}"


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    dataset: str
    format: str
    rows: int
    shape: str | None = None  # the real shape it is laid out in (SHAPES), None: clean
    # The month whose state it holds (`2025-09`): monthly ledgers their month, the year's
    # ledgers and lists as of `as_of` the as-of month. `kpi demo` ingests month by month.
    period: str = ""


@dataclass(frozen=True)
class PlantedRow:
    file: str
    row: int  # as a person sees it: spreadsheet row or CSV line
    rule: str
    sheet: str | None = None  # the worksheet, in a workbook (xlsx, xls); None in a CSV


@dataclass(frozen=True)
class DemoResult:
    files: list[WrittenFile]
    planted: list[PlantedRow]
    # (name, phone) of the people named in footers and owners' contact columns, as written:
    # personal data outside any contract column (a subset of demo_shapes.CONTACTS).
    contacts: tuple[tuple[str, str], ...] = ()


def _headers(plan: _Plan) -> tuple[list[str], list[Column | None]]:
    """Header texts and the columns under them (None for 序号/备注, which are not contract)."""
    columns: list[Column | None] = list(DATASETS[plan.dataset].columns)
    if plan.style.chain_first:
        columns.sort(key=lambda c: c is None or c.key != "chain")  # stable: chain moves first
    if plan.style.extra_columns:
        columns = [None, *columns, None]
    texts = []
    for i, column in enumerate(columns):
        if column is None:
            texts.append("序号" if i == 0 else "备注")
        elif plan.style.english_headers:
            texts.append(column.key)
        elif plan.style.fullwidth_brackets:
            texts.append(column.header_zh.replace("(", "（").replace(")", "）"))
        else:
            texts.append(column.header_zh)
    return texts, columns


def _cells(plan: _Plan, seed: int) -> tuple[list[str], list[list[object]]]:
    texts, columns = _headers(plan)
    cells = _Cells(plan.style, random.Random(f"{seed}:file:{plan.name}"))
    rows = []
    for n, record in enumerate(plan.records, start=1):
        row: list[object] = []
        for i, column in enumerate(columns):
            if column is None:
                row.append(n if i == 0 else record.get("_remark", ""))
            else:
                row.append(cells.cell(column, record.get(column.key)))
        rows.append(row)
    return texts, rows


def _header_row(plan: _Plan) -> int:
    """1-based row (or CSV line) of the header, as the writers lay the file out."""
    style = plan.style
    if style.kind == "csv":
        return 2 if style.title else 1
    return 1 + int(style.title) + int(style.note) + int(style.blank_row)


def _write_csv(path: Path, plan: _Plan, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding=plan.style.encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # as Excel saves CSV
        if plan.style.title:
            writer.writerow([plan.title] + [""] * (len(header) - 1))
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, plan: _Plan, header: list[str], rows: list[list[object]]) -> None:
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    # Fixed properties: the creation time otherwise makes every run's bytes differ.
    workbook.set_properties(
        {
            "title": plan.title,
            "author": plan.author,
            "company": DISTRICT,
            "created": datetime.combine(plan.as_of, time(9, 0)),
        }
    )
    sheet = workbook.add_worksheet(DATASETS[plan.dataset].name_zh)
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    bold = workbook.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    last = len(header) - 1
    r = 0
    if plan.style.title:
        sheet.merge_range(0, 0, 0, last, plan.title, title)
        r += 1
    if plan.style.note:
        sheet.merge_range(
            r, 0, r, last, f"填报单位：{plan.author}　　填报日期：{plan.as_of:%Y年%m月%d日}"
        )
        r += 1
    r += int(plan.style.blank_row)
    sheet.write_row(r, 0, header, bold)
    sheet.freeze_panes(r + 1, 0)
    sheet.set_column(0, last, 14)
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if value == "" or value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, datetime.combine(value, time()), day)
            elif isinstance(value, float):
                sheet.write_number(r, c, value, money)
            else:
                sheet.write_number(r, c, value)  # type: ignore[arg-type]
    workbook.close()


def _write(
    out_dir: Path, plan: _Plan, seed: int
) -> tuple[WrittenFile, list[PlantedRow], set[tuple[str, str]]]:
    path = out_dir / plan.name
    if plan.shape:
        return _write_shaped(path, plan, seed)
    header, rows = _cells(plan, seed)
    (_write_xlsx if plan.style.kind == "xlsx" else _write_csv)(path, plan, header, rows)
    first = _header_row(plan) + 1
    sheet = DATASETS[plan.dataset].name_zh if plan.style.kind == "xlsx" else None
    planted = [
        PlantedRow(plan.name, first + i, plan.bad[id(record)], sheet)
        for i, record in enumerate(plan.records)
        if id(record) in plan.bad
    ]
    written = WrittenFile(path, plan.dataset, plan.style.label, len(rows), period=plan.period)
    return written, planted, set()


# shape -> the builder of its layout, from (plan, the file's random draws, its preparer).
SHAPES = {
    "wps_projects": demo_shapes.wps_projects,
    "catalogue_by_chain": lambda plan, rng, preparer: demo_shapes.catalogue_by_chain(
        plan, rng, preparer, CATALOGUE_BY_CHAIN
    ),
    "leaders_by_chain": lambda plan, rng, preparer: demo_shapes.leaders_by_chain(
        plan, rng, preparer, CHAIN_CODES
    ),
    "leads_in_yi": demo_shapes.leads_in_yi,
}


def _preparer(author: str) -> tuple[str, str]:
    """Who fills in an office's ledgers: the same person every time."""
    return random.Random(f"preparer:{author}").choice(PREPARERS)


def _write_shaped(
    path: Path, plan: _Plan, seed: int
) -> tuple[WrittenFile, list[PlantedRow], set[tuple[str, str]]]:
    rng = random.Random(f"{seed}:file:{plan.name}")
    book = SHAPES[str(plan.shape)](plan, rng, _preparer(plan.author))
    label = demo_shapes.write(path, book, plan.style.encoding)
    workbook = path.suffix.lower() != ".csv"
    planted = [
        PlantedRow(plan.name, sheet.at[id(record)] + 1, plan.bad[id(record)], sheet.name)
        if workbook
        else PlantedRow(plan.name, sheet.at[id(record)] + 1, plan.bad[id(record)])
        for sheet in book.sheets
        for record in plan.records
        if id(record) in plan.bad and id(record) in sheet.at
    ]
    rows = sum(len(sheet.at) for sheet in book.sheets)
    assert rows == len(plan.records), (plan.name, rows, len(plan.records))
    written = WrittenFile(path, plan.dataset, label, rows, plan.shape, plan.period)
    return written, planted, _contacts(book)


def _contacts(book: demo_shapes.Book) -> set[tuple[str, str]]:
    """The people of CONTACTS whose name or phone a layout carries (footers, contact columns)."""
    cells = " ".join(str(v) for sheet in book.sheets for row in sheet.rows for v in row if v)
    return {person for person in CONTACTS if person[0] in cells or person[1] in cells}


# --------------------------------------------------------------------------- the file plan


def _office(chain: str) -> str:
    return f"{DISTRICT}{CHAIN_NAMES_ZH[chain]}产业链链长办公室"


def _months(ctx: _Ctx) -> list[tuple[date, date]]:
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


def _project_plans(ctx: _Ctx, chain: str, projects: list[_Project]) -> list[_Plan]:
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
                _Plan(
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
        plans.append(_Plan("projects", chain, name, style, title, office, when, rows))
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


def _gap_plans(ctx: _Ctx, chain: str, gaps: list[dict[str, object]]) -> list[_Plan]:
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
        plans.append(_Plan("chain_gaps", chain, name, style, title, office, when, rows))
    return plans


def _chain_plans(ctx: _Ctx, chain: str, gaps: list, catalogue: list) -> list[_Plan]:
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
        _Plan(
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


def _catalogue_workbook(ctx: _Ctx, catalogues: dict[str, list]) -> _Plan:
    """The talent office's workbook of the chains' catalogues, one sheet per chain."""
    year = ctx.as_of.year
    return _Plan(
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


def _lead_history(ctx: _Ctx, lead: dict[str, object]) -> list[tuple[date, str]]:
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


def _lead_plans(ctx: _Ctx, leads: dict[int, list[dict[str, object]]]) -> list[_Plan]:
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
        style = BUREAU_STYLES[(when.year - FIRST_YEAR) % len(BUREAU_STYLES)]
        plans.append(
            _Plan(
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


def _bureau_plans(ctx: _Ctx, leads: dict, hires: dict, leaders: list) -> list[_Plan]:
    plans = _lead_plans(ctx, leads)
    for i, year in enumerate(ctx.years):
        style = BUREAU_STYLES[(i + 1) % len(BUREAU_STYLES)]
        plans.append(
            _Plan(
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
        _Plan(
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


# --------------------------------------------------------------------------- bad rows


def _latest(plans: list[_Plan], dataset: str, office: str | None) -> _Plan:
    """The office's newest file of a dataset: where fresh mistakes are made."""
    candidates = [p for p in plans if p.dataset == dataset and p.office == office]
    return max(candidates, key=lambda p: (p.as_of, p.year, p.name))


def _next_id(plans: list[_Plan], plan: _Plan, prefix: str, width: int) -> str:
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


def _plant(plan: _Plan, rng: random.Random, record: dict[str, object], rule: str) -> None:
    # Somewhere in the lower half, where an office appends its latest additions.
    at = rng.randint(len(plan.records) // 2, len(plan.records))
    plan.records.insert(at, record)
    if rule:
        plan.bad[id(record)] = rule


def _plant_project(
    plans: list[_Plan], plan: _Plan, rng: random.Random, seq: int, rule: str, **changes: object
) -> None:
    chain, as_of = str(plan.office), plan.as_of
    record: dict[str, object] = {
        "project_id": _next_id(plans, plan, f"XM-{chain}-{as_of.year}-", 4),
        "project_name": f"南澳{_PRODUCTS[chain][seq]}项目",
        "chain": chain,
        "project_type": "strengthen",
        "segment": "midstream",
        "investor": f"{_CITIES[seq]}恒创{_COMPANY_WORDS[chain][0]}科技有限公司",
        "origin": _CITIES[seq],
        "planned_investment_wan": 8800.0,
        "stage": "signed",
        "signed_date": as_of - timedelta(days=40),
        "head_enterprise": False,
    }
    _plant(plan, rng, {**record, **changes}, rule)


def _plant_bad_projects(ctx: _Ctx, rng: random.Random, plans: list[_Plan]) -> None:
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


def _plant_bad_rows(ctx: _Ctx, plans: list[_Plan]) -> None:
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
        "employer": _INSTITUTES["SEMI"],
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
        **_person(rng, day, "master"),
        "degree": Raw("研究生"),
        "chain": "EQUIP",
        "employer": _INSTITUTES["EQUIP"],
        "hire_date": day,
        "channel": "job_fair",
    }
    _plant(hires, rng, hire, BAD_ROWS[10][2])
    _plant_unresolved(ctx, rng, plans)


def _plant_unresolved(ctx: _Ctx, rng: random.Random, plans: list[_Plan]) -> None:
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
        **_person(rng, day, "phd"),
        "degree": "phd",
        "talent_level": "high_level",
        "chain": "SEMI",
        "employer": _INSTITUTES["SEMI"],
        "hire_date": day,
        "channel": "job_fair",
        "position_id": "GW-SEMI-2023-044",
    }
    _plant(hires, rng, hire, "")


# --------------------------------------------------------------------------- entry points


def _plans(ctx: _Ctx) -> list[_Plan]:
    rng = ctx.rng("links")
    projects: dict[str, list[_Project]] = {}
    plans: list[_Plan] = []
    employers: dict[str, Sequence[str]] = {}
    positions = _Positions()
    catalogues: dict[str, list] = {}
    for chain in CHAIN_CODES:
        projects[chain] = _make_projects(ctx, chain)
        gaps = _make_gaps(ctx, chain)
        _link_gaps(ctx, rng, projects[chain], gaps)
        # Talent goes to the chain's enterprises and its public research institute.
        employers[chain] = [_INSTITUTES[chain]] + [p.investor for p in projects[chain][:200]]
        catalogues[chain] = catalogue = _make_catalogue(ctx, chain, employers[chain])
        positions.add(chain, catalogue)
        plans += _chain_plans(ctx, chain, gaps, catalogue)
    plans.append(_catalogue_workbook(ctx, catalogues))
    every_project = [p for chain in CHAIN_CODES for p in projects[chain]]
    leads = _make_leads(ctx, every_project)  # also sets projects' lead_id and channel
    for chain in CHAIN_CODES:
        plans += _project_plans(ctx, chain, projects[chain])
    hires = _make_hires(ctx, employers, positions)
    plans += _bureau_plans(ctx, leads, hires, _make_leader_projects(ctx, employers))
    _plant_bad_rows(ctx, plans)
    return sorted(plans, key=lambda p: p.name)


def generate_detailed(
    out_dir: Path, scale: float = 1, seed: int = 20241, as_of: date | None = None
) -> DemoResult:
    """Write the demo ledgers into `out_dir`; say what was written and where the bad rows are."""
    as_of = as_of or date.today()
    if as_of < date(FIRST_YEAR, 1, 1):
        raise ValueError(f"as_of must be on or after {FIRST_YEAR}-01-01, got {as_of}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files, planted, contacts = [], [], set()
    for plan in _plans(_Ctx(seed, scale, as_of)):
        written, bad, people = _write(out_dir, plan, seed)
        files.append(written)
        planted += bad
        contacts |= people
    return DemoResult(files, planted, tuple(p for p in CONTACTS if p in contacts))


def generate(
    out_dir: Path, scale: float = 1, seed: int = 20241, as_of: date | None = None
) -> list[Path]:
    """Write the demo ledgers into `out_dir` (flat) and return the paths written."""
    return [f.path for f in generate_detailed(out_dir, scale, seed, as_of).files]


def by_period(files: Sequence[WrittenFile]) -> list[tuple[str, list[Path]]]:
    """The files month by month, oldest first, in name order within a month: how `kpi demo`
    ingests the history, one month's ledgers at a time, so that every ledger's rows arrive
    after the months before it (and a month's references find that month's rows)."""
    months: dict[str, list[Path]] = {}
    for written in files:
        months.setdefault(written.period, []).append(written.path)
    return [(month, sorted(months[month])) for month in sorted(months)]


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
