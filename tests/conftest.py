from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from chainkpi.settings import Workspace

TEST_SECRET = "test-secret"

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


@contextlib.contextmanager
def workspace_env(home: Path) -> Iterator[Workspace]:
    """The workspace at `home`, made, with CHAINKPI_HOME and the test secret set for the block
    (a session or module fixture has no monkeypatch); the environment as it was after it."""
    saved = {k: os.environ.get(k) for k in ("CHAINKPI_HOME", "CHAINKPI_SECRET")}
    os.environ.update(CHAINKPI_HOME=str(home), CHAINKPI_SECRET=TEST_SECRET)
    try:
        workspace = Workspace.from_env()
        workspace.ensure()
        yield workspace
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_warehouse(
    home: Path, *writers: Callable[[Path], object], unit_tests: bool = False
) -> Workspace:
    """A published warehouse at `home`: what `writers` put into its inbox, through the real
    ingest (every file accepted) and the real dbt build as of test_build.AS_OF."""
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.publish import build
    from tests.test_build import AS_OF

    with workspace_env(home) as workspace:
        for write in writers:
            write(workspace.inbox)
        assert ingest(None, workspace).exit_code == 0
        assert build(workspace, as_of=AS_OF, unit_tests=unit_tests).published
    return workspace


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CHAINKPI_HOME of the small warehouse most tests read: test_build's hand-made ledgers
    through the real ingest and dbt build (with dbt's unit tests: CI runs them here), and the
    test users of dashboard_fixtures. Built once per session and shared by the build, export,
    fault and dashboard tests: a test that changes anything in it works on a copy. A module
    that needs another warehouse defines a `home` of its own."""
    from tests.dashboard_fixtures import add_test_users
    from tests.test_build import hand_made_ledgers

    home = tmp_path_factory.getbasetemp() / "small_warehouse"
    build_warehouse(home, hand_made_ledgers, unit_tests=True)
    add_test_users(home)
    return home


DEMO_AS_OF = dt.date(2026, 11, 25)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CHAINKPI_HOME of the demo's warehouse: the demo's ledgers (four chains, the offices' real
    file names) as of DEMO_AS_OF in one ingest, built as of that day, with the test users.
    Built once per session for the modules that need the whole district (a module that
    defines its own `demo_home` keeps it); read it, change a copy."""
    from chainkpi.demo import generate_detailed
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.publish import build
    from tests.dashboard_fixtures import add_test_users

    folder = tmp_path_factory.mktemp("demo_ledgers")
    generate_detailed(folder, as_of=DEMO_AS_OF)
    home = tmp_path_factory.mktemp("demo_home")
    with workspace_env(home) as workspace:
        assert ingest([folder], workspace).exit_code == 0
        assert build(workspace, as_of=DEMO_AS_OF).published
    add_test_users(home)
    return home


@pytest.fixture(scope="session")
def dashboard_home(home: Path) -> Path:
    """The same home, by the name the browser tests give it."""
    return home
