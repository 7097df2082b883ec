"""The monthly bulletin (bulletin_brief_forecast.md, issue 22): `kpi bulletin` on a small
warehouse built from tiny hand-made ledgers through the real ingest and dbt build (as of
test_build.AS_OF, 15 January 2026), read back with openpyxl and with poppler's pdftotext and
pdffonts; the ranking compared with one computed here by hand, in Python, from the ledgers'
rows, the targets seed and the weights seed (nothing of the marts' SQL).

The ledgers (2025): signed projects NE 2 (February, May), SEMI 1 (March), EQUIP 3 (January,
March, June), MAT none; new leads NE 3 + 30 never followed up, SEMI 6, EQUIP 1, MAT 8; PhD
hires NE 2, SEMI 7; SEMI a committee meeting and a training in May. In June (序时进度 0.5)
that ranks SEMI first (the only chain off the 黑榜), then NE, EQUIP, MAT.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from chainkpi.settings import PROJECT_ROOT
from tests.conftest import build_warehouse, workspace_env
from tests.dashboard_fixtures import add_test_users
from tests.ledgers import rows_of, write_csv

YEAR = 2025
CHAINS = ("NE", "SEMI", "EQUIP", "MAT")
NAMES = {"NE": "新能源", "SEMI": "半导体和电子信息", "EQUIP": "先进装备制造", "MAT": "新材料"}

# (chain, signed date, planned investment 万元)
SIGNED = [
    ("NE", "2025-02-10", 10000), ("NE", "2025-05-05", 30000),
    ("SEMI", "2025-03-01", 60000),
    ("EQUIP", "2025-01-20", 5000), ("EQUIP", "2025-03-20", 5000), ("EQUIP", "2025-06-20", 5000),
]  # fmt: skip
# (chain, first contact date): NE's 30 from January, never followed up (the brief's stale list).
LEADS = [
    *[("NE", "2025-01-05")] * 30,
    ("NE", "2025-03-03"), ("NE", "2025-04-04"), ("NE", "2025-06-06"),
    *[("SEMI", f"2025-0{m}-10") for m in (1, 2, 3, 4, 5, 6)],
    ("EQUIP", "2025-05-15"),
    *[("MAT", f"2025-0{m}-12") for m in (1, 1, 2, 3, 4, 5, 6, 6)],
]  # fmt: skip
PHDS = [("NE", "2025-04-01"), ("NE", "2025-04-02"), *[("SEMI", "2025-05-01")] * 7]
ACTIVITIES = [("SEMI", "党委会议", "2025-05-20"), ("SEMI", "党建培训", "2025-05-21")]
# 40 NE projects in 储备 since the June ledger: stuck (the brief's long list).
RESERVE = 40


def bulletin_ledgers(inbox: Path) -> None:
    projects = [
        {"所属产业链": c, "项目阶段": "签约", "签约日期": d, "计划总投资（万元）": str(w),
         "到位资金（万元）": ""}
        for c, d, w in SIGNED
    ] + [
        {"所属产业链": "NE", "项目阶段": "储备", "签约日期": "", "计划总投资（万元）": "800",
         "到位资金（万元）": "", "项目名称": f"储备项目{i:02d}"}
        for i in range(RESERVE)
    ]  # fmt: skip
    write_csv(inbox / "projects_2025-06.csv", rows_of("projects", *projects))
    write_csv(inbox / "leads_2025-06.csv", rows_of("leads", *[
        {"所属产业链": c, "首次接洽日期": d, "线索状态": "跟进中", "企业名称": f"线索企业{i:02d}"}
        for i, (c, d) in enumerate(LEADS)
    ]))  # fmt: skip
    write_csv(inbox / "talent_hires_2025.csv", rows_of("talent_hires", *[
        {"学历": "博士", "所属产业链": c, "引进日期": d} for c, d in PHDS
    ]))  # fmt: skip
    header = ("活动编号", "所属产业链", "活动类型", "活动名称", "活动日期")
    write_csv(inbox / "party_activities_2025Q2.csv", [
        dict(zip(header, (f"A{i:03d}", c, kind, kind, d), strict=True))
        for i, (c, kind, d) in enumerate(ACTIVITIES)
    ])  # fmt: skip


def _seed(name: str) -> list[dict[str, str]]:
    with open(PROJECT_ROOT / "seeds" / f"{name}.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def hand_ranking(month: int) -> dict[str, float]:
    """Each chain's composite score at the end of `month`, from the ledger rows above and the
    seeds: Σ w × min((ytd ÷ target) ÷ (month ÷ 12), 1.2) ÷ Σ w over the chain's targets."""
    end = dt.date(YEAR, month, 28).isoformat()[:7]

    def upto(date: str) -> bool:
        return date[:7] <= end

    ytd = {
        "projects_signed": lambda c: sum(1 for ch, d, _ in SIGNED if ch == c and upto(d)),
        "signed_investment_wan": lambda c: sum(w for ch, d, w in SIGNED if ch == c and upto(d)),
        "leads_new": lambda c: sum(1 for ch, d in LEADS if ch == c and upto(d)),
        "phd_hires": lambda c: sum(1 for ch, d in PHDS if ch == c and upto(d)),
        "committee_meetings": lambda c: sum(
            1 for ch, k, d in ACTIVITIES if ch == c and k == "党委会议" and upto(d)
        ),
        "party_trainings": lambda c: sum(
            1 for ch, k, d in ACTIVITIES if ch == c and k == "党建培训" and upto(d)
        ),
    }
    weights = {row["kpi_code"]: float(row["weight"]) for row in _seed("assessment_weights")}
    scores = {}
    for chain in CHAINS:
        total = weighted = 0.0
        for row in _seed("kpi_targets"):
            if int(row["year"]) != YEAR or row["chain_code"] != chain:
                continue
            target = float(row["annual_target"]) * (4 if row["target_period"] == "quarter" else 1)
            if target <= 0:
                continue
            weight = weights.get(row["kpi_code"], 1.0)
            ratio = min(ytd[row["kpi_code"]](chain) / target / (month / 12), 1.2)
            total += weight * ratio
            weighted += weight
        scores[chain] = round(total / weighted, 4)
    return scores


