"""The dbt project's own files: a misspelt config key must fail here, not pass silently.

dbt 1.11 checks YAML keys against its JSON schema only on some adapters (not DuckDB), so
this test does it for every project and properties file, with the `jsonschema` package and
the schema files dbt ships in its package (dbt/jsonschemas/: the project schema, newest
version, and the resources schema `latest.json`), validated as dbt does (JSON Schema draft 7,
a YAML date counting as a string).
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from jsonschema.validators import extend

from chainkpi.settings import PROJECT_ROOT

SCHEMAS = files("dbt") / "jsonschemas"

# YAML reads 2025-06-30 as a date; the schemas say string (dbt validates the same way).
Validator = extend(
    Draft7Validator,
    type_checker=Draft7Validator.TYPE_CHECKER.redefine(
        "string", lambda _checker, value: isinstance(value, str | dt.date)
    ),
)


def _schema(kind: str) -> dict:
    """dbt's schema for dbt_project.yml (`project`, its newest version) or properties files
    (`resources`, `latest.json`)."""
    folder = SCHEMAS / kind
    names = [entry.name for entry in folder.iterdir() if entry.name.endswith(".json")]
    if "latest.json" in names:
        name = "latest.json"
    else:
        name = max(names, key=lambda n: tuple(int(part) for part in n[: -len(".json")].split(".")))
    return json.loads((folder / name).read_text(encoding="utf-8"))


PROPERTY_FILES = sorted(
    p
    for folder in ("models", "seeds", "snapshots", "macros", "tests/dbt")
    for p in (PROJECT_ROOT / folder).rglob("*.yml")
)


def _errors(schema: dict, document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in Validator(schema).iter_errors(document)
    ]


def test_dbt_project_yml_follows_the_schema():
    document = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert _errors(_schema("project"), document) == []


@pytest.mark.parametrize("path", PROPERTY_FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_properties_file_follows_the_schema(path: Path):
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert _errors(_schema("resources"), document) == []


def test_a_misspelt_key_is_caught():
    document = {"version": 2, "models": [{"name": "x", "config": {"materialzed": "table"}}]}
    assert _errors(_schema("resources"), document)


def test_every_model_and_column_is_described():
    from collections import defaultdict

    described: dict[str, set[str]] = defaultdict(set)
    models: set[str] = set()
    for path in PROPERTY_FILES:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models", []):
            assert model.get("description"), f"{model['name']} has no description ({path.name})"
            models.add(model["name"])
            for column in model.get("columns", []):
                assert column.get("description"), (
                    f"{model['name']}.{column['name']} has no description"
                )
                described[model["name"]].add(column["name"])
    sql_models = {p.stem for p in (PROJECT_ROOT / "models").rglob("*.sql")}
    assert sql_models <= models, f"models without a properties entry: {sorted(sql_models - models)}"


RULES = """
    data_tests:
      - column_rules:
          arguments:
            unique: [code]
            not_null: [code, label]
            accepted_values:
              code: ["a", "b", "it's"]
              level: [1, 2]
            code_lists:
              code: codes
              label: {codes: letters.letter, also: ["C"]}
            unique_combinations:
              - [year, code]
"""


def test_column_rules_finds_each_broken_rule_and_passes_clean_rows(tmp_path):
    """The column_rules macro, run by the real dbt on DuckDB in a throwaway project that uses
    this project's macros: a clean seed passes; a seed that breaks each rule once fails with
    one row per rule (rule, column, how many rows), and nothing else. A code list is read
    from a seed (its `code` column, or the one named, with values `also` accepted)."""
    import duckdb
    from dbt.cli.main import dbtRunner

    project = tmp_path / "rules"
    (project / "seeds").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: rules\nversion: '1.0.0'\nprofile: rules\nconfig-version: 2\n"
        f"macro-paths: ['{PROJECT_ROOT / 'macros'}']\nseed-paths: [seeds]\n"
        "flags:\n  send_anonymous_usage_stats: false\n",
        encoding="utf-8",
    )
    (project / "profiles.yml").write_text(
        "rules:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{tmp_path / 'rules.duckdb'}'\n      threads: 1\n",
        encoding="utf-8",
    )
    (project / "seeds" / "codes.csv").write_text("code\na\nb\nit's\n", encoding="utf-8")
    # A code list's null code (the last line) makes no value pass or fail.
    (project / "seeds" / "letters.csv").write_text("letter,n\nA,1\nB,2\n,3\n", encoding="utf-8")
    header = "code,label,level,year\n"
    (project / "seeds" / "clean.csv").write_text(
        header + "a,A,1,2024\nb,B,2,2025\nit's,C,,2025\n", encoding="utf-8"
    )
    (project / "seeds" / "broken.csv").write_text(
        header
        # code "a" twice in 2024 (unique and unique_combination: 2 rows each), a null
        # label, a code and a level outside their lists, a null code; the code "c" and the
        # label "E" are not in their seeds (the label "C" is, through `also`).
        + "a,A,1,2024\na,,1,2024\nc,C,2,2025\nb,B,3,2025\n,E,1,2025\n",
        encoding="utf-8",
    )
    (project / "seeds" / "_seeds.yml").write_text(
        "version: 2\nseeds:\n"
        + "".join(
            f"  - name: {name}\n    config:\n      column_types: {{code: varchar, label: varchar, "
            f"level: integer, year: integer}}\n{RULES}"
            for name in ("clean", "broken")
        ),
        encoding="utf-8",
    )
    outcome = dbtRunner().invoke(
        ["build", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
    )
    tests = {r.node.attached_node.rsplit(".", 1)[-1]: r for r in outcome.result.results
             if r.node.resource_type == "test"}  # fmt: skip
    assert str(tests["clean"].status) == "pass"
    assert str(tests["broken"].status) == "fail"
    with duckdb.connect(str(tmp_path / "rules.duckdb")) as con:  # as dbt holds it
        broken = con.execute(
            f"select rule, column_name, failing_rows from ({tests['broken'].node.compiled_code})"
        ).fetchall()
    assert sorted(broken) == [
        ("accepted_values", "code", 1),
        ("accepted_values", "level", 1),
        ("code_list", "code", 1),
        ("code_list", "label", 1),
        ("not_null", "code", 1),
        ("not_null", "label", 1),
        ("unique", "code", 2),
        ("unique_combination", "year, code", 2),
    ]
    assert tests["broken"].failures == 8
