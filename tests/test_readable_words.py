"""Readable words (../shared/spec/dashboard.md, "Readable numbers and words"): English complete —
code values, units, KPI help texts, role names and the demo users' names — Chinese punctuation
only in Chinese, and the dbt checks of the data-quality page said as what failed in which
dataset. The words live in dashboards/i18n.py: tested here against the seeds, without
Streamlit."""

from __future__ import annotations

import csv
import re

import pytest

from chainkpi import auth
from chainkpi.settings import PROJECT_ROOT
from dashboards import i18n

SEEDS = PROJECT_ROOT / "seeds"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # CJK, its punctuation, full width


def seed_rows(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# Every code-list seed: a seed with code and label_zh columns (a new list is held to it too).
CODE_LISTS = sorted(
    p.stem
    for p in SEEDS.glob("*.csv")
    if p.read_text(encoding="utf-8").splitlines()[0].startswith("code,label_zh")
)


@pytest.mark.parametrize("seed", CODE_LISTS)
def test_every_code_of_every_code_list_reads_as_english_not_as_the_code(seed):
    for row in seed_rows(seed):
        english = i18n.code_label(row["code"], row["label_zh"], "en", seed)
        assert english != row["code"], (seed, row["code"])
        assert english[0].isupper() or english[0].isdigit(), (seed, english)
        assert "_" not in english and not CJK.search(english), (seed, english)
        assert i18n.code_label(row["code"], row["label_zh"], "zh") == row["label_zh"]


def test_the_dashboards_code_lists_are_among_them():
    assert {"project_stages", "degrees", "lead_statuses", "hire_channels"} <= set(CODE_LISTS)


def test_some_codes_read_as_a_head_reads_them():
    en = {code: i18n.code_label(code, None, "en") for code in ("phd", "visited", "below_bachelor")}
    assert en == {"phd": "PhD", "visited": "Visited", "below_bachelor": "Below bachelor's"}


def test_every_kpi_has_an_english_name_and_help_text():
    kpis = seed_rows("kpi_definitions")
    assert i18n.kpi_help_missing(row["kpi_code"] for row in kpis) == set()
    for row in kpis:
        name = i18n.kpi_name(row["kpi_code"], row["name_zh"], row["name_en"], "en")
        help_en = i18n.kpi_help(row["kpi_code"], row["description_zh"], "en")
        assert not CJK.search(name) and not CJK.search(help_en), (name, help_en)
        assert i18n.kpi_help(row["kpi_code"], row["description_zh"], "zh") == row["description_zh"]
    assert i18n.kpi_name("major_projects_signed", "亿元以上", "(≥ 1亿元)", "en") == (
        "Major projects signed (≥ CNY 100m)"
    )


@pytest.mark.parametrize("unit", ["人", "个", "条", "天", "万元", "亿元"])
def test_every_unit_has_an_english_word(unit):
    assert not CJK.search(i18n.unit_label(unit, "en")), unit
    assert i18n.unit_label(unit, "zh") == unit


def test_english_labels_hold_no_chinese_words_or_punctuation():
    bilingual = {"language"}  # 语言 Language: the switch names itself in both on purpose
    for key, text in i18n._EN.items():
        if key not in bilingual:
            assert not CJK.search(text), (key, text)


def test_chinese_labels_use_chinese_punctuation():
    for key, text in i18n._ZH.items():
        assert not re.search(r"[\u4e00-\u9fff][,:;?!(]", text), (key, text)


@pytest.mark.parametrize(("username", "role", "display", "password"), auth.DEMO_USERS)
def test_roles_and_the_demo_users_names_read_in_english(username, role, display, password):
    line = i18n.user_line({"username": username, "role": role, "display_name": display}, "en")
    assert not CJK.search(line), line
    assert "chain:" not in line and "district)" not in line
    zh = i18n.user_line({"username": username, "role": role, "display_name": display}, "zh")
    assert zh.startswith(display)


def test_role_names():
    assert i18n.role_label("district", "en") == "District"
    assert i18n.role_label("chain:NE", "zh") == "新能源链办"
    assert i18n.role_label("chain:SEMI", "en") == "Semiconductors chain office"


@pytest.mark.parametrize(
    ("name", "failures", "zh", "en"),
    [
        (
            "relationships_stg_projects_gap_id__gap_id__ref_stg_chain_gaps_",
            1,
            "项目储备库：1 个项目的对应缺口编号不存在",
            "Project ledger: 1 project names a chain-gap ID that does not exist",
        ),
        (
            "relationships_stg_talent_hires_position_id__position_id__ref_stg_talent_catalogue_",
            3,
            "人才引进：3 名引进人才的对应岗位编号不存在",
            "Talent hires: 3 hires name a catalogue position ID that does not exist",
        ),
        (
            "not_null_stg_leads_company",
            2,
            "招商线索：2 条线索缺少企业名称",
            "Investor leads: 2 leads have no company",
        ),
        (
            "unique_dim_project_pipeline_project_id",
            1,
            "项目储备库：项目编号有 1 个重复值",
            "Project ledger: 1 duplicate project ID value",
        ),
        (
            "assert_kpi_targets_are_not_negative",
            1,
            "指标进度：目标值为负数（1 行）",
            "KPI progress: a target is negative (1 rows)",
        ),
    ],
)
def test_dbt_checks_read_as_what_failed_in_which_dataset(name, failures, zh, en):
    assert i18n.dbt_check_text(name, failures, "zh") == zh
    assert i18n.dbt_check_text(name, failures, "en") == en


def test_a_dbt_check_never_reaches_a_head_as_its_test_name_or_dbt_message():
    for name in (
        "relationships_stg_projects_lead_id__lead_id__ref_stg_leads_",
        "column_rules_stg_projects_chains_chain_code__project_types__project_id.e85bef8562",
        "accepted_values_stg_leads_status__new__following",
        "some_check_nobody_knows",
    ):
        for lang in ("zh", "en"):
            text = i18n.dbt_check_text(name, 1, lang)
            assert "_" not in text and "Got " not in text, text
    assert i18n.dbt_status_label("warn", "zh").startswith("警告")
