"""The input contract (../shared/spec/inputs.md) as data: datasets, columns, types, code lists.

This module says what a ledger looks like. What makes a row acceptable — the rules — is
declared once, as Great Expectations suites in `expectations/`, which read these columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chainkpi.ingest import vocabulary

# Value types of inputs.md. Enumerations are `enum` with a code list below.
TEXT, DATE, AMOUNT, COUNT, BOOL, CHAIN, ENUM = (
    "text",
    "date",
    "amount",
    "count",
    "bool",
    "chain",
    "enum",
)

# Cells holding only one of these (after trimming and NFKC) are missing values.
MISSING_TOKENS = frozenset({"", "-", "—", "/", "无"})


@dataclass(frozen=True)
class Column:
    key: str
    header_zh: str
    type: str = TEXT
    required: bool = False
    code_list: str | None = None  # for ENUM
    personal: bool = False  # name, ID number, phone: masked + keyed hash, never clear
    refers_to: str | None = None  # dataset whose key this column references
    default: str | None = None  # stored code when the cell is missing (talent_level)
    minimum: int = 1  # COUNT: the least whole number allowed (problems_solved: 0)
    # Free text that may name people (enterprise_issues.summary): shown to analysts and the
    # chain's own office only.
    restricted: bool = False


@dataclass(frozen=True)
class Dataset:
    key: str
    name_zh: str
    columns: tuple[Column, ...]
    id_column: str
    # Without the ID column, the key is derived from these columns (real_ledgers.md rule 7);
    # hashed: by a keyed hash (hires: never a clear name or ID number in a key), the first
    # group of columns that is given, else the next.
    key_from: tuple[tuple[str, ...], ...] = ()
    key_hashed: bool = False
    aliases: dict[str, str] = field(default_factory=dict)  # extra header spellings -> key
    # Other words that tell this dataset in a file name (企业诉求 also as 直通车).
    file_names: tuple[str, ...] = ()

    @property
    def required(self) -> list[str]:
        return [c.key for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _c(*args, **kwargs) -> Column:
    return Column(*args, **kwargs)


DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in (
        Dataset(
            "projects",
            "项目储备库",
            (
                _c("project_id", "项目编号", required=True),
                _c("project_name", "项目名称", required=True),
                _c("chain", "所属产业链", CHAIN, required=True),
                _c("project_type", "项目类型", ENUM, required=True, code_list="project_type"),
                _c("segment", "链条环节", ENUM, code_list="segment"),
                _c("gap_id", "对应缺口编号", refers_to="chain_gaps"),
                _c("investor", "投资主体", required=True),
                _c("origin", "来源地"),
                _c("channel", "招商方式", ENUM, code_list="lead_channel"),
                _c("planned_investment_wan", "计划总投资(万元)", AMOUNT, required=True),
                _c("capital_in_place_wan", "到位资金(万元)", AMOUNT),
                _c("stage", "项目阶段", ENUM, required=True, code_list="stage"),
                _c("signed_date", "签约日期", DATE),
                _c("started_date", "开工日期", DATE),
                _c("producing_date", "投产日期", DATE),
                _c("head_enterprise", "是否头部企业", BOOL),
                _c("lead_id", "线索编号", refers_to="leads"),
            ),
            id_column="project_id",
            key_from=(("project_name",),),
        ),
        Dataset(
            "chain_gaps",
            "产业链缺口",
            (
                _c("gap_id", "缺口编号", required=True),
                _c("chain", "所属产业链", CHAIN, required=True),
                _c("segment", "链条环节", ENUM, required=True, code_list="segment"),
                _c("link_name", "缺失环节", required=True),
                _c("priority", "优先级", ENUM, code_list="priority"),
                _c("identified_date", "识别日期", DATE, required=True),
                _c("status", "状态", ENUM, required=True, code_list="gap_status"),
                _c("closed_date", "补齐日期", DATE),
            ),
            id_column="gap_id",
            key_from=(("chain", "link_name"),),
        ),
        Dataset(
            "leads",
            "招商线索",
            (
                _c("lead_id", "线索编号", required=True),
                _c("company", "企业名称", required=True),
                _c("chain", "所属产业链", CHAIN),
                _c("channel", "招商方式", ENUM, required=True, code_list="lead_channel"),
                _c("source_city", "来源城市"),
                _c("first_contact_date", "首次接洽日期", DATE, required=True),
                _c("status", "线索状态", ENUM, required=True, code_list="lead_status"),
                _c("converted_date", "转化日期", DATE),
                _c("project_id", "转化项目编号", refers_to="projects"),
                _c("expected_investment_wan", "意向投资(万元)", AMOUNT),
            ),
            id_column="lead_id",
            key_from=(("company",),),
        ),
        Dataset(
            "talent_catalogue",
            "人才需求目录",
            (
                _c("position_id", "岗位编号", required=True),
                _c("chain", "所属产业链", CHAIN, required=True),
                _c("employer", "用人单位", required=True),
                _c("position_title", "岗位名称", required=True),
                _c("discipline", "专业方向"),
                _c("min_degree", "学历要求", ENUM, required=True, code_list="min_degree"),
                _c("headcount", "需求人数", COUNT, required=True),
                _c("published_date", "发布日期", DATE, required=True),
            ),
            id_column="position_id",
            key_from=(("employer", "position_title"),),
        ),
        Dataset(
            "talent_hires",
            "人才引进",
            (
                _c("hire_id", "引进编号", required=True),
                _c("name", "姓名", required=True, personal=True),
                _c("id_number", "身份证号", personal=True),
                _c("phone", "联系电话", personal=True),
                _c("degree", "学历", ENUM, required=True, code_list="degree"),
                _c("talent_level", "人才层次", ENUM, code_list="talent_level", default="other"),
                _c("chain", "所属产业链", CHAIN),
                _c("employer", "用人单位", required=True),
                _c("hire_date", "引进日期", DATE, required=True),
                _c("channel", "引才方式", ENUM, code_list="hire_channel"),
                _c("local_returnee", "是否回引本土人才", BOOL),
                _c("position_id", "对应岗位编号", refers_to="talent_catalogue"),
            ),
            id_column="hire_id",
            key_from=(("id_number",), ("name", "employer", "hire_date")),
            key_hashed=True,
        ),
        Dataset(
            "leader_projects",
            "领军人才项目",
            (
                _c("leader_project_id", "项目编号", required=True),
                _c("title", "项目名称", required=True),
                _c("level", "项目级别", ENUM, required=True, code_list="leader_level"),
                _c("chain", "所属产业链", CHAIN),
                _c("employer", "承担单位", required=True),
                _c("approved_date", "立项日期", DATE, required=True),
            ),
            id_column="leader_project_id",
            key_from=(("title",),),
        ),
        # ---- party_service_funds.md: party building, mentoring, enterprise service
        Dataset(
            "party_activities",
            "党建活动",
            (
                _c("activity_id", "活动编号", required=True),
                _c("chain", "所属产业链", CHAIN, required=True),
                _c("activity_type", "活动类型", ENUM, required=True, code_list="activity_type"),
                _c("title", "活动名称", required=True),
                _c("activity_date", "活动日期", DATE, required=True),
                _c("participants", "参加人数", COUNT),
                _c("problems_solved", "研究解决问题数", COUNT, minimum=0),
            ),
            id_column="activity_id",
            key_from=(("chain", "activity_date", "title"),),
        ),
        Dataset(
            "mentoring_pairs",
            "帮带结对",
            (
                _c("pair_id", "结对编号", required=True),
                _c("chain", "所属产业链", CHAIN, required=True),
                _c("mentor_org", "帮带党组织", required=True),
                _c("mentee_org", "被帮带党组织", required=True),
                _c("signed_date", "结对日期", DATE, required=True),
                _c("has_agreement", "是否签订共建协议", BOOL),
                _c("status", "结对状态", ENUM, required=True, code_list="pairing_status"),
                _c("ended_date", "结束日期", DATE),
            ),
            id_column="pair_id",
            key_from=(("mentor_org", "mentee_org"),),
        ),
        Dataset(
            "enterprise_issues",
            "企业诉求",
            (
                _c("issue_id", "诉求编号", required=True),
                _c("chain", "所属产业链", CHAIN),
                _c("enterprise", "企业名称", required=True),
                _c("track", "直通车类别", ENUM, required=True, code_list="issue_track"),
                _c("summary", "诉求内容", required=True, restricted=True),
                _c("received_date", "受理日期", DATE, required=True),
                _c("status", "办理状态", ENUM, required=True, code_list="issue_status"),
                _c("resolved_date", "办结日期", DATE),
                _c("satisfaction", "企业评价", ENUM, code_list="satisfaction"),
            ),
            id_column="issue_id",
            key_from=(("enterprise", "track", "received_date"),),
            file_names=("直通车",),
        ),
    )
}

# The vocabulary (code lists, chains, value and header synonyms) lives in the dbt seeds, one
# copy for the ingest and the warehouse (vocabulary.py). CODE_LISTS: stored code ->
# (Chinese label, English word), both accepted on input; CHAINS: code -> name and aliases.
VOCABULARY = vocabulary.load({key: {c.key for c in d.columns} for key, d in DATASETS.items()})
CODE_LISTS: dict[str, dict[str, tuple[str, str]]] = VOCABULARY.code_lists
CHAINS: dict[str, tuple[str, ...]] = VOCABULARY.chains
CHAIN_NAMES_ZH: dict[str, str] = VOCABULARY.chain_names_zh

# Order in which datasets are loaded within one file batch does not matter (files go in name
# order); references are checked after the whole run, against the current state.
PERSONAL_COLUMNS = {
    d.key: [c.key for c in d.columns if c.personal]
    for d in DATASETS.values()
    if any(c.personal for c in d.columns)
}


def dataset_for_filename(stem: str) -> Dataset | None:
    """The dataset a file holds, told by its name: English key prefix or Chinese name inside."""
    lowered = stem.lower()
    # Longest English key first so `talent_catalogue` is not mistaken for something shorter.
    for key in sorted(DATASETS, key=len, reverse=True):
        if lowered.startswith(key):
            return DATASETS[key]
    for dataset in DATASETS.values():
        if any(name in stem for name in (dataset.name_zh, *dataset.file_names)):
            return dataset
    return None
