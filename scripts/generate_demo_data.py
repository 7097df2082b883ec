"""Write the deterministic demo ledgers into the inbox (see chainkpi.demo).

.venv/bin/python scripts/generate_demo_data.py [--out DIR] [--scale N] [--seed S]
                                               [--as-of YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from chainkpi.demo import generate_detailed
from chainkpi.demo.district import FIRST_YEAR
from chainkpi.settings import Workspace


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write demo chain-office ledgers.")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to write into (default: the workspace inbox, $CHAINKPI_HOME/inbox)",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="row-count multiplier")
    parser.add_argument("--seed", type=int, default=20241, help="random seed")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="nothing is dated after this day (default: today)",
    )
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.as_of is not None and args.as_of < date(FIRST_YEAR, 1, 1):
        parser.error(f"--as-of must be {FIRST_YEAR}-01-01 or later")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    out = args.out if args.out is not None else Workspace.from_env().inbox
    result = generate_detailed(out, scale=args.scale, seed=args.seed, as_of=args.as_of)
    for written in result.files:
        print(f"{written.rows:>8} rows  {written.format:<15} {written.dataset:<17} {written.path}")
    total = sum(f.rows for f in result.files)
    print(f"{total:>8} rows in {len(result.files)} files ({len(result.planted)} deliberately bad)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
