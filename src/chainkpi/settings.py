"""Where things live: the workspace named by CHAINKPI_HOME and the project's own folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_home() -> Path:
    if (PROJECT_ROOT / "dbt_project.yml").exists():
        return PROJECT_ROOT / "data"
    return Path.cwd() / "data"


@dataclass(frozen=True)
class Workspace:
    """The folders of one workspace: inbox, archive, warehouse, exports, logs."""

    home: Path

    @classmethod
    def from_env(cls) -> Workspace:
        home = os.environ.get("CHAINKPI_HOME")
        return cls(Path(home).expanduser().resolve() if home else _default_home())

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def raw_db(self) -> Path:
        """The raw layer: accepted ledger rows with lineage, written by `kpi ingest` only."""
        return self.warehouse_dir / "raw_layer.duckdb"

    @property
    def published_db(self) -> Path:
        """The published warehouse that the dashboard and the export read, read-only."""
        return self.warehouse_dir / "chainkpi.duckdb"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def ensure(self) -> None:
        for folder in (self.inbox, self.archive, self.warehouse_dir, self.exports, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        # The archive keeps handed-in files byte for byte, personal data included:
        # readable by its owner alone.
        self.archive.chmod(0o700)


def disable_telemetry() -> None:
    """No outbound calls: dbt, Great Expectations and Streamlit statistics off."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
