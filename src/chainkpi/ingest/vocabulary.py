"""The vocabulary of the ledgers, read from the dbt seeds: one copy, for the ingest and dbt.

- Code lists: one seed per list (`seeds/project_stages.csv`, …: code, label_zh, label_en,
  sort_order); the chain list is `seeds/chains.csv`.
- Value synonyms: `seeds/value_synonyms.csv` (code_list, code, synonym, match): more spellings
  a ledger may use for a code (`在建` → started). `match` is `exact` (after NFKC, case-folded)
  or `prefix` (a value that starts with the synonym: `国家级领军人才项目` → national). The
  list `bool` holds the yes/no words (`true` / `false`), `chain` the chains' aliases.
- Header synonyms: `seeds/header_synonyms.csv` (dataset, column_key, synonym): more headers a
  column is recognised by; dataset `all` means every dataset that has the column.

An analyst adds a synonym by adding a line to one of these files; the next `kpi ingest`
reads it (and the next `kpi build` loads it as a table of the warehouse). Nothing here is
hard-coded but which seed holds which code list (CODE_LIST_SEEDS).
"""

from __future__ import annotations

import csv
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from chainkpi.errors import PipelineError
from chainkpi.settings import PROJECT_ROOT

# The seed that holds each code list of inputs.md.
CODE_LIST_SEEDS = {
    "project_type": "project_types",
    "segment": "segments",
    "stage": "project_stages",
    "priority": "gap_priorities",
    "gap_status": "gap_statuses",
    "lead_channel": "lead_channels",
    "lead_status": "lead_statuses",
    "min_degree": "min_degrees",
    "degree": "degrees",
    "talent_level": "talent_levels",
    "hire_channel": "hire_channels",
    "leader_level": "leader_levels",
    # party_service_funds.md
    "activity_type": "party_activity_types",
    "pairing_status": "pairing_statuses",
    "issue_track": "issue_tracks",
    "issue_status": "issue_statuses",
    "satisfaction": "satisfaction_levels",
}
# Lists a value synonym may name besides the code lists.
EXTRA_LISTS = ("chain", "bool")
BOOL_CODES = ("true", "false")
MATCHES = ("exact", "prefix")


def seeds_dir() -> Path:
    """The seeds folder: CHAINKPI_SEEDS if set (tests), else the project's `seeds/`."""
    configured = os.environ.get("CHAINKPI_SEEDS")
    return Path(configured) if configured else PROJECT_ROOT / "seeds"


def fold(text: str) -> str:
    """How values and synonyms are compared: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


@dataclass(frozen=True)
class Synonym:
    code_list: str
    code: str
    synonym: str
    match: str  # exact | prefix


@dataclass(frozen=True)
class Vocabulary:
    code_lists: dict[str, dict[str, tuple[str, str]]]  # list -> code -> (zh, en), seed order
    chains: dict[str, tuple[str, ...]]  # code -> (name_zh, aliases...)
    chain_names_zh: dict[str, str]
    value_synonyms: tuple[Synonym, ...]
    header_synonyms: dict[str, dict[str, str]]  # dataset -> synonym -> column

    def synonyms(self, code_list: str, match: str = "exact") -> dict[str, str]:
        """folded synonym -> code, for one list and one kind of match."""
        return {
            fold(s.synonym): s.code
            for s in self.value_synonyms
            if s.code_list == code_list and s.match == match
        }


def _rows(name: str) -> list[dict[str, str]]:
    path = seeds_dir() / f"{name}.csv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [
                {k: (v or "").strip() for k, v in row.items() if k}
                for row in csv.DictReader(handle)
            ]
    except OSError as exc:
        raise PipelineError(
            f"读不到词表文件 (cannot read the vocabulary seed) {path}: {exc}"
        ) from None


def _bad(name: str, line: int, why: str) -> PipelineError:
    return PipelineError(f"词表文件 seeds/{name}.csv 第 {line} 行有误 (bad vocabulary seed): {why}")


def load(dataset_columns: dict[str, set[str]]) -> Vocabulary:
    """Read every vocabulary seed and check it holds together (a synonym names a known code
    list, code and column; no spelling means two codes)."""
    code_lists: dict[str, dict[str, tuple[str, str]]] = {}
    for code_list, seed in CODE_LIST_SEEDS.items():
        rows = sorted(_rows(seed), key=lambda r: int(r.get("sort_order") or 0))
        code_lists[code_list] = {r["code"]: (r["label_zh"], r["label_en"]) for r in rows}
    chain_rows = sorted(_rows("chains"), key=lambda r: int(r.get("sort_order") or 0))
    names_zh = {r["chain_code"]: r["name_zh"] for r in chain_rows}
    known = {**{k: set(v) for k, v in code_lists.items()}, "chain": set(names_zh)}
    known["bool"] = set(BOOL_CODES)

    synonyms: list[Synonym] = []
    claimed: dict[tuple[str, str, str], str] = {}
    for line, row in enumerate(_rows("value_synonyms"), start=2):
        entry = Synonym(row["code_list"], row["code"], row["synonym"], row.get("match") or "exact")
        if entry.code_list not in known:
            raise _bad("value_synonyms", line, f"未知的代码表 {entry.code_list}")
        if entry.code not in known[entry.code_list]:
            raise _bad("value_synonyms", line, f"代码表 {entry.code_list} 中没有代码 {entry.code}")
        if entry.match not in MATCHES:
            raise _bad("value_synonyms", line, f"match 应为 exact 或 prefix：{entry.match}")
        if not entry.synonym:
            raise _bad("value_synonyms", line, "同义词为空")
        spelling = (entry.code_list, entry.match, fold(entry.synonym))
        if claimed.setdefault(spelling, entry.code) != entry.code:
            raise _bad(
                "value_synonyms",
                line,
                f"{entry.synonym} 同时指向 {claimed[spelling]} 和 {entry.code}",
            )
        synonyms.append(entry)

    chains = {
        code: (name, *(s.synonym for s in synonyms if s.code_list == "chain" and s.code == code))
        for code, name in names_zh.items()
    }

    headers: dict[str, dict[str, str]] = {dataset: {} for dataset in dataset_columns}
    for line, row in enumerate(_rows("header_synonyms"), start=2):
        dataset, column, synonym = row["dataset"], row["column_key"], row["synonym"]
        targets = list(dataset_columns) if dataset == "all" else [dataset]
        if dataset != "all" and dataset not in dataset_columns:
            raise _bad("header_synonyms", line, f"未知的数据集 {dataset}")
        if not synonym:
            raise _bad("header_synonyms", line, "表头同义词为空")
        matched = [d for d in targets if column in dataset_columns[d]]
        if not matched:
            raise _bad("header_synonyms", line, f"{dataset} 没有列 {column}")
        for target in matched:
            previous = headers[target].setdefault(synonym, column)
            if previous != column:
                raise _bad("header_synonyms", line, f"{synonym} 同时指向 {previous} 和 {column}")
    return Vocabulary(code_lists, chains, names_zh, tuple(synonyms), headers)
