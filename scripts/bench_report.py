"""The benchmark's report: what scripts/bench.py measured, as docs/benchmarks.md.

bench.py measures and keeps every run in docs/benchmarks.json; this module works out the
derived figures (pipeline against baseline, marginal cost per million rows) and renders the
tables. `write_report` keeps the hand-written notes: everything from the line NOTES_MARKER
to the end of the existing file is carried over below the new tables.
"""

from __future__ import annotations

from pathlib import Path

STEPS = (
    ("ingest", "kpi ingest"),
    ("build", "kpi build (a fresh workspace's first)"),
    ("build_unchanged", "kpi build, nothing changed"),
    ("export", "kpi export"),
)
# The marginal cost runs from this scale (when measured) to the largest: scale 10 is past
# every fixed cost that does not grow with the rows (start-up, dbt's parse).
MARGINAL_FROM = 10
NOTES_MARKER = "<!-- hand-written notes below: kept by make bench -->"


def write_report(path: Path, data: dict) -> str:
    """Write the report to path (markdown), the hand-written notes of the file there kept
    below it; the report's text."""
    notes = NOTES_MARKER + "\n"
    if path.exists():
        old = path.read_text(encoding="utf-8")
        at = old.find(NOTES_MARKER)
        if at >= 0:
            notes = old[at:]
    text = markdown(data)
    path.write_text(text + "\n" + notes, encoding="utf-8")
    return text


def derived(results: list[dict], from_scale: int = MARGINAL_FROM) -> dict:
    """Pipeline (ingest + build + export) against the baseline, and marginal costs: from
    from_scale (when measured and not the largest; else the second largest) to the largest."""
    out: dict = {"per_scale": {}, "marginal": {}}
    for r in results:
        s = r["steps"]
        pipeline = sum(s[k]["median_seconds"] for k in ("ingest", "build", "export"))
        out["per_scale"][r["scale"]] = {
            "pipeline_seconds": pipeline,
            "baseline_seconds": r["baseline"]["median_seconds"],
            "ratio": pipeline / r["baseline"]["median_seconds"],
            "rows": r["input"]["rows"],
        }
    by_scale = {r["scale"]: r for r in results}
    scales = sorted(by_scale)
    if len(scales) >= 2:
        low = by_scale[from_scale if from_scale in scales[:-1] else scales[-2]]
        high = by_scale[scales[-1]]
        million = (high["input"]["rows"] - low["input"]["rows"]) / 1e6
        rows_growth = high["input"]["rows"] / low["input"]["rows"]

        def per_million(a: float, b: float) -> float:
            return (b - a) / million

        marginal = {}
        for key, _ in STEPS:
            lo, hi = low["steps"][key], high["steps"][key]
            marginal[key] = {
                "seconds_per_million_rows": per_million(lo["median_seconds"], hi["median_seconds"]),
                "rss_mb_per_million_rows": per_million(
                    lo["peak_tree_rss_mb"], hi["peak_tree_rss_mb"]
                ),
                "rss_growth": hi["peak_tree_rss_mb"] / lo["peak_tree_rss_mb"],
            }
        lo_p = out["per_scale"][low["scale"]]["pipeline_seconds"]
        hi_p = out["per_scale"][high["scale"]]["pipeline_seconds"]
        base = per_million(low["baseline"]["median_seconds"], high["baseline"]["median_seconds"])
        marginal["pipeline"] = {"seconds_per_million_rows": per_million(lo_p, hi_p)}
        marginal["baseline"] = {
            "seconds_per_million_rows": base,
            "rss_mb_per_million_rows": per_million(
                low["baseline"]["peak_rss_mb"], high["baseline"]["peak_rss_mb"]
            ),
            "rss_growth": high["baseline"]["peak_rss_mb"] / low["baseline"]["peak_rss_mb"],
        }
        out["marginal"] = {
            "from_scale": low["scale"],
            "to_scale": high["scale"],
            "extra_million_rows": million,
            "rows_growth": rows_growth,
            "steps": marginal,
            "pipeline_over_baseline": marginal["pipeline"]["seconds_per_million_rows"] / base
            if base > 0
            else None,
        }
    return out


def _ms(x: float | None) -> str:
    return "" if x is None else f"{x:.0f}"


