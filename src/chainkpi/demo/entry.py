"""The entry points: simulate the district, plan its files, plant the bad rows, write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chainkpi.demo.district import (
    CHAIN_CODES,
    FIRST_YEAR,
    Ctx,
    Positions,
    Project,
    link_gaps,
    make_catalogue,
    make_gaps,
    make_hires,
    make_issues,
    make_leader_projects,
    make_leads,
    make_mentoring_pairs,
    make_party_activities,
    make_projects,
    missed_meeting,
)
from chainkpi.demo.plan import (
    Plan,
    bureau_plans,
    catalogue_workbook,
    chain_plans,
    issue_plans,
    party_plans,
    project_plans,
)
from chainkpi.demo.planted import plant_bad_rows
from chainkpi.demo.words import CONTACTS, INSTITUTES
from chainkpi.demo.writers import PlantedRow, WrittenFile, write


@dataclass(frozen=True)
class DemoResult:
    files: list[WrittenFile]
    planted: list[PlantedRow]
    # (name, phone) of the people named in footers and owners' contact columns, as written:
    # personal data outside any contract column (a subset of words.CONTACTS).
    contacts: tuple[tuple[str, str], ...] = ()


def _plans(ctx: Ctx) -> list[Plan]:
    rng = ctx.rng("links")
    projects: dict[str, list[Project]] = {}
    plans: list[Plan] = []
    employers: dict[str, Sequence[str]] = {}
    positions = Positions()
    catalogues: dict[str, list] = {}
    for chain in CHAIN_CODES:
        projects[chain] = make_projects(ctx, chain)
        gaps = make_gaps(ctx, chain)
        link_gaps(ctx, rng, projects[chain], gaps)
        # Talent goes to the chain's enterprises and its public research institute.
        employers[chain] = [INSTITUTES[chain]] + [p.investor for p in projects[chain][:200]]
        catalogues[chain] = catalogue = make_catalogue(ctx, chain, employers[chain])
        positions.add(chain, catalogue)
        plans += chain_plans(ctx, chain, gaps, catalogue)
    plans.append(catalogue_workbook(ctx, catalogues))
    every_project = [p for chain in CHAIN_CODES for p in projects[chain]]
    leads = make_leads(ctx, every_project)  # also sets projects' lead_id and channel
    for chain in CHAIN_CODES:
        plans += project_plans(ctx, chain, projects[chain])
    hires = make_hires(ctx, employers, positions)
    plans += bureau_plans(ctx, leads, hires, make_leader_projects(ctx, employers))
    # Party building and enterprise service: their own random streams, so the datasets above
    # come out as they did before these were added.
    missed = missed_meeting(ctx)
    for chain in CHAIN_CODES:
        activities = make_party_activities(ctx, chain, missed)
        plans += party_plans(ctx, chain, activities, make_mentoring_pairs(ctx, chain))
    plans += issue_plans(ctx, make_issues(ctx))
    plant_bad_rows(ctx, plans)
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
    for plan in _plans(Ctx(seed, scale, as_of)):
        written, bad, people = write(out_dir, plan, seed)
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
