from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from chainkpi.settings import Workspace

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")


@pytest.fixture(scope="session", autouse=True)
def _dbt_parse_cache(tmp_path_factory: pytest.TempPathFactory):
    """The builds of the test run share dbt's saved parse in a folder of the run's own, never
    the user's ~/.cache (subprocesses inherit it through the environment)."""
    saved = os.environ.get("CHAINKPI_DBT_PARSE_CACHE")
    path = tmp_path_factory.mktemp("dbt_parse") / "partial_parse.msgpack"
    os.environ["CHAINKPI_DBT_PARSE_CACHE"] = str(path)
    yield path
    if saved is None:
        os.environ.pop("CHAINKPI_DBT_PARSE_CACHE", None)
    else:
        os.environ["CHAINKPI_DBT_PARSE_CACHE"] = saved


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A fresh CHAINKPI_HOME with its own hashing secret (never the user's)."""
    home = tmp_path / "home"
    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    monkeypatch.setenv("CHAINKPI_SECRET", "test-secret-not-for-production")
    ws = Workspace.from_env()
    ws.ensure()
    return ws


@pytest.fixture
def raw(workspace: Workspace):
    """Query the raw layer read-only: raw("select ...") -> list of tuples."""

    def query(sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(workspace.raw_db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return query