def _s(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def markdown(data: dict) -> str:
    m, results, d = data["machine"], data["scales"], data["derived"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.py); compare a change against these figures by",
        "running it again. Every figure is wall time of the command as a user runs it (a fresh",
        "process), the median of the runs with their spread (min–max), and the peak resident",
        "memory of that process. Demo ledgers (`chainkpi.demo`, seed "
        f"{data['seed']}, as of {data['as_of']}); a fresh workspace per run. The runs go in rounds (round k:",
        "run k of every scale), so a machine that changes speed meanwhile moves every scale's",
        "figures alike rather than the marginal cost, a difference between scales.",
        "",
        f"- date: {data['date']}; total bench time {data['total_seconds']:.0f} s; "
        f"{data['runs']} runs per figure ({data.get('large_runs', data['runs'])} from scale "
        f"{data.get('large_from', 100)}; the runs column says); ledgers generated in this run: "
        f"{data.get('generated_seconds', 0):.0f} s",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}",
        f"- Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f"; commit {m['commit']}",
        f"- Python bytecode cache: {data['bytecode_cache']}",
        f"- load average (1 min) at start / end: {data['load_average'][0]:.2f} / "
        f"{data['load_average'][1]:.2f} — another busy process on the machine shows here and in "
        "wall times above CPU times",
        "",
        "## Input",
        "",
        "| scale | files | bytes | rows read | rows loaded |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        i = r["input"]
        lines.append(
            f"| {r['scale']} | {i['files']} | {i['bytes']:,} | {i['rows']:,} | {i['rows_loaded']:,} |"
        )
    lines += [
        "",
        "## Steps",
        "",
        "| scale | step | runs | median s | min–max s | CPU s | peak RSS MB | with children MB | rows/s | ÷ baseline |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        rows, base = r["input"]["rows"], r["baseline"]["median_seconds"]
        for key, label in STEPS:
            s = r["steps"][key]
            lines.append(
                f"| {r['scale']} | {label} | {len(s['runs'])} | {_s(s['median_seconds'])} | "
                f"{_s(s['min_seconds'])}–{_s(s['max_seconds'])} | {_s(s['median_cpu_seconds'])} | "
                f"{s['peak_rss_mb']:.0f} | {s.get('peak_tree_rss_mb', s['peak_rss_mb']):.0f} | "
                f"{rows / s['median_seconds']:,.0f} | {s['median_seconds'] / base:.1f}× |"
            )
        p = d["per_scale"][r["scale"]]
        b = r["baseline"]
        lines.append(
            f"| {r['scale']} | **pipeline: ingest + build + export** | | **{_s(p['pipeline_seconds'])}** "
            f"| | | | | {rows / p['pipeline_seconds']:,.0f} | **{p['ratio']:.1f}×** |"
        )
        lines.append(
            f"| {r['scale']} | baseline: one DuckDB SQL script on clean CSV | {len(b['runs'])} | "
            f"{_s(b['median_seconds'])} | {_s(b['min_seconds'])}–{_s(b['max_seconds'])} | "
            f"{_s(b['median_cpu_seconds'])} | {b['peak_rss_mb']:.0f} | {b['peak_tree_rss_mb']:.0f} | "
            f"{rows / b['median_seconds']:,.0f} | 1.0× |"
        )
    lines += [
        "",
        "The baseline's table equals the pipeline's `fct_kpi_progress` (contract columns) at "
        "every scale: "
        + ", ".join(f"scale {r['scale']} {r['baseline']['matches_pipeline']}" for r in results)
        + ". Its query alone (without starting Python and DuckDB): "
        + ", ".join(
            f"scale {r['scale']} {r['baseline']['query_median_seconds']:.2f} s" for r in results
        )
        + ".",
        "",
        "Of a fresh workspace's first `kpi build`, dbt's own run of the nodes (run_results.json "
        "`elapsed_time`; the rest is start-up, dbt's parse of what differs from the saved parse, "
        "and publish): "
        + ", ".join(
            f"scale {r['scale']} {r['steps']['build']['dbt_execute_median_seconds']:.2f} s "
            f"of {r['steps']['build']['median_seconds']:.2f} s ({r['steps']['build']['dbt_nodes']} nodes)"
            for r in results
        )
        + ". The installation's very first build, with no saved parse (full dbt parse; the "
        f"warm-up, scale 1, once): {data['full_parse_build']['seconds']:.2f} s, of which the "
        f"nodes {data['full_parse_build']['dbt_execute_seconds']:.2f} s.",
    ]
    mg = d.get("marginal")
    if mg:
        lines += [
            "",
            f"## Marginal cost, scale {mg['from_scale']} → {mg['to_scale']} "
            f"(+{mg['extra_million_rows']:.3f} million rows, rows × {mg['rows_growth']:.1f})",
            "",
            "| step | extra s per million rows | extra peak RSS MB per million rows | peak RSS × |",
            "| --- | ---: | ---: | ---: |",
        ]
        for key, label in (*STEPS, ("pipeline", "pipeline"), ("baseline", "baseline")):
            s = mg["steps"][key]
            rss = s.get("rss_mb_per_million_rows")
            growth = s.get("rss_growth")
            lines.append(
                f"| {label} | {s['seconds_per_million_rows']:.1f} | "
                f"{'' if rss is None else f'{rss:.0f}'} | {'' if growth is None else f'{growth:.2f}'} |"
            )
        ratio = mg["pipeline_over_baseline"]
        lines += [
            "",
            "Pipeline's marginal cost ÷ baseline's: "
            + (f"**{ratio:.1f}×**" if ratio is not None else "n/a (baseline did not grow)")
            + ".",
        ]
    if any("dashboard" in r for r in results):
        lines += [
            "",
            "## Dashboard (AppTest, signed in as a district user)",
            "",
            "First load: a fresh process (imports included). Cold: every cached query cleared "
            "(just after a new build). Warm: queries cached.",
            "",
            "| scale | page | first load s | cold median s (min–max) | warm median s (min–max) |",
            "| ---: | --- | ---: | ---: | ---: |",
        ]
        for r in results:
            for page, p in r.get("dashboard", {}).get("pages", {}).items():
                first = p.get("first_load_seconds")
                lines.append(
                    f"| {r['scale']} | {page} | {'' if first is None else _s(first)} | "
                    f"{_s(p['cold_median_seconds'])} ({_s(p['cold_min_seconds'])}–{_s(p['cold_max_seconds'])}) | "
                    f"{_s(p['warm_median_seconds'])} ({_s(p['warm_min_seconds'])}–{_s(p['warm_max_seconds'])}) |"
                )
    load = data.get("load")
    if load:
        pt, fl = load["page_time"], load["first_load"]
        lines += [
            "",
            f"## Load: {load['sessions']} dashboard sessions while `kpi build --force` republishes",
            "",
            "scripts/load_test.py on a copy of the scale-"
            f"{data['load_scale']} workspace, chromium headless on 127.0.0.1, "
            f"{load['duration_s']:.0f} s of load (a step: switch quarter or page, then read)"
            + (f"; rerun alone (--load-only) at {load['date']}." if load.get("date") else ".")
            + " The headless browsers run on the same cores as the dashboard and the builds"
            " (they take most of the CPU): the page times are an upper bound of what a user on"
            " a machine of their own would see.",
            "",
            "| sessions held | steps | page p50 ms | page p95 ms | page max ms | first load p50 ms "
            "| errors | builds completed / failed | dashboard RSS after, MB | dashboard peak RSS, MB |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {load['sessions_held']} of {load['sessions']} | {load['steps']} | "
            f"{_ms(pt['p50_ms'])} | {_ms(pt['p95_ms'])} | {_ms(pt['max_ms'])} | {_ms(fl['p50_ms'])} | "
            f"{load['errors']} | {load['builds_completed']} / {load['builds_failed']} | "
            f"{_ms(load['dashboard_rss_mb_after'])} | {_ms(load['dashboard_peak_rss_mb'])} |",
        ]
    ws = data.get("ws_load")
    if ws:
        lines += [
            "",
            f"## Serving: {ws['sessions']} signed-in sessions switching pages (websocket)",
            "",
            f"scripts/ws_load.py on the scale-{ws['scale']} workspace: every session signs in at "
            "once, then switches pages with no pause for "
            f"{ws.get('duration_s', 60):.0f} s, over Streamlit's own websocket protocol (no "
            "browser: the figures are the dashboard server's alone).",
            "",
            "| sessions | pages | pages/s | page p50 s | page p95 s | sign-in p50 s | sign-in p95 s "
            "| errors |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {ws['sessions']} | {ws['pages']} | {ws['pages_per_s']:.1f} | "
            f"{_s(ws['page_p50_s'])} | {_s(ws['page_p95_s'])} | {_s(ws['signin_p50_s'])} | "
            f"{_s(ws['signin_p95_s'])} | {ws['errors']} |",
        ]
    lines += [
        "",
        "## Start-up costs (paid by every run, whatever the data)",
        "",
        "| what | median s | min–max s | peak RSS MB |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, s in data["startup"].items():
        lines.append(
            f"| {label} | {_s(s['median_seconds'])} | {_s(s['min_seconds'])}–{_s(s['max_seconds'])} "
            f"| {s['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"
