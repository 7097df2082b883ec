"""项目储备库 — the project reserve list."""

from chainkpi.ingest.schema import DATASETS
from expectations._common import contract_expectations, not_before, required_when


def expectations() -> list:
    return [
        *contract_expectations(DATASETS["projects"]),
        # A stage needs the date of the step that reached it.
        required_when(
            "signed_date", "stage", ["signed", "started", "producing"], "stage_needs_date"
        ),
        required_when("started_date", "stage", ["started", "producing"], "stage_needs_date"),
        required_when("producing_date", "stage", ["producing"], "stage_needs_date"),
        # Dates present must be in order: signed ≤ started ≤ producing.
        not_before("started_date", "signed_date"),
        not_before("producing_date", "started_date"),
        not_before("producing_date", "signed_date"),
    ]
