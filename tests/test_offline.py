"""The whole pipeline runs with no network and makes no outbound connection attempt.

`kpi demo --no-serve` (generate, ingest, build, export) runs in an empty network namespace
where the machine allows one (CI runs as root), with proxy variables pointing nowhere, and
with an audit hook (sitecustomize) that records every socket connect and name lookup the
Python process tries — dbt's and Great Expectations' telemetry included. The home that run
leaves is then read as a newcomer finds it after `make demo` (issue 21's six KPIs, pages and
export, below): one demo run for both.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from chainkpi.settings import PROJECT_ROOT
from tests.test_party_page import frame_with, mentees_chart, metric, open_party

AUDIT_HOOK = """
import json, os, socket, sys
_log = os.environ["CHAINKPI_NET_AUDIT"]
def _hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto"):
        target = args[1] if event in ("socket.connect", "socket.sendto") else args[0]
        family = getattr(args[0], "family", None) if event == "socket.connect" else None
        if family == socket.AF_UNIX:
            return
        with open(_log, "a") as fh:
            fh.write(json.dumps([event, repr(target)]) + "\\n")
sys.addaudithook(_hook)
"""


def _can_unshare() -> bool:
    return (
        shutil.which("unshare") is not None
        and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    )


@pytest.fixture(scope="module")
def offline_demo(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """`kpi demo --no-serve` run once, offline, into an empty CHAINKPI_HOME: its home, its
    completed process, and the log of the connection attempts it made."""
    tmp_path = tmp_path_factory.mktemp("offline")
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    audit_log = tmp_path / "net.jsonl"
    nowhere = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "CHAINKPI_HOME": str(tmp_path / "home"),
        "CHAINKPI_SECRET": "offline-test",
        "PYTHONPATH": str(hook_dir),
        "CHAINKPI_NET_AUDIT": str(audit_log),
        "HTTP_PROXY": nowhere, "HTTPS_PROXY": nowhere, "http_proxy": nowhere,
        "https_proxy": nowhere, "ALL_PROXY": nowhere, "NO_PROXY": "",
    }  # fmt: skip
    # Telemetry must be off by the project's own config, not by the test's environment.
    for key in ("DBT_SEND_ANONYMOUS_USAGE_STATS", "GX_ANALYTICS_ENABLED", "DO_NOT_TRACK"):
        env.pop(key, None)
    kpi = str(Path(sys.executable).with_name("kpi"))
    command = [kpi, "demo", "--no-serve"]
    if _can_unshare():
        command = ["unshare", "-n", *command]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    return SimpleNamespace(home=tmp_path / "home", done=done, audit_log=audit_log)


def test_the_whole_pipeline_runs_offline_without_any_connection_attempt(offline_demo):
    done, audit_log = offline_demo.done, offline_demo.audit_log
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "已发布" in done.stdout
    # The demo's 报送情况 shows every colour (handing_in.md): a late and a missing ledger.
    published = offline_demo.home / "warehouse" / "chainkpi.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        statuses = {
            s
            for (s,) in con.sql(
                "select distinct submission_status from fct_submission_status"
            ).fetchall()
        }
    assert statuses == {"on_time", "late", "missing", "not_due"}
    attempts = (
        [json.loads(line) for line in audit_log.read_text().splitlines()]
        if audit_log.exists()
        else []
    )
    assert attempts == []


# --- make demo shows issue 21 with no step by hand -------------------------------------------
# `make demo` shows issue 21 with no step by hand: `kpi demo --no-serve` (what `make
# demo-build` runs: generate the demo ledgers, hand them in month by month, build, export) into
# an empty CHAINKPI_HOME, then the warehouse, the quarterly export and the dashboard's pages as
# a user finds them — the six KPIs of party_service_funds.md, the 党建与服务 page with the chain
# that missed a quarterly committee meeting, the issues open past 60 days and mentees per mentor
# organisation, 到位率, and the funds-in-place corrections on the data-quality page.

NEW_KPIS = ("party_trainings", "committee_meetings", "mentoring_pairs_signed",
            "issues_received", "issues_resolved", "funds_in_place_wan")  # fmt: skip
CHAINS = ("ALL", "NE", "SEMI", "EQUIP", "MAT")
NAMES = {"NE": "新能源", "SEMI": "半导体和电子信息", "EQUIP": "先进装备制造", "MAT": "新材料"}


@pytest.fixture(scope="module")
def demo_home(offline_demo: SimpleNamespace) -> Path:
    """The home `kpi demo --no-serve` left (what `make demo-build` leaves), read only."""
    assert offline_demo.done.returncode == 0, offline_demo.done.stderr[-3000:]
    return offline_demo.home


@pytest.fixture
def published(demo_home):
    con = duckdb.connect(str(demo_home / "warehouse" / "chainkpi.duckdb"), read_only=True)
    yield con
    con.close()


def as_of(con) -> dt.date:
    return con.sql("select as_of_date from meta.build_info").fetchall()[0][0]


def test_the_warehouse_holds_the_six_kpis_for_every_chain(published):
    year = as_of(published).year
    rows = published.execute(
        """select kpi_code, chain_code, count(*), max(ytd_actual)
           from main.fct_kpi_progress where year = ? and kpi_code in ?
           group by all""",
        [year, list(NEW_KPIS)],
    ).fetchall()
    got = {(kpi, chain): (quarters, ytd) for kpi, chain, quarters, ytd in rows}
    assert set(got) == {(k, c) for k in NEW_KPIS for c in CHAINS}
    for kpi in NEW_KPIS:  # the demo's ledgers count in each of them, district-wide
        assert got[(kpi, "ALL")][1] > 0, kpi
    for chain in CHAINS[1:]:  # every chain meets, and has funds in place
        assert got[("committee_meetings", chain)][1] > 0, chain
        assert got[("funds_in_place_wan", chain)][1] > 0, chain
    # The seed's quarter target, in the status arithmetic.
    (quarterly,) = published.execute(
        """select count(*) from main.fct_kpi_progress where year = ?
           and kpi_code = 'committee_meetings' and chain_code <> 'ALL'
           and target_period = 'quarter' and annual_target = 4""",
        [year],
    ).fetchall()[0]
    assert quarterly > 0
    for table in ("dim_mentoring_pairs", "dim_enterprise_issues", "dim_project_funds"):
        assert published.sql(f"select count(*) from main.{table}").fetchall()[0][0] > 0, table
    # The demo plants one correction (先进装备, an audit lowering funds in place by 15 %).
    corrections = published.sql(
        "select chain_code, change_wan from main.fct_funds_corrections"
    ).fetchall()
    assert [chain for chain, _ in corrections] == ["EQUIP"], corrections
    assert corrections[0][1] < 0


def test_the_demos_export_has_the_six_kpis_per_chain(demo_home):
    (csv_path,) = sorted((demo_home / "exports").glob("*/kpi_progress_*.csv"))
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    new = [(r["chain_code"], r["kpi_code"]) for r in rows if r["kpi_code"] in NEW_KPIS]
    assert new == [(chain, kpi) for chain in CHAINS for kpi in NEW_KPIS]


def test_the_party_page_on_the_demo_as_make_demo_leaves_it(demo_home, published, monkeypatch):
    from chainkpi.demo.district import Ctx, missed_meeting

    chain, year, quarter = missed_meeting(Ctx(20241, 1, as_of(published)))
    monkeypatch.setenv("CHAINKPI_HOME", str(demo_home))
    at = open_party("district", year=year)
    meetings = frame_with(at, "第1季度").set_index("产业链")
    from dashboards import charts

    assert meetings.loc[NAMES[chain], "状态"] == charts.status_text("off_track")
    assert meetings.loc[NAMES[chain], f"第{quarter}季度"] == "✖ 0"
    assert f"{NAMES[chain]}（第{quarter}季度缺会）" in " ".join(e.value for e in at.error)
    assert int(metric(at, "超60天未办结").split()[0]) >= 1
    overdue = frame_with(at, "已办天数")
    assert "超过60天" in list(overdue["状态"])
    bar = next(t for t in mentees_chart(at)["data"] if t["type"] == "bar")
    assert 5 in {x for x, y in zip(bar["x"], bar["y"], strict=True) if y}
    # A chain office: its own chain only.
    at = open_party("chain:SEMI", year=year)
    assert list(frame_with(at, "第1季度")["产业链"]) == [NAMES["SEMI"]]
    assert set(frame_with(at, "帮带党组织")["产业链"]) == {NAMES["SEMI"]}


def test_funds_in_place_and_its_corrections_show_on_the_demo(demo_home, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard_fixtures import sign_in

    monkeypatch.setenv("CHAINKPI_HOME", str(demo_home))
    at = sign_in(AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"),
                                   default_timeout=90), role="district").run()  # fmt: skip
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.label == "到位率" for m in at.metric), [m.label for m in at.metric]
    at.switch_page("views/quality.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "到位资金调减" in [s.value for s in at.subheader]
    listed = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "XM-EQUIP-" in listed, listed[:300]
