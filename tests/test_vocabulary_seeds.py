"""The code lists have one copy, the seeds, which the ingest reads (vocabulary.py) and dbt
loads. dbt's data tests read the seeds (column_rules' `code_lists`); the marts' enforced
`check` constraints cannot read a table and keep literal lists, which these tests hold equal
to the seeds, so a code added to a seed fails here until every list that repeats it has it.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import yaml

from chainkpi.ingest import schema, vocabulary
from chainkpi.settings import PROJECT_ROOT

# Columns whose name says which seed holds their codes (seed, or seed.column).
SEED_BY_COLUMN = {
    "chain_code": "chains.chain_code",
    "kpi_code": "kpi_definitions.kpi_code",
    "project_type": "project_types",
    "segment": "segments",
    "stage": "project_stages",
    "priority": "gap_priorities",
    "min_degree": "min_degrees",
    "degree": "degrees",
    "talent_level": "talent_levels",
    "level": "leader_levels",
    "hire_channel": "hire_channels",
    "channel_code": "lead_channels",
    "channel": "lead_channels",
}
# Where the name alone does not say it.
SEED_BY_MODEL_COLUMN = {
    ("stg_talent_hires", "channel"): "hire_channels",
    ("stg_chain_gaps", "status"): "gap_statuses",
    ("dim_chain_gap_coverage", "status"): "gap_statuses",
    ("stg_leads", "status"): "lead_statuses",
    ("int_leads_classified", "status"): "lead_statuses",
    ("dim_leads", "status"): "lead_statuses",
}
# Values a mart adds to a code list: the aggregates over it, and a missing channel.
EXTRAS = {
    ("dim_chains", "chain_code"): {"ALL"},
    ("fct_lead_funnel", "channel_code"): {"ALL"},
    ("fct_talent_hires_summary", "hire_channel"): {"unspecified"},
}
CHECK_IN = re.compile(r"^\s*(\w+)\s+in\s*\((.*)\)\s*$", re.S)
QUOTED = re.compile(r"'((?:[^']|'')*)'")


def seed_codes(seeds: Path, spec: str) -> set[str]:
    """The codes of a seed (`seed` reads its column `code`, `seed.column` another)."""
    name, _, column = spec.partition(".")
    with (seeds / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {row[column or "code"] for row in csv.DictReader(handle) if row[column or "code"]}


def all_seed_codes(seeds: Path) -> dict[str, set[str]]:
    specs = {*vocabulary.CODE_LIST_SEEDS.values(), "chains.chain_code", "kpi_definitions.kpi_code"}
    return {spec: seed_codes(seeds, spec) for spec in specs}


def literal_lists(root: Path) -> list[tuple[str, str, str, list]]:
    """(where, model, column, values) of every literal list of values in the properties files
    under models/ and seeds/: column_rules' accepted_values, dbt's accepted_values, and the
    check constraints written `column in (...)`."""
    found = []
    for path in sorted([*(root / "models").rglob("*.yml"), *(root / "seeds").glob("*.yml")]):
        where = str(path.relative_to(root))
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for node in [*document.get("models", []), *document.get("seeds", [])]:
            model = node["name"]
            constraints = [(None, c) for c in node.get("constraints", []) or []]
            for test in node.get("data_tests", []) or []:
                rules = test.get("column_rules", {}) if isinstance(test, dict) else {}
                for column, values in rules.get("arguments", {}).get("accepted_values", {}).items():
                    found.append((where, model, column, values))
            for column in node.get("columns", []) or []:
                constraints += [(column["name"], c) for c in column.get("constraints", []) or []]
                for test in column.get("data_tests", []) or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        arguments = test["accepted_values"].get(
                            "arguments", test["accepted_values"]
                        )
                        found.append((where, model, column["name"], arguments["values"]))
            for _, constraint in constraints:
                match = CHECK_IN.match(constraint.get("expression") or "")
                if constraint.get("type") == "check" and match:
                    values = [v.replace("''", "'") for v in QUOTED.findall(match.group(2))]
                    found.append((where, model, match.group(1), values or None))
    return [f for f in found if f[3]]  # numeric lists (quarters) are no code list


def unheld(root: Path, seeds: Path) -> tuple[list[str], set[tuple[str, str]]]:
    """The literal code lists that differ from their seed (messages), and those that hold."""
    codes = all_seed_codes(seeds)
    problems, held = [], set()
    for where, model, column, values in literal_lists(root):
        listed = {str(v) for v in values}
        spec = SEED_BY_MODEL_COLUMN.get((model, column)) or SEED_BY_COLUMN.get(column)
        if spec is None:
            # A list of its own (load_status, the KPI statuses, the datasets) — unless most of
            # its values are a seed's codes: then the map above must say which seed.
            like = [s for s, c in codes.items() if 2 * len(listed & c) > len(listed)]
            if like:
                problems.append(f"{where}: {model}.{column} looks like codes of {like}: map it")
            continue
        expected = codes[spec] | EXTRAS.get((model, column), set())
        if listed != expected:
            problems.append(
                f"{where}: {model}.{column} lists {sorted(listed)}; the seed {spec} has "
                f"{sorted(codes[spec])} (missing {sorted(expected - listed)}, "
                f"not in the seed {sorted(listed - expected)})"
            )
        held.add((model, column))
    return problems, held


def test_every_literal_code_list_in_the_models_equals_its_seed():
    problems, held = unheld(PROJECT_ROOT, PROJECT_ROOT / "seeds")
    assert problems == []
    # The marts' check constraints are found and held (the parser reads them).
    assert {
        ("dim_project_pipeline", "stage"),
        ("dim_leads", "status"),
        ("dim_chain_gap_coverage", "status"),
        ("fct_talent_hires_summary", "degree"),
        ("fct_talent_hires_summary", "hire_channel"),
        ("dim_catalogue_fill", "min_degree"),
        ("dim_chains", "chain_code"),
        ("dim_kpis", "kpi_code"),
        ("fct_lead_funnel", "channel_code"),
    } <= held


def test_a_list_that_differs_from_its_seed_is_caught(tmp_path):
    """On a copy of the properties files: a stage dropped from a check, postdoc dropped from
    the hires' degrees (the min_degrees list without it must not pass for it), a channel
    status misspelt, a code list cut short in a data test, and a list of a seed's codes on a
    column this test does not know are each reported."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "models", root / "models")
    (root / "seeds").mkdir()
    shutil.copy(PROJECT_ROOT / "seeds" / "_seeds.yml", root / "seeds")
    marts = root / "models" / "marts"
    for path, old, new in (
        ("investment/_investment__models.yml", "'producing', 'dropped')", "'producing')"),
        ("talent/_talent__models.yml", "degree in ('postdoc', 'phd',", "degree in ('phd',"),
        ("investment/_investment__models.yml", "status in ('new', 'following',", "status in ('new', 'folowing',"),
    ):  # fmt: skip
        text = (marts / path).read_text(encoding="utf-8")
        assert old in text
        (marts / path).write_text(text.replace(old, new, 1), encoding="utf-8")
    staging = root / "models" / "staging" / "_staging__models.yml"
    staging.write_text(
        staging.read_text(encoding="utf-8").replace(
            '              load_status: ["loaded", "rejected"]',
            '              load_status: ["loaded", "rejected"]\n              stage: ["reserve"]\n'
            '              phase: ["reserve", "negotiating", "sighned"]',
        ),
        encoding="utf-8",
    )
    problems, _ = unheld(root, PROJECT_ROOT / "seeds")
    assert [p.split(" lists ")[0] for p in problems] == [
        "models/marts/investment/_investment__models.yml: dim_project_pipeline.stage",
        "models/marts/investment/_investment__models.yml: dim_leads.status",
        "models/marts/talent/_talent__models.yml: fct_talent_hires_summary.degree",
        "models/staging/_staging__models.yml: stg_ingest_files.stage",
        "models/staging/_staging__models.yml: stg_ingest_files.phase looks like codes of ['project_stages']: map it",
    ]
    assert "missing ['dropped']" in problems[0]
    assert "not in the seed ['folowing']" in problems[1]


