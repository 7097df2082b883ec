"""The dbt project's own files: a misspelt config key must fail here, not pass silently.

dbt 1.11 checks YAML keys against its JSON schema only on some adapters (not DuckDB), so
this test does it for every project and properties file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dbt.jsonschemas.jsonschemas import _validate_with_schema, project_schema, resources_schema

from chainkpi.settings import PROJECT_ROOT

PROPERTY_FILES = sorted(
    p
    for folder in ("models", "seeds", "snapshots", "macros", "tests/dbt")
    for p in (PROJECT_ROOT / folder).rglob("*.yml")
)


def _errors(schema: dict, document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in _validate_with_schema(schema, document)
    ]


def test_dbt_project_yml_follows_the_schema():
    document = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert _errors(project_schema(), document) == []


@pytest.mark.parametrize("path", PROPERTY_FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_properties_file_follows_the_schema(path: Path):
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert _errors(resources_schema(), document) == []


def test_a_misspelt_key_is_caught():
    document = {"version": 2, "models": [{"name": "x", "config": {"materialzed": "table"}}]}
    assert _errors(resources_schema(), document)


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