def ranks(scores: dict[str, float]) -> dict[str, int]:
    return {c: 1 + sum(other > s for other in scores.values()) for c, s in scores.items()}


def bulletin_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse of bulletin_ledgers with the test users, built once per test run and
    shared by test_bulletin, test_brief and test_ranking_page (which only read it)."""
    home = tmp_path_factory.getbasetemp() / "bulletin_warehouse"
    if not (home / "users.toml").is_file():
        shutil.rmtree(home, ignore_errors=True)
        build_warehouse(home, bulletin_ledgers)
        add_test_users(home)
    return home


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bulletin_home(tmp_path_factory)


def cjk_font_or_skip() -> None:
    """The PDF tests need the CJK font scripts/install_browser.sh installs (as root)."""
    from chainkpi.bulletin.pdfdoc import find_font
    from chainkpi.errors import UserError

    try:
        find_font()
    except UserError:
        pytest.skip("no CJK font: run scripts/install_browser.sh as root (fonts-noto-cjk)")


@pytest.fixture(scope="module")
def bulletin(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`kpi bulletin --year 2025 --month 6` run as a user runs it."""
    cjk_font_or_skip()
    out = tmp_path_factory.mktemp("bulletin_out")
    env = {**os.environ, "CHAINKPI_HOME": str(home)}
    done = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "kpi"), "bulletin", "--year", "2025", "--month",
         "6", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stem = "招商引资和人才工作月度通报_2025年6月"
    return {"xlsx": out / f"{stem}.xlsx", "pdf": out / f"{stem}.pdf", "stdout": done.stdout}


def test_the_hand_computation_is_what_the_ledgers_say():
    """The hand figures themselves, so that a mistake here is not mistaken for the SQL's."""
    june = hand_ranking(6)
    # SEMI: 2×(1/3÷.5) + 2×1.2 (capped) + 1×1.2 (capped) + 1.5×(7/12÷.5) + 1×(1/4÷.5) + 1×1.2
    semi = (2 * (2 / 3) + 2 * 1.2 + 1.2 + 1.5 * (7 / 6) + 0.5 + 1.2) / 8.5
    assert june["SEMI"] == round(semi, 4)
    assert ranks(june) == {"SEMI": 1, "NE": 2, "EQUIP": 3, "MAT": 4}
    assert ranks(hand_ranking(5))["SEMI"] == 1


def test_the_marts_ranking_equals_the_hand_computed_one(home: Path):
    import duckdb

    with workspace_env(home) as workspace:
        con = duckdb.connect(str(workspace.published_db), read_only=True)
    try:
        for month in (4, 5, 6):
            got = {
                code: (float(score), rank, change, red, black)
                for code, score, rank, change, red, black in con.execute(
                    """select chain_code, composite_score, score_rank, rank_change, is_red_list,
                              is_black_list
                       from main.fct_bulletin_monthly where year = ? and month = ?""",
                    [YEAR, month],
                ).fetchall()
            }
            scores = hand_ranking(month)
            expected_ranks = ranks(scores)
            before = ranks(hand_ranking(month - 1))
            for chain in CHAINS:
                score, rank, change, red, black = got[chain]
                assert score == pytest.approx(scores[chain], abs=1e-4), (month, chain)
                assert rank == expected_ranks[chain], (month, chain)
                assert change == before[chain] - expected_ranks[chain], (month, chain)
                assert red == (expected_ranks[chain] == 1)
                assert black == (scores[chain] < 0.8)
    finally:
        con.close()


