"""The benchmark: how fast, at what scale, against the physical limit (`make bench`).

    .venv/bin/python scripts/bench.py [--scales 1 10 100] [--runs 3] [--large-runs 3]
        [--province [--province-runs 1]] [--no-dashboard] [--ws-sessions 20 | --no-ws]

For each scale it writes the demo ledgers (chainkpi.demo, fixed seed and as-of date) into
bench_work/ (git-ignored), then times, in a fresh workspace per run, each command as a user
runs it — a subprocess of .venv/bin/kpi — and records its wall time and peak memory (the
child's own maximum resident set size, from wait4; and, sampled every 50 ms, that of the
child with its own children — kpi ingest checks with GX in a worker process):

    kpi ingest · kpi build (the workspace's first) · kpi build (nothing changed) · kpi export

(a workspace's first build starts from dbt's parse saved by an earlier build, as on any
installation after its first build; that very first build, a full dbt parse, is the
warm-up's and is reported once)

plus the dashboard's overview and chain pages (AppTest), the full-size load test
(scripts/load_test.py: concurrent dashboard sessions while builds republish), the websocket
load (scripts/ws_load.py, when present: N signed-in sessions switching pages, no browser) and
the baseline: one plain DuckDB SQL script (scripts/bench_baseline.sql) that computes the same
KPI progress table from the same rows as clean CSVs — the floor no pipeline can beat. The
baseline's table is checked against the pipeline's fct_kpi_progress, so both really compute
the same thing. Start-up costs (imports) are timed on their own; dbt's start-up and parse are
what a build spends before its nodes run (dbt's run_results.json says how long they ran).

--province adds scale 768, about 2.2 million input rows (a province of some 100 districts),
once by default: it is opt-in, so that the default bench stays under ten minutes. The
marginal cost (extra seconds per million rows, pipeline against baseline) runs from scale 10
to the largest scale measured.

Results: docs/benchmarks.md (tables, written by bench_report.py; its hand-written notes below
the marker line are kept) and docs/benchmarks.json (every run), to compare later changes
against. Python's bytecode cache is on for the children (PYTHONPYCACHEPREFIX under
bench_work/), as on any installation after its first run, even when the calling shell sets
PYTHONDONTWRITEBYTECODE; --no-bytecode-cache measures without it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from bench_report import STEPS, derived, write_report

from chainkpi.settings import PROJECT_ROOT

AS_OF = dt.date(2026, 11, 25)
SEED = 20241
EXPORT_YEAR, EXPORT_QUARTER = 2026, 3
BIN = Path(sys.executable).parent
KPI = str(BIN / "kpi")
PYTHON = sys.executable
BASELINE_SQL = PROJECT_ROOT / "scripts" / "bench_baseline.sql"
PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "great_expectations", "pandas", "streamlit")
CONTRACT_COLUMNS = (
    "year, quarter, chain_code, kpi_code, kpi_name_zh, unit, quarter_actual, ytd_actual, "
    "annual_target, expected_to_date, pct_of_target, status, projected_year_end"
)
BASELINE_RUNNER = """
import sys, time
started = time.perf_counter()
import duckdb
con = duckdb.connect()
con.execute(open(sys.argv[1], encoding="utf-8").read())
print(f"query_seconds={time.perf_counter() - started:.4f}")
"""
LARGE_SCALE = 100
# --province: about 2.2 million input rows (a province of some 100 districts; scale 1 is
# 2,900 rows), measured once by default: opt-in, so that `make bench` stays under ten minutes.
PROVINCE_SCALE = 768
GENERATED_SECONDS = 0.0  # writing the demo ledgers, when not reused from an earlier bench
PARSE_CACHE = PROJECT_ROOT / "bench_work" / "dbt_parse" / "partial_parse.msgpack"
WS_LOAD = PROJECT_ROOT / "scripts" / "ws_load.py"


# --------------------------------------------------------------------------- measuring


# The child's peak RSS comes from wait4 in a small wrapper process: measured from this
# (large) process directly, a child would report this process's size, which it shares until
# it execs. The wrapper is ~10 MB, below any step's peak, so it cannot raise the figure.
RSS_WRAPPER = """
import os, sys, time
def tree_rss_kb(root):
    # Resident memory of the process and all its descendants now (kpi ingest runs two).
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration, ValueError):
            pass
    return total
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
tree_peak = 0
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    tree_peak = max(tree_peak, tree_rss_kb(pid))
    time.sleep(0.05)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {seconds} {usage.ru_utime + usage.ru_stime} {tree_peak}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measure(cmd: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> dict:
    """Run one command; its wall time and its peak RSS (its own and its waited children's)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    usage = log.with_suffix(".rusage")
    with log.open("wb") as out:
        code = subprocess.call(
            [PYTHON, "-c", RSS_WRAPPER, str(usage), *cmd],
            env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"bench: {' '.join(cmd)} exited {code}:\n{tail}")
    max_rss_kb, seconds, cpu, tree_kb = usage.read_text().split()
    return {
        "seconds": float(seconds),
        "cpu_seconds": float(cpu),
        "peak_rss_mb": int(max_rss_kb) / 1024,
        # Sampled every 50 ms: the process and its children together (ingest's GX worker).
        "peak_tree_rss_mb": max(int(tree_kb), int(max_rss_kb)) / 1024,
    }


def summary(runs: list[dict]) -> dict:
    seconds = [r["seconds"] for r in runs]
    return {
        "median_seconds": statistics.median(seconds),
        "min_seconds": min(seconds),
        "max_seconds": max(seconds),
        "median_cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "peak_tree_rss_mb": max(r.get("peak_tree_rss_mb", r["peak_rss_mb"]) for r in runs),
        "runs": runs,
    }


def progress(text: str) -> None:
    print(text, flush=True)


def child_env(home: Path | None, bytecode_cache: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        # dbt's saved parse, shared by the bench's workspaces (never the user's ~/.cache).
        CHAINKPI_DBT_PARSE_CACHE=str(PARSE_CACHE),
        CHAINKPI_SECRET="bench-only-secret-not-for-real-data",
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        GX_ANALYTICS_ENABLED="False",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    if home is not None:
        env["CHAINKPI_HOME"] = str(home)
    if bytecode_cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    return env


# --------------------------------------------------------------------------- inputs


def ledgers(work: Path, scale: int) -> Path:
    """The demo ledgers of one scale, written once and reused while the generator is the same."""
    from chainkpi.demo import generate

    global GENERATED_SECONDS
    folder = work / "ledgers" / f"s{scale}"
    generator = sorted((PROJECT_ROOT / "src" / "chainkpi" / "demo").glob("*.py"))
    stamp = hashlib.sha256(
        b"".join(path.read_bytes() for path in generator) + f"|{scale}|{SEED}|{AS_OF}".encode()
    ).hexdigest()
    stamp_file = work / "ledgers" / f"s{scale}.stamp"
    if not (stamp_file.exists() and stamp_file.read_text() == stamp and folder.is_dir()):
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        generate(folder, scale=scale, seed=SEED, as_of=AS_OF)
        GENERATED_SECONDS += time.perf_counter() - started
        stamp_file.write_text(stamp)
    return folder


def input_stats(folder: Path, report: Path) -> dict:
    files = json.loads(report.read_text(encoding="utf-8"))
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in folder.iterdir()),
        "rows": sum(f["rows_read"] for f in files),
        "rows_loaded": sum(f["rows_loaded"] for f in files),
    }


def clean_csvs(raw_db: Path, out: Path) -> None:
    """The accepted rows of every handed-in file as clean CSV: UTF-8, English headers,
    canonical codes, one file per ledger in load order (outside any timing)."""
    from chainkpi.ingest.rawstore import LINEAGE_COLUMNS, stored_columns
    from chainkpi.ingest.schema import DATASETS

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    lineage = {name for name, _ in LINEAGE_COLUMNS}
    con = duckdb.connect(str(raw_db), read_only=True)
    try:
        for dataset in DATASETS.values():
            columns = [n for n, _ in stored_columns(dataset) if n not in lineage]
            loads = con.execute(
                f"select distinct _load_id from raw.{dataset.key} order by 1"
            ).fetchall()
            for (load_id,) in loads:
                con.execute(
                    f"copy (select {', '.join(columns)} from raw.{dataset.key} "
                    f"where _load_id = {int(load_id)} order by _row_number) "
                    f"to '{out / f'{dataset.key}__{int(load_id):03d}.csv'}' (header true)"
                )
    finally:
        con.close()
    for seed in ("chains", "kpi_definitions", "kpi_targets"):
        shutil.copyfile(PROJECT_ROOT / "seeds" / f"{seed}.csv", out / f"{seed}.csv")


def baseline_matches(published: Path, baseline_csv: Path) -> bool:
    """The baseline computed exactly the pipeline's KPI progress table (contract columns) for
    the finished quarters: the baseline has kpis.md's q/4, which the pipeline keeps for them;
    the quarter holding the as-of date paces by the calendar (dashboard.md)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{published}' as wh (read_only)")
        difference = con.execute(
            f"""
            with finished as (
                select distinct year, quarter from wh.main.fct_kpi_progress
                where period_state = 'finished'
            ),
            pipeline as (
                select {CONTRACT_COLUMNS} from wh.main.fct_kpi_progress
                where period_state = 'finished'
            ),
            baseline as (
                select {CONTRACT_COLUMNS} from read_csv('{baseline_csv}', header = true,
                    types = {{'quarter_actual': 'decimal(18,2)', 'ytd_actual': 'decimal(18,2)',
                              'annual_target': 'decimal(18,2)',
                              'expected_to_date': 'decimal(18,2)',
                              'pct_of_target': 'decimal(18,4)',
                              'projected_year_end': 'decimal(18,2)'}})
                where (year, quarter) in (select year, quarter from finished)
            )
            select
                (select count(*) from (select * from pipeline except all select * from baseline)),
                (select count(*) from (select * from baseline except all select * from pipeline)),
                (select count(*) from pipeline)
            """
        ).fetchone()
    finally:
        con.close()
    return difference[0] == 0 and difference[1] == 0 and difference[2] > 0


# --------------------------------------------------------------------------- the steps


def startup_costs(work: Path, runs: int, cache: Path | None) -> dict:
    """What every run pays before touching a row: the interpreter and the imports. (dbt's
    parse is the part of each build before its nodes run: see the builds' own figures.)"""
    env = child_env(None, cache)
    result: dict[str, dict] = {}
    imports = {
        "python": "pass",
        "import chainkpi.ingest.pipeline (pandas, pyarrow, duckdb)": "import chainkpi.ingest.pipeline",
        "import great_expectations": "import great_expectations",
        "import dbt (dbt.cli.main)": "import dbt.cli.main",
    }  # fmt: skip
    for label, code in imports.items():
        result[label] = summary(
            [measure([PYTHON, "-c", code], env, work / "logs" / "import.log") for _ in range(runs)]
        )
        progress(f"  {label}: {result[label]['median_seconds']:.2f} s")
    return result


def dbt_execute_seconds(home: Path) -> tuple[float, int]:
    """dbt's own figure for running the nodes (after start-up and parse), and the node count."""
    results = json.loads((home / "dbt" / "target" / "run_results.json").read_text())
    return float(results["elapsed_time"]), len(results["results"])


def pipeline_run(
    work: Path, folder: Path, scale: int, run: int, cache: Path | None
) -> dict[str, dict]:
    """One run of every step at one scale (its ledgers in folder), in a fresh workspace."""
    home = work / f"s{scale}" / f"run{run}"
    shutil.rmtree(home, ignore_errors=True)
    env = child_env(home, cache)
    logs = home.parent / f"logs{run}"
    as_of = ["--as-of", AS_OF.isoformat()]
    commands = {
        "ingest": [KPI, "ingest", str(folder), "-q", "--report", str(home / "report.json")],
        "build": [KPI, "build", "-q", *as_of],
        "build_unchanged": [KPI, "build", "-q", *as_of],
        "export": [
            KPI, "export", "--year", str(EXPORT_YEAR), "--quarter", str(EXPORT_QUARTER),
            "--out", str(home / "exports"),
        ],
    }  # fmt: skip
    measured_steps: dict[str, dict] = {}
    for key, _ in STEPS:
        measured = measure(commands[key], env, logs / f"{key}.log")
        if key == "build_unchanged" and "nothing changed" not in (logs / f"{key}.log").read_text():
            raise SystemExit("bench: the second kpi build did not detect 'nothing changed'")
        if key == "build":
            measured["dbt_execute_seconds"], measured["dbt_nodes"] = dbt_execute_seconds(home)
        measured_steps[key] = measured
    line = ", ".join(
        f"{key} {m['seconds']:.2f} s/{m['peak_rss_mb']:.0f} MB" for key, m in measured_steps.items()
    )
    progress(f"  scale {scale} run {run + 1}: {line}")
    return measured_steps


def baseline_run(work: Path, scale: int, run: int, cache: Path | None) -> tuple[dict, float]:
    """One run of the baseline script on the scale's clean CSVs: (measured, query seconds)."""
    clean = work / "clean" / f"s{scale}"
    if run == 0:
        clean_csvs(work / f"s{scale}" / "run0" / "warehouse" / "raw_layer.duckdb", clean)
    log = work / "logs" / f"baseline_s{scale}_{run}.log"
    cmd = [PYTHON, "-c", BASELINE_RUNNER, str(BASELINE_SQL)]
    measured = measure(cmd, child_env(None, cache), log, cwd=clean)
    return measured, float(log.read_text().strip().splitlines()[-1].split("=")[1])


def run_scales(
    work: Path,
    scales: list[int],
    runs_for: dict[int, int],
    cache: Path | None,
    dashboard: set[int],
) -> list[dict]:
    """Every scale's runs in rounds (round k: run k of each scale, smallest first), not one
    scale's runs after another: a machine that slows down or speeds up while the bench runs
    then shifts every scale's figures alike, not the difference between two scales, which
    is the marginal cost."""
    folders = {}
    for scale in scales:
        progress(f"scale {scale}: ledgers…")
        folders[scale] = ledgers(work, scale)
    steps = {scale: {key: [] for key, _ in STEPS} for scale in scales}
    for run in range(max(runs_for.values())):
        progress(f"round {run + 1}:")
        for scale in scales:
            if run < runs_for[scale]:
                for key, measured in pipeline_run(work, folders[scale], scale, run, cache).items():
                    steps[scale][key].append(measured)
    baselines: dict[int, list[tuple[dict, float]]] = {scale: [] for scale in scales}
    for run in range(max(runs_for.values())):
        for scale in scales:
            if run < runs_for[scale]:
                baselines[scale].append(baseline_run(work, scale, run, cache))
    results = []
    for scale in scales:
        home = work / f"s{scale}" / "run0"
        result: dict = {
            "scale": scale,
            "input": input_stats(folders[scale], home / "report.json"),
            "steps": {key: summary(values) for key, values in steps[scale].items()},
        }
        build = result["steps"]["build"]
        build["dbt_execute_median_seconds"] = statistics.median(
            m["dbt_execute_seconds"] for m in steps[scale]["build"]
        )
        build["dbt_nodes"] = steps[scale]["build"][0]["dbt_nodes"]
        result["baseline"] = summary([measured for measured, _ in baselines[scale]])
        result["baseline"]["query_median_seconds"] = statistics.median(
            query for _, query in baselines[scale]
        )
        result["baseline"]["matches_pipeline"] = baseline_matches(
            home / "warehouse" / "chainkpi.duckdb",
            work / "clean" / f"s{scale}" / "kpi_progress.csv",
        )
        progress(
            f"  scale {scale} baseline: {result['baseline']['median_seconds']:.2f} s, "
            f"{result['baseline']['peak_rss_mb']:.0f} MB, "
            f"same table as the pipeline: {result['baseline']['matches_pipeline']}"
        )
        if scale in dashboard:
            result["dashboard"] = dashboard_pages(work, scale, home, runs_for[scale], cache)
        results.append(result)
    return results


def dashboard_pages(work: Path, scale: int, home: Path, runs: int, cache: Path | None) -> dict:
    """The overview's and chain page's render times (AppTest) on a built workspace."""
    code = (
        "import json, sys; from pathlib import Path; "
        "from tests.dashboard_timing import page_render_seconds; "
        f"print(json.dumps(page_render_seconds(Path(sys.argv[1]), {max(runs, 3)})))"
    )
    log = work / "logs" / f"dashboard_s{scale}.log"
    measured = measure(
        [PYTHON, "-c", code, str(home)], child_env(home, cache), log, cwd=PROJECT_ROOT
    )
    pages = json.loads(log.read_text().strip().splitlines()[-1])
    progress(
        f"  scale {scale} dashboard: "
        + ", ".join(
            f"{page} cold {p['cold_median_seconds']:.2f} s / warm {p['warm_median_seconds']:.2f} s"
            for page, p in pages.items()
        )
    )
    return {"pages": pages, "process_peak_rss_mb": measured["peak_rss_mb"]}


def load_test(work: Path, home: Path, sessions: int, duration: float, cache: Path | None) -> dict:
    """scripts/load_test.py at full size on a copy of a built workspace: N dashboard sessions
    on loopback while `kpi build --force` republishes underneath (issue "Trust", item 5)."""
    copy = work / "load" / "home"
    shutil.rmtree(copy.parent, ignore_errors=True)
    shutil.copytree(home, copy)
    out = work / "load" / "summary.json"
    cmd = [
        PYTHON, str(PROJECT_ROOT / "scripts" / "load_test.py"),
        "--sessions", str(sessions), "--duration", str(duration), "--min-builds", "2",
        "--home", str(copy), "--json", str(out),
    ]  # fmt: skip
    log = work / "logs" / "load_test.log"
    with log.open("wb") as handle:
        code = subprocess.call(
            cmd, env=child_env(None, cache), stdout=handle, stderr=subprocess.STDOUT
        )
    if not out.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"bench: the load test wrote no summary (exit {code}):\n{tail}")
    summary = json.loads(out.read_text(encoding="utf-8"))
    summary["exit_status"] = code
    return summary


