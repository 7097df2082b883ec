"""dashboards/queries.py against a real published warehouse: read-only, parameterised, cached
per warehouse version, never holding the file that `kpi build` replaces."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from chainkpi.settings import PROJECT_ROOT
from dashboards import queries


@pytest.fixture(autouse=True)
def signed_in():
    """These tests call the queries directly: as an analyst, the widest role."""
    import streamlit as st

    from dashboards.signin import USER_KEY

    st.session_state[USER_KEY] = {"username": "t", "role": "analyst", "display_name": "t"}
    yield
    st.session_state.pop(USER_KEY, None)


@pytest.fixture
def own_copy(home, tmp_path, monkeypatch) -> Path:
    """A private copy of the small warehouse (these tests replace the file)."""
    copy = tmp_path / "home"
    (copy / "warehouse").mkdir(parents=True)
    shutil.copy2(home / "warehouse" / "chainkpi.duckdb", copy / "warehouse" / "chainkpi.duckdb")
    monkeypatch.setenv("CHAINKPI_HOME", str(copy))
    return copy / "warehouse" / "chainkpi.duckdb"


def test_a_query_leaves_no_connection_open_so_a_writer_can_take_the_file(own_copy):
    assert not queries.kpi_progress(2025, 1).empty
    # DuckDB refuses a read-write connection in a process that still holds a read-only one.
    con = duckdb.connect(str(own_copy))
    con.close()


def test_a_new_publish_is_read_at_once_and_the_cache_is_keyed_by_it(own_copy):
    before = queries.warehouse_version(own_copy)
    assert len(queries.projects()) == 5
    # Publish the way kpi build does: a new file renamed over the old one.
    staged = own_copy.with_name("staged.duckdb")
    shutil.copy2(own_copy, staged)
    con = duckdb.connect(str(staged))
    con.execute("delete from main.dim_project_pipeline where project_id = 'P005'")
    con.execute("checkpoint")
    con.close()
    os.replace(staged, own_copy)
    assert queries.warehouse_version(own_copy) != before
    assert len(queries.projects()) == 4


def test_user_choices_travel_as_parameters_not_as_sql(own_copy):
    assert queries.projects("NE' or '1'='1").empty
    assert len(queries.projects("NE")) == 4
    assert queries.gaps("NE'; drop table main.dim_chain_gap_coverage; --").empty
    assert len(queries.gaps("NE")) == 2
    with pytest.raises(ValueError):
        queries.kpi_progress("2025 or 1=1", 1)


def test_missing_and_corrupt_warehouses_are_told_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(tmp_path))
    with pytest.raises(queries.WarehouseError) as missing:
        queries.warehouse_info()
    assert missing.value.kind == "missing"
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "warehouse" / "chainkpi.duckdb").write_bytes(b"\0garbage" * 1000)
    with pytest.raises(queries.WarehouseError) as corrupt:
        queries.warehouse_info()
    assert corrupt.value.kind == "corrupt"


def test_the_dashboard_never_imports_great_expectations_or_dbt(home):
    """Every page run in a fresh interpreter: neither GX nor dbt may be loaded."""
    script = f"""
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(PROJECT_ROOT / "dashboards" / "app.py")!r}, default_timeout=120)
at.session_state["chainkpi_user"] = {{"username": "t", "role": "analyst", "display_name": "t"}}
at.query_params["year"] = "2025"
at.run()
for page in ("chain", "projects", "leads", "talent", "quality", "export"):
    at.switch_page(f"views/{{page}}.py").run()
    assert not at.exception, (page, at.exception)
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & {{"great_expectations", "dbt"}})
print("LOADED", loaded)
"""
    env = {**os.environ, "CHAINKPI_HOME": str(home)}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "LOADED []" in out.stdout


def test_the_dashboard_reads_marts_only(home):
    """Every table the SQL of queries.py names is a mart, a code-list seed or meta.*."""
    import re

    source = (PROJECT_ROOT / "dashboards" / "queries.py").read_text()
    # SQL names tables schema.table; a Python import line is `from package.module import`.
    named = {
        m
        for m in re.findall(r"\b(?:from|join)\s+([a-z_]+\.[a-z_]+)\b", source)
        if not m.startswith(("chainkpi.", "dashboards."))  # a Python import, not SQL
    }
    assert "main.fct_kpi_progress" in named
    allowed_seeds = {
        "main.project_stages", "main.project_types", "main.segments", "main.gap_statuses",
        "main.gap_priorities", "main.lead_channels", "main.degrees", "main.talent_levels",
        "main.hire_channels",
    }  # fmt: skip
    for table in named:
        schema, name = table.split(".")
        assert schema == "meta" or name.startswith(("fct_", "dim_")) or table in allowed_seeds, (
            table
        )