def _column_rules(document: dict, kind: str, name: str) -> dict:
    node = next(n for n in document[kind] if n["name"] == name)
    return next(t["column_rules"]["arguments"] for t in node["data_tests"] if "column_rules" in t)


def test_staging_code_columns_are_checked_against_the_seed_the_ingest_reads():
    """Every code column of the input contract is held in staging by the seed the ingest
    takes its codes from (schema.py's code_list → vocabulary.CODE_LIST_SEEDS)."""
    documents = [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((PROJECT_ROOT / "models" / "staging").glob("_staging__*.yml"))
    ]
    document = {"models": [m for d in documents for m in (d or {}).get("models", [])]}
    for dataset in schema.DATASETS.values():
        expected = {
            ("chain_code" if c.type == schema.CHAIN else c.key): (
                "chains.chain_code"
                if c.type == schema.CHAIN
                else vocabulary.CODE_LIST_SEEDS[c.code_list]
            )
            for c in dataset.columns
            if c.type in (schema.CHAIN, schema.ENUM)
        }
        rules = _column_rules(document, "models", f"stg_{dataset.key}")
        assert rules.get("code_lists") == expected, dataset.key
        assert not set(rules.get("accepted_values", {})) & set(expected), dataset.key


def test_the_synonyms_data_test_reads_each_list_from_the_seed_the_ingest_reads():
    document = yaml.safe_load((PROJECT_ROOT / "seeds" / "_seeds.yml").read_text(encoding="utf-8"))
    node = next(n for n in document["seeds"] if n["name"] == "value_synonyms")
    arguments = next(
        t["codes_in_code_lists"]["arguments"]
        for t in node["data_tests"]
        if "codes_in_code_lists" in t
    )
    assert arguments["code_lists"] == {**vocabulary.CODE_LIST_SEEDS, "chain": "chains.chain_code"}
    assert arguments["fixed_lists"] == {"bool": list(vocabulary.BOOL_CODES)}
    assert set(vocabulary.EXTRA_LISTS) == {"chain", "bool"}