def ws_load(work: Path, home: Path, sessions: int, duration: float, cache: Path | None) -> dict:
    """scripts/ws_load.py: N signed-in sessions switching pages over Streamlit's websocket
    protocol, on a built workspace (it only reads the warehouse)."""
    out = work / "ws_load" / "summary.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    cmd = [
        PYTHON, str(WS_LOAD), "--home", str(home), "--sessions", str(sessions),
        "--duration", str(duration), "--json", str(out),
    ]  # fmt: skip
    log = work / "logs" / "ws_load.log"
    with log.open("wb") as handle:
        code = subprocess.call(
            cmd, env=child_env(None, cache), cwd=PROJECT_ROOT, stdout=handle,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    if not out.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"bench: the websocket load wrote no summary (exit {code}):\n{tail}")
    result = json.loads(out.read_text(encoding="utf-8"))
    result["exit_status"] = code
    result["duration_s"] = duration
    return result


# --------------------------------------------------------------------------- the report


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    from importlib.metadata import version

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {p: version(p) for p in PACKAGES},
        "commit": commit + ("+changes" if dirty else ""),
    }


# --------------------------------------------------------------------------- main


def load_only(args: argparse.Namespace) -> int:
    """The load test again on the smallest scale's workspace of the last full bench, its
    figures replacing the old ones in docs/benchmarks.{md,json}."""
    work = args.work.resolve()
    global PARSE_CACHE
    PARSE_CACHE = work / "dbt_parse" / "partial_parse.msgpack"
    results = args.out.with_suffix(".json")
    data = json.loads(results.read_text(encoding="utf-8"))
    # JSON keeps the per-scale keys as text.
    data["derived"]["per_scale"] = {int(k): v for k, v in data["derived"]["per_scale"].items()}
    home = work / f"s{data['load_scale']}" / "run0"
    if not (home / "warehouse" / "chainkpi.duckdb").exists():
        raise SystemExit(f"bench: no built workspace at {home}: run the whole bench first")
    cache = None if args.no_bytecode_cache else work / "pycache"
    progress(f"load test: {args.load_sessions} sessions, {args.load_duration:.0f} s…")
    data["load"] = load_test(work, home, args.load_sessions, args.load_duration, cache)
    data["load"]["date"] = dt.datetime.now().isoformat(timespec="seconds")
    results.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    progress(write_report(args.out.with_suffix(".md"), data))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median, min–max)")
    # Three runs at scale 100: the marginal cost, a difference of medians, needs three, and
    # the bench stays under ten minutes (docs/benchmarks.md, notes).
    parser.add_argument(
        "--large-runs", type=int, default=3, help=f"runs per figure from scale {LARGE_SCALE}"
    )
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "bench_work")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks")
    parser.add_argument("--no-dashboard", action="store_true", help="skip the AppTest timings")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="children compile every import afresh"
    )
    # 6 sessions: what one 2-core machine holds without error while it also runs the six
    # headless browser contexts (about two thirds of its CPU) and the builds; at 15 the
    # browsers starve the dashboard and steps time out (docs/benchmarks.md).
    parser.add_argument("--load-sessions", type=int, default=6, help="load test sessions")
    # 90 s: long enough for six sessions' first loads while the builds run
    # (docs/benchmarks.md, notes).
    parser.add_argument("--load-duration", type=float, default=90, help="load test seconds")
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument(
        "--province",
        action="store_true",
        help=f"add scale {PROVINCE_SCALE} (about 2.2 million input rows; opt-in: "
        "some ten minutes more)",
    )
    parser.add_argument(
        "--province-runs", type=int, default=1, help=f"runs per figure at scale {PROVINCE_SCALE}"
    )
    parser.add_argument(
        "--ws-sessions", type=int, default=20, help="websocket load sessions (scripts/ws_load.py)"
    )
    parser.add_argument("--ws-duration", type=float, default=60, help="websocket load seconds")
    parser.add_argument("--no-ws", action="store_true", help="skip the websocket load")
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="run only the load test on the last bench's workspace and update its results",
    )
    args = parser.parse_args(argv)
    if args.load_only:
        return load_only(args)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    work = args.work.resolve()
    global PARSE_CACHE
    PARSE_CACHE = work / "dbt_parse" / "partial_parse.msgpack"
    work.mkdir(parents=True, exist_ok=True)
    cache = None if args.no_bytecode_cache else work / "pycache"

    progress(
        f"bench: scales {args.scales}, {args.runs} runs each "
        f"({args.large_runs} from scale {LARGE_SCALE}), workspace {work}"
    )
    progress("warming up (bytecode cache, file cache)…")
    warm = work / "warmup"
    shutil.rmtree(warm, ignore_errors=True)
    env = child_env(warm, cache)
    folder = ledgers(work, 1)
    PARSE_CACHE.unlink(missing_ok=True)  # the warm-up build parses everything, and saves it
    full_parse = {}
    for cmd in (
        [KPI, "ingest", str(folder), "-q"],
        [KPI, "build", "-q", "--as-of", AS_OF.isoformat()],
        [PYTHON, "-c", "import streamlit.testing.v1, plotly.graph_objects"],
    ):
        measured = measure(cmd, env, work / "logs" / "warmup.log")
        if cmd[1] == "build":
            full_parse = {**measured, "dbt_execute_seconds": dbt_execute_seconds(warm)[0]}
    progress(f"  first build, full dbt parse: {full_parse['seconds']:.2f} s")

    scales = sorted(set(args.scales) | ({PROVINCE_SCALE} if args.province else set()))
    runs_for = {s: args.large_runs if s >= LARGE_SCALE else args.runs for s in scales}
    if args.province:
        runs_for[PROVINCE_SCALE] = args.province_runs
    # The dashboard's page timings at the scales asked for (not the province's).
    dashboard = set() if args.no_dashboard else set(args.scales)
    results = run_scales(work, scales, runs_for, cache, dashboard)

    load = None
    if not args.no_load:
        scale = min(args.scales)
        progress(f"load test: {args.load_sessions} sessions, {args.load_duration:.0f} s…")
        load = load_test(
            work, work / f"s{scale}" / "run0", args.load_sessions, args.load_duration, cache
        )
        progress(
            f"  held {load['sessions_held']}/{load['sessions']}, p50 {load['page_time']['p50_ms']:.0f} ms, "
            f"p95 {load['page_time']['p95_ms']:.0f} ms, errors {load['errors']}"
        )

    ws = None
    if not args.no_ws and WS_LOAD.exists():
        scale = min(scales)
        progress(f"websocket load: {args.ws_sessions} sessions, {args.ws_duration:.0f} s…")
        ws = ws_load(work, work / f"s{scale}" / "run0", args.ws_sessions, args.ws_duration, cache)
        ws["scale"] = scale
        progress(
            f"  {ws['pages']} pages, {ws['pages_per_s']:.1f}/s, p50 {ws['page_p50_s']:.2f} s, "
            f"p95 {ws['page_p95_s']:.2f} s, sign-in p95 {ws['signin_p95_s']:.2f} s, "
            f"errors {ws['errors']}"
        )

    progress("start-up costs…")
    startup = startup_costs(work, 2, cache)  # two runs each: the spread of an import is small

    data = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "runs": args.runs,
        "large_runs": args.large_runs,
        "generated_seconds": GENERATED_SECONDS,
        "as_of": AS_OF.isoformat(),
        "seed": SEED,
        "bytecode_cache": "off (every import compiled afresh)"
        if cache is None
        else "on (PYTHONPYCACHEPREFIX in the bench workspace)",
        "machine": machine(),
        "scales": results,
        "startup": startup,
        "full_parse_build": full_parse,
        "load": load,
        "load_scale": min(args.scales),
        "ws_load": ws,
        "large_from": LARGE_SCALE,
        "derived": derived(results),
    }
    data["total_seconds"] = time.perf_counter() - started
    data["load_average"] = [load_at_start, os.getloadavg()[0]]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    progress(write_report(args.out.with_suffix(".md"), data))
    progress(
        f"bench: done in {data['total_seconds']:.0f} s → {args.out.with_suffix('.md')}, "
        f"{args.out.with_suffix('.json')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
