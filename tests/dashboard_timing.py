"""How long the overview takes to render once its queries are cached (AppTest, warm cache).

    python -m tests.dashboard_timing [CHAINKPI_HOME] [runs]

For the benchmark (scripts/bench.py may import `overview_render_seconds`); not a test, and
no timing is asserted anywhere.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from chainkpi.settings import PROJECT_ROOT


def overview_render_seconds(home: Path | None = None, runs: int = 7) -> dict[str, float]:
    """Median and spread of the overview's rerun time after a first (cold) load."""
    from streamlit.testing.v1 import AppTest

    if home is not None:
        os.environ["CHAINKPI_HOME"] = str(home)
    from tests.dashboard_fixtures import sign_in

    at = sign_in(
        AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"), default_timeout=120),
        role="district",
    )
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    return {
        "cold_seconds": cold,
        "warm_median_seconds": statistics.median(warm),
        "warm_min_seconds": min(warm),
        "warm_max_seconds": max(warm),
        "runs": runs,
    }


if __name__ == "__main__":
    home = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    for key, value in overview_render_seconds(home, runs).items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
