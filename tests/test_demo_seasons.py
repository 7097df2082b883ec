"""The demo district has a rhythm for the forecast of 达成概率 to learn (issue 22, docs/
forecast.md): three whole years before the running one, a slow first quarter and a year-end
push, each chain its own way. Read from the simulated district itself (no files written)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from chainkpi.demo.district import (
    CHAIN_CODES,
    FIRST_YEAR,
    Ctx,
    make_leads,
    make_projects,
)

AS_OF = date(2026, 11, 25)
CTX = Ctx(20241, 1, AS_OF)
PROJECTS = {chain: make_projects(CTX, chain) for chain in CHAIN_CODES}


def _signed(chain: str) -> list[date]:
    days = (p.stage_at(AS_OF)[1].get("signed") for p in PROJECTS[chain])
    return [d for d in days if d and d.year < AS_OF.year]


def _share(days: list[date], months: tuple[int, ...]) -> float:
    return sum(1 for d in days if d.month in months) / len(days)


def test_three_whole_years_of_signings_before_the_as_of_year() -> None:
    assert AS_OF.year - FIRST_YEAR >= 3
    for chain in CHAIN_CODES:
        per_year = Counter(d.year for d in _signed(chain))
        assert all(per_year[y] >= 5 for y in range(FIRST_YEAR, AS_OF.year)), (chain, per_year)
        # No KPI event before the ledgers begin (the pipeline years before are not dated in).
        assert min(_signed(chain)) >= date(FIRST_YEAR, 1, 1)


def test_a_slow_first_quarter_and_a_year_end_push() -> None:
    every = [d for chain in CHAIN_CODES for d in _signed(chain)]
    # Evenly spread, a quarter would hold 25 % and December 8 %.
    assert _share(every, (1, 2, 3)) < 0.12
    assert _share(every, (12,)) > 0.25
    leads = [
        lead["first_contact_date"]
        for year, year_leads in make_leads(CTX, [p for ps in PROJECTS.values() for p in ps]).items()
        if year < AS_OF.year
        for lead in year_leads
    ]
    assert _share(leads, (1, 2, 3)) < 0.2
    assert _share(leads, (11, 12)) > 0.2


def test_each_chain_has_its_own_rhythm() -> None:
    june = {chain: _share(_signed(chain), (6,)) for chain in CHAIN_CODES}
    september = {chain: _share(_signed(chain), (9,)) for chain in CHAIN_CODES}
    # 半导体's June investment fair, 先进装备's September expo.
    assert june["SEMI"] > june["NE"] and june["SEMI"] > june["EQUIP"]
    assert september["EQUIP"] > max(september[c] for c in ("NE", "SEMI", "MAT"))


def test_the_same_seed_gives_the_same_district() -> None:
    again = make_projects(Ctx(20241, 1, AS_OF), "SEMI")
    assert [(p.project_id, p.created, p.events) for p in again] == [
        (p.project_id, p.created, p.events) for p in PROJECTS["SEMI"]
    ]
    other = make_projects(Ctx(7, 1, AS_OF), "SEMI")
    assert [p.events for p in other] != [p.events for p in again]