def test_a_synonym_whose_code_is_not_in_its_list_fails_the_seeds_tests(tmp_path):
    """The project's seeds and their tests, built by the real dbt in a throwaway project, with
    value_synonyms.csv broken twice (a stage that does not exist, a list that does not
    exist): the synonyms' code test fails naming both, and every other seed test passes."""
    import duckdb
    from dbt.cli.main import dbtRunner

    project = tmp_path / "vocab"
    shutil.copytree(PROJECT_ROOT / "seeds", project / "seeds")
    with (project / "seeds" / "value_synonyms.csv").open("a", encoding="utf-8") as handle:
        handle.write("stage,finished,已完工,exact\nphase,early,前期,exact\n")
    (project / "dbt_project.yml").write_text(
        "name: vocab\nversion: '1.0.0'\nprofile: vocab\nconfig-version: 2\n"
        f"macro-paths: ['{PROJECT_ROOT / 'macros'}']\nseed-paths: [seeds]\n"
        "flags:\n  send_anonymous_usage_stats: false\n"
        "seeds:\n  vocab:\n    +quote_columns: false\n",
        encoding="utf-8",
    )
    (project / "profiles.yml").write_text(
        "vocab:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{tmp_path / 'vocab.duckdb'}'\n      threads: 1\n",
        encoding="utf-8",
    )
    outcome = dbtRunner().invoke(
        ["build", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
    )
    results = outcome.result.results
    seeds = {r.node.name: str(r.status) for r in results if r.node.resource_type == "seed"}
    assert set(seeds.values()) == {"success"}, seeds
    assert {"header_synonyms", "value_synonyms", "min_degrees"} <= set(seeds)
    tests = {r.node.name: r for r in results if r.node.resource_type == "test"}
    failed = {name for name, r in tests.items() if str(r.status) != "pass"}
    assert len(failed) == 1 and next(iter(failed)).startswith("codes_in_code_lists_value_synonyms")
    broken = tests[next(iter(failed))]
    with duckdb.connect(str(tmp_path / "vocab.duckdb")) as con:
        rows = con.execute(
            f"select code_list, code, row_count from ({broken.node.compiled_code})"
        ).fetchall()
    assert sorted(rows) == [("phase", "early", 1), ("stage", "finished", 1)]