def test_the_bulletin_xlsx_reads_back_with_the_hand_computed_ranking(bulletin):
    from openpyxl import load_workbook

    book = load_workbook(bulletin["xlsx"], read_only=True)
    assert book.sheetnames == ["排名", "落后指标", "指标明细", "说明"]
    ranking = list(book["排名"].iter_rows(min_row=5, max_row=8, max_col=6, values_only=True))
    scores = hand_ranking(6)
    expected = sorted(CHAINS, key=lambda c: ranks(scores)[c])
    assert [row[1] for row in ranking] == [NAMES[c] for c in expected]
    assert [row[0] for row in ranking] == [1, 2, 3, 4]
    for row, chain in zip(ranking, expected, strict=True):
        assert row[2] == pytest.approx(scores[chain], abs=1e-4)
    assert ranking[0][5] == "红榜"
    assert [row[5] for row in ranking[1:]] == ["黑榜", "黑榜", "黑榜"]
    notes = [
        r[0] for r in book["排名"].iter_rows(min_row=10, max_row=11, max_col=1, values_only=True)
    ]
    assert notes == [
        "红榜：半导体和电子信息",
        "黑榜（综合得分低于 0.8）：新能源、先进装备制造、新材料",
    ]
    # The detail: NE's signed projects 2 of 3 by June, 完成率 2/3, 序时进度 1/2, +16.67 pp.
    detail = {
        (r[0], r[1]): r
        for r in book["指标明细"].iter_rows(min_row=5, max_col=10, values_only=True)
        if r[0]
    }
    ne_signed = detail[("新能源", "签约项目数")]
    assert ne_signed[3:8] == (2, 3, pytest.approx(2 / 3, abs=1e-6), 0.5, 16.67)
    assert ne_signed[8:] == (1.2, 2)  # capped at 1.2; weight 2 from the seed
    # Behind: MAT's new leads 6 of 10 by June is ahead; its signed projects (0) are behind.
    behind = {
        (r[0], r[1]) for r in book["落后指标"].iter_rows(min_row=5, max_col=2, values_only=True)
    }
    assert ("新材料", "签约项目数") in behind
    assert ("新材料", "新增招商线索数") not in behind


def test_the_bulletin_pdf_has_chinese_text_an_embedded_font_and_page_numbers(bulletin):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils missing: run scripts/install_browser.sh as root")
    text = subprocess.run(
        ["pdftotext", "-layout", str(bulletin["pdf"]), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "招商引资和人才工作月度通报（2025年6月）" in text
    assert "红榜：半导体和电子信息" in text
    assert "一、综合得分与排名" in text and "二、本月落后序时进度的指标" in text
    assert re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", text)
    # The ranking table as printed: the chains in the hand-computed order, with their scores.
    table = text[text.index("一、综合得分与排名") : text.index("二、本月落后序时进度的指标")]
    scores = hand_ranking(6)
    order = sorted(CHAINS, key=lambda c: ranks(scores)[c])
    lines = [line for line in table.splitlines() if any(NAMES[c] in line for c in CHAINS)]
    assert len(lines) == 4
    for line, chain in zip(lines, order, strict=True):
        assert NAMES[chain] in line and f"{scores[chain]:.4f}" in line, line
    fonts = subprocess.run(
        ["pdffonts", str(bulletin["pdf"])], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts, "no font in the PDF"
    for line in fonts:  # every font embedded (emb = yes): no tofu where the reader lacks it
        assert "CJK" in line and line.split()[-5] == "yes", line
    info = subprocess.run(
        ["pdfinfo", str(bulletin["pdf"])], capture_output=True, text=True, check=True
    ).stdout
    assert "841.89 x 595.28 pts (A4)" in info  # landscape


def test_without_a_cjk_font_the_bulletin_says_so_in_chinese_and_writes_nothing(home, tmp_path):
    env = {
        **os.environ,
        "CHAINKPI_HOME": str(home),
        "CHAINKPI_CJK_FONT": str(tmp_path / "none.ttc"),
    }
    done = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "kpi"), "bulletin", "--year", "2025", "--month",
         "6", "--out", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "未找到中文字体" in done.stderr and "fonts-noto-cjk" in done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_month_without_figures_names_the_months_there_are(home, tmp_path):
    env = {**os.environ, "CHAINKPI_HOME": str(home)}
    done = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "kpi"), "bulletin", "--year", "2030", "--month",
         "1", "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "2030年1月没有通报数据" in done.stderr and "2025年1月至2025年6月" in done.stderr


def test_a_month_not_over_says_its_figures_will_change():
    from chainkpi.bulletin.monthly import Bulletin

    built = dt.datetime(2026, 1, 15, 8)
    running = Bulletin(2026, 1, built, dt.date(2026, 1, 15), [], [])
    assert "本月尚未结束" in running.subtitle
    assert "序时进度 8.3%" in running.subtitle
    over = Bulletin(2025, 12, built, dt.date(2026, 1, 15), [], [])
    assert "本月尚未结束" not in over.subtitle and "2025年1—12月" in over.subtitle
