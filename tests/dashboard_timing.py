"""How long a dashboard page takes to render (AppTest), signed in as a district user.

    python -m tests.dashboard_timing [CHAINKPI_HOME] [runs] [page]

For the benchmark (scripts/bench.py runs `page_render_seconds` in a subprocess of its own);
not a test, and no timing is asserted anywhere. Three figures per page:

- `first_load_seconds`: the very first run in a fresh process (Streamlit, plotly and the
  pages imported, queries run) — what the first visitor after `kpi serve` waits for;
- `cold_*`: a run with every cached query cleared (a new build was just published): the
  queries and the drawing, without the imports;
- `warm_*`: reruns with the queries cached (a filter changed back, another visitor).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from chainkpi.settings import PROJECT_ROOT

USER_KEY = "chainkpi_user"  # dashboards/signin.py
BENCH_USER = {"username": "bench", "role": "district", "display_name": "bench"}


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _stats(prefix: str, values: list[float]) -> dict[str, float]:
    return {
        f"{prefix}_median_seconds": statistics.median(values),
        f"{prefix}_min_seconds": min(values),
        f"{prefix}_max_seconds": max(values),
    }


def page_render_seconds(
    home: Path | None = None, runs: int = 5, pages: tuple[str, ...] = ("overview", "chain")
) -> dict[str, dict[str, float]]:
    """Per page: first load, cold (cache cleared) and warm (cached) render times."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    if home is not None:
        os.environ["CHAINKPI_HOME"] = str(home)
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"), default_timeout=300)
    at.session_state[USER_KEY] = dict(BENCH_USER)
    results: dict[str, dict[str, float]] = {}
    first_load = _timed(at.run)
    for page in pages:
        if page != "overview":
            at.switch_page(f"views/{page}.py")
        cold = []
        for _ in range(max(1, runs // 2)):
            st.cache_data.clear()
            cold.append(_timed(at.run))
        warm = [_timed(at.run) for _ in range(runs)]
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        if not at.title or not at.get("plotly_chart"):
            raise RuntimeError(f"{page}: rendered no title or chart (signed in? warehouse built?)")
        results[page] = {
            **({"first_load_seconds": first_load} if page == pages[0] else {}),
            **_stats("cold", cold),
            **_stats("warm", warm),
            "runs": runs,
        }
    return results


if __name__ == "__main__":
    home = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    pages = tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else ("overview", "chain")
    print(json.dumps(page_render_seconds(home, runs, pages), indent=2))
